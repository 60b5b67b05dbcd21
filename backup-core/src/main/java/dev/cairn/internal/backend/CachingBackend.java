package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A local copy of what a remote repository's commands read again and again, as restic and Kopia
 * keep one: index files and snapshots (every command that opens the repository reads them all) and
 * whole packs of tree blobs (a backup reads its parent snapshot's trees, one request per directory
 * without the cache: 3,375 ranged GETs, 4.2 s of a 6.3 s unchanged re-backup of /usr/share from
 * S3). Everything else, and every write, goes to the backend.
 *
 * <p>Every object it holds is named by the SHA-256 of its bytes, so a copy is checked against its
 * name: when fetched, and again before its first use in a process (a damaged or truncated copy is
 * deleted and fetched again). A cache that cannot be written (a full disk, a read-only directory)
 * costs only speed: the object is served from the backend, and the failure is logged once.
 *
 * <p>Stale copies go when the backend's listing no longer has them ({@link #list} of {@code index/}
 * or {@code snapshots/}), when this process deletes the object, and, for packs, when
 * {@link #retainPacks} is told which packs the index still names. Thread-safe; processes sharing a
 * cache directory write whole files by atomic rename.
 */
public final class CachingBackend extends ForwardingBackend {
    /** Prefixes of objects read whole and kept whole. */
    private static final List<String> WHOLE = List.of("index/", "snapshots/");
    private static final java.util.regex.Pattern WHOLE_NAME =
            java.util.regex.Pattern.compile("(index|snapshots)/[0-9a-f]{64}");
    private static final java.util.regex.Pattern PACK_NAME = java.util.regex.Pattern.compile("data/[0-9a-f]{2}/[0-9a-f]{64}");
    private static final String PACKS = "data/";

    private final Path dir;
    /** Objects whose local copy was checked against its name in this process. */
    private final Set<String> checked = ConcurrentHashMap.newKeySet();
    /** Locks of packs being downloaded, so that two readers of one pack fetch it once. */
    private final ConcurrentHashMap<String, Object> fetching = new ConcurrentHashMap<>();
    private final AtomicBoolean warned = new AtomicBoolean();

    private CachingBackend(Backend inner, Path dir) {
        super(inner);
        this.dir = dir;
    }

    /**
     * A cache of the repository {@code repoId} on {@code inner}, in {@code root/<repoId>}. The root
     * is created if missing, with a {@code CACHEDIR.TAG} so that backup tools skip it.
     */
    public static CachingBackend open(Backend inner, Path root, String repoId) {
        CachingBackend c = new CachingBackend(inner, root.resolve(checkId(repoId)));
        try {
            prepareRoot(root);
        } catch (IOException | RuntimeException e) {
            c.cannotWrite(root, e);
        }
        return c;
    }

    /**
     * The directory of repository {@code repoId} in the cache at {@code root}, created (owner-only)
     * with the root's {@code CACHEDIR.TAG} if missing: for what a repository keeps there besides
     * copies of its objects ({@code dev.cairn.internal.repo.SnapshotSummaries}).
     */
    public static Path repositoryDirectory(Path root, String repoId) throws IOException {
        Path dir = root.resolve(checkId(repoId));
        prepareRoot(root);
        createPrivateDirectories(dir);
        return dir;
    }

    private static String checkId(String repoId) {
        if (!repoId.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a repository id: " + repoId);
        }
        return repoId;
    }

    private static void prepareRoot(Path root) throws IOException {
        createPrivateDirectories(root);
        Path tag = root.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            writeAtomically(tag, ("Signature: 8a477f597d28d172789f06886806bc55\n"
                    + "# This directory is Cairn's cache of repository metadata (https://bford.info/cachedir/).\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** The directory holding this repository's copies. */
    public Path directory() {
        return dir;
    }

    /** The backend behind the cache. */
    public Backend inner() {
        return inner;
    }

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        inner.put(name, data, off, len);
        if (whole(name)) {
            // The next process reads what this one wrote (a backup's new index and snapshot).
            store(name, java.util.Arrays.copyOfRange(data, off, off + len));
        }
    }

    /**
     * A staged object of which a copy is kept once it is committed (a pack of trees a backup
     * writes): the pieces go to the backend's staged object and to a temporary file beside the
     * copies. The copy is best effort; the object is stored whatever happens to it.
     */
    public Staged stageKept(String prefix, int sizeHint) throws IOException {
        Staged out = inner.stage(prefix, sizeHint);
        Path d = dir.resolve(PACKS);
        FileChannel copy = null;
        Path tmp = null;
        try {
            createPrivateDirectories(d);
            tmp = d.resolve(".staged." + Long.toHexString(System.nanoTime()) + "." + Thread.currentThread().getId() + ".tmp");
            copy = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            cannotWrite(d, e);
            discard(tmp);
            return out;
        }
        FileChannel ch = copy;
        Path file = tmp;
        return new Staged() {
            private boolean copying = true;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                if (copying) {
                    try {
                        ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                    } catch (IOException | RuntimeException e) {
                        stopCopying(e);
                    }
                }
            }

            private void stopCopying(Exception e) {
                copying = false;
                cannotWrite(file, e);
                closeCopy();
            }

            private void closeCopy() {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // only the copy
                }
                discard(file);
            }

            @Override
            public void commit(String name) throws IOException {
                out.commit(name);
                if (copying && pack(name)) {
                    try {
                        ch.close();
                        Path p = path(name);
                        createPrivateDirectories(p.getParent());
                        try {
                            Files.move(file, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        } catch (AtomicMoveNotSupportedException e) {
                            Files.move(file, p, StandardCopyOption.REPLACE_EXISTING);
                        }
                        checked.add(name);
                    } catch (IOException | RuntimeException e) {
                        stopCopying(e);
                    }
                }
                copying = false;
                closeCopy();
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } finally {
                    copying = false;
                    closeCopy();
                }
            }
        };
    }

    @Override
    public byte[] get(String name) throws IOException {
        if (!whole(name)) {
            return inner.get(name); // a whole pack (check, repack) is read where it is stored
        }
        byte[] b = cached(name);
        if (b != null) {
            return b;
        }
        b = inner.get(name);
        if (matchesName(name, b, 0, b.length)) {
            store(name, b);
        }
        return b;
    }

    /** Ranged reads go to the backend (packs of trees are read through {@link #getFromWholePack}). */
    @Override
    public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        return inner.get(name, offset, length, buf);
    }

    @Override
    public java.io.InputStream open(String name, long offset, long length) throws IOException {
        return inner.open(name, offset, length);
    }

    /**
     * Reads {@code length} bytes at {@code offset} of a pack that is worth keeping whole (a pack
     * of tree blobs): from the local copy, fetching the whole pack first when there is none.
     */
    public byte[] getFromWholePack(String name, long offset, int length) throws IOException {
        if (!pack(name)) {
            return inner.get(name, offset, length);
        }
        if (checkedCopy(name)) {
            byte[] b = readRange(name, offset, length);
            if (b != null) {
                return b;
            }
        }
        byte[] pack;
        // One download per pack: a second reader waits for the first and finds the copy.
        Object lock = fetching.computeIfAbsent(name, k -> new Object());
        try {
            synchronized (lock) {
                if (checkedCopy(name)) {
                    byte[] b = readRange(name, offset, length);
                    if (b != null) {
                        return b;
                    }
                }
                pack = inner.get(name);
                if (matchesName(name, pack, 0, pack.length)) {
                    store(name, pack);
                } else {
                    pack = null;
                }
            }
        } finally {
            fetching.remove(name, lock);
        }
        if (pack == null) {
            return inner.get(name, offset, length); // damaged in transit: a ranged read, which the caller checks
        }
        if (offset < 0 || offset + length > pack.length) {
            throw new EOFException(name + " has " + pack.length + " bytes, not " + (offset + length));
        }
        return java.util.Arrays.copyOfRange(pack, (int) offset, (int) offset + length);
    }

    @Override
    public InputStream open(String name) throws IOException {
        return whole(name) ? new java.io.ByteArrayInputStream(get(name)) : inner.open(name);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> all = inner.list(prefix);
        if (WHOLE.contains(prefix)) {
            Set<String> names = new HashSet<>();
            for (ObjectInfo o : all) {
                names.add(o.name().substring(prefix.length()));
            }
            evict(dir.resolve(prefix), names::contains);
        }
        return all;
    }

    @Override
    public void delete(String name) throws IOException {
        inner.delete(name);
        if (whole(name) || pack(name)) {
            checked.remove(name);
            try {
                Files.deleteIfExists(path(name));
            } catch (IOException e) {
                cannotWrite(path(name), e);
            }
        }
    }

    /**
     * Deletes the copies of packs for which {@code keep} is false (packs the index no longer names:
     * another machine's prune removed them). Returns how many were deleted.
     */
    public int retainPacks(Predicate<String> keep) {
        Path data = dir.resolve(PACKS);
        if (!Files.isDirectory(data)) {
            return 0;
        }
        int n = evict(data, sub -> true); // only a day-old temporary file among the subdirectories
        try (DirectoryStream<Path> subdirs = Files.newDirectoryStream(data)) {
            for (Path sub : subdirs) {
                if (Files.isDirectory(sub)) {
                    String prefix = PACKS + sub.getFileName() + "/";
                    n += evict(sub, hex -> keep.test(prefix + hex));
                }
            }
        } catch (IOException | RuntimeException e) {
            cannotWrite(data, e);
        }
        return n;
    }

    // ---- the local copies

    /** An index file or snapshot: kept whole. */
    private static boolean whole(String name) {
        return WHOLE_NAME.matcher(name).matches();
    }

    /** A pack's name (a copy is kept only of packs read through {@link #getFromWholePack}). */
    private static boolean pack(String name) {
        return PACK_NAME.matcher(name).matches();
    }

    /** Where the copy of {@code name} (checked by {@link #whole} or {@link #pack}) lives. */
    private Path path(String name) {
        return dir.resolve(name);
    }

    /** The local copy of a whole object, checked against its name; null when there is none. */
    private byte[] cached(String name) {
        Path p = path(name);
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: the backend has it
        }
        if (matchesName(name, b, 0, b.length)) {
            return b;
        }
        discard(p);
        return null;
    }

    /** Whether a local copy of the pack exists and was checked against its name in this process. */
    private boolean checkedCopy(String name) {
        if (checked.contains(name)) {
            return true;
        }
        Path p = path(name);
        if (!Files.exists(p)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = sha256();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            if (HexFormat.of().formatHex(md.digest()).equals(hashOf(name))) {
                checked.add(name);
                return true;
            }
        } catch (IOException | RuntimeException e) {
            return false; // deleted meanwhile, or unreadable: read from the backend
        }
        discard(p);
        return false;
    }

    /** A range of a checked local copy, or null when the copy went away or is too short. */
    private byte[] readRange(String name, long offset, int length) {
        try (FileChannel ch = FileChannel.open(path(name), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    return null; // the backend says whether the range exists
                }
            }
            return b.array();
        } catch (IOException | RuntimeException e) {
            checked.remove(name);
            return null;
        }
    }

    private void store(String name, byte[] b) {
        Path p = path(name);
        try {
            createPrivateDirectories(p.getParent());
            writeAtomically(p, b);
            checked.add(name);
        } catch (IOException | RuntimeException e) {
            cannotWrite(p, e);
        }
    }

    /** Writes {@code p} through a hidden temporary file renamed over it: readers see the old or the new file. */
    public static void writeAtomically(Path p, byte[] b) throws IOException {
        Path tmp = p.resolveSibling("." + p.getFileName() + "." + Long.toHexString(System.nanoTime()) + "-"
                + Thread.currentThread().getId() + ".tmp"); // two threads may write one file
        try {
            Files.write(tmp, b, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes the files in {@code d} whose names {@code keep} rejects; temporary files (hidden) only
     * once a day old: a killed process's, not one being written.
     */
    private int evict(Path d, Predicate<String> keep) {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        int n = 0;
        java.nio.file.attribute.FileTime dayAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofDays(1)));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                if (file.startsWith(".") ? Files.isRegularFile(f) && Files.getLastModifiedTime(f).compareTo(dayAgo) < 0
                        : !keep.test(file)) {
                    Files.deleteIfExists(f);
                    n++;
                }
            }
        } catch (IOException | RuntimeException e) {
            cannotWrite(d, e);
        }
        return n;
    }

    private void discard(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            cannotWrite(p, e);
        }
    }

    private static void createPrivateDirectories(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        if (d.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // Only encrypted objects are kept, but their names and sizes are the owner's business.
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(d);
        }
    }

    private void cannotWrite(Path p, Exception e) {
        if (warned.compareAndSet(false, true)) {
            Log.LOG.warn("The cache at {} cannot be used ({}); reading from {} instead (slower). Set --cache-dir or "
                    + "CAIRN_CACHE_DIR to a writable directory, or --no-cache.", p, e.toString(), inner.location());
        }
    }

    /** The logger, loaded only when there is something to say (SLF4J costs start-up time). */
    private static final class Log {
        static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CachingBackend.class);
    }

    private static String hashOf(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private static boolean matchesName(String name, byte[] b, int off, int len) {
        MessageDigest md = sha256();
        md.update(b, off, len);
        return HexFormat.of().formatHex(md.digest()).equals(hashOf(name));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
