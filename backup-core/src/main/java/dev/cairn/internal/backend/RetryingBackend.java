package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries transient backend failures ({@link IOException}s other than the permanent
 * {@link NoSuchFileException} and {@link FileAlreadyExistsException}) with capped exponential
 * backoff and full jitter. A put that failed after a partial write is safe to retry: puts are
 * atomic, so the object is either absent (retry writes it) or complete (the retry sees
 * {@code FileAlreadyExistsException}, which for content-addressed names means success — callers
 * treat it so). Thread-safe.
 */
public final class RetryingBackend implements Backend {
    /** Sleeps between attempts; replaceable in tests. */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private final Backend inner;
    private final int attempts;
    private final long baseMillis;
    private final long capMillis;
    private final Sleeper sleeper;

    public RetryingBackend(Backend inner, int attempts, long baseMillis, long capMillis, Sleeper sleeper) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
        }
        this.inner = inner;
        this.attempts = attempts;
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
        this.sleeper = sleeper;
    }

    /** Defaults: 8 attempts, 100 ms doubling to 10 s (about 30 s of waiting in all). */
    public static RetryingBackend wrap(Backend inner) {
        return inner instanceof RetryingBackend r ? r : new RetryingBackend(inner, 8, 100, 10_000, Thread::sleep);
    }

    public Backend inner() {
        return inner;
    }

    static boolean permanent(IOException e) {
        return e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException
                || e instanceof java.nio.file.AccessDeniedException;
    }

    private <T> T retry(String what, Call<T> call) throws IOException {
        IOException last = null;
        for (int i = 0; i < attempts; i++) {
            try {
                return call.run();
            } catch (IOException e) {
                if (permanent(e)) {
                    throw e;
                }
                last = e;
            }
            if (i + 1 < attempts) {
                long ceiling = Math.min(capMillis, baseMillis << Math.min(i, 20));
                try {
                    sleeper.sleep(ThreadLocalRandom.current().nextLong(ceiling + 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while retrying " + what);
                }
            }
        }
        throw new IOException(what + " failed after " + attempts + " attempts: " + last.getMessage(), last);
    }

    @Override
    public String location() {
        return inner.location();
    }

    /**
     * The inner backend's staged write when it writes as it goes and cannot write again (a local
     * directory: its failures, a full disk or a read-only file system, are not transient); its
     * commit retried like {@link #put} when it keeps what was written ({@link Staged.Retryable}: an
     * object store's temporary file); otherwise pieces kept in memory and committed through this
     * backend's retried {@link #put}.
     */
    @Override
    public Staged stage(String prefix, int sizeHint) throws IOException {
        Staged s = inner.stage(prefix, sizeHint);
        if (s instanceof Staged.InMemory) {
            return new Staged.InMemory(this, sizeHint);
        }
        if (s instanceof Staged.Retryable r) {
            return new Staged() {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    r.write(b, off, len);
                }

                @Override
                public void commit(String name) throws IOException {
                    boolean[] tried = {false};
                    retry("put " + name, () -> {
                        boolean again = tried[0];
                        tried[0] = true;
                        try {
                            r.commit(name);
                        } catch (FileAlreadyExistsException e) {
                            // As in put: after a failed attempt the object may be ours.
                            if (again && r.stored(name)) {
                                r.close();
                                return null;
                            }
                            throw e;
                        }
                        return null;
                    });
                }

                @Override
                public void close() throws IOException {
                    r.close();
                }
            };
        }
        return s;
    }

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        boolean[] tried = {false};
        retry("put " + name, () -> {
            boolean again = tried[0];
            tried[0] = true;
            try {
                inner.put(name, data, off, len);
            } catch (FileAlreadyExistsException e) {
                // After a failed attempt the object may be ours (written, but the reply was lost):
                // it counts as written only if it holds exactly these bytes.
                if (again && sameContent(name, data, off, len)) {
                    return null;
                }
                throw e;
            }
            return null;
        });
    }

    private boolean sameContent(String name, byte[] data, int off, int len) throws IOException {
        byte[] existing = inner.get(name);
        return java.util.Arrays.equals(existing, 0, existing.length, data, off, off + len);
    }

    @Override
    public byte[] get(String name) throws IOException {
        return retry("get " + name, () -> inner.get(name));
    }

    @Override
    public byte[] get(String name, long offset, int length) throws IOException {
        return get(name, offset, length, null);
    }

    @Override
    public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        return retry("get " + name, () -> {
            byte[] b = inner.get(name, offset, length, buf);
            // The caller's buffer may be longer than the range; a new array must be exactly it.
            if (b.length < length || b != buf && b.length != length) {
                throw new java.io.EOFException("short read of " + name + ": " + b.length + " of " + length + " bytes");
            }
            return b;
        });
    }

    @Override
    public InputStream open(String name) throws IOException {
        return retry("open " + name, () -> inner.open(name));
    }

    /**
     * The inner backend's range stream, opened again where it broke when a read fails (as an
     * attempt of {@link #retry}): a restore's stream over a pack range survives what a ranged
     * {@link #get} would have retried.
     */
    @Override
    public InputStream open(String name, long offset, long length) throws IOException {
        InputStream first = retry("open " + name, () -> inner.open(name, offset, length));
        return new RangeInput(name, offset, length) {
            private InputStream in = first;

            @Override
            protected int readAt(byte[] b, int off, int len) throws IOException {
                return retry("read " + name, () -> {
                    if (in == null) {
                        in = inner.open(name, pos, end - pos);
                    }
                    try {
                        return in.read(b, off, len);
                    } catch (IOException e) {
                        InputStream broken = in;
                        in = null;
                        try {
                            broken.close();
                        } catch (IOException | RuntimeException ignored) {
                            // it broke already
                        }
                        throw e;
                    }
                });
            }

            @Override
            public void close() throws IOException {
                if (in != null) {
                    in.close();
                }
            }
        };
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        return retry("stat " + name, () -> inner.stat(name));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return retry("list " + prefix, () -> inner.list(prefix));
    }

    @Override
    public int removeStaleTemporaries(java.time.Instant modifiedBefore) throws IOException {
        return inner.removeStaleTemporaries(modifiedBefore);
    }

    @Override
    public void delete(String name) throws IOException {
        retry("delete " + name, () -> {
            inner.delete(name);
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
