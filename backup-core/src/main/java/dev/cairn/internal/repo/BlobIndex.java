package dev.cairn.internal.repo;

import dev.cairn.internal.util.Id;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-memory index: blob id → location, in sorted primitive arrays (4 longs of id, and four
 * ints: pack ordinal with type and compression bits, offset, stored length, plain length), 48 bytes
 * per blob, binary-searched without boxing. Blobs added during a backup go to an open-addressing
 * table over a {@link Builder}'s arrays (56 bytes per blob at capacity, 62 measured for 200,000
 * with the room the arrays keep to grow, up to ~90 just after they grow by half; a map of objects
 * took ~150, and an initial backup of a million small files adds a million blobs); the next load
 * from the index files sorts them in. Lookups and additions
 * are thread-safe.
 */
public final class BlobIndex {
    private static final int PACK_BITS = 24;
    private final long[] ids;     // 4 per blob, big-endian words: unsigned order = byte order
    private final int[] packMeta; // pack ordinal (24 bits) | type << 24 | compression << 25
    private final int[] offsets;
    private final int[] stored;
    private final int[] plain;
    private final int size;
    private final Id[] packs;
    private final Added added = new Added();

    private BlobIndex(long[] ids, int[] packMeta, int[] offsets, int[] stored, int[] plain, int size, Id[] packs) {
        this.ids = ids;
        this.packMeta = packMeta;
        this.offsets = offsets;
        this.stored = stored;
        this.plain = plain;
        this.size = size;
        this.packs = packs;
    }

    public static BlobIndex empty() {
        return new Builder().build();
    }

    /** Number of blobs in the sorted part. */
    public int size() {
        return size;
    }

    /** Bytes of heap the sorted arrays hold per blob (excluding the pack table). */
    public static int bytesPerBlob() {
        return 4 * Long.BYTES + 4 * Integer.BYTES;
    }

    /** Approximate retained heap bytes of the sorted part, including the pack table. */
    public long retainedBytes() {
        return (long) ids.length * 8 + (long) (packMeta.length + offsets.length + stored.length + plain.length) * 4
                + (long) packs.length * (16 + 32 + 16 + 8);
    }

    /** Probes that interpolate before the search bisects (bounded: O(log n) whatever the ids). */
    private static final int INTERPOLATIONS = 3;

    private int search(long w0, long w1, long w2, long w3) {
        int lo = 0;
        int hi = size - 1;
        for (int probe = 0; lo <= hi; probe++) {
            int mid = (lo + hi) >>> 1;
            if (probe < INTERPOLATIONS && hi - lo > 8) {
                // Ids are HMAC-SHA256 values, uniform in the sorted array: the first word says
                // nearly where an id is. Two or three probes instead of ~20 of bisection among a
                // million ids, each a cache miss.
                long a = ids[lo * 4];
                long b = ids[hi * 4];
                if (Long.compareUnsigned(w0, a) < 0 || Long.compareUnsigned(w0, b) > 0) {
                    return -1;
                }
                double span = unsigned(b - a);
                if (span > 0) {
                    mid = lo + (int) Math.min(hi - lo, unsigned(w0 - a) / span * (hi - lo));
                }
            }
            int c = compare(mid, w0, w1, w2, w3);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private static double unsigned(long x) {
        return (double) (x >>> 1) * 2.0;
    }

    private int compare(int i, long w0, long w1, long w2, long w3) {
        int b = i * 4;
        int c = Long.compareUnsigned(ids[b], w0);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(ids[b + 1], w1);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(ids[b + 2], w2);
        return c != 0 ? c : Long.compareUnsigned(ids[b + 3], w3);
    }

    /** The id's position among the sorted blobs (0 to {@link #size()} - 1), or -1; added blobs have none. */
    public int position(Id id) {
        return search(id.word(0), id.word(1), id.word(2), id.word(3));
    }

    public boolean contains(Id id) {
        long w0 = id.word(0);
        long w1 = id.word(1);
        long w2 = id.word(2);
        long w3 = id.word(3);
        return search(w0, w1, w2, w3) >= 0 || added.contains(w0, w1, w2, w3);
    }

    public BlobLocation get(Id id) {
        BlobLocation a = added.get(id);
        if (a != null) {
            return a;
        }
        int i = search(id.word(0), id.word(1), id.word(2), id.word(3));
        if (i < 0) {
            return null;
        }
        return location(id, packs[packMeta[i] & PACK_MASK], packMeta[i], offsets[i], stored[i], plain[i]);
    }

    private static final int PACK_MASK = (1 << PACK_BITS) - 1;

    /** A location from an entry's fields; {@code packMeta} holds the type and compression bits. */
    private static BlobLocation location(Id id, Id pack, int packMeta, int offset, int stored, int plain) {
        return new BlobLocation(id, pack, offset, stored, plain, (packMeta >>> PACK_BITS) & 1,
                (packMeta >>> (PACK_BITS + 1)) & 1);
    }

    /** Records a blob written during this session. */
    public void add(BlobLocation loc) {
        added.add(loc);
    }

    /** Blobs added since this index was built. */
    public List<BlobLocation> addedBlobs() {
        return added.all();
    }

    /** Number of blobs added since this index was built. */
    public int addedCount() {
        return added.count();
    }

    /** Approximate retained heap bytes of the blobs added since this index was built. */
    public long addedRetainedBytes() {
        return added.retainedBytes();
    }

    /** Every blob's location (the sorted part, then the added ones). */
    public List<BlobLocation> all() {
        List<BlobLocation> out = new ArrayList<>(size + added.count());
        for (int i = 0; i < size; i++) {
            out.add(location(Id.ofWords(ids[4 * i], ids[4 * i + 1], ids[4 * i + 2], ids[4 * i + 3]),
                    packs[packMeta[i] & PACK_MASK], packMeta[i], offsets[i], stored[i], plain[i]));
        }
        out.addAll(added.all());
        return out;
    }

    /** Every pack the index names. */
    public List<Id> packs() {
        List<Id> out = new ArrayList<>(Arrays.asList(packs));
        for (Id p : added.packs()) {
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Blobs added during a session: entries appended to a {@link Builder}'s arrays (never built),
     * found through an open-addressing table of positions keyed by the id's first word (ids are
     * HMAC values, uniform). Writers take the lock; readers read optimistically and retry under it.
     */
    private static final class Added {
        private final java.util.concurrent.locks.StampedLock lock = new java.util.concurrent.locks.StampedLock();
        private final Builder entries = new Builder(64);
        private int[] table = new int[16]; // position + 1, or 0 for an empty slot; at most half full

        /** Position of the id, -1 if absent, -2 if the arrays were seen mid-update (optimistic read). */
        private static int find(int[] table, long[] ids, long w0, long w1, long w2, long w3) {
            int mask = table.length - 1;
            for (int slot = (int) (w0 ^ (w0 >>> 32)) & mask, probes = 0; probes < table.length;
                 slot = (slot + 1) & mask, probes++) {
                int at = table[slot] - 1;
                if (at < 0) {
                    return -1;
                }
                if (4 * at + 3 >= ids.length) {
                    return -2;
                }
                if (ids[4 * at] == w0 && ids[4 * at + 1] == w1 && ids[4 * at + 2] == w2 && ids[4 * at + 3] == w3) {
                    return at;
                }
            }
            return -2;
        }

        boolean contains(long w0, long w1, long w2, long w3) {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                int at = find(table, entries.ids, w0, w1, w2, w3);
                if (at != -2 && lock.validate(stamp)) {
                    return at >= 0;
                }
            }
            stamp = lock.readLock();
            try {
                return find(table, entries.ids, w0, w1, w2, w3) >= 0;
            } finally {
                lock.unlockRead(stamp);
            }
        }

        BlobLocation get(Id id) {
            long stamp = lock.readLock();
            try {
                int at = find(table, entries.ids, id.word(0), id.word(1), id.word(2), id.word(3));
                return at < 0 ? null : entries.location(at, id);
            } finally {
                lock.unlockRead(stamp);
            }
        }

        /** Adds a blob unless its id is already here (the first location stays). */
        void add(BlobLocation loc) {
            Id id = loc.id();
            long stamp = lock.writeLock();
            try {
                if (find(table, entries.ids, id.word(0), id.word(1), id.word(2), id.word(3)) >= 0) {
                    return;
                }
                entries.addWords(id.word(0), id.word(1), id.word(2), id.word(3), loc.pack(), loc.offset(),
                        loc.storedLength(), loc.plainLength(), loc.type(), loc.compression());
                int n = entries.n;
                if (2 * n > table.length) {
                    int[] t = new int[table.length * 2];
                    for (int i = 0; i < n; i++) {
                        place(t, i);
                    }
                    table = t;
                } else {
                    place(table, n - 1);
                }
            } finally {
                lock.unlockWrite(stamp);
            }
        }

        private void place(int[] t, int at) {
            int mask = t.length - 1;
            long w0 = entries.ids[4 * at];
            int slot = (int) (w0 ^ (w0 >>> 32)) & mask;
            while (t[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            t[slot] = at + 1;
        }

        /** Runs {@code read} under the read lock. */
        private <T> T locked(java.util.function.Supplier<T> read) {
            long stamp = lock.readLock();
            try {
                return read.get();
            } finally {
                lock.unlockRead(stamp);
            }
        }

        int count() {
            return locked(() -> entries.n);
        }

        List<BlobLocation> all() {
            return locked(() -> {
                List<BlobLocation> out = new ArrayList<>(entries.n);
                for (int i = 0; i < entries.n; i++) {
                    out.add(entries.location(i, entries.id(i)));
                }
                return out;
            });
        }

        List<Id> packs() {
            return locked(() -> new ArrayList<>(entries.packs));
        }

        long retainedBytes() {
            return locked(() -> (long) entries.ids.length * 8 + (long) (entries.packMeta.length
                    + entries.offsets.length + entries.stored.length + entries.plain.length) * 4
                    + (long) table.length * 4 + (long) entries.packs.size() * (16 + 32 + 16 + 8 + 48));
        }
    }

    /** A blob id collected twice with different plain lengths. */
    public record SizeConflict(Id id, int plainLength, int otherPlainLength) {
    }

    /** Entries grouped by pack: see {@link Builder#byPack()}. */
    public static final class ByPack {
        private final Builder b;
        private final int[] order;
        private final int[] start;

        private ByPack(Builder b, int[] order, int[] start) {
            this.b = b;
            this.order = order;
            this.start = start;
        }

        /** Every pack with entries. */
        public List<Id> packs() {
            List<Id> out = new ArrayList<>();
            for (int p = 0; p < b.packs.size(); p++) {
                if (start[p + 1] > start[p]) {
                    out.add(b.packs.get(p));
                }
            }
            return out;
        }

        public boolean contains(Id pack) {
            Integer p = b.packOrdinals.get(pack);
            return p != null && start[p + 1] > start[p];
        }

        /** The entries of one pack, in collection order, as locations. */
        public List<BlobLocation> of(Id pack) {
            Integer p = b.packOrdinals.get(pack);
            if (p == null) {
                return List.of();
            }
            List<BlobLocation> out = new ArrayList<>(start[p + 1] - start[p]);
            for (int k = start[p]; k < start[p + 1]; k++) {
                out.add(b.location(order[k], b.id(order[k])));
            }
            return out;
        }
    }

    /** Collects entries, then sorts them once. Not thread-safe. */
    public static final class Builder {
        private long[] ids;
        private int[] packMeta;
        private int[] offsets;
        private int[] stored;
        private int[] plain;
        private int n;
        private final Map<Id, Integer> packOrdinals = new HashMap<>();
        private final List<Id> packs = new ArrayList<>();
        private final List<SizeConflict> sizeConflicts = new ArrayList<>();
        private boolean built;

        public Builder() {
            this(1024);
        }

        /** A builder for about {@code capacity} entries: arrays of that size, grown only beyond it. */
        public Builder(int capacity) {
            capacity = Math.max(16, capacity);
            ids = new long[4 * capacity];
            packMeta = new int[capacity];
            offsets = new int[capacity];
            stored = new int[capacity];
            plain = new int[capacity];
        }

        private Id id(int i) {
            return Id.ofWords(ids[4 * i], ids[4 * i + 1], ids[4 * i + 2], ids[4 * i + 3]);
        }

        private BlobLocation location(int i, Id id) {
            return BlobIndex.location(id, packs.get(packMeta[i] & PACK_MASK), packMeta[i], offsets[i], stored[i],
                    plain[i]);
        }

        /** Adds every entry {@code other} has collected (which stays usable). */
        public void addAll(Builder other) {
            for (int i = 0; i < other.n; i++) {
                int pm = other.packMeta[i];
                addWords(other.ids[4 * i], other.ids[4 * i + 1], other.ids[4 * i + 2], other.ids[4 * i + 3],
                        other.packs.get(pm & PACK_MASK), other.offsets[i], other.stored[i], other.plain[i],
                        (pm >>> PACK_BITS) & 1, (pm >>> (PACK_BITS + 1)) & 1);
            }
        }

        /** Marks the builder used up: its arrays go to an index or a grouping. */
        private void seal() {
            if (built) {
                throw new IllegalStateException("BlobIndex.Builder was already built");
            }
            built = true;
        }

        /** Ids collected twice with different plain lengths (known once {@link #build()} has run). */
        public List<SizeConflict> sizeConflicts() {
            return sizeConflicts;
        }

        /**
         * Every entry collected, repeated ids included, grouped by pack (for comparing an index with
         * pack headers without an object per blob). Instead of {@link #build()}: the builder cannot
         * be used afterwards.
         */
        public ByPack byPack() {
            seal();
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = (long) (packMeta[i] & PACK_MASK) << 32 | i;
            }
            Arrays.sort(keys);
            int[] order = new int[n];
            int[] start = new int[packs.size() + 1];
            for (int k = 0; k < n; k++) {
                order[k] = (int) keys[k];
                start[(int) (keys[k] >>> 32) + 1]++;
            }
            for (int p = 0; p < packs.size(); p++) {
                start[p + 1] += start[p];
            }
            return new ByPack(this, order, start);
        }

        public void add(byte[] id, Id pack, int offset, int storedLen, int plainLen, int type, int compression) {
            Id tmp = Id.of(id);
            addWords(tmp.word(0), tmp.word(1), tmp.word(2), tmp.word(3), pack, offset, storedLen, plainLen, type,
                    compression);
        }

        void addWords(long w0, long w1, long w2, long w3, Id pack, int offset, int storedLen, int plainLen, int type,
                      int compression) {
            if (built) {
                throw new IllegalStateException("BlobIndex.Builder used after build()");
            }
            if (n == offsets.length) {
                int cap = n + (n >> 1); // 1.5x: less room left unused, and less held while growing
                ids = Arrays.copyOf(ids, cap * 4);
                packMeta = Arrays.copyOf(packMeta, cap);
                offsets = Arrays.copyOf(offsets, cap);
                stored = Arrays.copyOf(stored, cap);
                plain = Arrays.copyOf(plain, cap);
            }
            Integer ord = packOrdinals.get(pack);
            if (ord == null) {
                ord = packs.size();
                if (ord >= 1 << PACK_BITS) {
                    throw new IllegalStateException("more than 2^24 packs");
                }
                packOrdinals.put(pack, ord);
                packs.add(pack);
            }
            ids[4 * n] = w0;
            ids[4 * n + 1] = w1;
            ids[4 * n + 2] = w2;
            ids[4 * n + 3] = w3;
            packMeta[n] = ord | type << PACK_BITS | compression << (PACK_BITS + 1);
            offsets[n] = offset;
            stored[n] = storedLen;
            plain[n] = plainLen;
            n++;
        }

        /**
         * Sorts the collected entries in place (one permutation array beside them, not a sorted
         * copy: loading an index of 500,000 blobs peaked at three sets of arrays and ran out of a
         * 128 MiB heap), drops repeated ids, and trims the arrays one at a time. The index takes
         * the arrays over: the builder cannot be used afterwards.
         */
        public BlobIndex build() {
            seal();
            int[] perm = sortedPermutation();
            applyInPlace(perm);
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (m > 0 && ids[4 * (m - 1)] == ids[4 * i] && ids[4 * (m - 1) + 1] == ids[4 * i + 1]
                        && ids[4 * (m - 1) + 2] == ids[4 * i + 2] && ids[4 * (m - 1) + 3] == ids[4 * i + 3]) {
                    if (plain[m - 1] != plain[i]) {
                        sizeConflicts.add(new SizeConflict(id(i), plain[m - 1], plain[i]));
                    }
                    continue; // the same blob in two packs: either copy serves
                }
                if (m != i) {
                    System.arraycopy(ids, 4 * i, ids, 4 * m, 4);
                    packMeta[m] = packMeta[i];
                    offsets[m] = offsets[i];
                    stored[m] = stored[i];
                    plain[m] = plain[i];
                }
                m++;
            }
            n = m;
            ids = Arrays.copyOf(ids, 4 * m);
            packMeta = Arrays.copyOf(packMeta, m);
            offsets = Arrays.copyOf(offsets, m);
            stored = Arrays.copyOf(stored, m);
            plain = Arrays.copyOf(plain, m);
            return new BlobIndex(ids, packMeta, offsets, stored, plain, m, packs.toArray(new Id[0]));
        }

        /** Moves entry {@code perm[k]} to position {@code k}, following the permutation's cycles. */
        private void applyInPlace(int[] perm) {
            long[] id = new long[4];
            for (int start = 0; start < n; start++) {
                if (perm[start] < 0 || perm[start] == start) {
                    continue;
                }
                System.arraycopy(ids, 4 * start, id, 0, 4);
                int pm = packMeta[start];
                int off = offsets[start];
                int st = stored[start];
                int pl = plain[start];
                int k = start;
                while (true) {
                    int from = perm[k];
                    perm[k] = -1;
                    if (from == start) {
                        System.arraycopy(id, 0, ids, 4 * k, 4);
                        packMeta[k] = pm;
                        offsets[k] = off;
                        stored[k] = st;
                        plain[k] = pl;
                        break;
                    }
                    System.arraycopy(ids, 4 * from, ids, 4 * k, 4);
                    packMeta[k] = packMeta[from];
                    offsets[k] = offsets[from];
                    stored[k] = stored[from];
                    plain[k] = plain[from];
                    k = from;
                }
            }
        }

        /**
         * Sorts positions by id without boxing: the JDK's primitive sort on keys holding the id's
         * first 32 bits over the position, then an insertion pass that orders the (rare, short)
         * runs sharing those 32 bits by the whole id. Linear beyond the sort.
         */
        private int[] sortedPermutation() {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                // Flipping bit 63 makes the signed sort order the unsigned order of the id's top bits.
                keys[i] = ((ids[4 * i] & 0xffffffff00000000L) | (i & 0xffffffffL)) ^ Long.MIN_VALUE;
            }
            Arrays.sort(keys);
            int[] a = new int[n];
            for (int k = 0; k < n; k++) {
                a[k] = (int) keys[k];
            }
            for (int k = 1; k < n; k++) {
                for (int j = k; j > 0 && cmp(a[j - 1], a[j]) > 0; j--) {
                    int t = a[j];
                    a[j] = a[j - 1];
                    a[j - 1] = t;
                }
            }
            return a;
        }

        private int cmp(int x, int y) {
            for (int w = 0; w < 4; w++) {
                int c = Long.compareUnsigned(ids[4 * x + w], ids[4 * y + w]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
    }
}
