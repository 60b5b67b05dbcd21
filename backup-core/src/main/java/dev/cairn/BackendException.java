package dev.cairn;

/** The storage backend failed. {@link #isRetriable()} tells whether trying again may help. */
public class BackendException extends BackupException {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    public BackendException(String message, boolean retriable, Throwable cause) {
        super(ErrorCode.BACKEND, message, cause);
        this.retriable = retriable;
    }

    public boolean isRetriable() {
        return retriable;
    }
}
