package dev.cairn.internal.crypto;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads, on a background thread while the command line is parsed and the key derived, what opening
 * a repository needs first: Jackson and Tink (0.27 s and 0.13 s of class loading and initialisation
 * when first measured), the JCE's AES-GCM, HMAC and SHA-256 (one call each: provider lookup and
 * class initialisation, ~20 ms when the main thread did it) and zstd's native library (extracted
 * from the jar and loaded, ~10 ms). For the CLI it also
 * allocates the key derivation's memory ({@link Argon2Kdf#prepare}).
 *
 * <p>It used to encrypt, decrypt and hash in loops as well, to get the JDK's AES-GCM and SHA-2 code
 * compiled before the first multi-MiB decryption. With the launcher's CompileThresholdScaling options
 * that code compiles within a few calls anyway, and on two cores the loops only competed with the
 * key derivation (an unchanged re-backup of a 1 GiB file: 665 ms with them, 623 ms without). Nothing
 * it computes is kept, except the prepared memory, which the first derivation takes.
 */
public final class Warmup {
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Warmup() {
    }

    /**
     * Starts the warm-up thread, once per JVM; with {@code keyMemory}, it also allocates the memory
     * of a key derivation with the default parameters (for a process about to open a repository).
     */
    public static void start(boolean keyMemory) {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> run(keyMemory), "cairn-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run(boolean keyMemory) {
        try {
            Class.forName("dev.cairn.internal.repo.RepoConfig"); // JSON trees (Jackson's parser): the config is read first
            if (keyMemory) {
                Argon2Kdf.prepare(Argon2Kdf.DEFAULT_MEMORY_KIB, Argon2Kdf.DEFAULT_LANES);
            }
            // The key is unwrapped with AES-GCM, the config verified with HMAC-SHA256, objects named by SHA-256.
            byte[] zeros = new byte[32];
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            SecretKeySpec key = new SecretKeySpec(zeros, "AES");
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, zeros, 0, 12));
            byte[] ct = gcm.doFinal(zeros);
            gcm.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, zeros, 0, 12));
            gcm.doFinal(ct);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(zeros, "HmacSHA256"));
            mac.doFinal(zeros);
            MessageDigest.getInstance("SHA-256").digest(zeros);
            Class.forName("dev.cairn.internal.crypto.MasterKey"); // Tink's registration
            Class.forName("com.github.luben.zstd.Zstd"); // its native library
        } catch (ReflectiveOperationException | java.security.GeneralSecurityException | RuntimeException
                 | LinkageError | OutOfMemoryError e) {
            // Only a warm-up: the real work reports its own failures (a heap too small for the key
            // derivation's memory fails there, with the message that names the setting).
        }
    }
}
