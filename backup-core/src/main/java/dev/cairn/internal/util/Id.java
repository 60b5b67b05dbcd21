package dev.cairn.internal.util;

import java.util.Arrays;

/** A 32-byte id (blob, pack, snapshot) with value semantics. Immutable. */
public final class Id implements Comparable<Id> {
    public static final int LENGTH = 32;
    private final byte[] b;
    private final int hash;

    private Id(byte[] b) {
        this.b = b;
        this.hash = Arrays.hashCode(b);
    }

    public static Id of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("id must be 32 bytes, not " + bytes.length);
        }
        return new Id(bytes.clone());
    }

    public static Id of(byte[] bytes, int off) {
        return new Id(Bytes.copy(bytes, off, off + LENGTH));
    }

    public static Id parse(String hex) {
        if (!Hex.isHex(hex, 64)) {
            throw new IllegalArgumentException("not a 64-character hex id: " + hex);
        }
        return new Id(Hex.decode(hex));
    }

    public byte[] bytes() {
        return b.clone();
    }

    /** The i-th big-endian 64-bit word (i in 0..3), for compact index storage. */
    public long word(int i) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | (b[i * 8 + k] & 0xffL);
        }
        return v;
    }

    public static Id ofWords(long w0, long w1, long w2, long w3) {
        byte[] out = new byte[LENGTH];
        long[] w = {w0, w1, w2, w3};
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 8; k++) {
                out[i * 8 + k] = (byte) (w[i] >>> (56 - 8 * k));
            }
        }
        return new Id(out);
    }

    public void copyTo(byte[] dst, int off) {
        System.arraycopy(b, 0, dst, off, LENGTH);
    }

    public String hex() {
        return Hex.encode(b);
    }

    public String shortHex() {
        return Hex.encode(b, 0, 4);
    }

    @Override
    public int compareTo(Id o) {
        return Arrays.compareUnsigned(b, o.b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Id other && Arrays.equals(b, other.b);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return hex();
    }
}
