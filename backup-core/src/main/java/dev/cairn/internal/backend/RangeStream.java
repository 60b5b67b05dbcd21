package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;

import java.io.IOException;

/**
 * {@link Backend#open(String, long, long)} for a backend without streams of its own: the range in
 * ranged reads of at most {@link #PIECE} bytes, one buffer reused. Not thread-safe.
 */
public final class RangeStream extends RangeInput {
    static final int PIECE = 1 << 20;
    private final Backend backend;
    private final String name;
    private byte[] buf;
    private int at;
    private int filled;

    public RangeStream(Backend backend, String name, long offset, long length) {
        super(name, offset, length);
        this.backend = backend;
        this.name = name;
    }

    @Override
    protected int readAt(byte[] b, int off, int len) throws IOException {
        if (at == filled) { // the buffer is used up: pos is where the next piece starts
            int n = (int) Math.min(PIECE, end - pos);
            byte[] got = backend.get(name, pos, n, buf);
            if (got.length < n) {
                throw new java.io.EOFException("short read of " + name + ": " + got.length + " of " + n + " bytes");
            }
            buf = got;
            at = 0;
            filled = n;
        }
        int n = Math.min(len, filled - at);
        System.arraycopy(buf, at, b, off, n);
        at += n;
        return n;
    }
}
