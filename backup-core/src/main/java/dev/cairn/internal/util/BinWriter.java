package dev.cairn.internal.util;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer for the repository's binary encodings. Not thread-safe. */
public final class BinWriter {
    private byte[] buf;
    private int len;

    public BinWriter(int initial) {
        buf = new byte[Math.max(16, initial)];
    }

    /** Writes into {@code reuse} (from its start) while it is large enough; the caller gives up the array. */
    public BinWriter(byte[] reuse) {
        buf = reuse.length < 16 ? new byte[16] : reuse;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            // Double small buffers; grow large ones (packs) by an eighth, so a pack's header does not
            // double a 16 MiB buffer.
            long grown = buf.length < (4 << 20) ? (long) buf.length * 2 : buf.length + (long) buf.length / 8;
            long want = Math.max(grown, (long) len + more);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("encoding too large: " + want + " bytes");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    public BinWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public BinWriter u32(long v) {
        ensure(4);
        buf[len++] = (byte) v;
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 24);
        return this;
    }

    public BinWriter u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[len++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public BinWriter raw(byte[] b) {
        return raw(b, 0, b.length);
    }

    public BinWriter raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public BinWriter bytes(byte[] b) {
        u32(b.length);
        return raw(b);
    }

    public BinWriter str(String s) {
        return bytes(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return len;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Bytes.copy(buf, 0, len);
    }
}
