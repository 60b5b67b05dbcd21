package dev.cairn;

/**
 * A cancellation signal shared between the caller and a running operation. Thread-safe.
 * A cancelled backup writes no snapshot and throws a {@link BackupException} with
 * {@link ErrorCode#CANCELLED}.
 */
public final class Cancellation {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws if cancelled (or if the thread was interrupted). */
    public void check() {
        if (cancelled || Thread.currentThread().isInterrupted()) {
            throw new BackupException(ErrorCode.CANCELLED, "Operation cancelled.");
        }
    }
}
