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
 * File contents are written in parallel; every blob's id is verified. Not thread-safe.
 */
public final class Restorer {
    private final TreeReader trees;
    private final ExecutorService pool;
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

    public Restorer(TreeReader trees, ExecutorService pool, BackupListener listener, boolean restoreOwners,
                    dev.cairn.Cancellation cancellation) {
        this.cancellation = cancellation;
        this.trees = trees;
        this.pool = pool;
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
        try {
            for (Future<?> f : tasks) {
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
                if (n.content().size() <= 1) {
                    tasks.add(pool.submit(() -> {
                        writeFile(n, p, path);
                        return null;
                    }));
                } else {
                    writeBlobsInParallel(n, p, path);
                }
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

    /**
     * A file of several blobs: each blob is fetched, verified and written at its offset by its own
     * task (positional writes), so one large file restores on every worker, not one.
     */
    private void writeBlobsInParallel(Node n, Path p, String path) throws IOException {
        refuseNonFile(p);
        Files.newByteChannel(p, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)).close();
        List<Id> content = n.content();
        long[] offsets = new long[content.size()];
        long total = 0;
        for (int k = 0; k < content.size(); k++) {
            offsets[k] = total;
            total += trees.plainLength(content.get(k));
        }
        if (total != n.size()) {
            throw new IntegrityException("file " + path + " has " + total + " bytes of content but its size is "
                    + n.size());
        }
        java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(
                content.size());
        for (int k = 0; k < content.size(); k++) {
            Id id = content.get(k);
            long at = offsets[k];
            tasks.add(pool.submit(() -> {
                cancellation.check();
                byte[] b = trees.blob(id);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    writeSparse(ch, b, at);
                    bytes.addAndGet(b.length);
                    if (remaining.decrementAndGet() == 0) {
                        if (ch.size() < n.size()) {
                            ch.write(ByteBuffer.wrap(new byte[1]), n.size() - 1); // a trailing hole
                        }
                        ch.close();
                        setMetadata(p, n);
                        listener.entryDone(path, n.size());
                    }
                }
                return null;
            }));
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

    private void writeFile(Node n, Path p, String path) throws IOException {
        cancellation.check();
        refuseNonFile(p);
        long pos = 0;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            for (Id id : n.content()) {
                byte[] b = trees.blob(id);
                writeSparse(ch, b, pos);
                pos += b.length;
                bytes.addAndGet(b.length);
            }
            if (pos != n.size()) {
                throw new IntegrityException("file " + path + " restored " + pos + " bytes but its size is " + n.size());
            }
            if (ch.size() < pos) {
                ch.write(ByteBuffer.wrap(new byte[1]), pos - 1);
            }
        }
        setMetadata(p, n);
        listener.entryDone(path, pos);
    }

    private static final int PAGE = 4096;

    /** Writes {@code b} at {@code pos}, skipping all-zero 4 KiB pages (they stay holes). */
    private static void writeSparse(FileChannel ch, byte[] b, long pos) throws IOException {
        int runStart = -1;
        for (int off = 0; off < b.length; off += PAGE) {
            int len = Math.min(PAGE, b.length - off);
            boolean zero = len == PAGE && isZero(b, off, len);
            if (!zero && runStart < 0) {
                runStart = off;
            } else if (zero && runStart >= 0) {
                write(ch, b, runStart, off - runStart, pos + runStart);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            write(ch, b, runStart, b.length - runStart, pos + runStart);
        }
    }

    private static void write(FileChannel ch, byte[] b, int off, int len, long at) throws IOException {
        long p = at;
        // 1 MiB slices: the JDK's per-thread temporary direct buffer stays small (see LocalBackend).
        for (int pos = off, end = off + len; pos < end; ) {
            ByteBuffer bb = ByteBuffer.wrap(b, pos, Math.min(1 << 20, end - pos));
            while (bb.hasRemaining()) {
                int n = ch.write(bb, p);
                p += n;
                pos += n;
            }
        }
    }

    private static boolean isZero(byte[] b, int off, int len) {
        long acc = 0;
        for (int i = off; i < off + len; i++) {
            acc |= b[i];
        }
        return acc == 0;
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
