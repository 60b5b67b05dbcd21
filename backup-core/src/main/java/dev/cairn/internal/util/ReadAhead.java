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
    private static final int BUFFERS = 4;
    /**
     * IO_SLICE: the JDK reads into a heap array through a temporary direct buffer, cached per thread
     * only up to that size (see Bytes); 1 MiB buffers cost 20 MiB of RSS and read no faster.
     */
    private static final int BUFFER_SIZE = Bytes.IO_SLICE;

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BufferReader reader;
    private volatile boolean closed;
    private BufferReader.Filled current;
    private int pos;

    public ReadAhead(InputStream source) {
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[BUFFER_SIZE]);
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
        closed = true;
        reader.close();
    }

    /** Whether the reading thread has ended within {@code millis} (tests). */
    boolean readerEnded(long millis) throws InterruptedException {
        return reader.ended(millis);
    }
}
