package dev.cairn;

/**
 * Stable error codes carried by every {@link BackupException}. The CLI maps them to exit codes
 * (see {@link #exitCode()}); scripts treat unknown exit codes as failure.
 */
public enum ErrorCode {
    /** Any failure without a more specific code. Exit 1. */
    FAILED(1),
    /** Bad arguments or configuration. Exit 2. */
    CONFIGURATION(2),
    /** A backup completed but some entries could not be read or changed while read. Exit 3. */
    PARTIAL_BACKUP(3),
    /** No repository at the given location. Exit 10. */
    REPOSITORY_NOT_FOUND(10),
    /** Another process holds a conflicting lock. Exit 11. */
    REPOSITORY_LOCKED(11),
    /** No key of the repository opens with the given password. Exit 12. */
    WRONG_PASSWORD(12),
    /** A repository already exists at the location given to init. Exit 13. */
    REPOSITORY_EXISTS(13),
    /** Stored data failed verification (MAC, hash, structure). Exit 14. */
    INTEGRITY(14),
    /** The source could not be read (a failed command, a broken stream). Exit 15. */
    SOURCE_READ(15),
    /** The storage backend failed. Exit 16. */
    BACKEND(16),
    /** A restore drill ran and found the restored data wrong or incomplete. Exit 17. */
    DRILL_FAILED(17),
    /** The operation was cancelled. Exit 130. */
    CANCELLED(130);

    private final int exitCode;

    ErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The process exit code the CLI uses for this error. */
    public int exitCode() {
        return exitCode;
    }
}
