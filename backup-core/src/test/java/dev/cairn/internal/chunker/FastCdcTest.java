package dev.cairn.internal.chunker;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FastCdcTest {
    private static final int MIN = 512 * 1024;
    private static final int AVG = 1024 * 1024;
    private static final int MAX = 8 * 1024 * 1024;

    private static byte[] seed(int s) {
        byte[] b = new byte[32];
        new Random(s).nextBytes(b);
        return b;
    }

    private static byte[] random(int n, long s) {
        byte[] b = new byte[n];
        new Random(s).nextBytes(b);
        return b;
    }

    /** Boundaries as absolute end offsets. */
    private static List<Long> cuts(FastCdc cdc, byte[] data) throws IOException {
        List<Long> out = new ArrayList<>();
        long[] pos = {0};
        new ChunkReader(cdc).chunk(new ByteArrayInputStream(data), (b, off, len) -> {
            pos[0] += len;
            out.add(pos[0]);
        });
        return out;
    }

    @Test
    void chunkSizes_stayWithinBounds_andAverageNearTarget() throws IOException {
        FastCdc cdc = new FastCdc(seed(1), MIN, AVG, MAX, 2);
        byte[] data = random(64 * 1024 * 1024, 7);
        List<Long> c = cuts(cdc, data);
        long prev = 0;
        for (int i = 0; i < c.size(); i++) {
            long len = c.get(i) - prev;
            if (i < c.size() - 1) {
                assertThat(len).isBetween((long) MIN, (long) MAX);
            } else {
                assertThat(len).isBetween(1L, (long) MAX);
            }
            prev = c.get(i);
        }
        assertThat(prev).isEqualTo(data.length);
        double avg = (double) data.length / c.size();
        assertThat(avg).isBetween(AVG * 0.6, AVG * 1.6);
    }

    @Test
    void boundaries_stableUnderPrefixInsertion() throws IOException {
        FastCdc cdc = new FastCdc(seed(2), MIN, AVG, MAX, 2);
        byte[] data = random(32 * 1024 * 1024, 11);
        byte[] shifted = new byte[data.length + 100];
        System.arraycopy(random(100, 99), 0, shifted, 0, 100);
        System.arraycopy(data, 0, shifted, 100, data.length);
        List<Long> a = cuts(cdc, data);
        Set<Long> b = new HashSet<>();
        for (long x : cuts(cdc, shifted)) {
            b.add(x - 100);
        }
        long shared = a.stream().filter(b::contains).count();
        // All boundaries but the first one or two re-synchronize.
        assertThat(shared).isGreaterThanOrEqualTo(a.size() - 2);
    }

    @Test
    void differentSecrets_cutDifferently() throws IOException {
        byte[] data = random(32 * 1024 * 1024, 5);
        List<Long> a = cuts(new FastCdc(seed(3), MIN, AVG, MAX, 2), data);
        List<Long> b = cuts(new FastCdc(seed(4), MIN, AVG, MAX, 2), data);
        Set<Long> bs = new HashSet<>(b);
        long shared = a.stream().filter(bs::contains).count();
        assertThat(shared).isLessThanOrEqualTo(1); // only the end of the input
    }

    @Test
    void sameSecret_isDeterministic() throws IOException {
        byte[] data = random(8 * 1024 * 1024, 6);
        assertThat(cuts(new FastCdc(seed(9), MIN, AVG, MAX, 2), data))
                .isEqualTo(cuts(new FastCdc(seed(9), MIN, AVG, MAX, 2), data));
    }

    @Test
    void smallInput_isOneChunk() throws IOException {
        FastCdc cdc = new FastCdc(seed(1), MIN, AVG, MAX, 2);
        assertThat(cuts(cdc, random(1000, 1))).containsExactly(1000L);
        assertThat(cuts(cdc, new byte[0])).isEmpty();
    }

    @Test
    void spreadMask_hasRequestedBits() {
        assertThat(Long.bitCount(FastCdc.spreadMask(22))).isEqualTo(22);
        assertThat(Long.bitCount(FastCdc.spreadMask(18))).isEqualTo(18);
        assertThat(FastCdc.spreadMask(18) & 0xffffL).isZero();
    }

    /** The definition, written plainly: the cut of b[off, off+len). */
    private static int referenceCut(long[] g, long maskS, long maskL, int min, int avg, int max, byte[] b, int off,
                                    int len) {
        if (len <= min) {
            return len;
        }
        int n = Math.min(len, max);
        int normal = Math.min(avg, n);
        long h = 0;
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

    /**
     * FastCdc.cut cuts exactly where the plain definition does (a pin for any faster loop; a
     * two-bytes-a-step one was tried and was no faster): every length and offset parity, both mask
     * regions, inputs shorter than min, avg and max, random and low-entropy data, all normalization
     * levels.
     */
    @Test
    void cut_isExactlyTheOneByteDefinition() {
        Random r = new Random(17);
        int[][] sizes = {{64, 128, 512}, {65, 256, 1024}, {100, 512, 4096}, {4096, 16384, 65536}};
        long cuts = 0;
        for (int[] z : sizes) {
            for (int norm = 0; norm <= 3; norm++) {
                if (Integer.numberOfTrailingZeros(z[1]) - norm < 1) {
                    continue;
                }
                byte[] s = seed(z[0] + norm);
                FastCdc cdc = new FastCdc(s, z[0], z[1], z[2], norm);
                long[] g = FastCdc.gearTable(s);
                int bits = Integer.numberOfTrailingZeros(z[1]);
                long maskS = FastCdc.spreadMask(bits + norm);
                long maskL = FastCdc.spreadMask(bits - norm);
                for (int round = 0; round < 400; round++) {
                    byte[] data = new byte[z[2] * 2 + 7];
                    if (round % 5 == 4) {
                        for (int k = 0; k < data.length; k++) {
                            data[k] = (byte) (k % (1 + round % 13)); // low entropy: few or no cuts
                        }
                    } else {
                        r.nextBytes(data);
                    }
                    int off = r.nextInt(7);
                    int len = r.nextInt(data.length - off + 1);
                    assertThat(cdc.cut(data, off, len)).as("sizes %d/%d/%d norm %d round %d off %d len %d",
                                    z[0], z[1], z[2], norm, round, off, len)
                            .isEqualTo(referenceCut(g, maskS, maskL, z[0], z[1], z[2], data, off, len));
                    cuts++;
                }
            }
        }
        assertThat(cuts).isGreaterThan(5000);
    }
}
