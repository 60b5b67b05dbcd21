package dev.cairn.internal.chunker;

import dev.cairn.internal.util.ReadAhead;

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

    /** As {@link #chunkBatches(InputStream, BatchSink, boolean)}, read on this thread. */
    public long chunkBatches(InputStream in, BatchSink sink) throws IOException {
        return chunkBatches(in, sink, false);
    }

    /**
     * Chunks the whole stream into {@code sink} in batches, cutting exactly where {@link #chunk}
     * cuts. The stream is read into one of a few buffers of {@link #batchBufferSize} bytes, after
     * room for a maximal chunk at its start; when one is cut, its whole chunks go to the sink and
     * the tail (less than a maximal chunk) moves to that room in the next buffer. With
     * {@code readAhead}, a thread of its own reads the stream into the free buffers while this one
     * cuts: the stream's bytes are then moved once, by the read, where a {@link ReadAhead} in front
     * moved them again on the cutting thread, whose work is the one step of a stream that cannot be
     * spread over the store's workers. The source's failure (its own exception) is thrown here;
     * bytes read with it are not chunked. Returns the bytes read.
     */
    public long chunkBatches(InputStream in, BatchSink sink, boolean readAhead) throws IOException {
        if (free == null) {
            int size = batchBufferSize(cdc);
            free = new ArrayBlockingQueue<>(BATCH_BUFFERS);
            for (int i = 0; i < BATCH_BUFFERS; i++) {
                free.add(new byte[size]);
            }
        }
        BlockingQueue<byte[]> pool = free;
        int room = cdc.max();
        Filler filler = readAhead ? new Filler(in, pool, room) : null;
        byte[] b = null;
        try {
            Filled f = filler != null ? filler.next() : Filler.fillFree(in, pool, room);
            b = f.buf();
            int start = room;
            int end = f.end();
            boolean eof = f.eof();
            long total = end - room;
            while (true) {
                int[] lens = new int[(end - start) / cdc.min() + 1];
                int count = 0;
                int first = start;
                while (end - start >= cdc.max() || eof && end > start) {
                    int len = cdc.cut(b, start, end - start);
                    lens[count++] = len;
                    start += len;
                }
                byte[] next = null;
                int nextStart = 0;
                int nextEnd = 0;
                if (!eof) {
                    Filled g = filler != null ? filler.next() : Filler.fillFree(in, pool, room);
                    next = g.buf();
                    int tail = end - start;
                    System.arraycopy(b, start, next, room - tail, tail);
                    nextStart = room - tail;
                    nextEnd = g.end();
                    eof = g.eof();
                    total += nextEnd - room;
                }
                byte[] handed = b;
                b = next;
                if (count > 0) {
                    sink.batch(handed, first, lens, count, () -> pool.add(handed));
                } else {
                    pool.add(handed);
                }
                if (b == null) {
                    return total;
                }
                start = nextStart;
                end = nextEnd;
            }
        } finally {
            if (b != null) {
                pool.add(b);
            }
            if (filler != null) {
                filler.stop();
            }
        }
    }

    /** A buffer with the stream's bytes from {@code room} to {@code end}; {@code eof}: the last. */
    private record Filled(byte[] buf, int end, boolean eof, Throwable failure) {
    }

    /**
     * Reads the stream into free buffers on a thread of its own ({@code cairn-read-ahead}), handing
     * them over in order. {@link #stop} ends it; a read under way finishes first (a thread blocked
     * in a pipe's read cannot be interrupted), and every buffer it held goes back to the pool.
     */
    private static final class Filler {
        private final BlockingQueue<byte[]> pool;
        private final BlockingQueue<Filled> filled = new ArrayBlockingQueue<>(BATCH_BUFFERS + 1);
        private final Thread thread;
        private volatile boolean stopped;

        Filler(InputStream in, BlockingQueue<byte[]> pool, int room) {
            this.pool = pool;
            thread = new Thread(() -> run(in, room), "cairn-read-ahead");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(InputStream in, int room) {
            try {
                while (!stopped) {
                    byte[] b = pool.take();
                    Filled f;
                    try {
                        f = fill(in, b, room);
                    } catch (IOException | RuntimeException | Error e) {
                        f = new Filled(b, room, true, e);
                    }
                    filled.add(f); // never full: it has room for every buffer
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

        /** The next buffer read; the source's failure is thrown, its buffer back in the pool. */
        Filled next() throws IOException {
            Filled f = take(filled);
            if (f.failure() != null) {
                pool.add(f.buf());
                ReadAhead.rethrow(f.failure());
            }
            return f;
        }

        void stop() {
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

        /** Reads into {@code b} from {@code room} until it is full or the stream ends. */
        static Filled fill(InputStream in, byte[] b, int room) throws IOException {
            int end = room;
            while (end < b.length) {
                // At most 256 KiB per read: the JDK reads a heap array through a temporary direct
                // buffer of the read's size, reused per thread only up to jdk.nio.maxCachedBufferSize
                // (256 KiB, set by the CLI); larger ones are malloc'ed and freed on every read.
                int n = in.read(b, end, Math.min(dev.cairn.internal.util.Bytes.IO_SLICE, b.length - end));
                if (n < 0) {
                    return new Filled(b, end, true, null);
                }
                end += n;
            }
            return new Filled(b, end, false, null);
        }

        /** {@link #fill} of a buffer from the pool, on the calling thread; on failure it goes back. */
        static Filled fillFree(InputStream in, BlockingQueue<byte[]> pool, int room) throws IOException {
            byte[] b = take(pool);
            try {
                return fill(in, b, room);
            } catch (IOException | RuntimeException | Error e) {
                pool.add(b);
                throw e;
            }
        }
    }

    private static <T> T take(BlockingQueue<T> queue) throws InterruptedIOException {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a stream into chunk buffers");
        }
    }
}
