package dev.cairn.internal.crypto;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the JDK's AES-GCM, HMAC-SHA256 and SHA-256 code compiled while the key is derived. HotSpot
 * runs the AES-GCM, GHASH and SHA-2 intrinsics only from compiled code, and the first large
 * message a process decrypts (an index file, a multi-MiB blob) is one call that runs in the
 * interpreter from start to end: measured on a 4 MB index file, 166 ms, against a few ms once
 * compiled. Argon2id keeps the opening thread busy for about half a second; meanwhile this thread
 * encrypts and decrypts small messages under a throwaway key (with the launcher's
 * CompileThresholdScaling options a few calls suffice). Started early ({@code Repository.warmUp()},
 * which the CLI calls first thing), it also initialises Jackson and Tink while the command line is
 * parsed.
 * Nothing it computes is kept.
 */
public final class Warmup {
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Warmup() {
    }

    /** Starts the warm-up thread, once per JVM. */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(Warmup::run, "cairn-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run() {
        try {
            Class.forName("dev.cairn.internal.repo.RepoConfig"); // Jackson's ObjectMapper, 0.27 s
            Class.forName("dev.cairn.internal.crypto.MasterKey"); // Tink's registration, 0.13 s
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            SecretKeySpec aes = new SecretKeySpec(key, "AES");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] plain = new byte[4096];
            byte[] iv = new byte[12];
            for (int i = 0; i < 300; i++) {
                iv[0] = (byte) i;
                iv[1] = (byte) (i >>> 8);
                c.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, iv));
                byte[] ct = c.doFinal(plain);
                c.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, iv));
                c.doFinal(ct);
                mac.doFinal(plain);
                sha.digest(plain);
            }
        } catch (GeneralSecurityException | ClassNotFoundException | RuntimeException e) {
            // Only a warm-up: the real work reports its own failures.
        }
    }
}
