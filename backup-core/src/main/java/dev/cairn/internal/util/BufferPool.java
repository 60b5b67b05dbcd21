package dev.cairn.internal.util;

import java.util.ArrayDeque;

/**
 * Byte arrays handed out and given back, so that a stream of variable-size chunks reuses a few
 * arrays instead of allocating one per chunk. Sizes come in classes, four per doubling from
 * {@link #GRAIN} on (64, 80, 96, 112, 128 KiB… 1, 1.25, 1.5, 1.75, 2 MiB…): {@link #take} returns
 * the smallest idle array at least as long as asked and at most twice as long, else a new one of
 * the length's class (at most 25 % longer); {@link #give} keeps an array while the idle ones total
 * at most the limit, else drops it to the collector. Memory is therefore bounded by what callers
 * hold plus the limit. (Exact classes alone missed: chunks of 0.5-8 MiB spread over 16 classes,
 * and a quarter of a gigabyte's chunks found none idle in theirs.)
 *
 * <p>Why: a backup copied each new chunk (0.5-8 MiB) into a new array for its worker; a gigabyte
 * of new data allocated a gigabyte of arrays, those in flight during a young collection were
 * promoted, and the old generation filled with dead chunks. Thread-safe.
 */
public final class BufferPool {
    /** The smallest array made (64 KiB). */
    public static final int GRAIN = 64 << 10;

    private final long limit;
    private final java.util.TreeMap<Integer, ArrayDeque<byte[]>> idle = new java.util.TreeMap<>();
    private long idleBytes;
    private long created;

    /** A pool keeping at most {@code limit} bytes of idle arrays. */
    public BufferPool(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        this.limit = limit;
    }

    /** The size of the class of {@code length}: the smallest of GRAIN x 2^k x (4, 5, 6, 7)/4 not below it. */
    public static int classSize(int length) {
        if (length <= GRAIN) {
            return GRAIN;
        }
        int top = Integer.highestOneBit(length - 1); // 2^k < length <= 2^(k+1)
        int step = top / 4;
        long size = (long) top + ((long) (length - top) + step - 1) / step * step;
        return (int) Math.min(size, Integer.MAX_VALUE - 8);
    }

    /**
     * An array of at least {@code length} bytes (its contents are undefined: old data). Below
     * {@link #GRAIN}, a new array of exactly that length, never kept: a tree of small files' chunks
     * of a few KiB each took a 64 KiB array (a backup of the Linux source tree allocated ~5 GB more
     * and ran 10 % slower), and small arrays die young at little cost.
     */
    public byte[] take(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (length < GRAIN) {
            return new byte[length];
        }
        synchronized (this) {
            java.util.Map.Entry<Integer, ArrayDeque<byte[]>> e = idle.ceilingEntry(length);
            if (e != null && e.getKey() <= 2L * length) {
                ArrayDeque<byte[]> q = e.getValue();
                byte[] b = q.pop();
                if (q.isEmpty()) {
                    idle.remove(e.getKey());
                }
                idleBytes -= b.length;
                return b;
            }
            created++;
        }
        return new byte[classSize(length)];
    }

    /** Gives back an array of {@link #take} (the caller no longer uses it); null and arrays below {@link #GRAIN} are ignored. */
    public void give(byte[] b) {
        if (b == null || b.length < GRAIN) {
            return;
        }
        synchronized (this) {
            if (idleBytes + b.length > limit) {
                return;
            }
            idle.computeIfAbsent(b.length, k -> new ArrayDeque<>()).push(b);
            idleBytes += b.length;
        }
    }

    /** Bytes of idle arrays kept. */
    public synchronized long idleBytes() {
        return idleBytes;
    }

    /** Arrays of {@link #GRAIN} bytes or more created by {@link #take} so far (tests: reuse means this stops growing). */
    public synchronized long created() {
        return created;
    }
}
