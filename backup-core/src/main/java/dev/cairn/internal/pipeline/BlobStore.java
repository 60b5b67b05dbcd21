package dev.cairn.internal.pipeline;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.cairn.BackendException;
import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import dev.cairn.IntegrityException;
import dev.cairn.backend.Backend;
import dev.cairn.internal.backend.CachingBackend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.BlobLocation;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.repo.RepoConfig;
import dev.cairn.internal.util.BufferPool;
import dev.cairn.internal.util.Id;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write path: id → dedup → compress → encrypt → pack → upload, on a worker pool with a fixed
 * budget of bytes in flight (memory does not grow with the source). Thread-safe.
 */
public final class BlobStore {
    private final Backend backend;
    private final Crypto crypto;
    private final RepoConfig config;
    private final BlobIndex index;
    private final ExecutorService workers;
    private final Semaphore budget;
    private final int budgetBytes;
    /**
     * Ids of the blobs being stored: claimed by the thread that stores one, dropped once its pack
     * is uploaded and indexed (so the set holds what is in flight and in open packs, not every
     * blob of a backup).
     */
    private final Set<Id> inFlight = ConcurrentHashMap.newKeySet();
    /** Ids of the blobs {@link #putStored} added (a repack copies each blob once). */
    private final Set<Id> copied = ConcurrentHashMap.newKeySet();
    private final Object[] packLocks = {new Object(), new Object()};
    /** Set by {@link #discardOpenPacks}: no pack opens afterwards. */
    private volatile boolean discarded;
    private final PackFormat.Builder[] packs = new PackFormat.Builder[2];
    private final List<BlobLocation> written = new ArrayList<>();
    private final ThreadLocal<ZstdCompressCtx> zstd;
    private final long indexEveryNanos;
    /** One reusable compression buffer per worker: no multi-MiB allocation per chunk. */
    private final ThreadLocal<byte[][]> compressBuffers = ThreadLocal.withInitial(() -> new byte[1][]);
    /** One reusable buffer per worker for the encrypted blob, which the open pack copies. */
    private final ThreadLocal<byte[][]> sealBuffers = ThreadLocal.withInitial(() -> new byte[1][]);
    /**
     * The copies of new chunks that {@link #submitData(byte[], int, int)} hands to a worker, reused
     * (up to the in-flight budget kept idle: a backup of many small files has its index and trees
     * in the old generation, and twice that brought more full collections).
     */
    private final BufferPool buffers;
    /**
     * Bytes by which the workers' kept buffers ({@link #compressBuffers}, {@link #sealBuffers})
     * have grown past {@link #KEPT_BUFFER} for larger chunks, at most {@link #keptLargeLimit}
     * (5 times the budget: both buffers of the largest chunks on two workers): beyond it, a large
     * chunk's buffers are new arrays, as all were. In a shared pool, a large chunk's three arrays
     * (copy, compressed, encrypted) overflowed it and were dropped, promoted when a young
     * collection came meanwhile, and a 4 GB backup's old generation filled to its cap with them:
     * peak RSS 4 GB / 1 GB 1.13-1.23 with a pool, 1.02 kept per worker (bench/memory.sh). The
     * bound keeps many cores from keeping 20 MiB each.
     */
    private final java.util.concurrent.atomic.AtomicLong keptLarge = new java.util.concurrent.atomic.AtomicLong();
    private final long keptLargeLimit;
    /** The size of a worker's buffer once a chunk needs more than {@link #KEPT_BUFFER}: what the largest chunk needs. */
    private final int largestBuffer;
    private volatile long lastIndexWrite = System.nanoTime();
    /**
     * Closed packs are stored by uploader threads, at most {@link #UPLOADS} at a time, while the
     * workers go on compressing and encrypting: a worker that stored the pack it closed waited for
     * the storage (an fsync of 16 MiB; a PUT to an object store) with its chunk's budget held.
     */
    private final Semaphore uploadSlots = new Semaphore(UPLOADS);
    private final java.util.concurrent.ThreadPoolExecutor uploader;
    /** The first upload that failed: every later pack and the flush fail with it. */
    private final java.util.concurrent.atomic.AtomicReference<RuntimeException> uploadFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    final AtomicLong dataBlobsAdded = new AtomicLong();
    final AtomicLong treeBlobsAdded = new AtomicLong();
    final AtomicLong bytesAdded = new AtomicLong();
    final AtomicLong bytesStored = new AtomicLong();

    public BlobStore(Backend backend, Crypto crypto, RepoConfig config, BlobIndex index, ExecutorService workers,
                     int budgetBytes) {
        this(backend, crypto, config, index, workers, budgetBytes, java.time.Duration.ofMinutes(5));
    }

    /**
     * @param indexEvery how often an index file is written during a long backup, so that an
     *                   interrupted backup leaves indexed packs that the next one reuses
     */
    public BlobStore(Backend backend, Crypto crypto, RepoConfig config, BlobIndex index, ExecutorService workers,
                     int budgetBytes, java.time.Duration indexEvery) {
        this(backend, crypto, config, index, workers, budgetBytes, indexEvery, config.compressionLevel());
    }

    /**
     * @param level the zstd level to compress with (a writer's choice: frames decompress whatever
     *              the level)
     */
    public BlobStore(Backend backend, Crypto crypto, RepoConfig config, BlobIndex index, ExecutorService workers,
                     int budgetBytes, java.time.Duration indexEvery, int level) {
        this.indexEveryNanos = indexEvery.toNanos();
        this.backend = backend;
        this.crypto = crypto;
        this.config = config;
        this.index = index;
        this.workers = workers;
        this.budgetBytes = Math.max(budgetBytes, config.maxChunk());
        this.budget = new Semaphore(this.budgetBytes);
        this.buffers = new BufferPool(this.budgetBytes);
        this.keptLargeLimit = 5L * this.budgetBytes;
        this.largestBuffer = (int) Math.max(Zstd.compressBound(config.maxChunk()), config.maxChunk() + (long) Crypto.OVERHEAD);
        this.zstd = ThreadLocal.withInitial(() -> {
            ZstdCompressCtx c = new ZstdCompressCtx();
            c.setLevel(level);
            return c;
        });
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.uploader = new java.util.concurrent.ThreadPoolExecutor(UPLOADS, UPLOADS, 2, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "cairn-upload-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.uploader.allowCoreThreadTimeOut(true); // nothing to shut down: idle threads end
    }

    /** Packs stored at once, besides the open ones being filled. */
    static final int UPLOADS = 2;

    public BlobIndex index() {
        return index;
    }

    /** Arrays {@link #buffers} has made (tests: reuse means few). */
    long buffersCreated() {
        return buffers.created();
    }

    /** Blobs claimed and not yet indexed (tests: none once a store is flushed). */
    int claims() {
        return inFlight.size();
    }

    /**
     * Queues a data chunk; the returned future yields its id once the blob is stored or found.
     * Takes ownership of {@code chunk}. Blocks while the in-flight budget is spent.
     */
    public CompletableFuture<Id> submitData(byte[] chunk) throws InterruptedException {
        return submitData(chunk, 0, chunk.length, false);
    }

    /**
     * Queues the data chunk {@code buf[off, off+len)}, which the caller may overwrite once this
     * returns. Its id is computed on the calling thread: a chunk the repository already holds (all
     * of an unchanged stream) is neither copied nor handed to a worker, and its future is complete;
     * only a new chunk is copied and queued. Blocks while the in-flight budget is spent.
     */
    public CompletableFuture<Id> submitData(byte[] buf, int off, int len) throws InterruptedException {
        return submitData(buf, off, len, true);
    }

    /**
     * Whether the caller is to store the blob {@code id}: not indexed and not claimed by another
     * thread. An uploader indexes a pack's blobs before it drops their claims, so a claim won after
     * that finds the blob indexed on the second look.
     */
    private boolean claim(Id id) {
        if (index.contains(id) || !inFlight.add(id)) {
            return false;
        }
        if (index.contains(id)) {
            inFlight.remove(id);
            return false;
        }
        return true;
    }

    private CompletableFuture<Id> submitData(byte[] buf, int off, int len, boolean copy) throws InterruptedException {
        Id id = crypto.blobId(buf, off, len);
        if (!claim(id)) {
            return CompletableFuture.completedFuture(id);
        }
        int cost = Math.min(len, budgetBytes);
        try {
            budget.acquire(cost);
        } catch (InterruptedException e) {
            inFlight.remove(id);
            throw e;
        }
        byte[] pooled = null;
        try {
            if (copy) {
                pooled = buffers.take(len);
                System.arraycopy(buf, off, pooled, 0, len);
            }
            byte[] chunk = copy ? pooled : buf;
            int from = copy ? 0 : off;
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return storeNew(id, chunk, from, len, BlobLocation.DATA);
                } catch (IOException e) {
                    throw new CompletionException(e);
                } finally {
                    if (copy) {
                        buffers.give(chunk);
                    }
                    budget.release(cost);
                }
            }, workers);
        } catch (RuntimeException e) {
            buffers.give(pooled);
            budget.release(cost);
            inFlight.remove(id);
            throw e;
        }
    }

    /**
     * Queues consecutive data chunks, {@code lens[0..count)} bytes of {@code buf} from {@code off}
     * on, as one task: a worker computes their ids and stores the new ones straight from
     * {@code buf} (no copy), then runs {@code done}; a future per chunk, in order, goes to
     * {@code out}. Reading and cutting a stream go on meanwhile on the caller's thread: hashing an
     * unchanged stream no longer waits for its reading. {@code done} runs exactly once, also when
     * this throws. Blocks while the in-flight budget is spent. Returns the bytes queued.
     */
    public long submitDataBatch(byte[] buf, int off, int[] lens, int count, List<CompletableFuture<Id>> out,
                                Runnable done) throws InterruptedException {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += lens[i];
        }
        int cost = (int) Math.min(bytes, budgetBytes);
        try {
            budget.acquire(cost);
        } catch (InterruptedException e) {
            done.run();
            throw e;
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Id>[] ids = new CompletableFuture[count];
        for (int i = 0; i < count; i++) {
            ids[i] = new CompletableFuture<>();
            out.add(ids[i]);
        }
        try {
            workers.execute(() -> {
                int i = 0;
                try {
                    for (int pos = off; i < count; pos += lens[i], i++) {
                        Id id = crypto.blobId(buf, pos, lens[i]);
                        if (claim(id)) {
                            storeNew(id, buf, pos, lens[i], BlobLocation.DATA);
                        }
                        ids[i].complete(id);
                    }
                } catch (Throwable t) {
                    for (; i < count; i++) {
                        ids[i].completeExceptionally(t);
                    }
                } finally {
                    budget.release(cost);
                    done.run();
                }
            });
        } catch (RuntimeException e) {
            budget.release(cost);
            done.run();
            throw e;
        }
        return bytes;
    }

    /** The worker pool, for continuations (trees complete when their entries' blobs are stored). */
    public java.util.concurrent.Executor executor() {
        return workers;
    }

    /** Stores a tree blob synchronously; returns its id. */
    public Id putTree(byte[] plain) throws IOException {
        return store(plain, 0, plain.length, BlobLocation.TREE);
    }

    private Id store(byte[] plain, int off, int len, int type) throws IOException {
        Id id = crypto.blobId(plain, off, len);
        if (!claim(id)) {
            return id;
        }
        return storeNew(id, plain, off, len, type);
    }

    /** Compresses, encrypts and packs a blob not yet stored ({@code id} is in {@link #inFlight}). */
    private Id storeNew(Id id, byte[] plain, int off, int len, int type) throws IOException {
        int compression = BlobLocation.COMPRESSION_NONE;
        byte[] payload = plain;
        int pOff = off;
        int pLen = len;
        if ("zstd".equals(config.compression()) && len > 64) {
            byte[] dst = buffer(compressBuffers, (int) Zstd.compressBound(len));
            long n = zstd.get().compressByteArray(dst, 0, dst.length, plain, off, len);
            if (n < len - len / 64) {
                payload = dst;
                pOff = 0;
                pLen = (int) n;
                compression = BlobLocation.COMPRESSION_ZSTD;
            }
        }
        byte[] enc = buffer(sealBuffers, pLen + Crypto.OVERHEAD);
        int encLength = crypto.encrypt(payload, pOff, pLen, BlobLocation.associatedData(type, compression, id), enc);
        (type == BlobLocation.DATA ? dataBlobsAdded : treeBlobsAdded).incrementAndGet();
        bytesAdded.addAndGet(len);
        addToPack(id, type, compression, enc, encLength, len);
        return id;
    }

    /** Appends a stored blob to the open pack of its type; uploads the pack it closes, if any. */
    private void addToPack(Id id, int type, int compression, byte[] enc, int plainLength) throws IOException {
        addToPack(id, type, compression, enc, enc.length, plainLength);
    }

    /** As above with the stored blob in {@code enc[0, encLength)}, which the pack copies. */
    private void addToPack(Id id, int type, int compression, byte[] enc, int encLength, int plainLength)
            throws IOException {
        PackFormat.Builder full = null;
        synchronized (packLocks[type]) {
            PackFormat.Builder b = packs[type];
            if (b != null && b.count() > 0 && (b.size() + (long) encLength > config.packSize()
                    || b.finishedSize(encLength) > config.packSize() + PACK_HEADROOM || b.count() >= MAX_PACK_BLOBS)) {
                // This blob would overflow the pack: close it first, so packs stay within packSize and
                // the header of many small blobs still fits a buffer of packSize + PACK_HEADROOM.
                full = b;
                b = null;
            }
            try {
                if (b == null) {
                    if (discarded) {
                        throw new IOException("the backup was stopped by an earlier failure");
                    }
                    int hint = type == BlobLocation.DATA ? Math.max(config.packSize(), encLength) + PACK_HEADROOM
                            : 1 << 20;
                    // A remote repository's cache keeps a copy of each new pack of trees: the next
                    // backup reads its parent's trees from it.
                    b = packs[type] = type == BlobLocation.TREE && backend instanceof CachingBackend c
                            ? PackFormat.Builder.of(c.stageKept("data/", hint))
                            : PackFormat.Builder.of(backend, hint);
                }
                b.add(id, type, compression, enc, encLength, plainLength);
            } catch (IOException e) {
                // A pack that could not be written (a full disk) is dropped, and the backup fails: the
                // blobs it held are in no stored pack, so no snapshot may name them; the next backup
                // stores them again. The packs already stored stay.
                packs[type] = null;
                closeQuietly(b, e);
                closeQuietly(full, e); // the pack this blob closed is not stored either
                throw packWriteFailed(e);
            }
        }
        bytesStored.addAndGet(encLength);
        if (full != null) {
            startUpload(full);
        }
    }

    /** Hands a closed pack to an uploader, waiting while {@link #UPLOADS} are being stored. */
    private void startUpload(PackFormat.Builder b) throws IOException {
        uploadSlots.acquireUninterruptibly();
        RuntimeException failed = uploadFailure.get();
        if (failed != null) {
            uploadSlots.release();
            closeQuietly(b, failed);
            throw failed;
        }
        try {
            uploader.execute(() -> {
                try {
                    upload(b);
                } catch (IOException | RuntimeException e) {
                    uploadFailure.compareAndSet(null, e instanceof RuntimeException re ? re : packWriteFailed((IOException) e));
                } catch (Error e) {
                    uploadFailure.compareAndSet(null, new IllegalStateException("A pack upload failed: " + e, e));
                    throw e;
                } finally {
                    uploadSlots.release();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            uploadSlots.release();
            upload(b);
        }
    }

    /** Waits until every pack handed to an uploader is stored; throws the first upload's failure. */
    private void awaitUploads() {
        uploadSlots.acquireUninterruptibly(UPLOADS);
        uploadSlots.release(UPLOADS);
        RuntimeException failed = uploadFailure.get();
        if (failed != null) {
            throw failed;
        }
    }

    /** Room past packSize in a data pack's buffer for its header and trailer. */
    private static final int PACK_HEADROOM = 64 << 10;

    /**
     * Blobs after which a pack closes whatever its size: a builder keeps an object per blob until
     * the pack is stored, and packs of tiny files' blobs held ~100,000 each (12 MB of heap per open
     * pack, a 4.6 MB header; an initial backup of 500,000 small files ran out of a 128 MiB heap).
     */
    static final int MAX_PACK_BLOBS = 10_000;

    private BackendException packWriteFailed(IOException e) {
        return new BackendException("Cannot write a pack to " + backend.location() + ": " + e.getMessage()
                + ". Nothing is lost; run the backup again when the storage is writable.", true, e);
    }

    private static void closeQuietly(PackFormat.Builder b, Exception cause) {
        if (b == null) {
            return;
        }
        try {
            b.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Adds a blob as stored in another pack (already compressed and encrypted: its associated
     * data names type, compression and id, not the pack, so the bytes are copied unchanged), for
     * repacking. Packs fill and close as in a backup, data and tree blobs apart. A blob already
     * added through this store is skipped. The caller has verified the bytes.
     */
    public void putStored(BlobLocation loc, byte[] src, int off) throws IOException {
        if (!copied.add(loc.id())) {
            return;
        }
        byte[] enc = dev.cairn.internal.util.Bytes.copy(src, off, off + loc.storedLength());
        addToPack(loc.id(), loc.type(), loc.compression(), enc, loc.plainLength());
    }

    /**
     * Drops the packs still open (their staged bytes) and refuses new ones: after a failure that
     * stops this store, continuations still running (a directory's tree, stored once its files'
     * blobs are) must not open a pack that nothing would store or delete.
     */
    public void discardOpenPacks() {
        discarded = true;
        try {
            awaitUploads(); // nothing goes on storing after the operation that failed returns
        } catch (RuntimeException ignored) {
            // The failure that stopped this store, reported by its caller.
        }
        for (int t = 0; t < 2; t++) {
            PackFormat.Builder b;
            synchronized (packLocks[t]) {
                b = packs[t];
                packs[t] = null;
            }
            if (b != null) {
                try {
                    b.close();
                } catch (IOException | RuntimeException ignored) {
                    // Best effort: a local repository's staged file is hidden from listings.
                }
            }
        }
    }

    /** Uploads partly filled packs without writing an index file (the caller indexes them). */
    public void flushPacks() throws IOException {
        for (int t = 0; t < 2; t++) {
            PackFormat.Builder b;
            synchronized (packLocks[t]) {
                b = packs[t];
                packs[t] = null;
            }
            if (b != null && b.count() > 0) {
                startUpload(b);
            }
        }
        awaitUploads();
    }

    private static final int KEPT_BUFFER = (int) Zstd.compressBound(2 << 20);

    /**
     * This worker's buffer of {@code holder}, grown to {@code need} while the workers' kept buffers
     * stay within {@link #keptLargeLimit}; else (a large chunk, many workers) a new array, not kept.
     */
    private byte[] buffer(ThreadLocal<byte[][]> holder, int need) {
        byte[][] h = holder.get();
        if (need <= KEPT_BUFFER && (h[0] == null || h[0].length < need)) {
            // Up to KEPT_BUFFER, as large as the chunks met: a tree of small files keeps small ones
            // (the old generation is where the index and the trees of such a backup live).
            h[0] = new byte[BufferPool.classSize(need)];
            return h[0];
        }
        if (h[0] != null && need <= h[0].length) {
            return h[0];
        }
        // At once the largest a chunk of this repository needs: grown step by step to the largest
        // chunk met so far, the buffers were still growing gigabytes into a backup, and a 1 GB
        // backup ended with less of the heap touched than a 4 GB one (peak RSS 145-165 / 181 MiB).
        int size = Math.max(need, largestBuffer);
        long extra = size - Math.max(KEPT_BUFFER, h[0] == null ? 0 : h[0].length);
        if (keptLarge.addAndGet(extra) <= keptLargeLimit) {
            h[0] = new byte[size];
            return h[0];
        }
        keptLarge.addAndGet(-extra);
        return new byte[need];
    }

    private void upload(PackFormat.Builder b) throws IOException {
        PackFormat.Finished f;
        int blobBytes = b.size();
        try {
            f = b.store(crypto);
        } catch (IOException e) {
            closeQuietly(b, e);
            throw packWriteFailed(e);
        }
        bytesStored.addAndGet(f.length() - blobBytes); // header and trailer
        int unindexed;
        synchronized (written) {
            written.addAll(f.entries());
            unindexed = written.size();
        }
        for (BlobLocation l : f.entries()) {
            index.add(l);
        }
        for (BlobLocation l : f.entries()) {
            inFlight.remove(l.id()); // indexed first: see claim()
        }
        if (unindexed >= INDEX_MAX_BLOBS || System.nanoTime() - lastIndexWrite >= indexEveryNanos) {
            writeIndex();
        }
    }

    /**
     * Blobs after which an index file is written even before {@code indexEvery} has passed (as
     * restic does at 50,000): the locations waiting for it are objects, ~100 bytes each.
     */
    static final int INDEX_MAX_BLOBS = 50_000;

    /** Writes one index file naming every pack uploaded since the last one. */
    private void writeIndex() throws IOException {
        List<BlobLocation> all;
        synchronized (written) {
            all = new ArrayList<>(written);
            written.clear();
            lastIndexWrite = System.nanoTime();
        }
        if (all.isEmpty()) {
            return;
        }
        try {
            IndexFormat.write(backend, all, crypto);
        } catch (IOException e) {
            throw new BackendException("Cannot write an index file to " + backend.location() + ": "
                    + e.getMessage(), true, e);
        }
    }

    /** Waits until every queued blob has been stored (or has failed), with the packs closed so far. */
    public void drain() {
        budget.acquireUninterruptibly(budgetBytes);
        budget.release(budgetBytes);
        uploadSlots.acquireUninterruptibly(UPLOADS);
        uploadSlots.release(UPLOADS);
    }

    /** Uploads partly filled packs and writes one index file for everything this store wrote. */
    public void flush() throws IOException {
        flushPacks();
        writeIndex();
    }

    /** Waits for a queued task (a blob, a read), unwrapping worker failures. */
    public static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(ErrorCode.CANCELLED, "Interrupted while waiting for a worker.", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
                c = c.getCause();
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

    // ---- read path ----

    private static final ThreadLocal<ZstdDecompressCtx> UNZSTD = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    /** Reads a blob: range-read, decrypt, decompress, verify its id. */
    public static byte[] read(Backend backend, Crypto crypto, BlobIndex index, Id id) throws IOException {
        BlobLocation loc = index.get(id);
        if (loc == null) {
            throw new IntegrityException("Blob " + id.shortHex() + " is not in the index: the repository is missing"
                    + " data (run check; repair index may recover it).");
        }
        String pack = PackFormat.name(loc.pack());
        for (int attempt = 1; ; attempt++) {
            byte[] enc;
            try {
                // A tree's pack is kept whole in a remote repository's cache: the next tree is in it too.
                enc = loc.type() == BlobLocation.TREE && backend instanceof CachingBackend c
                        ? c.getFromWholePack(pack, loc.offset(), loc.storedLength())
                        : backend.get(pack, loc.offset(), loc.storedLength());
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IntegrityException("Pack " + loc.pack().shortHex() + " holding blob " + loc.id().shortHex()
                        + " is missing from the repository. Run `cairn check`; `cairn repair snapshots` drops the"
                        + " files that need it.");
            } catch (java.io.EOFException e) {
                throw new IntegrityException("Pack " + loc.pack().shortHex() + " is shorter than the index says"
                        + " (truncated). Run `cairn check --read-data`.");
            }
            try {
                return decode(crypto, loc, enc, 0, enc.length, pack);
            } catch (IntegrityException e) {
                if (attempt == 3) {
                    throw e; // the same failure three times: the stored data is damaged
                }
                // A download corrupted in transit: read it again.
            }
        }
    }

    /** Decrypts, decompresses and verifies one stored blob: its plaintext, in an array of its own. */
    public static byte[] decode(Crypto crypto, BlobLocation loc, byte[] enc, int off, int len, String pack) {
        return decode(crypto, loc, enc, off, len, (Scratch) null);
    }

    /** Reusable buffers for {@link #decode(Crypto, BlobLocation, byte[], int, int, Scratch)}; each kept up to 2 MiB. */
    public static final class Scratch {
        private static final int KEEP = 2 << 20;
        private byte[] stored;
        private byte[] plain;

        byte[] stored(int n) {
            byte[] b = fit(stored, n);
            stored = b.length <= KEEP ? b : stored;
            return b;
        }

        byte[] plain(int n) {
            byte[] b = fit(plain, n);
            plain = b.length <= KEEP ? b : plain;
            return b;
        }

        /** {@code kept} when it holds {@code n} bytes, else a new array. */
        private static byte[] fit(byte[] kept, int n) {
            return kept != null && kept.length >= n ? kept : new byte[n];
        }
    }

    /**
     * Decrypts, decompresses and verifies one stored blob into {@code scratch}'s buffers (a null
     * scratch: new arrays): the plaintext is the first
     * {@code loc.plainLength()} bytes of the returned array, which the next call with the same
     * scratch may overwrite. For a caller that is done with a blob before it decodes the next
     * (restore writes it, check only verifies it): restoring an 800 MB dump allocated 1.5 GB of
     * arrays, one or two per blob, which young collections and page faults turned into ~10 % of
     * the CPU. A scratch belongs to one thread at a time, and to one operation: it is not kept in
     * a long-lived pool thread, where an embedding application would hold its buffers for as long
     * as the repository is open.
     */
    public static byte[] decode(Crypto crypto, BlobLocation loc, byte[] enc, int off, int len, Scratch scratch) {
        java.util.function.Supplier<String> what = () -> "blob " + loc.id().shortHex() + " in pack "
                + loc.pack().shortHex();
        byte[] ad = BlobLocation.associatedData(loc.type(), loc.compression(), loc.id());
        int plainLength = loc.plainLength();
        int decrypted = Math.max(0, len - Crypto.OVERHEAD);
        byte[] plain;
        if (loc.compression() == BlobLocation.COMPRESSION_ZSTD) {
            byte[] stored = scratch != null ? scratch.stored(decrypted) : new byte[decrypted];
            int n = crypto.decryptInto(enc, off, len, ad, stored, what);
            long frame = Zstd.getFrameContentSize(stored, 0, n);
            if (frame != plainLength) {
                throw new IntegrityException(what.get() + " declares " + frame + " bytes, the index says "
                        + plainLength + ": refusing to decompress");
            }
            plain = scratch != null ? scratch.plain(plainLength) : new byte[plainLength];
            try {
                n = UNZSTD.get().decompressByteArray(plain, 0, plainLength, stored, 0, n);
            } catch (RuntimeException e) {
                throw new IntegrityException(what.get() + " does not decompress: " + e.getMessage());
            }
            if (n != plainLength) {
                throw new IntegrityException(what.get() + " decompressed to " + n + " bytes, expected " + plainLength);
            }
        } else {
            plain = scratch != null ? scratch.plain(decrypted) : new byte[decrypted];
            int n = crypto.decryptInto(enc, off, len, ad, plain, what);
            if (n != plainLength) {
                throw new IntegrityException(what.get() + " has " + n + " bytes, the index says " + plainLength);
            }
        }
        Id actual = crypto.blobId(plain, 0, plainLength);
        if (!MessageDigest.isEqual(actual.bytes(), loc.id().bytes())) {
            throw new IntegrityException(what.get() + " does not match its id: the data is corrupt");
        }
        return plain;
    }

    public long dataBlobsAdded() {
        return dataBlobsAdded.get();
    }

    public long treeBlobsAdded() {
        return treeBlobsAdded.get();
    }

    public long bytesAdded() {
        return bytesAdded.get();
    }

    public long bytesStored() {
        return bytesStored.get();
    }
}
