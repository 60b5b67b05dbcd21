package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;

import java.io.IOException;
import java.io.InputStream;

/**
 * {@link Backend#open(String, long, long)} for a backend without streams of its own: the range in
 * ranged reads of at most {@link #PIECE} bytes, one buffer reused. Not thread-safe.
 */
public final class RangeStream extends InputStream {
    static final int PIECE = 1 << 20;
    private final Backend backend;
    private final String name;
    private final long end;
    private long next;
    private byte[] buf;
    private int at;
    private int filled;

    public RangeStream(Backend backend, String name, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length + " of " + name);
        }
        this.backend = backend;
        this.name = name;
        this.next = offset;
        this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (at == filled) {
            if (next >= end) {
                return -1;
            }
            int n = (int) Math.min(PIECE, end - next);
            byte[] got = backend.get(name, next, n, buf);
            if (got.length < n) {
                throw new java.io.EOFException("short read of " + name + ": " + got.length + " of " + n + " bytes");
            }
            buf = got;
            next += n;
            at = 0;
            filled = n;
        }
        int n = Math.min(len, filled - at);
        System.arraycopy(buf, at, b, off, n);
        at += n;
        return n;
    }
}
