package dev.cairn.internal.backend;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream over the bytes {@code [pos, end)} of an object ({@link dev.cairn.backend.Backend#open(String,
 * long, long)}): subclasses say how to read at a position; this keeps the position and the bounds.
 * Not thread-safe.
 */
public abstract class RangeInput extends InputStream {
    /** The object's offset of the next byte to return. */
    protected long pos;
    protected final long end;

    protected RangeInput(String name, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length + " of " + name);
        }
        this.pos = offset;
        this.end = offset + length;
    }

    /** Reads 1 to {@code len} bytes at {@link #pos} into {@code b}, or returns -1 where the object ends. */
    protected abstract int readAt(byte[] b, int off, int len) throws IOException;

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (pos >= end) {
            return -1;
        }
        int n = readAt(b, off, (int) Math.min(len, end - pos));
        if (n > 0) {
            pos += n;
        }
        return n;
    }
}
