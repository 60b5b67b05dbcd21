package dev.cairn.backend.local;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A repository in a local directory. Writes go to a temporary file in the target directory,
 * are fsynced, then linked into place (create-only), and the directory is fsynced. Thread-safe.
 */
public final class LocalBackend implements Backend {
    private static final String TMP_SUFFIX = ".cairn-tmp";
    private static final int IO_SLICE = dev.cairn.internal.util.Bytes.IO_SLICE; // see there
    private final Path root;

    public LocalBackend(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    private Path resolve(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("..") || name.indexOf('\0') >= 0
                || name.contains("\\")) {
            throw new IllegalArgumentException("invalid object name: " + name);
        }
        return root.resolve(name);
    }

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        Path target = resolve(name);
        Path dir = target.getParent();
        Files.createDirectories(dir);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(name);
        }
        Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                write(ch, data, off, len);
                ch.force(true);
            }
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void write(FileChannel ch, byte[] data, int off, int len) throws IOException {
        // At most 1 MiB per write: the JDK copies a heap buffer through a temporary direct buffer of
        // the write's size and caches it per thread (16 MiB packs would pin 16 MiB of native memory
        // per writer thread).
        for (int pos = off, end = off + len; pos < end; ) {
            ByteBuffer bb = ByteBuffer.wrap(data, pos, Math.min(IO_SLICE, end - pos));
            while (bb.hasRemaining()) {
                pos += ch.write(bb);
            }
        }
    }

    /** Links a synced temporary file into place (create-only) and syncs the directory. */
    private static void publish(Path tmp, Path target) throws IOException {
        try {
            // A hard link is create-only: it fails if the target exists, so nothing is overwritten.
            Files.createLink(target, tmp);
        } catch (UnsupportedOperationException | AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        fsyncDirectory(target.getParent());
    }

    /**
     * Writes the pieces to a temporary file in the prefix's directory as they come (hidden from
     * {@link #list}); commit syncs it and links it into place like {@link #put}.
     */
    @Override
    public Staged stage(String prefix, int sizeHint) throws IOException {
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : resolve(prefix.substring(0, slash));
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".staged." + UUID.randomUUID() + TMP_SUFFIX);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Staged() {
            // Pieces (blobs of a few KiB) gather here: one write call per IO_SLICE, not per blob. The
            // buffer grows to IO_SLICE as pieces come: a pack of chunks larger than that (a large
            // file's) writes them directly and buffers only its header, and a new 256 KiB per pack
            // was garbage that outlived young collections.
            private byte[] buf = new byte[8 << 10];
            private int buffered;
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (buffered + len > buf.length) {
                    if (buffered + len > IO_SLICE) {
                        flush();
                        if (len > IO_SLICE) {
                            LocalBackend.write(ch, b, off, len);
                            return;
                        }
                    }
                    if (len + buffered > buf.length) {
                        int size = Math.min(IO_SLICE, Math.max(2 * buf.length, Integer.highestOneBit(buffered + len - 1) << 1));
                        byte[] bigger = new byte[size];
                        System.arraycopy(buf, 0, bigger, 0, buffered);
                        buf = bigger;
                    }
                }
                System.arraycopy(b, off, buf, buffered, len);
                buffered += len;
            }

            private void flush() throws IOException {
                LocalBackend.write(ch, buf, 0, buffered);
                buffered = 0;
            }

            @Override
            public void commit(String name) throws IOException {
                if (done) {
                    throw new IllegalStateException("already committed or closed");
                }
                Path target = resolve(name);
                flush();
                ch.force(true);
                ch.close();
                done = true;
                try {
                    Files.createDirectories(target.getParent());
                    publish(tmp, target);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }

            @Override
            public void close() throws IOException {
                done = true;
                try {
                    ch.close();
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        };
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems do not allow opening a directory; the data itself is synced.
        }
    }

    @Override
    public byte[] get(String name) throws IOException {
        // Not Files.readAllBytes: it reads a whole pack in one call, through a temporary direct
        // buffer of the pack's size (16 MiB of native memory per call, which glibc keeps).
        try (FileChannel ch = FileChannel.open(resolve(name), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(name + " is too large to read at once (" + size + " bytes)");
            }
            return read(ch, name, 0, (int) size, null);
        }
    }

    @Override
    public byte[] get(String name, long offset, int length) throws IOException {
        return get(name, offset, length, null);
    }

    @Override
    public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length + " of " + name);
        }
        try (FileChannel ch = FileChannel.open(resolve(name), StandardOpenOption.READ)) {
            if (offset + length > ch.size()) {
                throw new java.io.EOFException("range " + offset + "+" + length + " beyond end of " + name
                        + " (" + ch.size() + " bytes)");
            }
            return read(ch, name, offset, length, buf);
        }
    }

    /**
     * Reads {@code length} bytes from {@code offset} in {@link #IO_SLICE} pieces, into {@code buf}
     * when it is long enough.
     */
    private static byte[] read(FileChannel ch, String name, long offset, int length, byte[] buf) throws IOException {
        byte[] out = buf != null && buf.length >= length ? buf : new byte[length];
        long pos = offset;
        for (int at = 0; at < length; ) {
            int n = ch.read(ByteBuffer.wrap(out, at, Math.min(IO_SLICE, length - at)), pos);
            if (n < 0) {
                throw new java.io.EOFException(name + " ended before " + (offset + length) + " bytes (shrank while read?)");
            }
            pos += n;
            at += n;
        }
        return out;
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(resolve(name));
    }

    /** Positional reads of at most {@link #IO_SLICE} bytes each, straight into the caller's array. */
    @Override
    public InputStream open(String name, long offset, long length) throws IOException {
        FileChannel ch = FileChannel.open(resolve(name), StandardOpenOption.READ);
        try {
            return new dev.cairn.internal.backend.RangeInput(name, offset, length) {
                @Override
                protected int readAt(byte[] b, int off, int len) throws IOException {
                    return ch.read(ByteBuffer.wrap(b, off, Math.min(len, IO_SLICE)), pos);
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        } catch (RuntimeException e) { // a bad range
            ch.close();
            throw e;
        }
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        Path p = resolve(name);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(a.size()) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        int slash = prefix.lastIndexOf('/');
        Path dir = slash < 0 ? root : resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(dir)) {
            return out;
        }
        walk(dir, prefix, out);
        return out;
    }

    /** Deletes {@code .…cairn-tmp} files (put's and stage's temporaries) last modified before the instant. */
    @Override
    public int removeStaleTemporaries(java.time.Instant modifiedBefore) throws IOException {
        int removed = 0;
        try (java.util.stream.Stream<Path> all = Files.walk(root, 3)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String fn = p.getFileName().toString();
                if (!fn.startsWith(".") || !fn.endsWith(TMP_SUFFIX)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(modifiedBefore)
                            && Files.deleteIfExists(p)) {
                        removed++;
                    }
                } catch (NoSuchFileException e) {
                    // committed or dropped meanwhile
                }
            }
        }
        return removed;
    }

    private void walk(Path dir, String prefix, List<ObjectInfo> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String fn = p.getFileName().toString();
                if (fn.endsWith(TMP_SUFFIX)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (a.isDirectory()) {
                    if ((rel + "/").startsWith(prefix) || prefix.startsWith(rel + "/")) {
                        walk(p, prefix, out);
                    }
                } else if (a.isRegularFile() && rel.startsWith(prefix)) {
                    out.add(new ObjectInfo(rel, a.size()));
                }
            }
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(resolve(name));
    }
}
