package dev.cairn.internal.util;

/**
 * Copies of byte ranges through {@link System#arraycopy}. Not {@code Arrays.copyOfRange}: on JDK
 * 17.0.15 (this machine), once C2 had compiled a caller of it under the profile of the fuzz test
 * (many short reads of mutated objects), the copies came back zero-filled: an index of 5,000
 * distinct blob ids decoded as 5,000 zero ids, reproducibly in about half the runs of
 * FuzzRepositoryTest followed by BlobIndexTest, never with {@code -XX:TieredStopAtLevel=1}, and
 * never after this change (BlobIndexTest keeps the test that caught it).
 */
public final class Bytes {
    /**
     * The largest piece in which a heap array is read or written through a channel or stream. The
     * JDK copies a heap buffer through a temporary direct buffer of the call's size, which it keeps
     * per thread only up to {@code jdk.nio.maxCachedBufferSize} (set to this by the CLI, so that
     * threads do not pin megabytes of native memory); a larger call allocates, zero-fills and frees
     * a new one every time. Restore wrote 1 MiB pieces: 30 % of its CPU went to that (1 GiB of
     * random data restored in 6.9-7.9 s instead of 4-5).
     */
    public static final int IO_SLICE = 256 << 10;

    private Bytes() {
    }

    /** {@code src[from, to)} as a new array. */
    public static byte[] copy(byte[] src, int from, int to) {
        int n = to - from;
        if (from < 0 || n < 0 || to > src.length) {
            throw new ArrayIndexOutOfBoundsException("range [" + from + ", " + to + ") of " + src.length + " bytes");
        }
        byte[] out = new byte[n];
        System.arraycopy(src, from, out, 0, n);
        return out;
    }
}
