package dev.cairn.internal.chunker;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * FastCDC with normalized chunking (Xia et al., USENIX ATC 2016) over a gear table derived from a
 * repository secret, so that boundaries reveal nothing to whoever lacks the key. Immutable and
 * thread-safe; see docs/format.md for the exact definition.
 */
public final class FastCdc {
    public static final String ALGORITHM = "fastcdc-2016";

    /** The HMAC key of the gear table (the repository's chunker seed). */
    private final byte[] seed;
    /**
     * Made at the first cut: 512 HMACs, ~6 ms in a fresh JVM, which a re-backup of unchanged files
     * never needs. Threads that race compute the same table.
     */
    private volatile long[] gear;
    private final int min;
    private final int avg;
    private final int max;
    private final long maskS;
    private final long maskL;

    public FastCdc(byte[] seed, int min, int avg, int max, int normalization) {
        validate(min, avg, max, normalization);
        this.min = min;
        this.avg = avg;
        this.max = max;
        int bits = (int) Math.round(Math.log(avg) / Math.log(2));
        this.maskS = spreadMask(bits + normalization);
        this.maskL = spreadMask(bits - normalization);
        this.seed = seed.clone();
    }

    static long[] gearTable(byte[] seed) {
        long[] gear = new long[256];
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(seed, "HmacSHA256"));
            byte[] label = "cairn-gear-v1".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 256; i++) {
                mac.update(label);
                mac.update((byte) i);
                byte[] h = mac.doFinal();
                long v = 0;
                for (int k = 7; k >= 0; k--) {
                    v = v << 8 | (h[k] & 0xffL);
                }
                gear[i] = v;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        return gear;
    }

    public static void validate(int min, int avg, int max, int normalization) {
        if (min < 64 || min >= avg || avg >= max || max > 64 * 1024 * 1024) {
            throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min < avg < max <= 64 MiB: min="
                    + min + " avg=" + avg + " max=" + max);
        }
        if (Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("average chunk size must be a power of two: " + avg);
        }
        if (normalization < 0 || normalization > 3) {
            throw new IllegalArgumentException("normalization must be 0..3: " + normalization);
        }
    }

    /** A mask of {@code k} one-bits in the upper 48 bits: 63, 61, 59…, then 62, 60… */
    static long spreadMask(int k) {
        long m = 0;
        int placed = 0;
        for (int start = 63; start >= 62 && placed < k; start--) {
            for (int bit = start; bit >= 16 && placed < k; bit -= 2) {
                m |= 1L << bit;
                placed++;
            }
        }
        return m;
    }

    public int min() {
        return min;
    }

    public int avg() {
        return avg;
    }

    public int max() {
        return max;
    }

    /**
     * The length of the next chunk of {@code b[off, off+len)}. When fewer than {@code max} bytes
     * remain, the caller passes all that remain of the input (its end is a boundary).
     */
    public int cut(byte[] b, int off, int len) {
        if (len <= min) {
            return len;
        }
        int n = Math.min(len, max);
        int normal = Math.min(avg, n);
        long h = 0;
        long[] g = gear;
        if (g == null) {
            g = gearTable(seed);
            gear = g;
        }
        int i = min;
        for (; i < normal; i++) {
            h = (h << 1) + g[b[off + i] & 0xff];
            if ((h & maskS) == 0) {
                return i + 1;
            }
        }
        for (; i < n; i++) {
            h = (h << 1) + g[b[off + i] & 0xff];
            if ((h & maskL) == 0) {
                return i + 1;
            }
        }
        return n;
    }
}
