package dev.cairn.backend;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;

/**
 * Storage for a repository: opaque names ({@code "config"}, {@code "data/ab/abcd…"}) mapped to
 * immutable byte objects.
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>{@link #put} is atomic and create-only: a reader sees the whole object or none, and an
 *       existing name is never overwritten ({@link FileAlreadyExistsException}).</li>
 *   <li>Read-after-write: once {@code put} returns, {@code get}, {@code stat} and {@code list}
 *       see the object.</li>
 *   <li>Retrying an operation that failed with an {@link IOException} is safe (idempotent);
 *       {@link NoSuchFileException} and {@link FileAlreadyExistsException} are permanent.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface Backend extends AutoCloseable {

    /** A human-readable location without credentials, e.g. {@code /srv/repo} or {@code s3://b/p}. */
    String location();

    /**
     * Stores {@code data[off, off+len)} under {@code name}, atomically; fails if the name exists.
     * The implementation must not keep {@code data} after returning: the caller reuses the array.
     */
    void put(String name, byte[] data, int off, int len) throws IOException;

    /**
     * Starts an object written in pieces whose name is known only once it is complete (a pack is
     * named by the hash of its bytes). The default keeps the pieces in memory and {@link #put}s
     * them on {@link Staged#commit}; a backend that can write as it goes overrides it (the local
     * one writes a file beside where the object will be: a pack never sits in memory whole).
     *
     * @param prefix   where the object's name will start, such as {@code "data/"}
     * @param sizeHint the expected size, for a buffer's first capacity
     */
    default Staged stage(String prefix, int sizeHint) throws IOException {
        return new Staged.InMemory(this, sizeHint);
    }

    /** An object being written: see {@link #stage}. Not thread-safe. */
    interface Staged extends java.io.Closeable {
        /** Appends {@code b[off, off+len)}; the implementation does not keep {@code b}. */
        void write(byte[] b, int off, int len) throws IOException;

        /**
         * Stores what was written under {@code name}, with {@link #put}'s guarantees (atomic,
         * create-only: {@link FileAlreadyExistsException} if the name exists). Once only.
         */
        void commit(String name) throws IOException;

        /** Drops what was written unless it was committed. */
        @Override
        void close() throws IOException;

        /**
         * A staged object whose {@link #commit} may be called again after it failed with an
         * {@link IOException} (what was written is kept until {@link #close}): a retrying caller
         * retries it as it retries {@link Backend#put}.
         */
        interface Retryable extends Staged {
            /**
             * Whether the object stored under {@code name} holds exactly what was written: after a
             * failed commit, a {@link FileAlreadyExistsException} may mean that the failed attempt
             * stored it after all.
             */
            boolean stored(String name) throws IOException;
        }

        /** Pieces kept in one growing array, {@link Backend#put} on commit. */
        final class InMemory implements Staged {
            private final Backend backend;
            private final int sizeHint;
            private byte[] buf;
            private int length;

            public InMemory(Backend backend, int sizeHint) {
                this.backend = backend;
                this.sizeHint = sizeHint;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (buf == null) {
                    buf = new byte[Math.max(sizeHint, len)];
                } else if (buf.length - length < len) {
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8,
                            Math.max((long) buf.length * 2, (long) length + len)));
                }
                System.arraycopy(b, off, buf, length, len);
                length += len;
            }

            @Override
            public void commit(String name) throws IOException {
                backend.put(name, buf == null ? new byte[0] : buf, 0, length);
                buf = null;
            }

            @Override
            public void close() {
                buf = null;
            }
        }
    }

    /** Reads a whole object. @throws NoSuchFileException if it does not exist */
    byte[] get(String name) throws IOException;

    /** Reads {@code length} bytes at {@code offset}. @throws NoSuchFileException if absent */
    byte[] get(String name, long offset, int length) throws IOException;

    /**
     * Reads {@code length} bytes at {@code offset} into {@code buf} from index 0 when it is long
     * enough (the caller reuses one buffer for many reads), else into a new array; returns the array
     * that holds them. The default always reads a new array.
     * @throws NoSuchFileException if absent
     */
    default byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        return get(name, offset, length);
    }

    /** Opens a stream over a whole object. */
    default InputStream open(String name) throws IOException {
        return new java.io.ByteArrayInputStream(get(name));
    }

    /**
     * Opens a stream over {@code length} bytes at {@code offset}: a restore reads the blobs of a
     * pack range as they arrive, one request per range, holding one blob at a time. Where the object
     * ends sooner the stream ends sooner (or throws {@link java.io.EOFException}). The default reads
     * the range in pieces of at most 1 MiB with {@link #get(String, long, int, byte[])}.
     * @throws NoSuchFileException if absent
     */
    default InputStream open(String name, long offset, long length) throws IOException {
        return new dev.cairn.internal.backend.RangeStream(this, name, offset, length);
    }

    /** The object's size, or empty if it does not exist. */
    Optional<Long> stat(String name) throws IOException;

    /** Every object whose name starts with {@code prefix} (e.g. {@code "snapshots/"}), any order. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes an object; deleting a missing object is not an error. */
    void delete(String name) throws IOException;

    /**
     * Deletes the temporary files of writes that never finished (their process was killed: a local
     * repository's {@code .…cairn-tmp} files, hidden from {@link #list}) that were last modified before
     * {@code modifiedBefore}; returns how many. A write in progress keeps modifying its file, so
     * an instant well in the past spares it. Backends whose writes leave nothing behind (an object
     * store's put is atomic) keep the default, which does nothing.
     */
    default int removeStaleTemporaries(java.time.Instant modifiedBefore) throws IOException {
        return 0;
    }

    /** Whether any object exists at all (a repository's {@code config} in practice). */
    default boolean exists(String name) throws IOException {
        return stat(name).isPresent();
    }

    @Override
    default void close() throws IOException {
    }
}
