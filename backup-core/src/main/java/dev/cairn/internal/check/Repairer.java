package dev.cairn.internal.check;

import dev.cairn.IntegrityException;
import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.pipeline.BlobStore;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.BlobLocation;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;
import dev.cairn.verify.RepairReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code repair index} and the tree rewriting of {@code repair snapshots}. Not thread-safe. */
public final class Repairer {
    private static final int BLOBS_PER_INDEX_FILE = 200_000;
    private final Backend backend;
    private final Crypto crypto;

    public Repairer(Backend backend, Crypto crypto) {
        this.backend = backend;
        this.crypto = crypto;
    }

    /**
     * Rebuilds the index from the pack headers: writes new index files naming every blob of every
     * readable pack, then deletes the old index files (new before old: a crash in between leaves
     * both, which readers merge).
     */
    public RepairReport rebuildIndex() throws IOException {
        return rebuildIndex(Set.of());
    }

    /** As {@link #rebuildIndex()}, leaving out blobs known to be damaged so new backups store them again. */
    public RepairReport rebuildIndex(Set<Id> exclude) throws IOException {
        List<String> changed = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        List<BlobLocation> all = new ArrayList<>();
        int packs = 0;
        for (ObjectInfo o : backend.list("data/")) {
            String hex = o.name().substring(o.name().lastIndexOf('/') + 1);
            if (!Hex.isHex(hex, 64)) {
                continue;
            }
            Id pack = Id.parse(hex);
            try {
                long size = o.size();
                List<BlobLocation> inPack = dev.cairn.internal.util.Reread.verified(
                        () -> PackFormat.readHeader(backend, crypto, pack, size));
                for (BlobLocation l : inPack) {
                    if (!exclude.contains(l.id())) {
                        all.add(l);
                    }
                }
                packs++;
            } catch (IntegrityException e) {
                lost.add("pack " + pack.shortHex() + " has an unreadable header, its blobs are not indexed: "
                        + e.getMessage());
            }
        }
        List<String> old = new ArrayList<>();
        for (ObjectInfo o : backend.list("index/")) {
            old.add(o.name());
        }
        Set<String> written = new HashSet<>();
        for (int from = 0; from < all.size() || from == 0; from += BLOBS_PER_INDEX_FILE) {
            List<BlobLocation> part = all.subList(from, Math.min(all.size(), from + BLOBS_PER_INDEX_FILE));
            if (part.isEmpty()) {
                break;
            }
            String name = IndexFormat.write(backend, part, crypto);
            written.add(name);
        }
        for (String o : old) {
            if (!written.contains(o)) {
                backend.delete(o);
            }
        }
        changed.add("indexed " + all.size() + " blobs of " + packs + " packs in " + written.size()
                + " index file(s); removed " + old.stream().filter(o -> !written.contains(o)).count()
                + " old index file(s)");
        return new RepairReport(changed, lost);
    }

    /**
     * Rewrites a tree without the entries whose data is gone (not indexed, or in a pack that is
     * missing: not in {@code goodPacks}, or found damaged: in {@code badBlobs}). Returns the new tree id, the same id if
     * nothing was lost, or null if the tree itself is unreadable; {@code lost} receives one line
     * per dropped path.
     */
    public Id salvageTree(BlobStore store, BlobIndex index, Set<Id> goodPacks, Set<Id> badBlobs, Id tree,
                          String prefix, List<String> lost, Set<Id> ancestors) throws IOException {
        if (badBlobs.contains(tree)) {
            return null;
        }
        if (!ancestors.add(tree)) {
            lost.add(prefix + ": directory contains itself (a loop); dropped");
            return null;
        }
        try {
            List<Node> nodes;
            try {
                nodes = TreeCodec.decode(BlobStore.read(backend, crypto, index, tree), "tree " + tree.shortHex());
            } catch (IntegrityException | IOException e) {
                return null;
            }
            List<Node> kept = new ArrayList<>();
            boolean changed = false;
            for (Node n : nodes) {
                String path = prefix.isEmpty() ? n.name() : prefix + "/" + n.name();
                if (n.isDir()) {
                    Id sub = salvageTree(store, index, goodPacks, badBlobs, n.subtree(), path, lost, ancestors);
                    if (sub == null) {
                        lost.add(path + "/: directory tree unreadable; dropped with everything below it");
                        changed = true;
                    } else {
                        changed |= !sub.equals(n.subtree());
                        kept.add(n.withSubtree(sub));
                    }
                    continue;
                }
                boolean ok = true;
                for (Id b : n.content()) {
                    BlobLocation l = index.get(b);
                    if (l == null || !goodPacks.contains(l.pack()) || badBlobs.contains(b)) {
                        ok = false;
                        break;
                    }
                }
                if (ok) {
                    kept.add(n);
                } else {
                    lost.add(path + ": data missing or damaged; dropped");
                    changed = true;
                }
            }
            return changed ? store.putTree(TreeCodec.encode(kept)) : tree;
        } finally {
            ancestors.remove(tree);
        }
    }
}
