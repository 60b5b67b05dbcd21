package dev.cairn;

/** A source could not be read; no snapshot was written. */
public class SourceReadException extends BackupException {
    private static final long serialVersionUID = 1L;

    public SourceReadException(String message) {
        super(ErrorCode.SOURCE_READ, message);
    }

    public SourceReadException(String message, Throwable cause) {
        super(ErrorCode.SOURCE_READ, message, cause);
    }
}
