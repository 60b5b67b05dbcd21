package dev.cairn.internal.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream on a thread of its own ({@code cairn-read-ahead}) into buffers taken from a pool,
 * each from a given offset until it is full or the stream ends, and hands them over in order: the
 * consumer (a chunker, cutting on one thread) no longer waits for the disk or the pipe between its
 * reads, nor the source for the consumer. Used by {@link ReadAhead} (a stream in front of a
 * consumer) and by the batching chunker (its own buffers, filled in place).
 *
 * <p>One consumer. {@link #close} stops the thread: a read under way finishes first (a thread
 * blocked in a pipe's read cannot be interrupted), and every buffer read but not taken goes back to
 * the pool. It does not close the source, which stays its owner's.
 */
public final class BufferReader implements AutoCloseable {
    /**
     * A buffer with the stream's bytes from the offset to {@code end}; {@code eof}: the last one,
     * ended by the stream's end or by its {@code failure} (the source's exception, as thrown), which
     * came after those bytes.
     */
    public record Filled(byte[] buf, int end, boolean eof, Throwable failure) {
    }

    private final BlockingQueue<byte[]> pool;
    private final BlockingQueue<Filled> filled;
    private final Thread thread;
    private volatile boolean stopped;

    /** Starts reading {@code in} into buffers of {@code pool} (of at most {@code buffers}) from {@code offset}. */
    public BufferReader(InputStream in, BlockingQueue<byte[]> pool, int buffers, int offset) {
        this.pool = pool;
        this.filled = new ArrayBlockingQueue<>(buffers + 1);
        thread = new Thread(() -> run(in, offset), "cairn-read-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(InputStream in, int offset) {
        try {
            while (!stopped) {
                Filled f = fill(in, pool.take(), offset);
                filled.add(f); // never full: it has room for every buffer of the pool
                if (f.eof()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // stopped
        } finally {
            if (stopped) {
                drain();
            }
        }
    }

    /**
     * Reads {@code in} into {@code b} from {@code offset} until it is full or the stream ends, on
     * the calling thread; a failure of the source ends it, in the result, after the bytes before it.
     */
    public static Filled fill(InputStream in, byte[] b, int offset) {
        int end = offset;
        try {
            while (end < b.length) {
                // At most 256 KiB per read: the JDK reads a heap array through a temporary direct
                // buffer of the read's size, reused per thread only up to jdk.nio.maxCachedBufferSize
                // (256 KiB, set by the CLI); larger ones are malloc'ed and freed on every read.
                int n = in.read(b, end, Math.min(Bytes.IO_SLICE, b.length - end));
                if (n < 0) {
                    return new Filled(b, end, true, null);
                }
                end += n;
            }
            return new Filled(b, end, false, null);
        } catch (IOException | RuntimeException | Error e) {
            return new Filled(b, end, true, e);
        }
    }

    /** The next buffer read, in order; after one with {@code eof}, waits forever. */
    public Filled next() throws InterruptedIOException {
        try {
            return filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        drain();
    }

    /** Buffers read but not taken go back to the pool (from either thread: each once). */
    private void drain() {
        for (Filled f; (f = filled.poll()) != null; ) {
            pool.add(f.buf());
        }
    }

    /** Whether the reading thread has ended within {@code millis} (tests). */
    boolean ended(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
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
