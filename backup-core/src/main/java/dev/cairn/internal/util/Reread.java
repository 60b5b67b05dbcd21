package dev.cairn.internal.util;

import dev.cairn.IntegrityException;

import java.io.IOException;

/**
 * Reads again when what was read fails verification: a download corrupted in transit reads clean
 * the next time, damage at rest fails every time (then the {@link IntegrityException} stands).
 */
public final class Reread {
    /** A read followed by its verification. */
    @FunctionalInterface
    public interface Read<T> {
        T run() throws IOException;
    }

    public static final int ATTEMPTS = 3;

    private Reread() {
    }

    public static <T> T verified(Read<T> read) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.run();
            } catch (IntegrityException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
