package dev.cairn.internal.crypto;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Cairn's Argon2id against RFC 9106's test vector and BouncyCastle's generator. */
class Argon2KdfTest {

    @Test
    void rfc9106_argon2idTestVector() {
        byte[] password = filled(32, 0x01);
        byte[] salt = filled(16, 0x02);
        byte[] secret = filled(8, 0x03);
        byte[] ad = filled(12, 0x04);
        for (int threads : new int[]{1, 2, 4}) {
            byte[] tag = Argon2Kdf.hash(password, salt, secret, ad, 3, 32, 4, 32, threads);
            assertThat(HexFormat.of().formatHex(tag)).as("threads %d", threads)
                    .isEqualTo("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
        }
    }

    @Test
    void sameKeysAsBouncyCastle_overManyParameterSets() {
        Random r = new Random(9106);
        int[][] sets = { // memory KiB, passes, lanes, tag length
                {8, 1, 1, 32}, {64, 1, 1, 32}, {64, 3, 1, 32}, {100, 2, 2, 32}, {256, 3, 4, 32},
                {257, 2, 3, 16}, {1000, 1, 4, 64}, {1024, 2, 1, 100}, {4096, 3, 4, 32}, {8192, 1, 8, 32},
                {24, 1, 3, 32}, {2048, 4, 2, 72}};
        for (int[] s : sets) {
            for (int threads : new int[]{1, 2}) {
                byte[] password = new byte[r.nextInt(40)];
                r.nextBytes(password);
                byte[] salt = new byte[16 + r.nextInt(16)];
                r.nextBytes(salt);
                byte[] mine = Argon2Kdf.hash(password.clone(), salt, new byte[0], new byte[0], s[1], s[0], s[2], s[3],
                        threads);
                assertThat(mine).as("m=%d t=%d p=%d len=%d threads=%d", s[0], s[1], s[2], s[3], threads)
                        .isEqualTo(bouncyCastle(password, salt, s[0], s[1], s[2], s[3]));
            }
        }
    }

    @Test
    void derive_matchesBouncyCastle_atTheDefaults_andZeroesThePassword() {
        byte[] salt = new byte[16];
        new Random(1).nextBytes(salt);
        byte[] password = new byte[28];
        new Random(2).nextBytes(password);
        byte[] expected = bouncyCastle(password.clone(), salt, 64 * 1024, 3, 4, 32);
        byte[] key = Argon2Kdf.derive(password, new Argon2Kdf.Params(64 * 1024, 3, 4, salt));
        assertThat(key).isEqualTo(expected);
        assertThat(password).containsOnly(0);
    }

    private static byte[] bouncyCastle(byte[] password, byte[] salt, int memoryKiB, int passes, int lanes, int len) {
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withIterations(passes).withMemoryAsKB(memoryKiB).withParallelism(lanes).withSalt(salt).build());
        byte[] out = new byte[len];
        g.generateBytes(password, out);
        return out;
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }
}
