package dev.cairn.internal.prune;

import dev.cairn.BackendException;
import dev.cairn.BackupException;
import dev.cairn.Cancellation;
import dev.cairn.IntegrityException;
import dev.cairn.PruneResult;
import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.internal.check.Checker;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.pipeline.BlobStore;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.BlobLocation;
import dev.cairn.internal.repo.IndexFormat;
import dev.cairn.internal.repo.Locks;
import dev.cairn.internal.repo.Node;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.repo.RepoConfig;
import dev.cairn.internal.repo.SeenBlobs;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;
import dev.cairn.internal.util.Reread;
import dev.cairn.snapshot.Snapshot;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Prune (docs/format.md, "Prune"): mark every blob the snapshots reference, decide per pack
 * (keep, repack, retire), then commit in the crash-safe order: new packs, new index files, the
 * prune marker, deletion of the replaced index files, deletion of packs, deletion of replaced
 * markers. Packs leave the index before they leave the storage; a pack is deleted in the same run
 * only when no other lock exists at all, otherwise it becomes a fossil that a later prune deletes
 * after the grace period and once no lock older than the mark remains, unless a snapshot needs it
 * again (then it is indexed again). The caller holds the lock ({@code held}): exclusive, or shared
 * for a dry run. Not thread-safe.
 */
public final class Pruner {
    private static final int BLOBS_PER_INDEX_FILE = 200_000;
    /**
     * Trees read in parallel at a time during the mark (bounds the decoded trees held in memory: 64
     * directories of 2,500 files held 160,000 decoded entries, ~50 MiB of a 128 MiB heap).
     */
    private static final int MARK_BATCH = 16;
    /**
     * How long a temporary file must have gone unmodified, whatever the grace period, before a prune
     * deletes it: a write in progress touches its temporary within seconds (a staged pack as its
     * pieces come, a put's file before it is linked).
     */
    static final Duration TEMPORARY_IDLE = Duration.ofHours(1);

    /** The options of one run. */
    public record Options(Duration gracePeriod, double repackBelow, boolean dryRun, boolean unindexedWithoutGrace,
                          Cancellation cancellation) {
    }

    private final Backend backend;
    private final Crypto crypto;
    private final RepoConfig config;
    private final ExecutorService workers;
    private final int inFlightBytes;
    private final Clock clock;
    private final Locks locks;
    private final Checker.SnapshotReader snapshots;
    private final List<String> messages = new ArrayList<>();

    public Pruner(Backend backend, Crypto crypto, RepoConfig config, ExecutorService workers, int inFlightBytes,
                  Clock clock, Locks locks, Checker.SnapshotReader snapshots) {
        this.backend = backend;
        this.crypto = crypto;
        this.config = config;
        this.workers = workers;
        this.inFlightBytes = inFlightBytes;
        this.clock = clock;
        this.locks = locks;
        this.snapshots = snapshots;
    }

    private enum Fate { KEEP, REPACK, REMOVE, RESURRECT, WAIT, DELETE }

    /** One pack as found: its size, its blobs, whether an index names it, what a marker says of it. */
    private static final class Pack {
        final Id id;
        final long size;
        final List<BlobLocation> blobs;
        final boolean indexed;
        final PruneMarker.Entry mark; // for packs no index names: since when prune knows them
        long usedBytes;
        int usedBlobs;
        Fate fate;
        int ordinal; // position in the plan's array of packs

        Pack(Id id, long size, List<BlobLocation> blobs, boolean indexed, PruneMarker.Entry mark) {
            this.id = id;
            this.size = size;
            this.blobs = blobs;
            this.indexed = indexed;
            this.mark = mark;
        }

        double usedFraction() {
            return size == 0 ? 0 : (double) usedBytes / size;
        }
    }

    public PruneResult run(Options o, Locks.Held held) throws IOException {
        Instant now = clock.instant();
        Cancellation cancel = o.cancellation();
        // ---- 1. What is stored.
        Map<Id, Long> sizes = new HashMap<>();
        for (ObjectInfo info : backend.list("data/")) {
            String hex = info.name().substring(info.name().lastIndexOf('/') + 1);
            if (Hex.isHex(hex, 64) && info.name().equals(PackFormat.name(Id.parse(hex)))) {
                sizes.put(Id.parse(hex), info.size());
            }
        }
        List<String> oldIndexFiles = new ArrayList<>();
        Map<Id, List<BlobLocation>> indexedBlobs = new HashMap<>();
        for (ObjectInfo info : backend.list("index/")) {
            String hex = info.name().substring("index/".length());
            if (!Hex.isHex(hex, 64)) {
                continue;
            }
            byte[] f = Reread.verified(() -> {
                byte[] b = backend.get(info.name());
                if (!PackFormat.sha256(b, 0, b.length).hex().equals(hex)) {
                    throw new IntegrityException("index file " + hex.substring(0, 8) + " does not match its name");
                }
                return b;
            });
            BlobIndex.Builder one = new BlobIndex.Builder();
            IndexFormat.decode(f, crypto, "index " + hex.substring(0, 8), one);
            for (BlobLocation l : one.build().all()) {
                indexedBlobs.computeIfAbsent(l.pack(), k -> new ArrayList<>()).add(l);
            }
            oldIndexFiles.add(info.name());
        }
        List<String> oldMarkers = new ArrayList<>();
        Map<Id, PruneMarker.Entry> marks = new HashMap<>();
        for (ObjectInfo info : backend.list(PruneMarker.PREFIX)) {
            String hex = info.name().substring(PruneMarker.PREFIX.length());
            if (!Hex.isHex(hex, 64)) {
                continue;
            }
            try {
                PruneMarker m = PruneMarker.decode(backend.get(info.name()), crypto, "prune marker " + hex.substring(0, 8));
                m.packs().forEach((p, e) -> marks.merge(p, e, (a, b) -> a.since().isBefore(b.since()) ? a : b));
            } catch (IntegrityException | NoSuchFileException e) {
                // Its packs count as first seen now: later deletion, never earlier.
                messages.add("prune marker " + hex.substring(0, 8) + " is unreadable and is replaced: " + e.getMessage());
            }
            oldMarkers.add(info.name());
        }
        List<Locks.Info> otherLocks = new ArrayList<>();
        for (Locks.Info l : locks.list()) {
            if (!held.is(l) && !held.outranks(l)) {
                otherLocks.add(l);
            }
        }
        cancel.check();

        // ---- 2. Every pack with its blobs: from the index, or from its own header.
        Map<Id, Pack> packs = new TreeMap<>();
        List<String> missingPacks = new ArrayList<>();
        for (Map.Entry<Id, List<BlobLocation>> e : indexedBlobs.entrySet()) {
            Long size = sizes.get(e.getKey());
            if (size == null) {
                missingPacks.add(e.getKey().shortHex());
                continue; // its entries leave the index; a live blob only there fails the mark below
            }
            packs.put(e.getKey(), new Pack(e.getKey(), size, e.getValue(), true, null));
        }
        for (Map.Entry<Id, Long> e : sizes.entrySet()) {
            Id id = e.getKey();
            if (packs.containsKey(id)) {
                continue;
            }
            PruneMarker.Entry mark = marks.getOrDefault(id, new PruneMarker.Entry(now, PruneMarker.Kind.UNINDEXED));
            List<BlobLocation> blobs;
            try {
                blobs = Reread.verified(() -> readHeader(id, e.getValue()));
            } catch (IntegrityException | NoSuchFileException ex) {
                blobs = List.of(); // unreadable (or being written): nothing in it can be used
                messages.add("pack " + id.shortHex() + " is in no index and its header is unreadable ("
                        + ex.getMessage() + ")");
            }
            packs.put(id, new Pack(id, e.getValue(), blobs, false, mark));
        }
        if (!missingPacks.isEmpty()) {
            messages.add(missingPacks.size() + " pack(s) named by the index are missing from the storage ("
                    + String.join(", ", missingPacks.subList(0, Math.min(5, missingPacks.size())))
                    + (missingPacks.size() > 5 ? ", …" : "") + "); their index entries are dropped");
        }

        // ---- 3. Mark: every blob a snapshot references (each tree read once).
        int entries = 0;
        for (Pack p : packs.values()) {
            entries += p.blobs.size();
        }
        BlobIndex.Builder lb = new BlobIndex.Builder(entries); // sized once: growing it copied 1.5x the arrays
        for (Pack p : packs.values()) {
            for (BlobLocation l : p.blobs) {
                lb.add(l.id().bytes(), l.pack(), l.offset(), l.storedLength(), l.plainLength(), l.type(),
                        l.compression());
            }
        }
        BlobIndex lookup = lb.build();
        // Per blob, by its position in lookup (ids are unique there): whether a snapshot uses it, and
        // which pack holds the copy that is kept. Arrays, not maps and sets of ids (~200 bytes per
        // blob): prune of a repository of 500,000 blobs did not fit the default 128 MiB heap.
        SeenBlobs live = mark(lookup, cancel);

        // ---- 4. Plan. Each live blob has one owner copy: an indexed pack before an unindexed one, then
        // the pack with the larger used fraction (so duplicates leave the emptier packs).
        Pack[] byOrdinal = packs.values().toArray(new Pack[0]);
        for (int i = 0; i < byOrdinal.length; i++) {
            byOrdinal[i].ordinal = i;
        }
        int[] ownerOf = new int[lookup.size()];
        java.util.Arrays.fill(ownerOf, -1);
        Map<Integer, List<Pack>> copies = new HashMap<>(); // only blobs stored more than once
        for (Pack p : byOrdinal) {
            for (BlobLocation l : p.blobs) {
                int at = lookup.position(l.id());
                if (at >= 0 && live.seenAt(at)) {
                    p.usedBytes += l.storedLength();
                    if (ownerOf[at] < 0) {
                        ownerOf[at] = p.ordinal;
                    } else {
                        int first = ownerOf[at];
                        copies.computeIfAbsent(at, k -> new ArrayList<>(List.of(byOrdinal[first]))).add(p);
                    }
                }
            }
        }
        for (Map.Entry<Integer, List<Pack>> e : copies.entrySet()) {
            Pack best = null;
            for (Pack p : e.getValue()) {
                if (best == null || (p.indexed && !best.indexed)
                        || (p.indexed == best.indexed && p.usedFraction() > best.usedFraction())) {
                    best = p;
                }
            }
            ownerOf[e.getKey()] = best.ordinal;
        }
        for (Pack p : byOrdinal) {
            p.usedBytes = 0;
        }
        for (Pack p : byOrdinal) {
            for (BlobLocation l : p.blobs) {
                if (owns(p, l, lookup, ownerOf)) {
                    p.usedBytes += l.storedLength();
                    p.usedBlobs++;
                }
            }
        }
        boolean alone = otherLocks.isEmpty();
        for (Pack p : packs.values()) {
            if (p.indexed) {
                p.fate = p.usedBlobs == 0 ? Fate.REMOVE : p.usedFraction() < o.repackBelow() ? Fate.REPACK : Fate.KEEP;
            } else if (p.usedBlobs > 0) {
                p.fate = Fate.RESURRECT;
            } else {
                p.fate = ripe(p.mark, now, o, otherLocks) ? Fate.DELETE : Fate.WAIT;
            }
        }
        // A live blob whose owner is repacked but which has a copy in a pack that stays needs no copy.
        for (Map.Entry<Integer, List<Pack>> e : copies.entrySet()) {
            if (byOrdinal[ownerOf[e.getKey()]].fate == Fate.REPACK) {
                for (Pack p : e.getValue()) {
                    if (p.fate == Fate.KEEP || p.fate == Fate.RESURRECT) {
                        ownerOf[e.getKey()] = p.ordinal;
                        break;
                    }
                }
            }
        }
        List<BlobLocation> toCopy = new ArrayList<>();
        long bytesRepacked = 0;
        for (Pack p : packs.values()) {
            if (p.fate == Fate.REPACK) {
                int copied = 0;
                for (BlobLocation l : p.blobs) {
                    if (owns(p, l, lookup, ownerOf)) {
                        toCopy.add(l);
                        bytesRepacked += l.storedLength();
                        copied++;
                    }
                }
                if (copied == 0) {
                    p.fate = Fate.REMOVE; // every used blob has a copy in a pack that stays
                }
            }
        }
        int packsRepacked = count(packs, Fate.REPACK);
        int packsRemoved = count(packs, Fate.REMOVE);
        int resurrected = count(packs, Fate.RESURRECT);
        List<Pack> deleteNow = new ArrayList<>();
        List<Pack> fossilsNew = new ArrayList<>();
        for (Pack p : packs.values()) {
            if (p.fate == Fate.DELETE) {
                deleteNow.add(p);
            } else if (p.fate == Fate.REMOVE || p.fate == Fate.REPACK) {
                (alone ? deleteNow : fossilsNew).add(p);
            }
        }
        boolean indexChanges = packsRepacked + packsRemoved + resurrected > 0 || !missingPacks.isEmpty();
        // The marker: every pack no index names after this run that is not deleted now.
        Map<Id, PruneMarker.Entry> newMarks = new TreeMap<>();
        for (Pack p : packs.values()) {
            if (p.fate == Fate.WAIT) {
                newMarks.put(p.id, p.mark);
            }
        }
        for (Pack p : fossilsNew) {
            newMarks.put(p.id, new PruneMarker.Entry(now, PruneMarker.Kind.FOSSIL));
        }
        boolean markerChanges = !newMarks.equals(currentMarks(marks, packs)) || oldMarkers.size() > 1
                || (oldMarkers.isEmpty() != newMarks.isEmpty());

        // The new index: every blob of every pack that stays (kept or indexed again), and the copies.
        List<BlobLocation> newIndex = new ArrayList<>();
        for (Pack p : packs.values()) {
            if (p.fate == Fate.KEEP || p.fate == Fate.RESURRECT) {
                newIndex.addAll(p.blobs);
            }
        }
        long bytesFreed = 0;
        for (Pack p : deleteNow) {
            bytesFreed += p.size;
        }
        long waitingBytes = 0;
        int waiting = 0;
        for (Pack p : packs.values()) {
            if (p.fate == Fate.WAIT) {
                waiting++;
                waitingBytes += p.size;
            }
        }
        for (Pack p : fossilsNew) {
            waiting++;
            waitingBytes += p.size;
        }
        report(o, packs, deleteNow, fossilsNew, otherLocks, live.size(), resurrected, waiting, waitingBytes);

        if (o.dryRun()) {
            return result(packs, deleteNow.size(), packsRepacked, waiting, bytesFreed, bytesRepacked,
                    removedCount(indexedBlobs, lookup, newIndex, toCopy), true);
        }
        // Temporaries of writes whose process was killed (a local repository's staged packs), not
        // modified for the grace period and at least TEMPORARY_IDLE, so that no running write is
        // still using them: a lock is written to a temporary before it exists, so the prune's own
        // exclusive lock does not cover it (with --grace 0 a prune deleted a starting backup's lock
        // file between its write and its link, and the backup failed).
        Duration idle = o.gracePeriod().compareTo(TEMPORARY_IDLE) > 0 ? o.gracePeriod() : TEMPORARY_IDLE;
        int temporaries = backend.removeStaleTemporaries(now.minus(idle));
        if (temporaries > 0) {
            messages.add("Removed " + temporaries + " temporary file(s) that killed processes left behind.");
        }
        if (!indexChanges && !markerChanges && deleteNow.isEmpty()) {
            return result(packs, 0, 0, waiting, 0, 0, 0, false);
        }

        // ---- 5. Commit. (a) copies into new packs.
        if (!toCopy.isEmpty()) {
            newIndex.addAll(repack(toCopy, cancel));
        }
        cancel.check();
        // (b) the new index files, before any index file or pack is deleted.
        Set<String> newIndexFiles = new HashSet<>();
        if (indexChanges) {
            newIndex.sort(java.util.Comparator.comparing(BlobLocation::id));
            for (int from = 0; from < newIndex.size(); from += BLOBS_PER_INDEX_FILE) {
                newIndexFiles.add(IndexFormat.write(backend,
                        newIndex.subList(from, Math.min(newIndex.size(), from + BLOBS_PER_INDEX_FILE)), crypto));
            }
        }
        // (c) the marker naming the fossils and the packs waiting for their grace period.
        String newMarker = null;
        if (markerChanges && !newMarks.isEmpty()) {
            byte[] m = new PruneMarker(now, newMarks).encode(crypto);
            newMarker = PruneMarker.PREFIX + PackFormat.sha256(m, 0, m.length).hex();
            try {
                backend.put(newMarker, m, 0, m.length);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // identical marker already stored
            }
        }
        cancel.check();
        // (d) the replaced index files: from here on, no index names a pack that is deleted below.
        if (indexChanges) {
            for (String f : oldIndexFiles) {
                if (!newIndexFiles.contains(f)) {
                    backend.delete(f);
                }
            }
        }
        // (e) packs.
        for (Pack p : deleteNow) {
            backend.delete(PackFormat.name(p.id));
        }
        // (f) the replaced markers.
        if (markerChanges) {
            for (String m : oldMarkers) {
                if (!m.equals(newMarker)) {
                    backend.delete(m);
                }
            }
        }
        return result(packs, deleteNow.size(), packsRepacked, waiting, bytesFreed, bytesRepacked,
                indexChanges ? removedCount(indexedBlobs, lookup, newIndex, List.of()) : 0, false);
    }

    /** The old markers' entries that still describe a pack no index names. */
    private static Map<Id, PruneMarker.Entry> currentMarks(Map<Id, PruneMarker.Entry> marks, Map<Id, Pack> packs) {
        Map<Id, PruneMarker.Entry> out = new TreeMap<>();
        marks.forEach((id, e) -> {
            Pack p = packs.get(id);
            if (p != null && !p.indexed) {
                out.put(id, e);
            }
        });
        return out;
    }

    /** Whether {@code p} holds the kept copy of blob {@code l}. */
    private static boolean owns(Pack p, BlobLocation l, BlobIndex lookup, int[] ownerOf) {
        int at = lookup.position(l.id());
        return at >= 0 && ownerOf[at] == p.ordinal;
    }

    /** How many distinct blob ids the old index files name and the new index ({@code kept}, {@code copied}) does not. */
    private static long removedCount(Map<Id, List<BlobLocation>> oldIndex, BlobIndex lookup, List<BlobLocation> kept,
                                     List<BlobLocation> copied) {
        SeenBlobs stays = new SeenBlobs(lookup);
        for (List<BlobLocation> list : List.of(kept, copied)) {
            list.forEach(l -> stays.add(l.id()));
        }
        SeenBlobs counted = new SeenBlobs(lookup);
        long n = 0;
        for (List<BlobLocation> list : oldIndex.values()) {
            for (BlobLocation l : list) {
                if (counted.add(l.id())) {
                    int at = lookup.position(l.id()); // < 0: only in packs missing from the storage
                    if (at < 0 || !stays.seenAt(at)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static int count(Map<Id, Pack> packs, Fate f) {
        int n = 0;
        for (Pack p : packs.values()) {
            if (p.fate == f) {
                n++;
            }
        }
        return n;
    }

    private PruneResult result(Map<Id, Pack> packs, int deleted, int repacked, int waiting, long bytesFreed,
                               long bytesRepacked, long blobsRemoved, boolean dryRun) {
        int kept = count(packs, Fate.KEEP) + count(packs, Fate.RESURRECT);
        return new PruneResult(deleted, repacked, kept, waiting, bytesFreed, bytesRepacked, blobsRemoved, dryRun,
                messages);
    }

    /**
     * Whether a pack no index names may be deleted: known for the grace period and no other lock
     * is older than that (a backup that began before could still name it); or, when the caller
     * opted in, no other lock exists at all.
     */
    private static boolean ripe(PruneMarker.Entry mark, Instant now, Options o, List<Locks.Info> otherLocks) {
        if (o.unindexedWithoutGrace() && otherLocks.isEmpty()) {
            return true;
        }
        if (now.isBefore(mark.since().plus(o.gracePeriod()))) {
            return false;
        }
        for (Locks.Info l : otherLocks) {
            if (!l.time().isAfter(mark.since())) {
                return false;
            }
        }
        return true;
    }

    private void report(Options o, Map<Id, Pack> packs, List<Pack> deleteNow, List<Pack> fossilsNew,
                        List<Locks.Info> otherLocks, int liveBlobs, int resurrected, int waiting, long waitingBytes) {
        String would = o.dryRun() ? "would " : "";
        messages.add(liveBlobs + " blobs are used by the snapshots; " + packs.size() + " packs stored");
        if (resurrected > 0) {
            messages.add(would + "index again " + resurrected + " pack(s) no index named whose blobs a snapshot uses");
        }
        long del = 0;
        for (Pack p : deleteNow) {
            del += p.size;
        }
        if (!deleteNow.isEmpty()) {
            messages.add(would + "delete " + deleteNow.size() + " pack(s), " + del + " bytes");
        }
        if (!fossilsNew.isEmpty()) {
            messages.add(would + "drop " + fossilsNew.size() + " pack(s) from the index and keep them as fossils for"
                    + " the grace period (" + o.gracePeriod() + "): " + otherLocks.size() + " other lock(s) exist");
        }
        if (waiting > 0) {
            messages.add(waiting + " pack(s) (" + waitingBytes + " bytes) no index names are kept until their grace"
                    + " period (" + o.gracePeriod() + ") has passed and no older lock remains");
            for (Locks.Info l : otherLocks) {
                if (locks.isStale(l)) {
                    messages.add("stale lock " + l.name() + " of " + l.username() + "@" + l.host() + " (pid " + l.pid()
                            + ", since " + l.time() + ") holds back deletion; if no Cairn process runs there,"
                            + " remove it with `cairn unlock`");
                }
            }
        }
    }

    /** The blobs every snapshot references, reading each tree once. Fails if one is not stored. */
    private SeenBlobs mark(BlobIndex lookup, Cancellation cancel) throws IOException {
        SeenBlobs live = new SeenBlobs(lookup);
        List<Id> level = new ArrayList<>();
        Map<Id, String> where = new HashMap<>(); // for messages: the snapshot and path a tree was found at
        Set<Id> missing = new HashSet<>();
        List<String> missingWhere = new ArrayList<>();
        for (ObjectInfo info : backend.list("snapshots/")) {
            String id = info.name().substring("snapshots/".length());
            if (!Hex.isHex(id, 64)) {
                continue;
            }
            Snapshot s;
            try {
                s = snapshots.read(id);
            } catch (NoSuchFileException e) {
                continue; // forgotten meanwhile
            } catch (BackupException e) {
                throw new IntegrityException("Cannot prune: snapshot " + id.substring(0, 8) + " is unreadable ("
                        + e.getMessage() + "); its data cannot be told from garbage. Run `cairn repair snapshots`"
                        + " or forget it first.");
            }
            Id root = Id.parse(s.tree());
            if (live.add(root)) {
                level.add(root);
                where.put(root, "snapshot " + s.shortId());
            }
        }
        // Breadth-first, one level of trees at a time, fetched in parallel in bounded batches.
        while (!level.isEmpty()) {
            List<Id> next = new ArrayList<>();
            for (int from = 0; from < level.size(); from += MARK_BATCH) {
                cancel.check();
                List<Id> batch = level.subList(from, Math.min(level.size(), from + MARK_BATCH));
                List<CompletableFuture<List<Node>>> reads = new ArrayList<>(batch.size());
                for (Id tree : batch) {
                    if (lookup.get(tree) == null) {
                        reads.add(null);
                        continue;
                    }
                    reads.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return TreeCodec.decode(BlobStore.read(backend, crypto, lookup, tree),
                                    "tree " + tree.shortHex());
                        } catch (IOException e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    }, workers));
                }
                for (int k = 0; k < batch.size(); k++) {
                    Id tree = batch.get(k);
                    String at = where.remove(tree);
                    if (reads.get(k) == null) {
                        missing.add(tree);
                        missingWhere.add("tree " + tree.shortHex() + " (" + at + ")");
                        continue;
                    }
                    List<Node> nodes = BlobStore.await(reads.get(k));
                    reads.set(k, null); // done with: its entries can go before the batch's last is read
                    for (Node n : nodes) {
                        if (n.isDir() && n.subtree() != null && live.add(n.subtree())) {
                            next.add(n.subtree());
                            where.put(n.subtree(), at + "/" + n.name());
                        }
                        for (Id b : n.content()) {
                            if (live.add(b) && lookup.get(b) == null && missing.add(b)) {
                                missingWhere.add("blob " + b.shortHex() + " (" + at + "/" + n.name() + ")");
                            }
                        }
                    }
                }
            }
            level = next;
        }
        if (!missing.isEmpty()) {
            throw new IntegrityException("Cannot prune: " + missing.size() + " blob(s) the snapshots use are in no"
                    + " stored pack (" + String.join(", ", missingWhere.subList(0, Math.min(5, missingWhere.size())))
                    + (missingWhere.size() > 5 ? ", …" : "") + "). Nothing was changed. Run `cairn check`, then"
                    + " `cairn repair index` or `cairn repair snapshots`.");
        }
        return live;
    }

    /** Copies the given blobs, verified, into new packs; returns their new locations. */
    private List<BlobLocation> repack(List<BlobLocation> blobs, Cancellation cancel) throws IOException {
        Map<Id, List<BlobLocation>> byPack = new TreeMap<>();
        for (BlobLocation l : blobs) {
            byPack.computeIfAbsent(l.pack(), k -> new ArrayList<>()).add(l);
        }
        BlobStore store = new BlobStore(backend, crypto, config, BlobIndex.empty(), workers, inFlightBytes,
                Duration.ofDays(365));
        try {
            for (Map.Entry<Id, List<BlobLocation>> e : byPack.entrySet()) {
                cancel.check();
                Id pack = e.getKey();
                String name = PackFormat.name(pack);
                byte[] bytes = backend.get(name);
                for (BlobLocation l : e.getValue()) {
                    if ((long) l.offset() + l.storedLength() > bytes.length || !verifies(l, bytes)) {
                        // A download corrupted in transit reads clean again; damage at rest fails each time.
                        bytes = Reread.verified(() -> {
                            byte[] b = backend.get(name);
                            if ((long) l.offset() + l.storedLength() > b.length || !verifies(l, b)) {
                                throw new IntegrityException("Cannot prune: blob " + l.id().shortHex() + " in pack "
                                        + pack.shortHex() + " fails verification, and a snapshot uses it. Nothing was"
                                        + " deleted. Run `cairn check --read-data`, then `cairn repair snapshots`.");
                            }
                            return b;
                        });
                    }
                    store.putStored(l, bytes, l.offset());
                }
            }
            store.flushPacks();
        } catch (IOException | RuntimeException e) {
            store.discardOpenPacks(); // a cancelled or failed repack leaves no staged pack behind
            throw e;
        }
        return store.index().addedBlobs();
    }

    private boolean verifies(BlobLocation l, byte[] pack) {
        try {
            BlobStore.decode(crypto, l, pack, l.offset(), l.storedLength(), PackFormat.name(l.pack()));
            return true;
        } catch (IntegrityException e) {
            return false;
        }
    }

    private List<BlobLocation> readHeader(Id pack, long size) throws IOException {
        return PackFormat.readHeader(backend, crypto, pack, size);
    }

    /** Wraps a storage failure with what prune had done so far (nothing unsafe: see the order above). */
    public static BackendException failed(String location, IOException e) {
        return new BackendException("Prune of " + location + " failed: " + e.getMessage() + ". The repository stays"
                + " readable (at worst packs no index names, or blobs indexed twice); run prune again.", true, e);
    }
}
