package dev.cairn.internal.crypto;

import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class Blake2bTest {
    /** RFC 7693 appendix A: BLAKE2b-512("abc"). */
    @Test
    void rfc7693_abc() {
        Blake2b d = new Blake2b(64);
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        d.update(abc, 0, abc.length);
        byte[] out = new byte[64];
        d.doFinal(out, 0);
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(
                "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                        + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    }

    /**
     * The same digest as BouncyCastle's for every output length and inputs of 0 to 600 bytes (empty,
     * exactly one and several 128-byte blocks, and around them), fed whole, byte by byte and in
     * random pieces; then reused after doFinal.
     */
    @Test
    void sameAsBouncyCastle_everyLength_anyFeeding_reusable() {
        Random r = new Random(7693);
        for (int outLen = 1; outLen <= 64; outLen++) {
            for (int n : new int[]{0, 1, 3, 64, 127, 128, 129, 255, 256, 257, 383, 384, 385, 600}) {
                byte[] in = new byte[n];
                r.nextBytes(in);
                byte[] expected = new byte[outLen];
                Blake2bDigest bc = new Blake2bDigest(outLen * 8);
                bc.update(in, 0, n);
                bc.doFinal(expected, 0);

                Blake2b mine = new Blake2b(outLen);
                byte[] out = new byte[outLen + 3];
                mine.update(in, 0, n);
                mine.doFinal(out, 3);
                assertThat(java.util.Arrays.copyOfRange(out, 3, out.length)).as("whole, out %d, in %d", outLen, n)
                        .isEqualTo(expected);

                for (byte b : in) {
                    mine.update(b);
                }
                out = new byte[outLen];
                mine.doFinal(out, 0);
                assertThat(out).as("bytewise after reuse, out %d, in %d", outLen, n).isEqualTo(expected);

                int at = 0;
                while (at < n) {
                    int k = Math.min(n - at, r.nextInt(200));
                    mine.update(in, at, k);
                    at += k;
                }
                mine.doFinal(out, 0);
                assertThat(out).as("pieces, out %d, in %d", outLen, n).isEqualTo(expected);
            }
        }
    }
}
