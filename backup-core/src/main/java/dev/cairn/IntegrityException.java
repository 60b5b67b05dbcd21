package dev.cairn;

/** Stored data failed verification: a MAC, a hash or a structural check. */
public class IntegrityException extends BackupException {
    private static final long serialVersionUID = 1L;

    public IntegrityException(String message) {
        super(ErrorCode.INTEGRITY, message);
    }

    public IntegrityException(String message, Throwable cause) {
        super(ErrorCode.INTEGRITY, message, cause);
    }
}
