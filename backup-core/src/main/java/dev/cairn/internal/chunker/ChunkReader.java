package dev.cairn.internal.chunker;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Splits a stream into content-defined chunks, reusing one buffer of {@code 2 × max} bytes (each
 * byte is moved at most once). Not thread-safe: one per reading thread, {@link #reset} per stream.
 */
public final class ChunkReader {
    /** Receives each chunk; the bytes are valid only during the call. */
    public interface Sink {
        void chunk(byte[] buf, int off, int len) throws IOException;
    }

    /**
     * Receives runs of consecutive chunks: {@code lens[0..count)} bytes from {@code buf[off]} on.
     * The reader leaves {@code buf} alone until {@code done} runs, so the chunks may be processed
     * on another thread; {@code done} must run exactly once, whatever happens.
     */
    public interface BatchSink {
        void batch(byte[] buf, int off, int[] lens, int count, Runnable done) throws IOException;
    }

    /** Buffers of {@link #chunkBatches}: one being filled, the others with a sink. */
    private static final int BATCH_BUFFERS = 4;

    private final FastCdc cdc;
    private byte[] buf;
    private BlockingQueue<byte[]> free;

    public ChunkReader(FastCdc cdc) {
        this.cdc = cdc;
    }

    /** Chunks the whole stream into {@code sink}; returns the number of bytes read. */
    public long chunk(InputStream in, Sink sink) throws IOException {
        if (buf == null) {
            buf = new byte[Math.min(2 * cdc.max(), 64 * 1024)];
        }
        int start = 0;
        int end = 0;
        boolean eof = false;
        long total = 0;
        while (true) {
            // Fill until max bytes are available past start, or EOF.
            while (!eof && end - start < cdc.max()) {
                if (end == buf.length) {
                    if (start > 0) {
                        System.arraycopy(buf, start, buf, 0, end - start);
                        end -= start;
                        start = 0;
                    } else {
                        byte[] bigger = new byte[Math.min(2 * cdc.max(), buf.length * 2)];
                        System.arraycopy(buf, 0, bigger, 0, end);
                        buf = bigger;
                    }
                    continue;
                }
                // At most 256 KiB per read: the JDK reads a heap array through a temporary direct
                // buffer of the read's size, reused per thread only up to jdk.nio.maxCachedBufferSize
                // (256 KiB, set by the CLI); larger ones are malloc'ed and freed on every read.
                int n = in.read(buf, end, Math.min(dev.cairn.internal.util.Bytes.IO_SLICE, buf.length - end));
                if (n < 0) {
                    eof = true;
                } else {
                    end += n;
                    total += n;
                }
            }
            int avail = end - start;
            if (avail == 0) {
                return total;
            }
            int len = cdc.cut(buf, start, avail);
            sink.chunk(buf, start, len);
            start += len;
        }
    }

    /** The size of each of {@link #chunkBatches}' buffers: a few maximal chunks, at least 1 MiB. */
    public static int batchBufferSize(FastCdc cdc) {
        return Math.max(1 << 20, 4 * cdc.max());
    }

    /**
     * Chunks the whole stream into {@code sink} in batches, cutting exactly where {@link #chunk}
     * cuts. The stream is read into one of a few buffers of {@link #batchBufferSize} bytes; when
     * one is full, its whole chunks go to the sink and the tail (less than a maximal chunk) moves to
     * the next free buffer, waiting for one while all are with the sink. Returns the bytes read.
     */
    public long chunkBatches(InputStream in, BatchSink sink) throws IOException {
        if (free == null) {
            int size = batchBufferSize(cdc);
            free = new ArrayBlockingQueue<>(BATCH_BUFFERS);
            for (int i = 0; i < BATCH_BUFFERS; i++) {
                free.add(new byte[size]);
            }
        }
        BlockingQueue<byte[]> pool = free;
        byte[] b = take(pool);
        try {
            int start = 0;
            int end = 0;
            boolean eof = false;
            long total = 0;
            while (true) {
                while (!eof && end < b.length) {
                    int n = in.read(b, end, Math.min(dev.cairn.internal.util.Bytes.IO_SLICE, b.length - end));
                    if (n < 0) {
                        eof = true;
                    } else {
                        end += n;
                        total += n;
                    }
                }
                int[] lens = new int[(end - start) / cdc.min() + 1];
                int count = 0;
                int first = start;
                while (end - start >= cdc.max() || eof && end > start) {
                    int len = cdc.cut(b, start, end - start);
                    lens[count++] = len;
                    start += len;
                }
                byte[] next = eof ? null : take(pool);
                if (next != null) {
                    System.arraycopy(b, start, next, 0, end - start);
                    end -= start;
                    start = 0;
                }
                byte[] handed = b;
                b = next;
                if (count > 0) {
                    sink.batch(handed, first, lens, count, () -> pool.add(handed));
                } else {
                    pool.add(handed);
                }
                if (eof) {
                    return total;
                }
            }
        } finally {
            if (b != null) {
                pool.add(b);
            }
        }
    }

    private static byte[] take(BlockingQueue<byte[]> pool) throws InterruptedIOException {
        try {
            return pool.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a chunk buffer");
        }
    }
}
