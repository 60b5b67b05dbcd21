package dev.cairn.internal.pipeline;

import dev.cairn.BackupException;
import dev.cairn.BackupListener;
import dev.cairn.Cancellation;
import dev.cairn.ErrorCode;
import dev.cairn.backend.Backend;
import dev.cairn.internal.chunker.ChunkReader;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Id;
import dev.cairn.internal.util.ReadAhead;
import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.EntryType;
import dev.cairn.source.SourceSession;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backup in progress: the {@link SourceSession} a source writes into. Streams and large files
 * are chunked on the calling thread; small files given as {@link DirectoryWriter.FileContent} are
 * read and chunked on a pool of reader threads (a tree of many small files is read in parallel,
 * which hides the latency of opening and reading each file); their chunks are stored by the
 * {@link BlobStore}'s workers. A directory's tree is encoded when it closes, once its files' chunks
 * are stored; entries keep the order the source gave them, whichever thread read them. Not
 * thread-safe: a source calls it from one thread.
 */
public final class BackupRun implements SourceSession, AutoCloseable {
    /** Reader threads for small files (I/O latency, not CPU, is what they hide). */
    public static final int DEFAULT_READERS = Integer.getInteger("cairn.readers", 4);
    /** Files up to this size go to the reader pool; larger ones stream on the caller's thread. */
    static final long SMALL_FILE = 1 << 20;
    /** Files from this size on are read ahead of the chunker by a thread of their own (streams always). */
    static final long READ_AHEAD_FROM = 8 << 20;
    /** The largest buffer of {@link ChunkReader#chunkBatches} (it keeps four). */
    private static final int BATCH_BUFFER_LIMIT = 4 << 20;
    /** Files queued or being read at once (bounds the memory of a long directory). */
    private static final int READ_AHEAD = 256;

    private final BlobStore store;
    private final Backend backend;
    private final Crypto crypto;
    private final ChunkReader chunker;
    /**
     * Whether streams on the source's thread are chunked in batches hashed by the workers: when a
     * few of the chunker's buffers are small (a stream chunker's 4 MiB, not 4 × 32 MiB).
     */
    private final boolean batched;
    private final Cancellation cancellation;
    private final BackupListener listener;
    private final Map<String, String> facts = new LinkedHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong files = new AtomicLong();
    private long dirs;
    private final AtomicLong bytesTotal = new AtomicLong();
    private final java.util.concurrent.ExecutorService readers;
    private final java.util.concurrent.Semaphore readSlots = new java.util.concurrent.Semaphore(READ_AHEAD);
    private final ThreadLocal<ChunkReader> readerChunkers;
    /** The buffers of the {@link ReadAhead} in front of each large file, reused from file to file. */
    private final dev.cairn.internal.util.BufferPool readAheadBuffers =
            new dev.cairn.internal.util.BufferPool(ReadAhead.BUFFERS * (long) dev.cairn.internal.util.Bytes.IO_SLICE);
    private volatile Throwable readFailure;
    private CompletableFuture<Id> rootTree;
    private final Dir root;

    public BackupRun(BlobStore store, Backend backend, Crypto crypto, FastCdc cdc, Id parentRoot,
                     Cancellation cancellation, BackupListener listener) {
        this(store, backend, crypto, cdc, parentRoot, cancellation, listener, DEFAULT_READERS);
    }

    /** @param readerThreads threads reading small files; 0 reads every file on the caller's thread */
    public BackupRun(BlobStore store, Backend backend, Crypto crypto, FastCdc cdc, Id parentRoot,
                     Cancellation cancellation, BackupListener listener, int readerThreads) {
        this.store = store;
        this.backend = backend;
        this.crypto = crypto;
        this.chunker = new ChunkReader(cdc);
        this.batched = ChunkReader.batchBufferSize(cdc) <= BATCH_BUFFER_LIMIT;
        this.cancellation = cancellation;
        this.listener = listener;
        this.root = new Dir(null, "", null, parentRoot);
        this.readerChunkers = ThreadLocal.withInitial(() -> new ChunkReader(cdc));
        if (readerThreads > 0) {
            AtomicLong n = new AtomicLong();
            this.readers = java.util.concurrent.Executors.newFixedThreadPool(readerThreads, r -> {
                Thread t = new Thread(r, "cairn-reader-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.readers = null;
        }
    }

    /**
     * Stops the reader threads, waiting for reads in progress (after a failure, before the caller
     * salvages what was stored). Idempotent.
     */
    @Override
    public void close() {
        if (readers == null) {
            return;
        }
        readers.shutdownNow();
        try {
            if (!readers.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                listener.warning("", "reader threads did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public DirectoryWriter root() {
        return root;
    }

    @Override
    public void fact(String key, String value) {
        facts.put(key, value);
    }

    @Override
    public void warn(String path, String message) {
        errors.add(path + ": " + message);
        listener.warning(path, message);
    }

    @Override
    public boolean isCancelled() {
        return cancellation.isCancelled();
    }

    /** Closes the root (if the source did not) and writes pending packs and the index. */
    public Id finish() throws IOException {
        if (!root.closed) {
            root.close();
        }
        Id tree = BlobStore.await(rootTree);
        store.flush();
        return tree;
    }

    public Map<String, String> facts() {
        return facts;
    }

    public List<String> errors() {
        return new ArrayList<>(errors);
    }

    public long files() {
        return files.get();
    }

    public long dirs() {
        return dirs;
    }

    public long bytesRead() {
        return bytesRead.get();
    }

    public long bytesTotal() {
        return bytesTotal.get();
    }

    /** The parent snapshot's tree; read once per directory (no cache: memory stays flat on huge trees). */
    private List<Node> parentTree(Id id) {
        if (id == null) {
            return List.of();
        }
        try {
            return TreeCodec.decode(BlobStore.read(backend, crypto, store.index(), id), "tree " + id.shortHex());
        } catch (IOException | RuntimeException e) {
            // A damaged parent only costs re-reading: fall back to reading every file.
            return List.of();
        }
    }

    private static Node node(EntryMetadata m, List<Id> content, long size, Id subtree) {
        return new Node(m.name(), m.type().code(), m.mode() & 07777, m.uid(), m.gid(), m.user(), m.group(), m.mtimeNs(),
                m.ctimeNs(), m.inode(), m.device(), m.links(), size, m.linkTarget(), m.xattrs(), content, subtree);
    }

    static EntryMetadata metadata(Node n) {
        return new EntryMetadata(n.name(), EntryType.ofCode(n.type()), n.mode(), n.uid(), n.gid(), n.user(), n.group(),
                n.mtimeNs(), n.ctimeNs(), n.inode(), n.device(), n.links(), n.size(), n.linkTarget(), n.xattrs());
    }

    /**
     * An entry whose content (chunks) or subtree may still be in flight, or ({@code later}) a file
     * still being read: it completes with the file's entry, or null when the file could not be opened.
     */
    private record Pending(EntryMetadata meta, List<CompletableFuture<Id>> chunks, Node done,
                           CompletableFuture<Id> subtree, CompletableFuture<Pending> later) {
        Pending(EntryMetadata meta, List<CompletableFuture<Id>> chunks, Node done, CompletableFuture<Id> subtree) {
            this(meta, chunks, done, subtree, null);
        }
    }

    /** Reads and chunks one file's content (on any thread); the entry it makes. */
    /**
     * Reads {@code content} with a thread reading ahead: a stream, or a file of at least {@link
     * #READ_AHEAD_FROM} bytes, both read on the source's thread, which also cuts. In batches, the
     * chunker reads ahead into its own buffers; otherwise a {@link ReadAhead} does, in front.
     */
    private Pending readAhead(String path, EntryMetadata m, InputStream content) throws IOException {
        if (batched) {
            // The batches are read ahead into their own buffers (ChunkReader#chunkBatches).
            return read(path, m, content, chunker, true);
        }
        try (ReadAhead ahead = new ReadAhead(content, readAheadBuffers)) {
            return read(path, m, ahead, chunker, false);
        }
    }

    private Pending read(String path, EntryMetadata m, InputStream content, ChunkReader reader) throws IOException {
        return read(path, m, content, reader, false);
    }

    private Pending read(String path, EntryMetadata m, InputStream content, ChunkReader reader, boolean ahead)
            throws IOException {
        List<CompletableFuture<Id>> chunks = new ArrayList<>();
        // On a read failure, chunks already queued finish harmlessly (the next backup reuses them).
        boolean batches = reader == chunker && batched;
        long n = batches ? readBatches(content, chunks, ahead) : reader.chunk(content, (buf, off, len) -> {
            cancellation.check();
            try {
                chunks.add(store.submitData(buf, off, len));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException(ErrorCode.CANCELLED, "Interrupted.", e);
            }
            listener.bytesProcessed(bytesRead.addAndGet(len));
        });
        files.incrementAndGet();
        bytesTotal.addAndGet(n);
        EntryMetadata sized = new EntryMetadata(m.name(), EntryType.FILE, m.mode(), m.uid(), m.gid(), m.user(),
                m.group(), m.mtimeNs(), m.ctimeNs(), m.inode(), m.device(), m.links(), n, m.linkTarget(), m.xattrs());
        listener.entryDone(path, n);
        return new Pending(sized, chunks, null, null);
    }

    /**
     * Reads a stream (or large file) on the source's thread in batches whose chunks are hashed, and
     * stored when new, by the store's workers: two cores for an unchanged stream, which otherwise
     * reads, cuts and hashes on one.
     */
    private long readBatches(InputStream content, List<CompletableFuture<Id>> chunks, boolean ahead)
            throws IOException {
        return chunker.chunkBatches(content, (buf, off, lens, count, done) -> {
            try {
                cancellation.check();
            } catch (RuntimeException e) {
                done.run();
                throw e;
            }
            try {
                long bytes = store.submitDataBatch(buf, off, lens, count, chunks, done); // runs done, also on failure
                listener.bytesProcessed(bytesRead.addAndGet(bytes));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException(ErrorCode.CANCELLED, "Interrupted.", e);
            }
        }, ahead);
    }

    /** Rethrows, on the source's thread, the first failure of a reader thread. */
    private void rethrowReadFailure() throws IOException {
        Throwable f = readFailure;
        if (f instanceof IOException io) {
            throw new IOException(io.getMessage(), io);
        }
        if (f instanceof BackupException be) {
            throw be;
        }
        if (f != null) {
            throw new IOException("reading a file failed: " + f, f);
        }
    }

    private final class Dir implements DirectoryWriter {
        private final Dir parent;
        private final String path;
        private final EntryMetadata meta;
        private final Id parentTreeId;
        private Map<String, Node> previous;
        private final List<Pending> entries = new ArrayList<>();
        private final Set<String> names = new HashSet<>();
        private boolean closed;
        private Dir openChild;

        Dir(Dir parent, String path, EntryMetadata meta, Id parentTreeId) {
            this.parent = parent;
            this.path = path;
            this.meta = meta;
            this.parentTreeId = parentTreeId;
        }

        private Map<String, Node> previousNodes() {
            if (previous == null) {
                previous = new HashMap<>();
                for (Node n : parentTree(parentTreeId)) {
                    previous.put(n.name(), n);
                }
            }
            return previous;
        }

        private String child(String name) {
            return path.isEmpty() ? name : path + "/" + name;
        }

        private void admit(EntryMetadata m) throws IOException {
            if (closed) {
                throw new IllegalStateException("directory " + path + " is closed");
            }
            if (openChild != null && !openChild.closed) {
                throw new IllegalStateException("close directory " + openChild.path + " before adding to " + path);
            }
            Node.validateName(m.name());
            rethrowReadFailure();
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("entry " + child(m.name()) + " was given twice");
            }
            cancellation.check();
        }

        @Override
        public void file(EntryMetadata m, InputStream content) throws IOException {
            admit(m);
            entries.add(readAhead(child(m.name()), m, content));
        }

        @Override
        public void file(EntryMetadata m, FileContent content) throws IOException {
            admit(m);
            String at = child(m.name());
            if (readers == null || m.size() > SMALL_FILE) {
                InputStream in = content.open();
                if (in == null) {
                    return;
                }
                try (in) {
                    entries.add(m.size() >= READ_AHEAD_FROM ? readAhead(at, m, in) : read(at, m, in, chunker));
                }
                content.afterRead();
                return;
            }
            try {
                readSlots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException(ErrorCode.CANCELLED, "Interrupted.", e);
            }
            CompletableFuture<Pending> later = new CompletableFuture<>();
            try {
                readers.execute(() -> {
                    try {
                        cancellation.check();
                        Pending p = null;
                        if (readFailure == null) {
                            InputStream in = content.open();
                            if (in != null) {
                                try (in) {
                                    p = read(at, m, in, readerChunkers.get());
                                }
                                content.afterRead();
                            }
                        }
                        later.complete(p);
                    } catch (Throwable t) {
                        if (readFailure == null) {
                            readFailure = t;
                        }
                        later.completeExceptionally(t);
                    } finally {
                        readSlots.release();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                readSlots.release();
                throw new BackupException(ErrorCode.CANCELLED, "Backup stopped.", e);
            }
            entries.add(new Pending(m, null, null, null, later));
        }

        @Override
        public boolean fileUnchanged(EntryMetadata m) {
            Node old = previousNodes().get(m.name());
            if (old == null || old.type() != Node.FILE || old.size() != m.size() || old.mtimeNs() != m.mtimeNs()
                    || old.ctimeNs() != m.ctimeNs() || old.inode() != m.inode()) {
                return false;
            }
            for (Id id : old.content()) {
                if (!store.index().contains(id)) {
                    return false;
                }
            }
            try {
                admit(m);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            files.incrementAndGet();
            bytesTotal.addAndGet(old.size());
            entries.add(new Pending(m, null, node(m, old.content(), old.size(), null), null));
            listener.entryDone(child(m.name()), 0);
            return true;
        }

        @Override
        public Optional<EntryMetadata> previous(String name) {
            Node n = previousNodes().get(name);
            return n == null ? Optional.empty() : Optional.of(metadata(n));
        }

        @Override
        public DirectoryWriter directory(EntryMetadata m) throws IOException {
            if (m.type() != EntryType.DIRECTORY) {
                throw new IllegalArgumentException("directory() needs a DIRECTORY entry: " + m.name());
            }
            admit(m);
            Node old = previousNodes().get(m.name());
            Dir d = new Dir(this, child(m.name()), m, old != null && old.isDir() ? old.subtree() : null);
            openChild = d;
            return d;
        }

        @Override
        public void special(EntryMetadata m) throws IOException {
            if (m.type() == EntryType.FILE || m.type() == EntryType.DIRECTORY) {
                throw new IllegalArgumentException("special() takes symlinks, fifos, devices and sockets: " + m.name());
            }
            admit(m);
            entries.add(new Pending(m, null, node(m, List.of(), 0, null), null));
            listener.entryDone(child(m.name()), 0);
        }

        void addSubtree(EntryMetadata m, CompletableFuture<Id> tree) {
            entries.add(new Pending(m, null, null, tree));
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            if (openChild != null && !openChild.closed) {
                openChild.close();
            }
            closed = true;
            // The tree is encoded once every entry's blobs are stored, on a worker: the walk goes on
            // meanwhile, so a directory boundary is not a pipeline stall.
            List<Pending> mine = new ArrayList<>(entries);
            entries.clear();
            List<CompletableFuture<?>> deps = new ArrayList<>();
            for (Pending p : mine) {
                if (p.chunks() != null) {
                    deps.addAll(p.chunks());
                }
                if (p.subtree() != null) {
                    deps.add(p.subtree());
                }
                if (p.later() != null) {
                    deps.add(p.later().thenCompose(r -> r == null ? CompletableFuture.<Void>completedFuture(null)
                            : CompletableFuture.allOf(r.chunks().toArray(CompletableFuture[]::new))));
                }
            }
            CompletableFuture<Id> tree = CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
                    .thenApplyAsync(v -> encode(mine), store.executor());
            if (parent == null) {
                rootTree = tree;
            } else {
                dirs++;
                parent.addSubtree(meta, tree);
            }
        }

        private Id encode(List<Pending> mine) {
            List<Node> nodes = new ArrayList<>(mine.size());
            for (Pending q : mine) {
                Pending p = q;
                if (p.later() != null) {
                    p = p.later().join();
                    if (p == null) {
                        continue; // could not be opened: the source has warned, the file is left out
                    }
                }
                if (p.done() != null) {
                    nodes.add(p.done());
                } else if (p.subtree() != null) {
                    nodes.add(node(p.meta(), List.of(), 0, p.subtree().join()));
                } else {
                    List<Id> ids = new ArrayList<>(p.chunks().size());
                    for (CompletableFuture<Id> f : p.chunks()) {
                        ids.add(f.join());
                    }
                    nodes.add(node(p.meta(), ids, p.meta().size(), null));
                }
            }
            try {
                return store.putTree(TreeCodec.encode(nodes));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }
    }
}
