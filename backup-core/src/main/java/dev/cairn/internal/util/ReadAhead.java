package dev.cairn.internal.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A stream read ahead of its consumer by a thread of its own ({@link BufferReader}), into a few
 * buffers: the consumer (the chunker, cutting and hashing on one thread) no longer waits for the
 * disk or the pipe between its reads, nor the source for the consumer. A dump read from a cold page
 * cache waited ~0.5-1 s per 800 MB in the reads of the thread that also cut it.
 *
 * <p>Not thread-safe (one consumer). {@link #close()} stops the reading thread; it does not close
 * the source, which stays its owner's. A failure of the source (its IOException or unchecked
 * exception, as it was thrown) is thrown by the {@code read} that reaches it, after the bytes read
 * before it.
 */
public final class ReadAhead extends InputStream {
    /** Buffers of {@link Bytes#IO_SLICE} bytes per stream. */
    public static final int BUFFERS = 4;
    /**
     * IO_SLICE: the JDK reads into a heap array through a temporary direct buffer, cached per thread
     * only up to that size (see Bytes); 1 MiB buffers cost 20 MiB of RSS and read no faster.
     */
    private static final int BUFFER_SIZE = Bytes.IO_SLICE;

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BufferPool buffers;
    private final BufferReader reader;
    private volatile boolean closed;
    private BufferReader.Filled current;
    private int pos;

    public ReadAhead(InputStream source) {
        this(source, null);
    }

    /**
     * Reads ahead into buffers taken from {@code buffers} (null: new ones), given back by
     * {@link #close} once the reading thread has ended: a backup reads every large file through one
     * of these, and a new megabyte per file lived for the file's whole read, was promoted, and
     * became garbage in the old generation when the file ended.
     */
    public ReadAhead(InputStream source, BufferPool buffers) {
        this.buffers = buffers;
        for (int i = 0; i < BUFFERS; i++) {
            free.add(buffers != null ? buffers.take(BUFFER_SIZE) : new byte[BUFFER_SIZE]);
        }
        reader = new BufferReader(source, free, BUFFERS, 0);
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
        while (current == null || pos == current.end()) {
            if (current != null) {
                if (current.eof()) {
                    // The source's own exception, of its own type (thrown on the reading thread).
                    BufferReader.rethrow(current.failure());
                    return -1;
                }
                free.add(current.buf());
            }
            current = reader.next();
            pos = 0;
        }
        int n = Math.min(len, current.end() - pos);
        System.arraycopy(current.buf(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reader.close();
        if (buffers == null) {
            return;
        }
        // Given back only once no thread can write them: normally the reader has met the end
        // already; one still blocked in a read keeps its buffers, which go to the collector.
        try {
            if (!reader.ended(RETURN_WAIT_MILLIS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (current != null) {
            buffers.give(current.buf());
            current = null;
        }
        for (byte[] b; (b = free.poll()) != null; ) {
            buffers.give(b);
        }
    }

    /** How long {@link #close} waits for the reading thread before leaving its buffers to the collector. */
    private static final long RETURN_WAIT_MILLIS = 20;

    /** Whether the reading thread has ended within {@code millis} (tests). */
    boolean readerEnded(long millis) throws InterruptedException {
        return reader.ended(millis);
    }
}
