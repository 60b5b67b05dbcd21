package dev.cairn.source.fs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads directories ahead of the walk: lists a directory, sorts it and lstat()s its entries (and
 * reads symlink targets) on a few threads, so that on a cold cache several directory and inode
 * reads are in flight at once and, on a warm one, the system calls run beside the walk. The walk
 * asks for the directories it will enter next (a bounded window per directory); the pool always
 * takes the pending directory that comes first in the walk's depth-first order, so the one the
 * walk waits for is never queued behind ones it needs later. Memory: at most {@link #STAT_AHEAD}
 * entries of a directory are stat'ed ahead (the walk stats the rest itself), and at most
 * {@link #WINDOW} subdirectories per directory on the walk's path are read ahead.
 */
final class MetadataScanner implements AutoCloseable {
    /** Subdirectories of one directory read ahead of the walk. */
    static final int WINDOW = 32;
    /** Entries of one directory stat'ed ahead; a larger directory's remaining entries are stat'ed by the walk. */
    static final int STAT_AHEAD = 4096;
    private static final int THREADS = 4;
    private static final String ATTRS = "unix:mode,ino,dev,rdev,nlink,uid,gid,size,lastModifiedTime,ctime";

    /** What lstat() says of an entry. */
    record Stat(int mode, long ino, long dev, long rdev, int nlink, int uid, int gid, long size, long mtimeNs,
                long ctimeNs) {
        boolean isDirectory() {
            return (mode & 0170000) == 0040000;
        }

        boolean isRegularFile() {
            return (mode & 0170000) == 0100000;
        }

        boolean isSymlink() {
            return (mode & 0170000) == 0120000;
        }
    }

    /**
     * One entry of a listing: its stat (null if not stat'ed ahead, or on error), the error of its
     * lstat() (NoSuchFileException: it vanished), and a symlink's target (null if not read).
     */
    record Child(Path path, Stat stat, IOException error, String linkTarget) {
    }

    /** A directory's entries in name order, or the error that kept it from being listed. */
    record Listing(List<Child> children, IOException error) {
    }

    static Stat lstat(Path p) throws IOException {
        if (UnixStat.AVAILABLE) {
            Object a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (UnixStat.CLASS.isInstance(a)) {
                return UnixStat.of(a);
            }
        }
        return lstatPortable(p);
    }

    /** lstat() through the public "unix:" attribute view: a map of boxed values per call. */
    static Stat lstatPortable(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
        return new Stat(((Number) a.get("mode")).intValue(), ((Number) a.get("ino")).longValue(),
                ((Number) a.get("dev")).longValue(), ((Number) a.get("rdev")).longValue(),
                ((Number) a.get("nlink")).intValue(), ((Number) a.get("uid")).intValue(),
                ((Number) a.get("gid")).intValue(), ((Number) a.get("size")).longValue(),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }

    /** Depth-first order of the walk: component by component, each compared as Path.compareTo sorts siblings. */
    static final Comparator<Path> WALK_ORDER = (a, b) -> {
        int n = Math.min(a.getNameCount(), b.getNameCount());
        for (int i = 0; i < n; i++) {
            int c = a.getName(i).compareTo(b.getName(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.getNameCount(), b.getNameCount());
    };

    private final ThreadPoolExecutor pool;
    private final AtomicLong sequence = new AtomicLong();

    MetadataScanner() {
        pool = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cairn-scan");
            t.setDaemon(true);
            return t;
        });
    }

    private final class Task implements Runnable, Comparable<Task> {
        final Path dir;
        final long seq = sequence.getAndIncrement();
        final CompletableFuture<Listing> result = new CompletableFuture<>();

        Task(Path dir) {
            this.dir = dir;
        }

        @Override
        public void run() {
            try {
                result.complete(read(dir));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }

        @Override
        public int compareTo(Task o) {
            int c = WALK_ORDER.compare(dir, o.dir);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** Starts reading {@code dir}. */
    CompletableFuture<Listing> scan(Path dir) {
        Task t = new Task(dir);
        pool.execute(t);
        return t.result;
    }

    /** Waits for a listing; the walk's thread being interrupted is an {@link InterruptedIOException}. */
    static Listing await(CompletableFuture<Listing> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading directories");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    private static Listing read(Path dir) {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path c : ds) {
                names.add(c);
            }
        } catch (IOException e) {
            return new Listing(List.of(), e);
        }
        Collections.sort(names);
        List<Child> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            Path c = names.get(i);
            out.add(i < STAT_AHEAD ? child(c) : new Child(c, null, null, null));
        }
        return new Listing(out, null);
    }

    /** lstat() (and readlink()) of one entry, errors kept. */
    static Child child(Path c) {
        Stat st;
        try {
            st = lstat(c);
        } catch (IOException e) {
            return new Child(c, null, e, null);
        }
        if (st.isSymlink()) {
            try {
                return new Child(c, st, null, Files.readSymbolicLink(c).toString());
            } catch (IOException e) {
                return new Child(c, st, null, null); // the walk reads it again and reports what it gets
            }
        }
        return new Child(c, st, null, null);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /**
     * The fields of the JDK's own lstat() result ({@code sun.nio.fs.UnixFileAttributes}, what
     * {@code readAttributes(p, PosixFileAttributes.class)} returns on Linux), read through method
     * handles when java.base opens {@code sun.nio.fs} to this code, as the launcher asks
     * ({@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED}). The "unix:" view builds a map of
     * boxed values per entry by matching attribute names: on an unchanged re-backup of the Linux
     * tree that and its compilation (C2 spent 0.5 s on one method that inlined it) were the
     * walk's largest cost after the system calls. Without the opening, or on a JDK whose class
     * differs, {@link #lstatPortable} is used.
     */
    private static final class UnixStat {
        static final Class<?> CLASS;
        static final boolean AVAILABLE;
        private static final java.lang.invoke.MethodHandle MODE;
        private static final java.lang.invoke.MethodHandle INO;
        private static final java.lang.invoke.MethodHandle DEV;
        private static final java.lang.invoke.MethodHandle RDEV;
        private static final java.lang.invoke.MethodHandle NLINK;
        private static final java.lang.invoke.MethodHandle UID;
        private static final java.lang.invoke.MethodHandle GID;
        private static final java.lang.invoke.MethodHandle SIZE;
        private static final java.lang.invoke.MethodHandle MTIME_SEC;
        private static final java.lang.invoke.MethodHandle MTIME_NSEC;
        private static final java.lang.invoke.MethodHandle CTIME_SEC;
        private static final java.lang.invoke.MethodHandle CTIME_NSEC;

        static {
            Class<?> c = null;
            java.lang.invoke.MethodHandle[] h = new java.lang.invoke.MethodHandle[12];
            try {
                c = Class.forName("sun.nio.fs.UnixFileAttributes");
                var lookup = java.lang.invoke.MethodHandles.privateLookupIn(c, java.lang.invoke.MethodHandles.lookup());
                String[] ints = {"st_mode", "st_nlink", "st_uid", "st_gid"};
                String[] longs = {"st_ino", "st_dev", "st_rdev", "st_size", "st_mtime_sec", "st_mtime_nsec",
                        "st_ctime_sec", "st_ctime_nsec"};
                for (int i = 0; i < ints.length; i++) {
                    h[i] = lookup.findGetter(c, ints[i], int.class)
                            .asType(java.lang.invoke.MethodType.methodType(int.class, Object.class));
                }
                for (int i = 0; i < longs.length; i++) {
                    h[4 + i] = lookup.findGetter(c, longs[i], long.class)
                            .asType(java.lang.invoke.MethodType.methodType(long.class, Object.class));
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                c = null; // not opened to us, or not this JDK's class: the portable view
            }
            AVAILABLE = c != null;
            CLASS = AVAILABLE ? c : Void.class;
            // Fields, not an array: C2 folds a static final method handle into a direct field read.
            MODE = h[0];
            NLINK = h[1];
            UID = h[2];
            GID = h[3];
            INO = h[4];
            DEV = h[5];
            RDEV = h[6];
            SIZE = h[7];
            MTIME_SEC = h[8];
            MTIME_NSEC = h[9];
            CTIME_SEC = h[10];
            CTIME_NSEC = h[11];
        }

        private UnixStat() {
        }

        static Stat of(Object a) {
            try {
                return new Stat((int) MODE.invokeExact(a), (long) INO.invokeExact(a), (long) DEV.invokeExact(a),
                        (long) RDEV.invokeExact(a), (int) NLINK.invokeExact(a), (int) UID.invokeExact(a),
                        (int) GID.invokeExact(a), (long) SIZE.invokeExact(a),
                        nanos((long) MTIME_SEC.invokeExact(a), (long) MTIME_NSEC.invokeExact(a)),
                        nanos((long) CTIME_SEC.invokeExact(a), (long) CTIME_NSEC.invokeExact(a)));
            } catch (Throwable t) {
                throw new IllegalStateException("reading lstat() fields failed", t);
            }
        }

        /** As FileTime.to(NANOSECONDS): saturating at the long range. */
        private static long nanos(long sec, long nsec) {
            try {
                return Math.addExact(Math.multiplyExact(sec, 1_000_000_000L), nsec);
            } catch (ArithmeticException e) {
                return sec < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
        }
    }

    /** Whether {@link #lstat} reads the JDK's lstat() result directly (tests). */
    static boolean fastStat() {
        return UnixStat.AVAILABLE;
    }
}
