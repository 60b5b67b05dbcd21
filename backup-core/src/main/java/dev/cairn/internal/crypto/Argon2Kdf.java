package dev.cairn.internal.crypto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Argon2id version 1.3 (RFC 9106), with BLAKE2b ({@link Blake2b}) for H and H'.
 * <p>
 * Not BouncyCastle's {@code Argon2BytesGenerator}: it keeps the memory as one object per 1 KiB
 * block (65,536 objects at 64 MiB), which the CLI's young collections copied while the key was
 * being derived: 0.27-0.39 s of GC pauses in every command, about as long as the derivation
 * itself. Here the memory is one {@code long[]}, allocated outside the young generation and never
 * copied, and the lanes of a slice (independent by design) are filled by up to as many threads as
 * there are cores. Argon2KdfTest checks the output against BouncyCastle's generator for many
 * parameter sets (BouncyCastle is a test dependency only) and against the RFC's test vector.
 */
public final class Argon2Kdf {
    private static final int TYPE_ID = 2;
    private static final int VERSION = 0x13;
    private static final int SYNC_POINTS = 4;
    private static final int QWORDS = 128;
    private static final int BLOCK_BYTES = 1024;

    /** Parameters stored in a key object. */
    public record Params(int memoryKiB, int iterations, int parallelism, byte[] salt) {
        public Params {
            if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
                throw new IllegalArgumentException("argon2 memoryKiB out of range: " + memoryKiB);
            }
            if (iterations < 1 || iterations > 100) {
                throw new IllegalArgumentException("argon2 iterations out of range: " + iterations);
            }
            if (parallelism < 1 || parallelism > 64) {
                throw new IllegalArgumentException("argon2 parallelism out of range: " + parallelism);
            }
            if (salt.length < 16) {
                throw new IllegalArgumentException("argon2 salt shorter than 16 bytes");
            }
        }
    }

    private Argon2Kdf() {
    }

    /** A 32-byte key from {@code password} (which is zeroed). */
    public static byte[] derive(byte[] password, Params p) {
        try {
            return hash(password, p.salt(), new byte[0], new byte[0], p.iterations(), p.memoryKiB(),
                    p.parallelism(), 32, Runtime.getRuntime().availableProcessors());
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /**
     * Argon2id: the tag of {@code tagLength} bytes for password, salt, secret and associated data,
     * {@code passes} passes over {@code memoryKiB} KiB in {@code lanes} lanes, with up to
     * {@code threads} threads.
     */
    static byte[] hash(byte[] password, byte[] salt, byte[] secret, byte[] ad, int passes, int memoryKiB,
                       int lanes, int tagLength, int threads) {
        int blocks = blocks(memoryKiB, lanes);
        int laneLength = blocks / lanes;
        int segment = laneLength / SYNC_POINTS;
        Blake2b h0d = new Blake2b(64);
        for (int v : new int[]{lanes, tagLength, memoryKiB, passes, VERSION, TYPE_ID}) {
            le32(h0d, v);
        }
        for (byte[] b : new byte[][]{password, salt, secret, ad}) {
            le32(h0d, b.length);
            h0d.update(b, 0, b.length);
        }
        byte[] seed = new byte[72];
        h0d.doFinal(seed, 0);
        Memory mem = memory(blocks, lanes, laneLength, segment, passes);
        byte[] block = new byte[BLOCK_BYTES];
        long[] words = new long[QWORDS];
        long[] last = new long[QWORDS];
        ExecutorService pool = null;
        boolean wiped = false;
        try {
            ByteBuffer seedLe = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN);
            for (int l = 0; l < lanes; l++) {
                for (int i = 0; i < 2; i++) {
                    seedLe.putInt(64, i).putInt(68, l);
                    hPrime(seed, block, BLOCK_BYTES);
                    littleEndian(block).get(words);
                    mem.put(l * laneLength + i, words);
                }
            }
            Arrays.fill(seed, (byte) 0);
            int workers = Math.max(1, Math.min(threads, lanes));
            pool = workers > 1 ? Executors.newFixedThreadPool(workers - 1, r -> {
                Thread t = new Thread(r, "cairn-argon2");
                t.setDaemon(true);
                return t;
            }) : null;
            for (int pass = 0; pass < passes; pass++) {
                for (int slice = 0; slice < SYNC_POINTS; slice++) {
                    int p = pass;
                    int s = slice;
                    inParallel(pool, workers, (first, step) -> mem.fillLanes(p, s, first, step));
                }
            }
            for (int l = 0; l < lanes; l++) {
                mem.get(l * laneLength + laneLength - 1, words);
                for (int w = 0; w < QWORDS; w++) {
                    last[w] ^= words[w];
                }
            }
            // The memory wiped by every worker (64 MiB: ~14 ms on one thread).
            inParallel(pool, workers, (first, step) -> {
                for (int l = first; l < lanes; l += step) {
                    mem.wipeLane(l);
                }
            });
            wiped = true;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            mem.release(wiped);
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(words, 0L);
        }
        littleEndian(block).put(last);
        Arrays.fill(last, 0L);
        byte[] tag = new byte[tagLength];
        hPrime(block, tag, tagLength);
        Arrays.fill(block, (byte) 0);
        return tag;
    }

    /** RFC 9106's second recommended option, the parameters of a new key: 64 MiB, 3 passes, 4 lanes. */
    public static final int DEFAULT_MEMORY_KIB = 64 * 1024;
    public static final int DEFAULT_ITERATIONS = 3;
    public static final int DEFAULT_LANES = 4;

    /**
     * Memory allocated ahead of the first derivation by {@link #prepare}, and whether a derivation
     * has begun (prepared memory is never left referenced after that). Guarded by {@link #LOCK},
     * which {@link #prepare} holds while it allocates: a derivation that starts meanwhile waits and
     * takes that memory. (With a compare-and-set after the allocation, a derivation starting during
     * the ~30 ms of zeroing allocated a second 64 MiB beside it, and a start in a 128 MiB heap failed
     * with OutOfMemoryError, about one run in ten of a dump's backup.)
     */
    private static final Object LOCK = new Object();
    private static Region prepared;
    private static boolean taken;
    /** Memory allocated for derivations, prepared or not (tests). */
    private static final java.util.concurrent.atomic.AtomicInteger ALLOCATIONS = new java.util.concurrent.atomic.AtomicInteger();
    /** Whether memory is filled by {@link Argon2Native} (when it loaded); tests switch it. */
    private static volatile boolean nativeFill = Argon2Native.available();
    /** See {@link #usedHeap}. */
    private static volatile boolean heapUsed;

    /**
     * A derivation's memory: a Java array, or a native mapping ({@link Argon2Native}) of as many
     * words; either is all zeroes when allocated.
     */
    private record Region(long[] array, long address, long words) {
        /** Gives a native mapping back (an array is left to the collector). */
        void free() {
            if (array == null) {
                Argon2Native.unmap(address, words * Long.BYTES);
            }
        }

        /** This memory laid out for a derivation. */
        Memory open(int lanes, int laneLength, int segment, int blocks, int passes) {
            return array != null ? new HeapMemory(array, lanes, laneLength, segment, blocks, passes)
                    : new NativeMemory(this, lanes, laneLength, segment, blocks, passes);
        }
    }

    /**
     * Allocates, on the calling thread, the memory of the next derivation with {@code memoryKiB} and
     * {@code lanes} (the defaults of a new key: 64 MiB, 4 lanes): 64 MiB of new memory costs ~30-60 ms
     * of page faults, which the CLI's warm-up thread pays while the command line is parsed. Only the
     * first derivation of the JVM takes it, whatever its parameters (with others it is dropped);
     * once that derivation has begun, this does nothing.
     */
    public static void prepare(int memoryKiB, int lanes) {
        synchronized (LOCK) {
            if (!taken && prepared == null) {
                prepared = allocate((long) blocks(memoryKiB, lanes) * QWORDS);
            }
        }
    }

    private static Region allocate(long words) {
        ALLOCATIONS.incrementAndGet();
        if (nativeFill) {
            long address = Argon2Native.map(words * Long.BYTES);
            if (address != 0) {
                return new Region(null, address, words);
            }
        }
        heapUsed = true;
        return new Region(new long[Math.toIntExact(words)], 0, words);
    }

    /**
     * Whether a derivation of this JVM had its memory on the Java heap (the Java filler): garbage in
     * the old generation once it is done, which a process of its own may collect at once. With the
     * native filler the memory is unmapped when the derivation ends.
     */
    public static boolean usedHeap() {
        return heapUsed;
    }

    /** A derivation's memory: the prepared region if it has that size, else a new one. */
    private static Memory memory(int blocks, int lanes, int laneLength, int segment, int passes) {
        long words = (long) blocks * QWORDS;
        Region r;
        synchronized (LOCK) {
            r = prepared;
            prepared = null;
            taken = true;
        }
        if (r != null && r.words() != words) {
            r.free();
            r = null;
        }
        if (r == null) {
            r = allocate(words);
        }
        return r.open(lanes, laneLength, segment, blocks, passes);
    }

    /** The words of the prepared memory a derivation would take, 0 when none is held. */
    static long preparedWords() {
        synchronized (LOCK) {
            return prepared == null ? 0 : prepared.words();
        }
    }

    /** Memory regions allocated so far (tests). */
    static int allocations() {
        return ALLOCATIONS.get();
    }

    /** Forgets any prepared memory and that a derivation ran, as in a new JVM (tests). */
    static void unprepare() {
        synchronized (LOCK) {
            if (prepared != null) {
                prepared.free();
            }
            prepared = null;
            taken = false;
        }
    }

    /** Fills with {@link Argon2Native} (when loaded) or in Java; returns the previous setting (tests). */
    static boolean useNative(boolean on) {
        boolean was = nativeFill;
        nativeFill = on && Argon2Native.available();
        return was;
    }

    /** The number of blocks: the memory rounded down to a multiple of 4 segments per lane, at least 2 blocks each. */
    private static int blocks(int memoryKiB, int lanes) {
        return Math.max(memoryKiB, 2 * SYNC_POINTS * lanes) / (lanes * SYNC_POINTS) * SYNC_POINTS * lanes;
    }

    /** Work over lanes: worker {@code first} of {@code step} takes lanes first, first + step… */
    private interface LaneWork {
        void run(int first, int step);
    }

    /** Runs {@code work} on every worker, the caller being worker 0, and waits for all of them. */
    private static void inParallel(ExecutorService pool, int workers, LaneWork work) {
        List<Future<?>> others = new ArrayList<>(workers - 1);
        for (int w = 1; w < workers; w++) {
            int first = w;
            others.add(pool.submit(() -> work.run(first, workers)));
        }
        work.run(0, workers);
        try {
            for (Future<?> o : others) {
                o.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("key derivation interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("key derivation failed", e.getCause());
        }
    }

    /** A derivation's memory and how its segments are filled. */
    private abstract static class Memory {
        final int lanes;
        final int laneLength;
        final int segment;
        final int blocks;
        final int passes;

        Memory(int lanes, int laneLength, int segment, int blocks, int passes) {
            this.lanes = lanes;
            this.laneLength = laneLength;
            this.segment = segment;
            this.blocks = blocks;
            this.passes = passes;
        }

        abstract void put(int block, long[] words);

        abstract void get(int block, long[] words);

        /** Fills segment {@code slice} of pass {@code pass} in lanes firstLane, firstLane + step… */
        abstract void fillLanes(int pass, int slice, int firstLane, int step);

        abstract void wipeLane(int lane);

        /** Gives the memory back, first wiping it unless {@code wiped}. */
        abstract void release(boolean wiped);
    }

    /** The memory as a native mapping, filled by {@link Argon2Native}. */
    private static final class NativeMemory extends Memory {
        private final Region region;
        private final long address;

        NativeMemory(Region region, int lanes, int laneLength, int segment, int blocks, int passes) {
            super(lanes, laneLength, segment, blocks, passes);
            this.region = region;
            this.address = region.address();
        }

        @Override
        void put(int block, long[] words) {
            Argon2Native.put(address, block, words);
        }

        @Override
        void get(int block, long[] words) {
            Argon2Native.get(address, block, words);
        }

        @Override
        void fillLanes(int pass, int slice, int firstLane, int step) {
            for (int lane = firstLane; lane < lanes; lane += step) {
                Argon2Native.fillSegment(address, pass, slice, lane, lanes, laneLength, segment, blocks, passes);
            }
        }

        @Override
        void wipeLane(int lane) {
            long laneBytes = (long) laneLength * BLOCK_BYTES;
            Argon2Native.wipe(address, lane * laneBytes, laneBytes);
        }

        @Override
        void release(boolean wiped) {
            if (!wiped) {
                Argon2Native.wipe(address, 0, region.words() * Long.BYTES);
            }
            region.free();
        }
    }

    /** The memory as one Java array; per-thread scratch blocks. */
    private static final class HeapMemory extends Memory {
        private final long[] mem;

        HeapMemory(long[] mem, int lanes, int laneLength, int segment, int blocks, int passes) {
            super(lanes, laneLength, segment, blocks, passes);
            this.mem = mem;
        }

        @Override
        void put(int block, long[] words) {
            System.arraycopy(words, 0, mem, block * QWORDS, QWORDS);
        }

        @Override
        void get(int block, long[] words) {
            System.arraycopy(mem, block * QWORDS, words, 0, QWORDS);
        }

        @Override
        void wipeLane(int lane) {
            Arrays.fill(mem, lane * laneLength * QWORDS, (lane + 1) * laneLength * QWORDS, 0L);
        }

        @Override
        void release(boolean wiped) {
            if (!wiped) {
                Arrays.fill(mem, 0L);
            }
        }

        @Override
        void fillLanes(int pass, int slice, int firstLane, int step) {
            long[] r = new long[QWORDS];
            long[] z = new long[QWORDS];
            long[] address = new long[QWORDS];
            long[] input = new long[QWORDS];
            for (int lane = firstLane; lane < lanes; lane += step) {
                fillSegment(pass, slice, lane, r, z, address, input);
            }
        }

        private void fillSegment(int pass, int slice, int lane, long[] r, long[] z, long[] address, long[] input) {
            boolean independent = pass == 0 && slice < SYNC_POINTS / 2;
            int start = pass == 0 && slice == 0 ? 2 : 0;
            if (independent) {
                Arrays.fill(input, 0L);
                input[0] = pass;
                input[1] = lane;
                input[2] = slice;
                input[3] = blocks;
                input[4] = passes;
                input[5] = TYPE_ID;
                if (start == 2) {
                    nextAddresses(input, address, r, z);
                }
            }
            int cur = lane * laneLength + slice * segment + start;
            int prev = cur % laneLength == 0 ? cur + laneLength - 1 : cur - 1;
            // The reference area (RFC 9106 section 3.4.1.2) from values fixed for the segment: a
            // branch on the pass per block, first taken in the second pass, made the JIT recompile
            // the loop in the middle of every derivation.
            int startPosition = pass == 0 ? 0 : ((slice + 1) * segment) % laneLength;
            int finished = pass == 0 ? slice * segment : laneLength - segment;
            boolean firstSlice = pass == 0 && slice == 0;
            for (int index = start; index < segment; index++, cur++, prev++) {
                if (cur % laneLength == 1) {
                    prev = cur - 1;
                }
                long rand;
                if (independent) {
                    if (index % QWORDS == 0) {
                        nextAddresses(input, address, r, z);
                    }
                    rand = address[index % QWORDS];
                } else {
                    rand = mem[prev * QWORDS];
                }
                int refLane = firstSlice ? lane : (int) ((rand >>> 32) % lanes);
                // This lane: every block before this one; another lane: its finished segments, less
                // their last block while this segment's first block is filled ((index - 1) >>> 31 is 1
                // for index 0, else 0).
                int area = refLane == lane ? finished + index - 1 : finished - ((index - 1) >>> 31);
                long x = rand & 0xFFFFFFFFL;
                x = (x * x) >>> 32;
                x = area - 1 - ((area * x) >>> 32);
                int refColumn = (int) (startPosition + x) % laneLength;
                fill(prev * QWORDS, (laneLength * refLane + refColumn) * QWORDS, cur * QWORDS, r, z);
            }
        }

        /**
         * mem[cur] ^= G(mem[prev], mem[ref]). In the first pass the block is still zero (the memory
         * is allocated for each derivation), so the XOR is the RFC's plain assignment there.
         */
        private void fill(int prev, int ref, int cur, long[] r, long[] z) {
            long[] m = mem;
            for (int i = 0; i < QWORDS; i++) {
                long v = m[prev + i] ^ m[ref + i];
                r[i] = v;
                z[i] = v;
            }
            permute(z);
            for (int i = 0; i < QWORDS; i++) {
                m[cur + i] ^= r[i] ^ z[i];
            }
        }

        /** The next block of data-independent addresses: G(0, G(0, input)) with the counter raised. */
        private static void nextAddresses(long[] input, long[] address, long[] r, long[] z) {
            input[6]++;
            gZero(input, address, r, z);
            gZero(address, address, r, z); // in is copied to r and z before out is written
        }

        /** out = G(0, in). */
        private static void gZero(long[] in, long[] out, long[] r, long[] z) {
            System.arraycopy(in, 0, r, 0, QWORDS);
            System.arraycopy(in, 0, z, 0, QWORDS);
            permute(z);
            for (int i = 0; i < QWORDS; i++) {
                out[i] = r[i] ^ z[i];
            }
        }
    }

    /** The permutation P on the rows, then on the columns, of a block seen as 8x8 128-bit words. */
    private static void permute(long[] v) {
        for (int i = 0; i < 8; i++) {
            int b = 16 * i;
            round(v, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, b + 13,
                    b + 14, b + 15);
        }
        for (int i = 0; i < 8; i++) {
            int b = 2 * i;
            round(v, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49, b + 64, b + 65, b + 80, b + 81, b + 96,
                    b + 97, b + 112, b + 113);
        }
    }

    private static void round(long[] v, int v0, int v1, int v2, int v3, int v4, int v5, int v6, int v7, int v8,
                              int v9, int v10, int v11, int v12, int v13, int v14, int v15) {
        gb(v, v0, v4, v8, v12);
        gb(v, v1, v5, v9, v13);
        gb(v, v2, v6, v10, v14);
        gb(v, v3, v7, v11, v15);
        gb(v, v0, v5, v10, v15);
        gb(v, v1, v6, v11, v12);
        gb(v, v2, v7, v8, v13);
        gb(v, v3, v4, v9, v14);
    }

    /** BLAKE2b's G with Argon2's multiplications (BlaMka). */
    private static void gb(long[] v, int a, int b, int c, int d) {
        long va = v[a];
        long vb = v[b];
        long vc = v[c];
        long vd = v[d];
        va = va + vb + 2 * (va & 0xFFFFFFFFL) * (vb & 0xFFFFFFFFL);
        vd = Long.rotateRight(vd ^ va, 32);
        vc = vc + vd + 2 * (vc & 0xFFFFFFFFL) * (vd & 0xFFFFFFFFL);
        vb = Long.rotateRight(vb ^ vc, 24);
        va = va + vb + 2 * (va & 0xFFFFFFFFL) * (vb & 0xFFFFFFFFL);
        vd = Long.rotateRight(vd ^ va, 16);
        vc = vc + vd + 2 * (vc & 0xFFFFFFFFL) * (vd & 0xFFFFFFFFL);
        vb = Long.rotateRight(vb ^ vc, 63);
        v[a] = va;
        v[b] = vb;
        v[c] = vc;
        v[d] = vd;
    }

    /** H': BLAKE2b extended to {@code length} bytes of output (RFC 9106 section 3.3). */
    private static void hPrime(byte[] in, byte[] out, int length) {
        if (length <= 64) {
            Blake2b d = new Blake2b(length);
            le32(d, length);
            d.update(in, 0, in.length);
            d.doFinal(out, 0);
            return;
        }
        Blake2b d = new Blake2b(64);
        byte[] v = new byte[64];
        le32(d, length);
        d.update(in, 0, in.length);
        d.doFinal(v, 0);
        System.arraycopy(v, 0, out, 0, 32);
        int r = (length + 31) / 32 - 2;
        int pos = 32;
        for (int i = 2; i <= r; i++, pos += 32) {
            d.update(v, 0, 64);
            d.doFinal(v, 0);
            System.arraycopy(v, 0, out, pos, 32);
        }
        Blake2b lastD = new Blake2b(length - 32 * r);
        lastD.update(v, 0, 64);
        lastD.doFinal(out, pos);
        Arrays.fill(v, (byte) 0);
    }

    private static void le32(Blake2b d, int v) {
        d.update((byte) v);
        d.update((byte) (v >>> 8));
        d.update((byte) (v >>> 16));
        d.update((byte) (v >>> 24));
    }

    /** A block's bytes as 128 little-endian 64-bit words. */
    private static LongBuffer littleEndian(byte[] block) {
        return ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    }
}
