package dev.cairn.testing;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting backend for tests of every adapter: with a seeded probability, a call fails
 * before doing anything, fails after a partial write (the object is not stored: puts are atomic),
 * is delayed, or a read comes back truncated or with one byte flipped. Thread-safe.
 */
public final class FaultyBackend implements Backend {
    private final Backend inner;
    private final Random random;
    private volatile double failRate;
    private volatile double delayRate;
    private volatile long delayMillis = 5;
    private volatile double truncateRate;
    private volatile double flipRate;
    private final AtomicLong injected = new AtomicLong();

    public FaultyBackend(Backend inner, long seed) {
        this.inner = inner;
        this.random = new Random(seed);
    }

    /** Fraction of calls that throw an IOException (half of failed puts after a partial write). */
    public FaultyBackend failRate(double r) {
        this.failRate = r;
        return this;
    }

    public FaultyBackend delay(double rate, long millis) {
        this.delayRate = rate;
        this.delayMillis = millis;
        return this;
    }

    /** Fraction of reads returned shorter than asked. */
    public FaultyBackend truncateRate(double r) {
        this.truncateRate = r;
        return this;
    }

    /** Fraction of reads returned with one byte flipped (silent corruption in transit). */
    public FaultyBackend flipRate(double r) {
        this.flipRate = r;
        return this;
    }

    private volatile long spaceLeft = Long.MAX_VALUE;

    /**
     * Bytes that can still be written (puts and staged writes) before every write fails as a full
     * disk does; {@code Long.MAX_VALUE} frees the disk.
     */
    public FaultyBackend spaceLeft(long bytes) {
        this.spaceLeft = bytes;
        return this;
    }

    private synchronized void consume(long n) throws IOException {
        if (spaceLeft == Long.MAX_VALUE) {
            return;
        }
        if (n > spaceLeft) {
            spaceLeft = 0;
            injected.incrementAndGet();
            throw new IOException("No space left on device");
        }
        spaceLeft -= n;
    }

    /**
     * Without a {@link #spaceLeft} limit, pieces kept in memory and put on commit (the put draws
     * this backend's faults, as a remote backend's would); with one, the inner backend's staged
     * write (a local repository's file), its pieces counted against the space left.
     */
    @Override
    public Staged stage(String prefix, int sizeHint) throws IOException {
        if (spaceLeft == Long.MAX_VALUE) {
            return Backend.super.stage(prefix, sizeHint);
        }
        Staged s = inner.stage(prefix, sizeHint);
        return new Staged() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                consume(len);
                s.write(b, off, len);
            }

            @Override
            public void commit(String name) throws IOException {
                s.commit(name);
            }

            @Override
            public void close() throws IOException {
                s.close();
            }
        };
    }

    /** Faults injected so far. */
    public long injected() {
        return injected.get();
    }

    private synchronized double roll() {
        return random.nextDouble();
    }

    private synchronized int nextInt(int bound) {
        return random.nextInt(bound);
    }

    private void before(String op, String name) throws IOException {
        if (roll() < delayRate) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(op);
            }
        }
        if (roll() < failRate) {
            injected.incrementAndGet();
            throw new IOException("injected fault: " + op + " " + name + " (connection reset)");
        }
    }

    private byte[] mangle(byte[] b) {
        if (b.length > 1 && roll() < truncateRate) {
            injected.incrementAndGet();
            return Arrays.copyOf(b, nextInt(b.length));
        }
        if (b.length > 0 && roll() < flipRate) {
            injected.incrementAndGet();
            byte[] c = b.clone();
            c[nextInt(c.length)] ^= (byte) (1 << nextInt(8));
            return c;
        }
        return b;
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        before("put", name);
        consume(len);
        if (roll() < failRate / 2) {
            injected.incrementAndGet();
            throw new IOException("injected fault: put " + name + " failed after a partial write");
        }
        inner.put(name, data, off, len);
    }

    @Override
    public byte[] get(String name) throws IOException {
        before("get", name);
        return mangle(inner.get(name));
    }

    @Override
    public byte[] get(String name, long offset, int length) throws IOException {
        before("get", name);
        return mangle(inner.get(name, offset, length));
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        before("stat", name);
        return inner.stat(name);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        before("list", prefix);
        return inner.list(prefix);
    }

    @Override
    public void delete(String name) throws IOException {
        before("delete", name);
        inner.delete(name);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
