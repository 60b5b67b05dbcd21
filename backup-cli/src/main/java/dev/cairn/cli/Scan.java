package dev.cairn.cli;

import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.EntryType;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Walks a source without storing anything: the {@code backup --dry-run} report, and the total the
 * progress bar's ETA is computed from. The source itself walks (so its include and exclude rules,
 * {@code .cairnignore} files and {@code --one-file-system} apply exactly as in a backup) into a
 * session that only counts; file contents are never read. A file counts as unchanged when the
 * parent snapshot has a file at the same path with the same size and mtime (the backup also
 * compares ctime and inode, which snapshot listings do not show, so it may read a few more).
 *
 * <p>Counters are updated as the walk goes and may be read from other threads; one scan runs once.
 */
final class Scan implements SourceSession {
    final AtomicLong files = new AtomicLong();
    final AtomicLong dirs = new AtomicLong();
    final AtomicLong others = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong newFiles = new AtomicLong();
    final AtomicLong changedFiles = new AtomicLong();
    final AtomicLong unchangedFiles = new AtomicLong();
    /** Bytes of new and changed files: what the backup will read. */
    final AtomicLong bytesToRead = new AtomicLong();
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    /** "new PATH" / "changed PATH" lines, when asked for. */
    final List<String> toRead = Collections.synchronizedList(new ArrayList<>());

    private final Map<String, SnapshotEntry> parent;
    private final boolean keepList;
    private volatile boolean cancelled;
    private volatile boolean done;

    /**
     * @param parent   the parent snapshot's entries by path ({@code repo.list(parent, "", true)}), empty for none
     * @param keepList whether to keep the list of files to read
     */
    Scan(Map<String, SnapshotEntry> parent, boolean keepList) {
        this.parent = parent;
        this.keepList = keepList;
    }

    /** Walks {@code source}; returns normally when done (or cancelled). */
    void run(Source source) throws IOException {
        try {
            source.backup(this);
        } catch (RuntimeException e) {
            if (!cancelled) {
                throw e;
            }
        } finally {
            done = true;
        }
    }

    boolean done() {
        return done;
    }

    void cancel() {
        cancelled = true;
    }

    @Override
    public DirectoryWriter root() {
        return new Dir("");
    }

    @Override
    public void fact(String key, String value) {
        // Facts describe a real backup; a scan records none.
    }

    @Override
    public void warn(String path, String message) {
        warnings.add(path + ": " + message);
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    private static Instant mtime(EntryMetadata m) {
        return Instant.ofEpochSecond(Math.floorDiv(m.mtimeNs(), 1_000_000_000L),
                Math.floorMod(m.mtimeNs(), 1_000_000_000L));
    }

    /** One directory of the walk; {@code prefix} is its path in the snapshot, with a trailing '/'. */
    private final class Dir implements DirectoryWriter {
        private final String prefix;

        Dir(String prefix) {
            this.prefix = prefix;
        }

        /** Counts the file; true when the parent has it unchanged (the source then does not open it). */
        @Override
        public boolean fileUnchanged(EntryMetadata m) {
            SnapshotEntry p = parent.get(prefix + m.name());
            if (p != null && p.type().equals("file") && p.size() == m.size() && p.mtime().equals(mtime(m))) {
                files.incrementAndGet();
                bytes.addAndGet(m.size());
                unchangedFiles.incrementAndGet();
                return true;
            }
            return false;
        }

        @Override
        public void file(EntryMetadata m, InputStream content) {
            // Never read: the walk is all a dry run does.
            String path = prefix + m.name();
            files.incrementAndGet();
            bytes.addAndGet(m.size());
            bytesToRead.addAndGet(m.size());
            boolean isNew = !parent.containsKey(path);
            (isNew ? newFiles : changedFiles).incrementAndGet();
            if (keepList) {
                toRead.add((isNew ? "new     " : "changed ") + "/" + path);
            }
        }

        @Override
        public Optional<EntryMetadata> previous(String name) {
            return Optional.empty();
        }

        @Override
        public DirectoryWriter directory(EntryMetadata m) {
            dirs.incrementAndGet();
            return new Dir(prefix + m.name() + "/");
        }

        @Override
        public void special(EntryMetadata m) {
            if (m.type() == EntryType.FILE) {
                files.incrementAndGet();
            } else {
                others.incrementAndGet();
            }
        }

        @Override
        public void close() {
            // Nothing to complete.
        }
    }
}
