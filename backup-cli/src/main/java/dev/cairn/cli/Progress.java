package dev.cairn.cli;

import dev.cairn.BackupListener;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stdout, refreshed twice a second, only when stdout is a terminal and
 * --quiet is not given; otherwise it prints nothing (cron gets only the summary):
 *
 * <pre>[0:42] 1234/5678 files  1.2 GiB/3.4 GiB  35%  98.1 MiB/s  ETA 0:23</pre>
 *
 * Totals come from suppliers that return -1 while unknown (a backup's totals come from a scan that
 * runs beside it); without totals the bar shows counts and rate only. Thread-safe.
 */
final class Progress {
    private static final Progress NONE = new Progress(null, "", false, () -> -1, () -> -1);
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final String verb;
    private final LongSupplier totalFiles;
    private final LongSupplier totalBytes;
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final long started = System.nanoTime();
    private final Thread ticker;
    private volatile boolean running = true;

    private Progress(PrintStream out, String verb, boolean show, LongSupplier totalFiles, LongSupplier totalBytes) {
        this.out = out;
        this.verb = verb;
        this.totalFiles = totalFiles;
        this.totalBytes = totalBytes;
        if (show) {
            ticker = new Thread(this::tick, "cairn-progress");
            ticker.setDaemon(true);
            ticker.start();
        } else {
            ticker = null;
        }
    }

    /** A bar without totals. */
    static Progress start(CairnCommand root, String verb) {
        return start(root, verb, () -> -1, () -> -1);
    }

    /** A bar with totals for the ETA (each supplier returns -1 while unknown). */
    static Progress start(CairnCommand root, String verb, LongSupplier totalFiles, LongSupplier totalBytes) {
        return shown(root) ? new Progress(root.out, verb, true, totalFiles, totalBytes) : NONE;
    }

    /** Whether a bar would be shown: stdout is a terminal and --quiet is not in effect. */
    static boolean shown(CairnCommand root) {
        return root.interactive && !root.quiet();
    }

    /**
     * The listener to give the backup or restore. A backup reports bytes read ({@code bytesProcessed});
     * a restore reports each file's bytes when it is done.
     */
    BackupListener listener() {
        return new BackupListener() {
            private final AtomicLong restored = new AtomicLong();
            private volatile boolean reportsBytes;

            @Override
            public void entryDone(String path, long n) {
                files.incrementAndGet();
                if (!reportsBytes) {
                    bytes.set(restored.addAndGet(n));
                }
            }

            @Override
            public void bytesProcessed(long total) {
                reportsBytes = true;
                bytes.set(total);
            }
        };
    }

    /** {@code l}, running {@code first} once, when a backup first reports bytes read. */
    static BackupListener onFirstBytes(BackupListener l, Runnable first) {
        AtomicBoolean ran = new AtomicBoolean();
        return new BackupListener() {
            @Override
            public void entryDone(String path, long n) {
                l.entryDone(path, n);
            }

            @Override
            public void warning(String path, String message) {
                l.warning(path, message);
            }

            @Override
            public void bytesProcessed(long total) {
                if (!ran.get() && ran.compareAndSet(false, true)) {
                    first.run();
                }
                l.bytesProcessed(total);
            }
        };
    }

    private void tick() {
        while (running) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            if (running) {
                String line = line(System.nanoTime() - started, files.get(), bytes.get(), totalFiles.getAsLong(),
                        totalBytes.getAsLong(), verb);
                synchronized (out) {
                    out.print("\r" + line + "\u001b[K");
                    out.flush();
                }
            }
        }
    }

    /** The bar's text (without the carriage return). */
    static String line(long elapsedNanos, long files, long bytes, long totalFiles, long totalBytes, String verb) {
        long s = TimeUnit.NANOSECONDS.toSeconds(elapsedNanos);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%s] ", clock(s)));
        sb.append(files);
        if (totalFiles >= 0) {
            sb.append('/').append(totalFiles);
        }
        sb.append(" files  ").append(Format.bytes(bytes));
        if (totalBytes >= 0) {
            sb.append('/').append(Format.bytes(totalBytes));
        }
        sb.append(' ').append(verb);
        double secs = elapsedNanos / 1e9;
        double rate = secs > 0.5 ? bytes / secs : 0;
        if (totalBytes > 0) {
            double f = Math.min(1.0, (double) bytes / totalBytes);
            int full = (int) Math.round(f * WIDTH);
            sb.append("  [").append("#".repeat(full)).append("-".repeat(WIDTH - full)).append("] ")
                    .append((int) Math.floor(f * 100)).append('%');
        }
        if (rate > 0) {
            sb.append("  ").append(Format.bytes((long) rate)).append("/s");
        }
        if (totalBytes >= 0 && rate > 0) {
            long eta = (long) Math.ceil(Math.max(0, totalBytes - bytes) / rate);
            sb.append("  ETA ").append(clock(eta));
        }
        return sb.toString();
    }

    private static String clock(long s) {
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Stops the display and clears its line. */
    void stop() {
        if (ticker == null) {
            return;
        }
        running = false;
        ticker.interrupt();
        try {
            ticker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (out) {
            out.print("\r\u001b[K");
            out.flush();
        }
    }
}
