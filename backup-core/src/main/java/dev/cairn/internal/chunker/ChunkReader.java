package dev.cairn.internal.chunker;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a stream into content-defined chunks, reusing one buffer of {@code 2 × max} bytes (each
 * byte is moved at most once). Not thread-safe: one per reading thread, {@link #reset} per stream.
 */
public final class ChunkReader {
    /** Receives each chunk; the bytes are valid only during the call. */
    public interface Sink {
        void chunk(byte[] buf, int off, int len) throws IOException;
    }

    private final FastCdc cdc;
    private byte[] buf;

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
}
