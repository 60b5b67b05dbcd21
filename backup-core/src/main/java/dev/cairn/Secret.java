package dev.cairn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A secret value (a password) that never prints: {@link #toString()} is redacted. Build one from
 * an environment variable, a file or a char array; never from a literal in code or config.
 * Thread-safe; {@link #clear()} wipes the value.
 */
public final class Secret {
    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /** Copies the characters; the caller may wipe its array afterwards. */
    public static Secret of(char[] value) {
        if (value == null || value.length == 0) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        return new Secret(value.clone());
    }

    /** Reads the secret from an environment variable. */
    public static Secret fromEnv(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new ConfigurationException("Environment variable " + name + " is not set or empty.");
        }
        return new Secret(v.toCharArray());
    }

    /** Reads the secret from the first line of a file (a trailing newline is dropped). */
    public static Secret fromFile(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            if (nl >= 0) {
                s = s.substring(0, nl);
            }
            if (s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.isEmpty()) {
                throw new ConfigurationException("Password file " + file + " is empty.");
            }
            return new Secret(s.toCharArray());
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read password file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The value as UTF-8 bytes; the caller wipes the array after use. */
    public synchronized byte[] utf8() {
        java.nio.ByteBuffer bb = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(value));
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        if (bb.hasArray()) {
            Arrays.fill(bb.array(), (byte) 0);
        }
        return out;
    }

    /** Wipes the value. */
    public synchronized void clear() {
        Arrays.fill(value, '\0');
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
