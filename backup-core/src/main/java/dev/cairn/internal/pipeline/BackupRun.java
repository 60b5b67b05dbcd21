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
 * One backup in progress: the {@link SourceSession} a source writes into. Files are chunked on
 * the calling thread and their chunks stored by the {@link BlobStore}'s workers; a directory's
 * tree is encoded when it closes, once its files' chunks are stored. Not thread-safe.
 */
public final class BackupRun implements SourceSession {
    private final BlobStore store;
    private final Backend backend;
    private final Crypto crypto;
    private final ChunkReader chunker;
    private final Cancellation cancellation;
    private final BackupListener listener;
    private final Map<String, String> facts = new LinkedHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytesRead = new AtomicLong();
    private long files;
    private long dirs;
    private long bytesTotal;
    private CompletableFuture<Id> rootTree;
    private final Dir root;

    public BackupRun(BlobStore store, Backend backend, Crypto crypto, FastCdc cdc, Id parentRoot,
                     Cancellation cancellation, BackupListener listener) {
        this.store = store;
        this.backend = backend;
        this.crypto = crypto;
        this.chunker = new ChunkReader(cdc);
        this.cancellation = cancellation;
        this.listener = listener;
        this.root = new Dir(null, "", null, parentRoot);
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
        return files;
    }

    public long dirs() {
        return dirs;
    }

    public long bytesRead() {
        return bytesRead.get();
    }

    public long bytesTotal() {
        return bytesTotal;
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

    /** A node whose content may still be in flight. */
    /** An entry whose content (chunks) or subtree may still be in flight. */
    private record Pending(EntryMetadata meta, List<CompletableFuture<Id>> chunks, Node done,
                           CompletableFuture<Id> subtree) {
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

        private void admit(EntryMetadata m) {
            if (closed) {
                throw new IllegalStateException("directory " + path + " is closed");
            }
            if (openChild != null && !openChild.closed) {
                throw new IllegalStateException("close directory " + openChild.path + " before adding to " + path);
            }
            Node.validateName(m.name());
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("entry " + child(m.name()) + " was given twice");
            }
            cancellation.check();
        }

        @Override
        public void file(EntryMetadata m, InputStream content) throws IOException {
            admit(m);
            List<CompletableFuture<Id>> chunks = new ArrayList<>();
            // On a read failure, chunks already queued finish harmlessly (the next backup reuses them).
            long n = chunker.chunk(content, (buf, off, len) -> {
                cancellation.check();
                byte[] copy = dev.cairn.internal.util.Bytes.copy(buf, off, off + len);
                try {
                    chunks.add(store.submitData(copy));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BackupException(ErrorCode.CANCELLED, "Interrupted.", e);
                }
                listener.bytesProcessed(bytesRead.addAndGet(len));
            });
            files++;
            bytesTotal += n;
            EntryMetadata sized = new EntryMetadata(m.name(), EntryType.FILE, m.mode(), m.uid(), m.gid(), m.user(),
                    m.group(), m.mtimeNs(), m.ctimeNs(), m.inode(), m.device(), m.links(), n, m.linkTarget(), m.xattrs());
            entries.add(new Pending(sized, chunks, null, null));
            listener.entryDone(child(m.name()), n);
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
            admit(m);
            files++;
            bytesTotal += old.size();
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
            List<CompletableFuture<Id>> deps = new ArrayList<>();
            for (Pending p : mine) {
                if (p.chunks() != null) {
                    deps.addAll(p.chunks());
                }
                if (p.subtree() != null) {
                    deps.add(p.subtree());
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
            for (Pending p : mine) {
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
