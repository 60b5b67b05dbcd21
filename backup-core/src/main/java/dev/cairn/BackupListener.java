package dev.cairn;

/**
 * Progress of a backup or restore. Every method defaults to a no-op. Methods may be called from
 * several threads at once; implementations must be thread-safe and quick.
 */
public interface BackupListener {
    /** An entry was completed: {@code bytes} of content (0 for reused or empty files). */
    default void entryDone(String path, long bytes) {
    }

    /** An entry could not be backed up or restored faithfully. */
    default void warning(String path, String message) {
    }

    /** Bytes read from the source so far (or written to the target, for restores). */
    default void bytesProcessed(long total) {
    }

    BackupListener NONE = new BackupListener() {
    };
}
