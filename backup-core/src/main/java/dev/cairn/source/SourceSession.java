package dev.cairn.source;

/** A running backup, as a {@link Source} sees it. Not thread-safe unless stated. */
public interface SourceSession {
    /** The snapshot's root directory: one entry per backed-up item. */
    DirectoryWriter root();

    /** Records a source-specific fact in the snapshot (binlog position, server version…). */
    void fact(String key, String value);

    /** Reports an entry that could not be backed up faithfully; the backup goes on as "partial". */
    void warn(String path, String message);

    /** True once the caller cancelled the backup; sources stop early by throwing. */
    boolean isCancelled();
}
