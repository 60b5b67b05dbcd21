package dev.cairn.internal.pipeline;

import dev.cairn.BackupException;
import dev.cairn.BackupListener;
import dev.cairn.ErrorCode;
import dev.cairn.IntegrityException;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.util.Id;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a tree into a target directory. It never writes outside the target: names are
 * validated by the tree decoder, every directory it enters is checked to be a real directory
 * (not a symlink), files are opened with {@code O_NOFOLLOW}, and symlinks are created last.
 * <p>
 * Reads are planned by pack, as restic does: the walk collects, for a batch of files, which blobs
 * each needs at which offset; then each pack is read once per run of neighbouring needed blobs
 * (one request for many small files, not one per blob), each blob is verified and written to every
 * place that needs it, packs in parallel. A file is finished (size, metadata) when its last blob is
 * written. Batches bound the memory of the plan; at most two are in flight. Not thread-safe.
 */
public final class Restorer {
    private final TreeReader trees;
    private final BackupListener listener;
    private final boolean restoreOwners;
    private final dev.cairn.Cancellation cancellation;
    private final List<Future<?>> tasks = new ArrayList<>();
    private final List<Runnable> symlinks = new ArrayList<>();
    private final List<Object[]> dirTimes = new ArrayList<>();
    private final Map<String, Path> hardlinks = new HashMap<>();
    private final List<Path[]> linksToMake = new ArrayList<>();
    private final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytes = new AtomicLong();
    private long files;
    private long dirs;
    /** Needed blobs of the current batch, by pack. */
    private Map<Id, Map<Id, Want>> plan = new HashMap<>();
    private int planned;
    private List<Future<?>> previousBatch = List.of();
    /** Blob occurrences per batch of the plan. */
    static final int BATCH = 20_000;
    /** Needed blobs of a pack closer than this are read in one request, with the gap. */
    static final int GAP = 256 << 10;
    /**
     * A run of needed neighbours up to this long is read into a buffer in one request; a longer
     * one (most of a pack of a large file) is streamed, one blob at a time ({@link #streamRange}).
     */
    static final int MAX_RANGE = 4 << 20;
    /**
     * Threads reading packs: more than the cores, so that several requests to a remote backend are
     * in flight (each holds at most one range or one blob, so memory stays bounded).
     */
    static final int READ_THREADS = 6;
    private final ExecutorService readers;

    /** A file whose blobs arrive from packs in any order. */
    private static final class FileJob {
        final Node node;
        final Path path;
        final String rel;
        final boolean single;
        final java.util.concurrent.atomic.AtomicInteger remaining;

        FileJob(Node node, Path path, String rel) {
            this.node = node;
            this.path = path;
            this.rel = rel;
            this.single = node.content().size() == 1;
            this.remaining = new java.util.concurrent.atomic.AtomicInteger(node.content().size());
        }
    }

    /** A blob of a pack and every place it goes. */
    private static final class Want {
        final dev.cairn.internal.repo.BlobLocation loc;
        final List<FileJob> files = new ArrayList<>(1);
        final List<Long> offsets = new ArrayList<>(1);

        Want(dev.cairn.internal.repo.BlobLocation loc) {
            this.loc = loc;
        }
    }

    public Restorer(TreeReader trees, BackupListener listener, boolean restoreOwners,
                    dev.cairn.Cancellation cancellation) {
        this.cancellation = cancellation;
        this.trees = trees;
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.readers = java.util.concurrent.Executors.newFixedThreadPool(READ_THREADS, r -> {
            Thread t = new Thread(r, "cairn-restore-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.listener = listener;
        this.restoreOwners = restoreOwners;
    }

    public record Result(long files, long dirs, long bytes, List<String> warnings) {
    }

    /**
     * Restores the nodes of {@code root} (all, or those under the given include paths) into
     * {@code target}.
     */
    public Result restore(Id root, List<String> includes, Path target) throws IOException {
        try {
            return restoreAll(root, includes, target);
        } finally {
            readers.shutdownNow();
        }
    }

    private Result restoreAll(Id root, List<String> includes, Path target) throws IOException {
        Path t = target.toAbsolutePath().normalize();
        if (Files.exists(t, LinkOption.NOFOLLOW_LINKS)) {
            requireRealDir(t);
        } else {
            Files.createDirectories(t);
        }
        if (includes.isEmpty()) {
            restoreTree(root, t, "");
        } else {
            for (String inc : includes) {
                String norm = inc.replaceAll("^/+|/+$", "");
                Node n = trees.find(root, norm);
                if (n == null) {
                    throw new BackupException(ErrorCode.CONFIGURATION, "Path " + inc
                            + " is not in the snapshot. List it with `cairn ls`.");
                }
                // Recreate the path's parent directories inside the target.
                Path dir = t;
                String[] parts = norm.split("/+");
                String rel = "";
                for (int i = 0; i < parts.length - 1; i++) {
                    Node.validateName(parts[i]);
                    dir = dir.resolve(parts[i]);
                    rel = rel.isEmpty() ? parts[i] : rel + "/" + parts[i];
                    mkdir(dir);
                }
                restoreNode(n, dir, rel);
            }
        }
        flushPlan();
        awaitAll();
        for (Path[] l : linksToMake) {
            Files.deleteIfExists(l[0]);
            Files.createLink(l[0], l[1]);
        }
        for (Runnable r : symlinks) {
            r.run();
        }
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            Object[] d = dirTimes.get(i);
            setMetadata((Path) d[0], (Node) d[1]);
        }
        return new Result(files, dirs, bytes.get(), List.copyOf(warnings));
    }

    private void awaitAll() throws IOException {
        await(tasks);
    }

    private void await(List<Future<?>> these) throws IOException {
        try {
            for (Future<?> f : these) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(ErrorCode.CANCELLED, "Restore interrupted.", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            for (Future<?> f : tasks) {
                f.cancel(true);
            }
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        }
    }

    private static void requireRealDir(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory() || a.isSymbolicLink()) {
            throw new IntegrityException("Refusing to restore into " + p + ": it is " + (a.isSymbolicLink()
                    ? "a symbolic link" : "not a directory") + ". Remove it or choose another target.");
        }
    }

    private void mkdir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            requireRealDir(dir);
        }
    }

    private final Set<Id> ancestors = new java.util.HashSet<>();

    private void restoreTree(Id tree, Path dir, String rel) throws IOException {
        if (!ancestors.add(tree)) {
            throw new IntegrityException("The snapshot's directory tree contains itself at /" + rel
                    + " (a loop): it is damaged or was crafted. Nothing more is restored.");
        }
        try {
            for (Node n : trees.tree(tree)) {
                restoreNode(n, dir, rel);
            }
        } finally {
            ancestors.remove(tree);
        }
    }

    private void restoreNode(Node n, Path dir, String rel) throws IOException {
        cancellation.check();
        Node.validateName(n.name());
        Path p = dir.resolve(n.name());
        if (!p.getParent().equals(dir)) {
            throw new IntegrityException("entry name " + n.name() + " escapes its directory");
        }
        String path = rel.isEmpty() ? n.name() : rel + "/" + n.name();
        switch (n.type()) {
            case Node.DIR -> {
                mkdir(p);
                dirs++;
                restoreTree(n.subtree(), p, path);
                dirTimes.add(new Object[]{p, n});
            }
            case Node.FILE -> {
                files++;
                if (n.links() > 1) {
                    String key = n.device() + ":" + n.inode();
                    Path first = hardlinks.putIfAbsent(key, p);
                    if (first != null) {
                        linksToMake.add(new Path[]{p, first});
                        return;
                    }
                }
                planFile(n, p, path);
            }
            case Node.SYMLINK -> symlinks.add(() -> {
                try {
                    Files.deleteIfExists(p);
                    Files.createSymbolicLink(p, Path.of(n.linkTarget()));
                    setMetadata(p, n);
                } catch (IOException e) {
                    warn(path, "cannot create symlink: " + e.getMessage());
                }
            });
            default -> warn(path, "skipped: restoring a " + Node.typeName(n.type()) + " is not supported");
        }
    }

    private void warn(String path, String msg) {
        warnings.add(path + ": " + msg);
        listener.warning(path, msg);
    }

    /** Adds a file's blobs to the plan (an empty file is written at once). */
    private void planFile(Node n, Path p, String path) throws IOException {
        refuseNonFile(p);
        List<Id> content = n.content();
        if (content.isEmpty() || content.size() > 1) {
            // Created now: its blobs are then written at their offsets, by whichever task reads them.
            Files.newByteChannel(p, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)).close();
        }
        if (content.isEmpty()) {
            if (n.size() != 0) {
                throw new IntegrityException("file " + path + " has no content but its size is " + n.size());
            }
            setMetadata(p, n);
            listener.entryDone(path, 0);
            return;
        }
        FileJob f = new FileJob(n, p, path);
        long at = 0;
        for (Id id : content) {
            var loc = trees.location(id);
            Want w = plan.computeIfAbsent(loc.pack(), k -> new HashMap<>()).computeIfAbsent(id, k -> new Want(loc));
            w.files.add(f);
            w.offsets.add(at);
            at += loc.plainLength();
        }
        if (at != n.size()) {
            throw new IntegrityException("file " + path + " has " + at + " bytes of content but its size is "
                    + n.size());
        }
        planned += content.size();
        if (planned >= BATCH) {
            flushPlan();
        }
    }

    /** Starts reading the planned packs; waits for the batch before (memory stays bounded). */
    private void flushPlan() throws IOException {
        List<Future<?>> batch = new ArrayList<>(plan.size());
        // Larger packs first: the readers end with small tasks, not one long one.
        List<Map.Entry<Id, Map<Id, Want>>> packs = new ArrayList<>(plan.entrySet());
        packs.sort((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()));
        for (Map.Entry<Id, Map<Id, Want>> e : packs) {
            Id pack = e.getKey();
            List<Want> wants = new ArrayList<>(e.getValue().values());
            Future<?> f = readers.submit(() -> {
                restorePack(pack, wants);
                return null;
            });
            batch.add(f);
            tasks.add(f);
        }
        plan = new HashMap<>();
        planned = 0;
        List<Future<?>> before = previousBatch;
        previousBatch = batch;
        await(before);
    }

    /** Reads the needed blobs of one pack, a run of neighbours per request, and writes them out. */
    private void restorePack(Id pack, List<Want> wants) throws IOException {
        wants.sort(java.util.Comparator.comparingInt(w -> w.loc.offset()));
        try (OpenFile open = new OpenFile()) {
            restorePack(wants, pack, open);
        }
    }

    /**
     * The file this reader wrote last, kept open for its next blob: neighbouring blobs of a pack
     * are mostly neighbouring pieces of one file (a dump in 32 KiB chunks: one open and close per
     * blob was 5 % of a restore's CPU). At most one per reader thread is open.
     */
    private static final class OpenFile implements AutoCloseable {
        FileJob job;
        FileChannel ch;

        FileChannel channel(FileJob f) throws IOException {
            if (job != f) {
                close();
                java.util.Set<java.nio.file.OpenOption> opts = f.single
                        ? java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)
                        : java.util.Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                ch = FileChannel.open(f.path, opts);
                job = f;
            }
            return ch;
        }

        @Override
        public void close() throws IOException {
            FileChannel c = ch;
            job = null;
            ch = null;
            if (c != null) {
                c.close();
            }
        }
    }

    private void restorePack(List<Want> wants, Id pack, OpenFile open) throws IOException {
        for (int i = 0; i < wants.size(); ) {
            cancellation.check();
            long start = wants.get(i).loc.offset();
            long end = start + wants.get(i).loc.storedLength();
            int j = i + 1;
            while (j < wants.size() && wants.get(j).loc.offset() - end <= GAP) {
                end = Math.max(end, wants.get(j).loc.offset() + (long) wants.get(j).loc.storedLength());
                j++;
            }
            if (end - start > MAX_RANGE) {
                streamRange(wants, i, j, pack, start, end, open);
                i = j;
                continue;
            }
            byte[] buf = trees.readPack(pack, start, (int) (end - start), rangeBuffer.get());
            if (buf.length <= MAX_RANGE) {
                rangeBuffer.set(buf); // kept for this thread's next range; a larger one (a huge blob) is not
            }
            for (int k = i; k < j; k++) {
                restoreBlob(wants.get(k), buf, (int) (wants.get(k).loc.offset() - start), open);
            }
            i = j;
        }
    }

    /** Decodes a blob read at {@code off} of {@code buf} and writes it to every file that holds it. */
    private void restoreBlob(Want w, byte[] buf, int off, OpenFile open) throws IOException {
        byte[] plain;
        try {
            plain = trees.decode(w.loc, buf, off, scratch.get());
        } catch (IntegrityException e) {
            plain = trees.blob(w.loc.id()); // read again alone: a download corrupted in transit
        }
        writeAll(w, plain, open);
    }

    private void writeAll(Want w, byte[] plain, OpenFile open) throws IOException {
        for (int x = 0; x < w.files.size(); x++) {
            write(w.files.get(x), w.offsets.get(x), plain, w.loc.plainLength(), open);
        }
    }

    /**
     * Wants {@code i..j-1} of a range longer than {@link #MAX_RANGE}: one stream over it (one
     * request to an object store, where 4 MiB ranges made four per pack), each blob read into this
     * thread's buffer as it arrives, the gaps between them read and dropped.
     */
    private void streamRange(List<Want> wants, int i, int j, Id pack, long start, long end, OpenFile open)
            throws IOException {
        try (java.io.InputStream in = trees.openPack(pack, start, end - start)) {
            long pos = start;
            for (int k = i; k < j; k++) {
                cancellation.check();
                Want w = wants.get(k);
                int length = w.loc.storedLength();
                if (w.loc.offset() < pos) {
                    writeAll(w, trees.blob(w.loc.id()), open); // overlaps the blob before it: read alone
                    continue;
                }
                byte[] buf = blobBuffer(Math.max(length, (int) Math.min(GAP, w.loc.offset() - pos)));
                for (long gap = w.loc.offset() - pos; gap > 0; ) {
                    int n = in.readNBytes(buf, 0, (int) Math.min(gap, buf.length));
                    if (n == 0) {
                        throw TreeReader.truncated(pack);
                    }
                    gap -= n;
                }
                if (in.readNBytes(buf, 0, length) != length) {
                    throw TreeReader.truncated(pack);
                }
                pos = w.loc.offset() + length;
                restoreBlob(w, buf, 0, open);
            }
        } catch (java.io.EOFException e) {
            throw TreeReader.truncated(pack);
        }
    }

    /** This thread's range buffer, at least {@code length} long (a longer one than {@link #MAX_RANGE} is not kept). */
    private byte[] blobBuffer(int length) {
        byte[] b = rangeBuffer.get();
        if (b == null || b.length < length) {
            b = new byte[Math.max(length, 1 << 20)];
            if (b.length <= MAX_RANGE) {
                rangeBuffer.set(b);
            }
        }
        return b;
    }

    /** Writes one blob of a file at its offset; the last blob finishes the file. */
    private void write(FileJob f, long at, byte[] b, int length, OpenFile open) throws IOException {
        FileChannel ch = open.channel(f);
        writeSparse(ch, b, length, at);
        bytes.addAndGet(length);
        if (f.remaining.decrementAndGet() == 0) {
            if (ch.size() < f.node.size()) {
                ch.write(ByteBuffer.wrap(new byte[1]), f.node.size() - 1); // a trailing hole
            }
            open.close();
            setMetadata(f.path, f.node);
            listener.entryDone(f.rel, f.node.size());
        }
    }

    private static void refuseNonFile(Path p) throws IOException {
        BasicFileAttributes existing = null;
        try {
            existing = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException ignored) {
            // the usual case
        }
        if (existing != null && !existing.isRegularFile()) {
            throw new IntegrityException("Refusing to restore " + p + ": a " + (existing.isSymbolicLink() ? "symlink"
                    : "non-file") + " is in the way. Restore into an empty directory.");
        }
    }

    private static final int PAGE = 4096;

    /**
     * Each reader thread's buffer for pack ranges (up to {@link #MAX_RANGE}): a new array per
     * range was 1 GiB of garbage for a 1 GiB restore, and young collections copied the ranges
     * other threads were still decoding.
     */
    private final ThreadLocal<byte[]> rangeBuffer = new ThreadLocal<>();

    /** Each reader thread's buffers for decoding a blob it then writes (the threads end with the restore). */
    private final ThreadLocal<BlobStore.Scratch> scratch = ThreadLocal.withInitial(BlobStore.Scratch::new);

    /** Writes {@code b[0, length)} at {@code pos}, skipping all-zero 4 KiB pages (they stay holes). */
    private static void writeSparse(FileChannel ch, byte[] b, int length, long pos) throws IOException {
        int runStart = -1;
        for (int off = 0; off < length; off += PAGE) {
            int len = Math.min(PAGE, length - off);
            boolean zero = len == PAGE && isZero(b, off, len);
            if (!zero && runStart < 0) {
                runStart = off;
            } else if (zero && runStart >= 0) {
                write(ch, b, runStart, off - runStart, pos + runStart);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            write(ch, b, runStart, length - runStart, pos + runStart);
        }
    }

    private static void write(FileChannel ch, byte[] b, int off, int len, long at) throws IOException {
        long p = at;
        // In IO_SLICE pieces: larger ones would allocate a temporary direct buffer per write.
        for (int pos = off, end = off + len; pos < end; ) {
            ByteBuffer bb = ByteBuffer.wrap(b, pos, Math.min(dev.cairn.internal.util.Bytes.IO_SLICE, end - pos));
            while (bb.hasRemaining()) {
                int n = ch.write(bb, p);
                p += n;
                pos += n;
            }
        }
    }

    private static final byte[] ZERO_PAGE = new byte[PAGE];

    /** Whether b[off, off+len) is all zero ({@code Arrays.mismatch} is a vectorised intrinsic). */
    private static boolean isZero(byte[] b, int off, int len) {
        return java.util.Arrays.mismatch(b, off, off + len, ZERO_PAGE, 0, len) < 0;
    }

    private void setMetadata(Path p, Node n) {
        try {
            boolean link = n.isSymlink();
            if (restoreOwners) {
                Files.setAttribute(p, "unix:uid", n.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", n.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            if (!link) {
                Files.setAttribute(p, "unix:mode", n.mode() & 07777, LinkOption.NOFOLLOW_LINKS);
                if (!n.xattrs().isEmpty()) {
                    UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS);
                    for (Map.Entry<String, byte[]> e : n.xattrs().entrySet()) {
                        if (e.getKey().startsWith("user.")) {
                            v.write(e.getKey().substring(5), ByteBuffer.wrap(e.getValue()));
                        }
                    }
                }
            }
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.from(n.mtimeNs(), TimeUnit.NANOSECONDS), null, null);
        } catch (IOException | UnsupportedOperationException e) {
            warn(p.toString(), "cannot restore metadata: " + e.getMessage());
        }
    }
}
