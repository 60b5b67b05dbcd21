package dev.cairn.source.fs;

import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.EntryType;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;
import dev.cairn.source.fs.MetadataScanner.Child;
import dev.cairn.source.fs.MetadataScanner.Listing;
import dev.cairn.source.fs.MetadataScanner.Stat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Backs up files and directories: regular files, directories, symlinks, hard links, fifos and
 * devices (as entries), with mode, owner ids and names, ns mtimes and {@code user.*} xattrs.
 * Files unchanged since the parent snapshot (size, mtime, ctime, inode) are not read. A file
 * that cannot be read, or changes while read, is reported and the backup goes on (partial).
 *
 * <p>Build with {@link #builder()}; immutable and thread-safe once built.
 */
public final class FileSystemSource implements Source {
    public static final String IGNORE_FILE = ".cairnignore";

    private final List<Path> paths;
    private final List<String> excludes;
    private final List<String> includes;
    private final boolean oneFileSystem;
    private final boolean readAll;
    private final boolean xattrs;
    /** Owner and group names, looked up once per id (see name()). */
    private final java.util.Map<Integer, String> userNames = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, String> groupNames = new java.util.concurrent.ConcurrentHashMap<>();

    private FileSystemSource(Builder b) {
        this.paths = List.copyOf(b.paths);
        this.excludes = List.copyOf(b.excludes);
        this.includes = List.copyOf(b.includes);
        this.oneFileSystem = b.oneFileSystem;
        this.readAll = b.readAll;
        this.xattrs = b.xattrs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A source for the given paths with default options. */
    public static FileSystemSource of(Path... paths) {
        Builder b = builder();
        for (Path p : paths) {
            b.path(p);
        }
        return b.build();
    }

    /** Builder; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final List<Path> paths = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private final List<String> includes = new ArrayList<>();
        private boolean oneFileSystem;
        private boolean readAll;
        private boolean xattrs = true;

        public Builder path(Path p) {
            Objects.requireNonNull(p, "path");
            Path abs = p.toAbsolutePath().normalize();
            if (abs.getFileName() == null) {
                throw new IllegalArgumentException("path must not be the file-system root: back up its directories");
            }
            for (Path q : paths) {
                if (q.getFileName().equals(abs.getFileName())) {
                    throw new IllegalArgumentException("two paths share the name " + abs.getFileName() + ": " + q
                            + " and " + abs);
                }
            }
            paths.add(abs);
            return this;
        }

        /**
         * Excludes entries matching a glob: a pattern without '/' matches an entry's name at any
         * depth ({@code *.tmp}); one with '/' matches the path below the backed-up item
         * ({@code build/**}).
         */
        public Builder exclude(String glob) {
            if (glob == null || glob.isBlank()) {
                throw new IllegalArgumentException("exclude pattern must not be blank");
            }
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
            excludes.add(glob);
            return this;
        }

        /**
         * Backs up only files matching one of the include globs (same syntax as
         * {@link #exclude}); directories are always walked, and excludes still apply.
         */
        public Builder include(String glob) {
            if (glob == null || glob.isBlank()) {
                throw new IllegalArgumentException("include pattern must not be blank");
            }
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
            includes.add(glob);
            return this;
        }

        /** Do not cross into other file systems (mount points). */
        public Builder oneFileSystem(boolean v) {
            this.oneFileSystem = v;
            return this;
        }

        /** Read every file even if the parent snapshot has it unchanged. */
        public Builder readAll(boolean v) {
            this.readAll = v;
            return this;
        }

        /** Back up {@code user.*} extended attributes (default true). */
        public Builder xattrs(boolean v) {
            this.xattrs = v;
            return this;
        }

        public FileSystemSource build() {
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("at least one path is required");
            }
            return new FileSystemSource(this);
        }
    }

    @Override
    public String kind() {
        return "fs";
    }

    @Override
    public String descriptor() {
        return String.join(" ", paths.stream().map(Path::toString).toList());
    }

    @Override
    public List<String> paths() {
        return paths.stream().map(Path::toString).toList();
    }

    private record Rules(List<PathMatcher> byName, List<PathMatcher> byPath) {
        static Rules of(List<String> globs) {
            List<PathMatcher> n = new ArrayList<>();
            List<PathMatcher> p = new ArrayList<>();
            for (String g : globs) {
                String glob = g.startsWith("/") ? g.substring(1) : g;
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                (g.contains("/") ? p : n).add(m);
            }
            return new Rules(n, p);
        }

        boolean matches(Path name, Path rel) {
            for (PathMatcher m : byName) {
                if (m.matches(name)) {
                    return true;
                }
            }
            for (PathMatcher m : byPath) {
                if (m.matches(rel)) {
                    return true;
                }
            }
            return false;
        }

        Rules plus(Rules more) {
            List<PathMatcher> n = new ArrayList<>(byName);
            n.addAll(more.byName);
            List<PathMatcher> p = new ArrayList<>(byPath);
            p.addAll(more.byPath);
            return new Rules(n, p);
        }
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        Rules rules = Rules.of(excludes);
        Rules includeRules = includes.isEmpty() ? null : Rules.of(includes);
        DirectoryWriter root = session.root();
        try (MetadataScanner scanner = new MetadataScanner()) {
            for (Path p : paths) {
                Stat a;
                try {
                    a = MetadataScanner.lstat(p);
                } catch (NoSuchFileException e) {
                    throw new NoSuchFileException(p.toString(), null, "the path to back up does not exist");
                }
                CompletableFuture<Listing> scan = a.isDirectory() ? scanner.scan(p) : null;
                entry(session, root, p, p.getFileName(), p.getFileName().toString(), a, null, rules, a.dev(),
                        includeRules, scanner, scan);
            }
        }
        root.close();
    }

    private void entry(SourceSession s, DirectoryWriter dir, Path file, Path rel, String name, Stat a,
                       String linkTarget, Rules rules, long rootDevice, Rules includeRules, MetadataScanner scanner,
                       CompletableFuture<Listing> scan) throws IOException {
        EntryMetadata m = metadata(file, name, a, linkTarget, dir);
        switch (m.type()) {
            case DIRECTORY -> {
                if (oneFileSystem && m.device() != rootDevice) {
                    // A mount point: keep the directory itself, not what is mounted on it.
                    dir.directory(m).close();
                    return;
                }
                try (DirectoryWriter sub = dir.directory(m)) {
                    walk(s, sub, file, rel, rules, rootDevice, includeRules, scanner,
                            scan != null ? scan : scanner.scan(file));
                }
            }
            case FILE -> file(s, dir, file, rel, m);
            default -> dir.special(m);
        }
    }

    private void walk(SourceSession s, DirectoryWriter dir, Path path, Path rel, Rules rules, long rootDevice,
                      Rules includeRules, MetadataScanner scanner, CompletableFuture<Listing> scan)
            throws IOException {
        Listing listing = MetadataScanner.await(scan);
        if (listing.error() instanceof AccessDeniedException || listing.error() instanceof NoSuchFileException) {
            s.warn(rel.toString(), "cannot list directory: " + listing.error().getClass().getSimpleName());
            return;
        } else if (listing.error() != null) {
            throw listing.error();
        }
        Rules here = rules;
        for (Child c : listing.children()) {
            if (c.path().getFileName().toString().equals(IGNORE_FILE)) {
                Stat st = c.stat() != null ? c.stat() : lstatOrNull(c.path());
                if (st != null && st.isRegularFile()) {
                    List<String> globs = new ArrayList<>();
                    for (String line : Files.readAllLines(c.path())) {
                        String t = line.strip();
                        if (!t.isEmpty() && !t.startsWith("#")) {
                            globs.add(t);
                        }
                    }
                    here = rules.plus(Rules.of(globs));
                }
                break;
            }
        }
        // The entries to back up, and which of them are directories to enter (read ahead, WINDOW at a time).
        List<Child> kept = new ArrayList<>(listing.children().size());
        List<Path> belows = new ArrayList<>(listing.children().size());
        for (Child c : listing.children()) {
            Path cname = c.path().getFileName();
            Path crel = rel.resolve(cname);
            if (cname.toString().indexOf('\uFFFD') >= 0) {
                // The JVM could not decode the name's bytes with its file-name charset: stored, the name
                // would not be the file's. Reported, so the backup is partial rather than silently wrong.
                s.warn(crel.toString(), "name is not valid " + System.getProperty("sun.jnu.encoding", "?")
                        + ", not backed up (run with a UTF-8 locale, e.g. LANG=C.UTF-8, as the cairn launcher"
                        + " does)");
                continue;
            }
            Path below = rel.getNameCount() > 1 ? rel.subpath(1, rel.getNameCount()).resolve(cname) : cname;
            if (here.matches(cname, below)) {
                continue;
            }
            kept.add(c);
            belows.add(below);
        }
        List<Integer> dirs = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            Stat st = kept.get(i).stat();
            if (st != null && st.isDirectory() && !(oneFileSystem && st.dev() != rootDevice)) {
                dirs.add(i);
            }
        }
        Map<Integer, CompletableFuture<Listing>> ahead = new java.util.HashMap<>();
        int submitted = 0;
        for (; submitted < Math.min(MetadataScanner.WINDOW, dirs.size()); submitted++) {
            ahead.put(dirs.get(submitted), scanner.scan(kept.get(dirs.get(submitted)).path()));
        }
        for (int i = 0; i < kept.size(); i++) {
            if (s.isCancelled()) {
                throw new dev.cairn.BackupException(dev.cairn.ErrorCode.CANCELLED, "Backup cancelled.");
            }
            CompletableFuture<Listing> sub = ahead.remove(i);
            if (sub != null && submitted < dirs.size()) {
                ahead.put(dirs.get(submitted), scanner.scan(kept.get(dirs.get(submitted)).path()));
                submitted++;
            }
            Child c = kept.get(i);
            Path cname = c.path().getFileName();
            Path crel = rel.resolve(cname);
            if (c.stat() == null && c.error() == null) {
                c = MetadataScanner.child(c.path()); // beyond what was stat'ed ahead
            }
            if (c.error() instanceof NoSuchFileException) {
                continue; // vanished between listing and stat: not part of this snapshot
            } else if (c.error() != null) {
                s.warn(crel.toString(), "cannot read attributes: " + c.error().getMessage());
                continue;
            }
            Stat a = c.stat();
            if (!a.isDirectory() && includeRules != null && !includeRules.matches(cname, belows.get(i))) {
                continue;
            }
            entry(s, dir, c.path(), crel, cname.toString(), a, c.linkTarget(), here, rootDevice, includeRules,
                    scanner, sub);
        }
    }

    private static Stat lstatOrNull(Path p) {
        try {
            return MetadataScanner.lstat(p);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Files from this size on are read with direct I/O where the file system allows it
     * ({@link dev.cairn.internal.util.DirectInput}: no page cache filled and evicted for them, one
     * copy of their bytes instead of two); smaller ones through the cache, as a direct read of a
     * few kilobytes would wait on the disk for each.
     */
    private static final long DIRECT_FROM = 8 << 20;

    private void file(SourceSession s, DirectoryWriter dir, Path file, Path rel, EntryMetadata m) throws IOException {
        if (!readAll && dir.fileUnchanged(m)) {
            return;
        }
        dir.file(m, new DirectoryWriter.FileContent() {
            @Override
            public InputStream open() {
                try {
                    InputStream direct = m.size() >= DIRECT_FROM
                            ? dev.cairn.internal.util.DirectInput.open(file, 0, true) : null;
                    return direct != null ? direct
                            : Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    s.warn(rel.toString(), "cannot read file, not backed up: " + e.getMessage());
                    return null;
                }
            }

            @Override
            public void afterRead() throws IOException {
                try {
                    MetadataScanner.Stat after = MetadataScanner.lstat(file);
                    if (after.size() != m.size() || after.mtimeNs() != m.mtimeNs() || after.ctimeNs() != m.ctimeNs()) {
                        s.warn(rel.toString(), "file changed while being read; the snapshot holds what was read");
                    }
                } catch (NoSuchFileException e) {
                    s.warn(rel.toString(), "file was deleted while being read; the snapshot holds what was read");
                }
            }
        });
    }

    private EntryMetadata metadata(Path p, String name, Stat a, String linkTarget, DirectoryWriter dir)
            throws IOException {
        int mode = a.mode();
        EntryType type = switch (mode & 0170000) {
            case 0040000 -> EntryType.DIRECTORY;
            case 0100000 -> EntryType.FILE;
            case 0120000 -> EntryType.SYMLINK;
            case 0010000 -> EntryType.FIFO;
            case 0020000 -> EntryType.CHAR_DEVICE;
            case 0060000 -> EntryType.BLOCK_DEVICE;
            case 0140000 -> EntryType.SOCKET;
            default -> throw new IOException("unknown file type " + Integer.toOctalString(mode) + " of " + p);
        };
        String target = type != EntryType.SYMLINK ? "" : linkTarget != null ? linkTarget
                : Files.readSymbolicLink(p).toString();
        long size = type == EntryType.FILE ? a.size() : 0;
        Map<String, byte[]> xa = type == EntryType.SYMLINK || !xattrs ? Map.of() : previousXattrs(dir, name, type, a);
        if (xa == null) {
            xa = readXattrs(p);
        }
        long device = type == EntryType.CHAR_DEVICE || type == EntryType.BLOCK_DEVICE ? a.rdev() : a.dev();
        return new EntryMetadata(name, type, mode & 07777, a.uid(), a.gid(), name(userNames, a.uid(), p, "unix:owner"),
                name(groupNames, a.gid(), p, "unix:group"), a.mtimeNs(), a.ctimeNs(), a.ino(), device, a.nlink(), size,
                target, xa);
    }

    /**
     * The parent snapshot's xattrs of an entry whose inode and ctime are unchanged, or null. Setting
     * or removing an xattr changes the ctime (and nothing can set a ctime back), so they are still
     * the file's: an unchanged tree is re-backed up without a listxattr call per entry.
     */
    private Map<String, byte[]> previousXattrs(DirectoryWriter dir, String name, EntryType type, Stat a) {
        if (readAll || dir == null) {
            return null;
        }
        Optional<EntryMetadata> prev = dir.previous(name);
        if (prev.isEmpty()) {
            return null;
        }
        EntryMetadata o = prev.get();
        return o.type() == type && o.ctimeNs() == a.ctimeNs() && o.inode() == a.ino() && o.device() == a.dev()
                ? o.xattrs() : null;
    }

    /** The user or group name of an id, looked up once per id (a passwd/group lookup per file is slow). */
    private static String name(Map<Integer, String> cache, int id, Path p, String attr) {
        String n = cache.get(id);
        if (n == null) {
            try {
                Object o = Files.getAttribute(p, attr, LinkOption.NOFOLLOW_LINKS);
                n = o instanceof UserPrincipal u ? u.getName() : "";
            } catch (IOException | RuntimeException e) {
                n = "";
            }
            if (n.equals(Integer.toString(id))) {
                n = ""; // no name for this id
            }
            cache.put(id, n);
        }
        return n;
    }

    private static Map<String, byte[]> readXattrs(Path p) {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (v == null) {
                return Map.of();
            }
            List<String> names = v.list();
            if (names.isEmpty()) {
                return Map.of();
            }
            Map<String, byte[]> out = new TreeMap<>();
            for (String n : names) {
                ByteBuffer bb = ByteBuffer.allocate(v.size(n));
                v.read(n, bb);
                out.put("user." + n, bb.array());
            }
            return out;
        } catch (IOException | UnsupportedOperationException e) {
            return Map.of();
        }
    }
}
