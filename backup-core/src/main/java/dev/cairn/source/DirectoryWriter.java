package dev.cairn.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Receives one directory's entries. Each name may be given once. {@link #close()} completes the
 * directory; a child directory must be closed before its parent. Not thread-safe.
 */
public interface DirectoryWriter extends AutoCloseable {
    /** Stores a file whose content is read from {@code content} (to its end; not closed here). */
    void file(EntryMetadata meta, InputStream content) throws IOException;

    /**
     * Stores a file by reusing its content from the parent snapshot, without reading it, when the
     * parent has an entry of that name with equal size, mtime, ctime and inode whose data is all
     * present. Returns false (and stores nothing) otherwise.
     */
    boolean fileUnchanged(EntryMetadata meta);

    /** Metadata the parent snapshot recorded for {@code name} in this directory, if any. */
    Optional<EntryMetadata> previous(String name);

    /** Opens a subdirectory. */
    DirectoryWriter directory(EntryMetadata meta) throws IOException;

    /** Stores an entry without content: a symlink, a fifo, a device, a socket. */
    void special(EntryMetadata meta) throws IOException;

    @Override
    void close() throws IOException;
}
