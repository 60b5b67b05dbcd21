package dev.cairn;

/** No repository at a location. */
public class RepositoryNotFoundException extends BackupException {
    private static final long serialVersionUID = 1L;

    public RepositoryNotFoundException(String message) {
        super(ErrorCode.REPOSITORY_NOT_FOUND, message);
    }

    public RepositoryNotFoundException(String message, Throwable cause) {
        super(ErrorCode.REPOSITORY_NOT_FOUND, message, cause);
    }
}
