package dev.cairn.internal.backend;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A backend that passes every abstract call, and {@link #stage}, {@link #removeStaleTemporaries}
 * and {@link #close}, to another; the other defaults stay the interface's (they call the methods
 * above, so an override of those sees them). Subclasses override what they change: the local cache
 * ({@link CachingBackend}), and the tests' probes and faults.
 */
public class ForwardingBackend implements Backend {
    protected final Backend inner;

    public ForwardingBackend(Backend inner) {
        this.inner = inner;
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        inner.put(name, data, off, len);
    }

    @Override
    public Staged stage(String prefix, int sizeHint) throws IOException {
        return inner.stage(prefix, sizeHint);
    }

    @Override
    public byte[] get(String name) throws IOException {
        return inner.get(name);
    }

    @Override
    public byte[] get(String name, long offset, int length) throws IOException {
        return inner.get(name, offset, length);
    }

    @Override
    public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        return inner.get(name, offset, length, buf);
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        return inner.stat(name);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return inner.list(prefix);
    }

    @Override
    public void delete(String name) throws IOException {
        inner.delete(name);
    }

    @Override
    public int removeStaleTemporaries(java.time.Instant modifiedBefore) throws IOException {
        return inner.removeStaleTemporaries(modifiedBefore);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
