package dev.cairn.internal.crypto;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads Jackson and Tink (0.27 s and 0.13 s of class loading and initialisation when first
 * measured) on a background thread while the command line is parsed and the key derived.
 *
 * <p>It used to encrypt, decrypt and hash small messages as well, to get the JDK's AES-GCM and
 * SHA-2 code compiled before the first multi-MiB decryption. With the launcher's
 * CompileThresholdScaling options that code compiles within a few calls anyway, and on two cores the
 * extra thread only competed with the key derivation: an unchanged re-backup of a 1 GiB file took
 * 665 ms with it and 623 ms without (hyperfine, 20 runs), while restoring the 800 MB dump
 * (1.574 / 1.577 s), re-backing up the Linux source (1.60 / 1.56 s) and checking 1 GiB with
 * read-data (1.85 / 1.87 s) were unchanged. Nothing it computes is kept.
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
            Class.forName("dev.cairn.internal.repo.RepoConfig"); // Jackson's ObjectMapper
            Class.forName("dev.cairn.internal.crypto.MasterKey"); // Tink's registration
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            // Only a warm-up: the real work reports its own failures.
        }
    }
}
