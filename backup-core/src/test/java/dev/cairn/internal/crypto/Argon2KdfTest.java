package dev.cairn.internal.crypto;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cairn's Argon2id against RFC 9106's test vector and BouncyCastle's generator, with the memory
 * filled in Java and, where the native library loaded, by its portable and its AVX2 block function.
 */
class Argon2KdfTest {

    /** Where the memory is filled: Java, or Argon2Native's block function of that level. */
    enum Filler {
        JAVA(0), NATIVE_PORTABLE(1), NATIVE_AVX2(2);

        final int level;

        Filler(int level) {
            this.level = level;
        }

        /** Switches to this filler; false when this machine cannot run it. */
        boolean use() {
            if (level == 0) {
                Argon2Kdf.useNative(false);
                return true;
            }
            if (!Argon2Native.available() || Argon2Native.select(level) != level) {
                return false;
            }
            Argon2Kdf.useNative(true);
            return true;
        }

        /** Runs {@code check} with this filler, then switches back to the default. */
        void run(Runnable check) {
            assertThat(use()).isTrue();
            try {
                check.run();
            } finally {
                reset();
            }
        }

        static void reset() {
            Argon2Native.select(2);
            Argon2Kdf.useNative(true);
        }
    }

    static java.util.stream.Stream<Filler> fillers() {
        java.util.List<Filler> runnable = new java.util.ArrayList<>();
        for (Filler f : Filler.values()) {
            if (f.use()) {
                runnable.add(f);
            }
        }
        Filler.reset();
        return runnable.stream();
    }

    @ParameterizedTest
    @MethodSource("fillers")
    void rfc9106_argon2idTestVector(Filler filler) {
        filler.run(Argon2KdfTest::rfcVector);
    }

    private static void rfcVector() {
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

    @ParameterizedTest
    @MethodSource("fillers")
    void sameKeysAsBouncyCastle_overManyParameterSets(Filler filler) {
        filler.run(Argon2KdfTest::sameKeysAsBouncyCastle);
    }

    private static void sameKeysAsBouncyCastle() {
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

    @ParameterizedTest
    @MethodSource("fillers")
    void derive_matchesBouncyCastle_atTheDefaults_andZeroesThePassword(Filler filler) {
        filler.run(Argon2KdfTest::atTheDefaults);
    }

    private static void atTheDefaults() {
        byte[] salt = new byte[16];
        new Random(1).nextBytes(salt);
        byte[] password = new byte[28];
        new Random(2).nextBytes(password);
        byte[] expected = bouncyCastle(password.clone(), salt, 64 * 1024, 3, 4, 32);
        byte[] key = Argon2Kdf.derive(password, new Argon2Kdf.Params(64 * 1024, 3, 4, salt));
        assertThat(key).isEqualTo(expected);
        assertThat(password).containsOnly(0);
    }

    /**
     * Memory prepared ahead (the CLI's warm-up thread) is what the first derivation fills, with the
     * same key as fresh memory; a derivation with other parameters drops it, and nothing is prepared
     * (held) once a derivation has begun.
     */
    /**
     * A derivation that starts while the memory is being prepared (the CLI's warm-up thread
     * allocating 64 MiB as the main thread reaches the key) takes that memory instead of allocating
     * its own beside it: two such arrays do not fit the CLI's 128 MiB heap.
     */
    @Test
    void derivationDuringPreparation_allocatesOnce() throws Exception {
        byte[] salt = new byte[16];
        byte[] password = {9, 8, 7};
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 200; i++) {
                Argon2Kdf.unprepare();
                int before = Argon2Kdf.allocations();
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.Future<?> preparing = other.submit(() -> {
                    start.await();
                    Argon2Kdf.prepare(8 * 1024, 1);
                    return null;
                });
                start.await();
                Argon2Kdf.derive(password.clone(), new Argon2Kdf.Params(8 * 1024, 1, 1, salt));
                preparing.get();
                assertThat(Argon2Kdf.allocations() - before).as("arrays allocated in round %d", i).isEqualTo(1);
            }
        } finally {
            other.shutdownNow();
            Argon2Kdf.unprepare();
        }
    }

    @Test
    void preparedMemory_takenByTheFirstDerivationOnly_sameKey() {
        byte[] salt = new byte[16];
        new Random(3).nextBytes(salt);
        byte[] password = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] expected = bouncyCastle(password.clone(), salt, 1024, 2, 2, 32);
        try {
            Argon2Kdf.unprepare();
            Argon2Kdf.prepare(1024, 2);
            assertThat(Argon2Kdf.preparedWords()).isEqualTo(1024L * 128);
            assertThat(Argon2Kdf.derive(password.clone(), new Argon2Kdf.Params(1024, 2, 2, salt))).isEqualTo(expected);
            assertThat(Argon2Kdf.preparedWords()).isZero();
            Argon2Kdf.prepare(1024, 2);
            assertThat(Argon2Kdf.preparedWords()).as("prepared after the first derivation").isZero();
            assertThat(Argon2Kdf.derive(password.clone(), new Argon2Kdf.Params(1024, 2, 2, salt))).isEqualTo(expected);

            Argon2Kdf.unprepare();
            Argon2Kdf.prepare(2048, 2);
            assertThat(Argon2Kdf.derive(password.clone(), new Argon2Kdf.Params(1024, 2, 2, salt))).isEqualTo(expected);
            assertThat(Argon2Kdf.preparedWords()).as("memory of other parameters is dropped").isZero();
        } finally {
            Argon2Kdf.unprepare();
        }
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
