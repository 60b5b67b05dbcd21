package dev.cairn.cli;

import dev.cairn.BackupListener;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress display on stdout, refreshed twice a second, only when stdout is a terminal
 * and --quiet is not given; otherwise it prints nothing. Thread-safe.
 */
final class Progress {
    private static final Progress NONE = new Progress(null, "", false);

    private final PrintStream out;
    private final String verb;
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final long started = System.nanoTime();
    private final Thread ticker;
    private volatile boolean running = true;

    private Progress(PrintStream out, String verb, boolean show) {
        this.out = out;
        this.verb = verb;
        if (show) {
            ticker = new Thread(this::tick, "cairn-progress");
            ticker.setDaemon(true);
            ticker.start();
        } else {
            ticker = null;
        }
    }

    static Progress start(CairnCommand root, String verb) {
        return root.interactive && !root.quiet ? new Progress(root.out, verb, true) : NONE;
    }

    BackupListener listener() {
        return new BackupListener() {
            @Override
            public void entryDone(String path, long n) {
                entries.incrementAndGet();
            }

            @Override
            public void bytesProcessed(long total) {
                bytes.set(total);
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
                long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
                synchronized (out) {
                    out.print(String.format(Locale.ROOT, "\r[%d:%02d] %d entries, %s %s\u001b[K", s / 60, s % 60,
                            entries.get(), Format.bytes(bytes.get()), verb));
                    out.flush();
                }
            }
        }
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
