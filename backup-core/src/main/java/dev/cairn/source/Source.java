package dev.cairn.source;

import java.io.IOException;
import java.util.List;

/**
 * What a backup reads: a file tree, a stream, a database. A source walks its data and hands
 * entries to {@link SourceSession#root()}; it records consistency facts with
 * {@link SourceSession#fact}. If {@link #backup} throws, no snapshot is written (the packs
 * already uploaded are reused by the next backup). Entries that could not be read faithfully but
 * do not invalidate the backup are reported with {@link SourceSession#warn} (a "partial" backup).
 *
 * <p>Implementations need not be thread-safe: one backup calls {@link #backup} once.
 */
public interface Source {
    /** The source kind written into the snapshot: {@code fs}, {@code stream}, {@code mysql}… */
    String kind();

    /** A descriptor without credentials: a path, a redacted URL. */
    String descriptor();

    /** The paths recorded in the snapshot (used to find the parent snapshot). */
    default List<String> paths() {
        return List.of(descriptor());
    }

    /**
     * The repository's chunker parameter set this source's data dedups best with: {@code default}
     * (files), or {@code stream} (dumps, where small scattered changes are the rule).
     */
    default String chunking() {
        return "default";
    }

    /** Reads everything into the session. */
    void backup(SourceSession session) throws IOException;
}
