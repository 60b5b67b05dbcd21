package dev.cairn.internal.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A stream read ahead of its consumer by a thread of its own, into a few buffers: the consumer
 * (the chunker, cutting and hashing on one thread) no longer waits for the disk or the pipe between
 * its reads, nor the source for the consumer. A dump read from a cold page cache waited ~0.5-1 s
 * per 800 MB in the reads of the thread that also cut it.
 *
 * <p>Not thread-safe (one consumer). {@link #close()} stops the reading thread; it does not close
 * the source, which stays its owner's. A failure of the source (its IOException or unchecked
 * exception, as it was thrown) is thrown by the {@code read} that reaches it, after the bytes read
 * before it.
 */
public final class ReadAhead extends InputStream {
    private static final int BUFFERS = 4;
    /**
     * IO_SLICE: the JDK reads into a heap array through a temporary direct buffer, cached per thread
     * only up to that size (see Bytes); 1 MiB buffers cost 20 MiB of RSS and read no faster.
     */
    private static final int BUFFER_SIZE = Bytes.IO_SLICE;

    /** A filled buffer: {@code length} bytes, or the end ({@code length < 0}), or a failure. */
    private record Slot(byte[] buf, int length, Throwable failure) {
    }

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Slot> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread reader;
    private volatile boolean closed;
    private Slot current;
    private int pos;
    private boolean done;

    public ReadAhead(InputStream source) {
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[BUFFER_SIZE]);
        }
        reader = new Thread(() -> fill(source), "cairn-read-ahead");
        reader.setDaemon(true);
        reader.start();
    }

    private void fill(InputStream source) {
        try {
            while (!closed) {
                byte[] b = free.take();
                int n = 0;
                boolean eof = false;
                try {
                    while (n < b.length) {
                        int r = source.read(b, n, b.length - n);
                        if (r < 0) {
                            eof = true;
                            break;
                        }
                        n += r;
                    }
                } catch (IOException | RuntimeException | Error e) {
                    if (n > 0) {
                        filled.put(new Slot(b, n, null));
                    }
                    filled.put(new Slot(null, -1, e));
                    return;
                }
                if (n > 0) {
                    filled.put(new Slot(b, n, null));
                } else {
                    free.put(b);
                }
                if (eof) {
                    filled.put(new Slot(null, -1, null));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (closed) {
            throw new IOException("stream closed");
        }
        while (current == null || pos == current.length()) {
            if (done) {
                return -1;
            }
            if (current != null) {
                free.add(current.buf());
                current = null;
            }
            Slot s;
            try {
                s = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading");
            }
            if (s.length() < 0) {
                done = true;
                rethrow(s.failure());
                return -1;
            }
            current = s;
            pos = 0;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.buf(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        reader.interrupt();
    }

    /** Whether the reading thread has ended within {@code millis} (tests). */
    boolean readerEnded(long millis) throws InterruptedException {
        reader.join(millis);
        return !reader.isAlive();
    }

    /**
     * Throws a source's failure caught on a reading thread as itself, of its own type (an
     * IOException, unchecked exception or error); nothing for null.
     */
    public static void rethrow(Throwable failure) throws IOException {
        if (failure instanceof IOException e) {
            throw e;
        } else if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IOException(failure);
        }
    }
}
