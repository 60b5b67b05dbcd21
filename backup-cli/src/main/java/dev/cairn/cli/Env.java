package dev.cairn.cli;

import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.Secret;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The environment variables the CLI reads, always from the map given to {@link Main#run}, never
 * from {@link System#getenv()}. Stateless.
 */
final class Env {
    static final String REPOSITORY = "CAIRN_REPOSITORY";
    static final String PASSWORD = "CAIRN_PASSWORD";
    static final String PASSWORD_FILE = "CAIRN_PASSWORD_FILE";
    static final String NEW_PASSWORD = "CAIRN_NEW_PASSWORD";
    static final String NEW_PASSWORD_FILE = "CAIRN_NEW_PASSWORD_FILE";
    /** Argon2id memory (KiB) for keys created by init, key add and key passwd. Hidden: for tests. */
    static final String KDF_MEMORY_KIB = "CAIRN_KDF_MEMORY_KIB";
    /** Argon2id iterations for keys created by init, key add and key passwd. Hidden: for tests. */
    static final String KDF_ITERATIONS = "CAIRN_KDF_ITERATIONS";

    private static final int DEFAULT_KDF_MEMORY_KIB = 64 * 1024;
    private static final int DEFAULT_KDF_ITERATIONS = 3;

    private Env() {
    }

    /** Whether CAIRN_PASSWORD or CAIRN_PASSWORD_FILE is set. */
    static boolean hasPassword(Map<String, String> env) {
        return !isBlank(env.get(PASSWORD)) || !isBlank(env.get(PASSWORD_FILE));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isEmpty();
    }

    /** The repository password, from CAIRN_PASSWORD or CAIRN_PASSWORD_FILE. */
    static Secret password(Map<String, String> env) {
        return secret(env, PASSWORD, PASSWORD_FILE, "the repository password");
    }

    /** The new password for key add / key passwd, from CAIRN_NEW_PASSWORD or CAIRN_NEW_PASSWORD_FILE. */
    static Secret newPassword(Map<String, String> env) {
        return secret(env, NEW_PASSWORD, NEW_PASSWORD_FILE, "the new password");
    }

    private static Secret secret(Map<String, String> env, String var, String fileVar, String what) {
        String value = env.get(var);
        String file = env.get(fileVar);
        boolean hasValue = value != null && !value.isEmpty();
        boolean hasFile = file != null && !file.isEmpty();
        if (hasValue && hasFile) {
            throw new ConfigurationException("Both " + var + " and " + fileVar + " are set: set only one of them.");
        }
        if (hasFile) {
            return Secret.fromFile(Path.of(file));
        }
        if (hasValue) {
            char[] chars = value.toCharArray();
            try {
                return Secret.of(chars);
            } finally {
                Arrays.fill(chars, '\0');
            }
        }
        throw new ConfigurationException("No password: set " + var + " or " + fileVar + " to " + what
                + " (passwords are never taken from arguments).");
    }

    /** Applies CAIRN_KDF_MEMORY_KIB / CAIRN_KDF_ITERATIONS, if set, to a builder that will create a key. */
    static Repository.Builder kdf(Repository.Builder b, Map<String, String> env) {
        String mem = env.get(KDF_MEMORY_KIB);
        String it = env.get(KDF_ITERATIONS);
        if ((mem == null || mem.isBlank()) && (it == null || it.isBlank())) {
            return b;
        }
        int m = positiveInt(KDF_MEMORY_KIB, mem, DEFAULT_KDF_MEMORY_KIB);
        int i = positiveInt(KDF_ITERATIONS, it, DEFAULT_KDF_ITERATIONS);
        try {
            return b.kdf(m, i, 1);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Invalid " + KDF_MEMORY_KIB + "/" + KDF_ITERATIONS + ": "
                    + e.getMessage(), e);
        }
    }

    private static int positiveInt(String name, String value, int dflt) {
        if (value == null || value.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(name + " must be a whole number: " + value, e);
        }
    }
}
