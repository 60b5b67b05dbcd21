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
import dev.cairn.internal.util.Reread;
import dev.cairn.verify.RepairReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
        return rebuildIndex(Map.of());
    }

    /**
     * As {@link #rebuildIndex()}, leaving out the copies known to be damaged ({@code damaged}: pack
     * to blob ids, from a read-data check): a blob with no other copy leaves the index, so that new
     * backups store it again instead of deduplicating against it, while a good copy in another pack
     * stays indexed.
     *
     * <p>The index keeps one location per blob. A blob stored in more than one pack (two backups
     * that ran at once, or a file backed up again after a repair dropped its damaged blob) is
     * indexed from a copy that verifies: its copies are read, decrypted and checked against its
     * id, and the damaged ones are named in the report. Chosen blindly, a damaged copy would fail
     * every restore that needs the blob while a good one sat in another pack. A blob whose every
     * copy is damaged is left out.
     */
    public RepairReport rebuildIndex(Map<Id, Set<Id>> damaged) throws IOException {
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
                List<BlobLocation> inPack = Reread.verified(() -> PackFormat.readHeader(backend, crypto, pack, size));
                Set<Id> bad = damaged.getOrDefault(pack, Set.of());
                for (BlobLocation l : inPack) {
                    if (!bad.contains(l.id())) {
                        all.add(l);
                    }
                }
                packs++;
            } catch (IntegrityException e) {
                lost.add("pack " + pack.shortHex() + " has an unreadable header, its blobs are not indexed: "
                        + e.getMessage());
            }
        }
        int copies = all.size();
        all = oneCopyEach(all, changed, lost);
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
                + " index file(s)" + (copies > all.size() ? " (" + (copies - all.size())
                + " further copies left out)" : "") + "; removed "
                + old.stream().filter(o -> !written.contains(o)).count() + " old index file(s)");
        return new RepairReport(changed, lost);
    }

    /**
     * Sorts {@code all} by blob id and keeps one location per id: the only one, or the first copy
     * that verifies when a blob is in several packs (none when none does).
     */
    private List<BlobLocation> oneCopyEach(List<BlobLocation> all, List<String> changed, List<String> lost)
            throws IOException {
        all.sort(Comparator.comparing(BlobLocation::id).thenComparing(BlobLocation::pack));
        int kept = 0;
        for (int i = 0; i < all.size(); ) {
            int j = i + 1;
            while (j < all.size() && all.get(j).id().equals(all.get(i).id())) {
                j++;
            }
            BlobLocation keep = j - i == 1 ? all.get(i) : verifiedCopy(all.subList(i, j), changed, lost);
            if (keep != null) {
                all.set(kept++, keep);
            }
            i = j;
        }
        all.subList(kept, all.size()).clear();
        return all;
    }

    /** Reads every copy; the first that verifies, or null. Damaged copies are reported either way. */
    private BlobLocation verifiedCopy(List<BlobLocation> copies, List<String> changed, List<String> lost)
            throws IOException {
        List<String> bad = new ArrayList<>();
        BlobLocation good = null;
        for (BlobLocation l : copies) {
            try {
                Reread.verified(() -> {
                    byte[] enc = backend.get(PackFormat.name(l.pack()), l.offset(), l.storedLength());
                    return BlobStore.decode(crypto, l, enc, 0, enc.length, (BlobStore.Scratch) null);
                });
                good = good == null ? l : good;
            } catch (IntegrityException | java.io.EOFException e) {
                bad.add(l.pack().shortHex() + " (" + e.getMessage() + ")");
            }
        }
        Id id = copies.get(0).id();
        if (good == null) {
            lost.add("blob " + id.shortHex() + ": every copy is damaged (packs " + String.join(", ", bad)
                    + "); left out of the index, so that the next backup of its data stores it again");
        } else if (!bad.isEmpty()) {
            changed.add("blob " + id.shortHex() + " indexed from pack " + good.pack().shortHex() + "; its copy in pack "
                    + String.join(", ", bad) + " is damaged");
        }
        return good;
    }

    /**
     * Rewrites a tree without the entries whose data is gone (not indexed, or in a pack that is
     * missing: not in {@code goodPacks}; copies found damaged have left the index, see
     * {@link #rebuildIndex(Map)}). Returns the new tree id, the same id if
     * nothing was lost, or null if the tree itself is unreadable; {@code lost} receives one line
     * per dropped path.
     */
    public Id salvageTree(BlobStore store, BlobIndex index, Set<Id> goodPacks, Id tree,
                          String prefix, List<String> lost, Set<Id> ancestors) throws IOException {
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
                    Id sub = salvageTree(store, index, goodPacks, n.subtree(), path, lost, ancestors);
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
                    if (l == null || !goodPacks.contains(l.pack())) {
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
