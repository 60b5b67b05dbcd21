package dev.cairn;

/** Another process holds a conflicting lock on the repository. */
public class RepositoryLockedException extends BackupException {
    private static final long serialVersionUID = 1L;

    public RepositoryLockedException(String message) {
        super(ErrorCode.REPOSITORY_LOCKED, message);
    }

    public RepositoryLockedException(String message, Throwable cause) {
        super(ErrorCode.REPOSITORY_LOCKED, message, cause);
    }
}
