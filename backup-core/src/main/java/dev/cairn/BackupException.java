package dev.cairn;

import java.util.Objects;

/**
 * Root of Cairn's unchecked exceptions. The message says what failed, which object, and how to
 * fix it; it never contains a secret.
 */
public class BackupException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public BackupException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public BackupException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable code of this failure, never null. */
    public ErrorCode code() {
        return code;
    }
}
