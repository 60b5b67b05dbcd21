package dev.cairn.internal.crypto;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.util.Arrays;

/** Argon2id (RFC 9106) through BouncyCastle. */
public final class Argon2Kdf {
    /** Parameters stored in a key object. */
    public record Params(int memoryKiB, int iterations, int parallelism, byte[] salt) {
        public Params {
            if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
                throw new IllegalArgumentException("argon2 memoryKiB out of range: " + memoryKiB);
            }
            if (iterations < 1 || iterations > 100) {
                throw new IllegalArgumentException("argon2 iterations out of range: " + iterations);
            }
            if (parallelism < 1 || parallelism > 64) {
                throw new IllegalArgumentException("argon2 parallelism out of range: " + parallelism);
            }
            if (salt.length < 16) {
                throw new IllegalArgumentException("argon2 salt shorter than 16 bytes");
            }
        }
    }

    private Argon2Kdf() {
    }

    public static byte[] derive(byte[] password, Params p) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withIterations(p.iterations())
                .withMemoryAsKB(p.memoryKiB())
                .withParallelism(p.parallelism())
                .withSalt(p.salt())
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[32];
        gen.generateBytes(password, out);
        Arrays.fill(password, (byte) 0);
        return out;
    }
}
