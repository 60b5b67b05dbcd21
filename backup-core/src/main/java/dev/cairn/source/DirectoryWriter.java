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

    /**
     * Stores a file whose content the writer reads when it chooses: possibly later, on another
     * thread, and concurrently with other files of the same backup (a backup's writer reads small
     * files on a pool of reader threads, so that a tree of many small files is not read one file at
     * a time). The entry keeps its place in the directory. {@code content}'s methods must be
     * thread-safe with respect to the source's own state. The default reads at once, on this thread.
     */
    default void file(EntryMetadata meta, FileContent content) throws IOException {
        InputStream in = content.open();
        if (in == null) {
            return;
        }
        try (in) {
            file(meta, in);
        }
        content.afterRead();
    }

    /** A file's content, opened by the writer when it reads it. */
    interface FileContent {
        /**
         * Opens the content, or returns null when it cannot be read (the source has reported why,
         * through {@link SourceSession#warn}): the file is then left out of the snapshot.
         */
        InputStream open() throws IOException;

        /** Called on the reading thread once the content was read to its end and closed. */
        default void afterRead() throws IOException {
        }
    }

    /** Metadata the parent snapshot recorded for {@code name} in this directory, if any. */
    Optional<EntryMetadata> previous(String name);

    /** Opens a subdirectory. */
    DirectoryWriter directory(EntryMetadata meta) throws IOException;

    /** Stores an entry without content: a symlink, a fifo, a device, a socket. */
    void special(EntryMetadata meta) throws IOException;

    @Override
    void close() throws IOException;
}
