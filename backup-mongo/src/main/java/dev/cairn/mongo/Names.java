package dev.cairn.mongo;

/** Checks database and collection names given to builders. Stateless. */
final class Names {
    private static final String BAD_DB_CHARS = "/\\. \"$*<>:|?\0";

    private Names() {
    }

    static String database(String name, String param) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(param + " must not be blank");
        }
        for (char c : name.toCharArray()) {
            if (BAD_DB_CHARS.indexOf(c) >= 0) {
                throw new IllegalArgumentException(param + " must not contain '" + (c == 0 ? "NUL" : String.valueOf(c))
                        + "': " + name);
            }
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
            throw new IllegalArgumentException(param + " must be at most 63 bytes: " + name);
        }
        return name;
    }

    static String collection(String name, String param) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(param + " must not be empty");
        }
        if (name.indexOf('\0') >= 0 || name.startsWith("$")) {
            throw new IllegalArgumentException(param + " must not contain NUL or start with '$': " + name);
        }
        return name;
    }
}
