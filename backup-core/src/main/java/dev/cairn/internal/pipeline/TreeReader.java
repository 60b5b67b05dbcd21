package dev.cairn.internal.pipeline;

import dev.cairn.IntegrityException;
import dev.cairn.backend.Backend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Id;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads trees and blobs of a repository, with a small tree cache. Thread-safe. */
public final class TreeReader {
    private final Backend backend;
    private final Crypto crypto;
    private final BlobIndex index;
    /**
     * Recently read trees, bounded by their nodes as well as their number: 1,024 trees of a
     * directory of 2,500 files each held 2.5 million nodes (a restore of 500,000 files ran out of a
     * 128 MiB heap).
     */
    private final Map<Id, List<Node>> cache = new LinkedHashMap<>(256, 0.75f, true);
    private long cachedNodes;
    static final int CACHE_TREES = 1024;
    static final int CACHE_NODES = 20_000;

    public TreeReader(Backend backend, Crypto crypto, BlobIndex index) {
        this.backend = backend;
        this.crypto = crypto;
        this.index = index;
    }

    /** Nodes the cache holds (tests). */
    long cachedNodes() {
        synchronized (cache) {
            return cachedNodes;
        }
    }

    public List<Node> tree(Id id) throws IOException {
        synchronized (cache) {
            List<Node> t = cache.get(id);
            if (t != null) {
                return t;
            }
        }
        List<Node> t = TreeCodec.decode(blob(id), "tree " + id.shortHex());
        synchronized (cache) {
            List<Node> was = cache.put(id, t);
            cachedNodes += t.size() - (was == null ? 0 : was.size());
            var eldest = cache.entrySet().iterator();
            while ((cache.size() > CACHE_TREES || cachedNodes > CACHE_NODES) && cache.size() > 1) {
                cachedNodes -= eldest.next().getValue().size();
                eldest.remove();
            }
        }
        return t;
    }

    /** A blob's plaintext length, from the index. */
    public long plainLength(Id id) {
        var loc = index.get(id);
        if (loc == null) {
            throw new IntegrityException("Blob " + id.shortHex() + " is not in the index: the repository is missing"
                    + " data (run check; repair index may recover it).");
        }
        return loc.plainLength();
    }

    public byte[] blob(Id id) throws IOException {
        return BlobStore.read(backend, crypto, index, id);
    }

    /** Where a blob is stored, from the index. */
    public dev.cairn.internal.repo.BlobLocation location(Id id) {
        var loc = index.get(id);
        if (loc == null) {
            throw new IntegrityException("Blob " + id.shortHex() + " is not in the index: the repository is missing"
                    + " data (run check; repair index may recover it).");
        }
        return loc;
    }

    /**
     * Reads {@code length} bytes of a pack from {@code offset} (one request, however many blobs),
     * into {@code buf} from 0 when it is long enough ({@link Backend#get(String, long, int, byte[])}).
     */
    public byte[] readPack(Id pack, long offset, int length, byte[] buf) throws IOException {
        try {
            return backend.get(dev.cairn.internal.repo.PackFormat.name(pack), offset, length, buf);
        } catch (java.nio.file.NoSuchFileException e) {
            throw missing(pack);
        } catch (java.io.EOFException e) {
            throw truncated(pack);
        }
    }

    /**
     * A stream over {@code length} bytes of a pack at {@code offset} ({@link dev.cairn.backend.Backend#open(String,
     * long, long)}); where it ends sooner, {@link #truncated} is the error to report.
     */
    public java.io.InputStream openPack(Id pack, long offset, long length) throws IOException {
        try {
            return backend.open(dev.cairn.internal.repo.PackFormat.name(pack), offset, length);
        } catch (java.nio.file.NoSuchFileException e) {
            throw missing(pack);
        }
    }

    private static IntegrityException missing(Id pack) {
        return new IntegrityException("Pack " + pack.shortHex() + " is missing from the repository. Run `cairn"
                + " check`; `cairn repair snapshots` drops the files that need it.");
    }

    /** A pack shorter than the index says. */
    public static IntegrityException truncated(Id pack) {
        return new IntegrityException("Pack " + pack.shortHex() + " is shorter than the index says (truncated)."
                + " Run `cairn check --read-data`.");
    }

    /**
     * Decrypts, decompresses and verifies a blob read with {@link #readPack} ({@code off}: its place
     * in buf) into {@code scratch} ({@link BlobStore#decode(Crypto, dev.cairn.internal.repo.BlobLocation,
     * byte[], int, int, BlobStore.Scratch)}): the plaintext is the first {@code loc.plainLength()} bytes,
     * until the next call with the same scratch.
     */
    public byte[] decode(dev.cairn.internal.repo.BlobLocation loc, byte[] buf, int off, BlobStore.Scratch scratch) {
        return BlobStore.decode(crypto, loc, buf, off, loc.storedLength(), scratch);
    }

    /** Finds the node at a '/'-separated path below the root tree; null if absent. */
    public Node find(Id root, String path) throws IOException {
        String p = path.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) {
            return null;
        }
        Id tree = root;
        Node cur = null;
        for (String part : p.split("/+")) {
            if (tree == null) {
                return null;
            }
            cur = null;
            for (Node n : tree(tree)) {
                if (n.name().equals(part)) {
                    cur = n;
                    break;
                }
            }
            if (cur == null) {
                return null;
            }
            tree = cur.isDir() ? cur.subtree() : null;
        }
        return cur;
    }

    /** A stream over a file node's content, reading (and verifying) one blob at a time. */
    public java.io.InputStream openContent(Node file) {
        return new java.io.InputStream() {
            private int next;
            private byte[] cur = new byte[0];
            private int pos;
            private long total;

            private boolean fill() throws IOException {
                while (pos == cur.length) {
                    if (next == file.content().size()) {
                        if (total != file.size()) {
                            throw new IntegrityException("file " + file.name() + " has " + total
                                    + " bytes of content but its size is " + file.size());
                        }
                        return false;
                    }
                    cur = blob(file.content().get(next++));
                    pos = 0;
                    total += cur.length;
                }
                return true;
            }

            @Override
            public int read() throws IOException {
                return fill() ? cur[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, cur.length - pos);
                System.arraycopy(cur, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    /** Writes a file node's content to {@code out}, verifying every blob. */
    public void writeContent(Node file, OutputStream out) throws IOException {
        long total = 0;
        for (Id id : file.content()) {
            byte[] b = blob(id);
            out.write(b);
            total += b.length;
        }
        if (total != file.size()) {
            throw new IntegrityException("file " + file.name() + " has " + total + " bytes of content but its size is "
                    + file.size());
        }
    }
}
