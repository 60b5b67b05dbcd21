package dev.cairn.internal.check;

import dev.cairn.BackupException;
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
import dev.cairn.internal.repo.SeenBlobs;
import dev.cairn.internal.repo.TreeCodec;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.verify.CheckReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code check}: structure (index files decode, every indexed pack exists with a header that
 * agrees with the index, no blob is listed with two different sizes, every snapshot's trees and
 * blobs are indexed) and, with read-data, every selected pack's bytes (SHA-256 = name, every
 * blob decrypts, decompresses and matches its id). Damaged packs are named with the snapshots and
 * files that hold data in them. Reads only. Not thread-safe.
 */
public final class Checker {
    /** Reads a snapshot by id; throws for a damaged one. */
    public interface SnapshotReader {
        Snapshot read(String id) throws IOException;
    }

    private final Backend backend;
    private final Crypto crypto;
    private final SnapshotReader snapshots;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private java.util.concurrent.Executor executor = Runnable::run;
    /**
     * Packs read with read-data go into reused arrays: a new 16 MiB array per pack was a gigabyte
     * of allocation (and zeroing) per gigabyte checked. Two idle packs' worth kept.
     */
    private final dev.cairn.internal.util.BufferPool packBuffers = new dev.cairn.internal.util.BufferPool(2L * (17 << 20));

    public Checker(Backend backend, Crypto crypto, SnapshotReader snapshots) {
        this.backend = backend;
        this.crypto = crypto;
        this.snapshots = snapshots;
    }

    private java.util.function.Function<Map<Id, Long>, List<Id>> chooser;
    private final Set<Id> verifiedPacks = new HashSet<>();
    private final Map<Id, Long> presentPacks = new HashMap<>();

    /**
     * With read-data, picks the packs to read from every pack present (pack → stored size) instead of
     * a subset spec: the verification ledger's oldest-first choice.
     */
    public Checker chooser(java.util.function.Function<Map<Id, Long>, List<Id>> c) {
        this.chooser = c;
        return this;
    }

    /** Packs the last run read and found intact (every blob verified, content matches its name). */
    public Set<Id> verifiedPacks() {
        return verifiedPacks;
    }

    /** Packs present in the repository at the last run, with their stored sizes. */
    public Map<Id, Long> presentPacks() {
        return presentPacks;
    }

    /** Verifies packs on these threads (default: the caller's). */
    public Checker executor(java.util.concurrent.Executor e) {
        this.executor = e;
        return this;
    }

    /**
     * Runs the check.
     *
     * @param readData whether to download and verify pack contents
     * @param subset   with readData: null (all), {@code n/t}, {@code x%}, or a byte budget such as
     *                 {@code 500M}
     */
    public CheckReport run(boolean readData, String subset, long seed) throws IOException {
        // 1. Packs present.
        Map<Id, Long> packSizes = new HashMap<>();
        for (ObjectInfo o : backend.list("data/")) {
            String n = o.name();
            String hex = n.substring(n.lastIndexOf('/') + 1);
            if (!Hex.isHex(hex, 64) || !n.equals(PackFormat.name(Id.parse(hex)))) {
                warnings.add("stray object " + n + " in data/ (not a pack name)");
                continue;
            }
            packSizes.put(Id.parse(hex), o.size());
        }
        presentPacks.putAll(packSizes);
        // 2. Index files, one by one, so a damaged one is named. Kept compact (no object per blob):
        // the index, and every entry grouped by pack for the header comparison.
        BlobIndex.Builder ib = new BlobIndex.Builder();
        BlobIndex.Builder entries = new BlobIndex.Builder();
        for (ObjectInfo o : backend.list("index/")) {
            String hex = o.name().substring("index/".length());
            if (!Hex.isHex(hex, 64)) {
                warnings.add("stray object " + o.name() + " in index/");
                continue;
            }
            try {
                byte[] f = backend.get(o.name());
                for (int attempt = 1; !PackFormat.sha256(f, 0, f.length).hex().equals(hex); attempt++) {
                    if (attempt == 3) {
                        throw new IntegrityException("content does not match its name");
                    }
                    f = backend.get(o.name()); // a download corrupted in transit reads clean again
                }
                BlobIndex.Builder one = new BlobIndex.Builder(); // a damaged file adds nothing
                IndexFormat.decode(f, crypto, "index " + hex.substring(0, 8), one);
                ib.addAll(one);
                entries.addAll(one);
            } catch (IntegrityException e) {
                errors.add("index file " + hex.substring(0, 8) + " is damaged: " + e.getMessage()
                        + " (run `cairn repair index`)");
            }
        }
        BlobIndex index = ib.build();
        for (BlobIndex.SizeConflict c : ib.sizeConflicts()) {
            errors.add("blob " + c.id().shortHex() + " is indexed twice with different sizes (" + c.plainLength()
                    + " and " + c.otherPlainLength() + " bytes)");
        }
        BlobIndex.ByPack byPack = entries.byPack();
        Map<Id, String> problems = new TreeMap<>();
        Map<Id, Id> blobToPack = new HashMap<>();
        // 3. Every indexed pack exists, and its header agrees with the index.
        for (Id pack : byPack.packs()) {
            Long size = packSizes.get(pack);
            List<BlobLocation> indexed = byPack.of(pack);
            if (size == null) {
                problems.put(pack, "missing: named by the index, absent from the repository (" + indexed.size()
                        + " blobs)");
                indexed.forEach(l -> blobToPack.put(l.id(), pack));
                continue;
            }
            try {
                Set<String> header = new HashSet<>();
                for (BlobLocation l : dev.cairn.internal.util.Reread.verified(() -> readHeader(pack, size))) {
                    header.add(key(l));
                }
                for (BlobLocation l : indexed) {
                    if (!header.contains(key(l))) {
                        errors.add("pack " + pack.shortHex() + " header does not list blob " + l.id().shortHex()
                                + " where the index puts it");
                        break;
                    }
                }
            } catch (IntegrityException | IOException ex) {
                problems.put(pack, "header unreadable: " + ex.getMessage());
                indexed.forEach(l -> blobToPack.put(l.id(), pack));
            }
        }
        for (Id p : packSizes.keySet()) {
            if (!byPack.contains(p)) {
                warnings.add("pack " + p.shortHex() + " is not in any index: a backup that is running or was"
                        + " interrupted wrote it, or prune set it aside until its grace period ends; prune deletes it"
                        + " once unused that long (`cairn repair index` makes its blobs reusable)");
            }
        }
        // 4. Snapshots: every tree and blob they reference is indexed.
        List<Snapshot> snaps = new ArrayList<>();
        for (ObjectInfo o : backend.list("snapshots/")) {
            String id = o.name().substring("snapshots/".length());
            if (!Hex.isHex(id, 64)) {
                continue;
            }
            try {
                snaps.add(snapshots.read(id));
            } catch (BackupException | IOException ex) {
                errors.add("snapshot " + id.substring(0, 8) + " is damaged: " + ex.getMessage());
            }
        }
        SeenBlobs trees = new SeenBlobs(index);
        SeenBlobs blobs = new SeenBlobs(index);
        for (Snapshot s : snaps) {
            walk(index, s, Id.parse(s.tree()), "", trees, blobs, new LinkedHashSet<>(), null, null);
        }
        // 5. Read data.
        int packsRead = 0;
        long bytesRead = 0;
        List<CheckReport.DamagedPack> damaged = new ArrayList<>();
        if (readData) {
            List<Id> chosen = chooser != null ? chooser.apply(Map.copyOf(packSizes))
                    : select(new ArrayList<>(packSizes.keySet()), packSizes, subset, seed);
            List<java.util.concurrent.CompletableFuture<PackProblem>> results = new ArrayList<>();
            for (Id pack : chosen) {
                results.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    List<BlobLocation> indexed = byPack.of(pack);
                    PackProblem problem = null;
                    for (int attempt = 1; attempt <= 3; attempt++) {
                        problem = verifyPack(pack, packSizes.get(pack), indexed);
                        if (problem == null) {
                            break; // clean now: the earlier failure was a corrupted download
                        }
                    }
                    return problem;
                }, executor));
            }
            for (int k = 0; k < chosen.size(); k++) {
                Id pack = chosen.get(k);
                packsRead++;
                bytesRead += packSizes.get(pack);
                PackProblem problem = results.get(k).join();
                if (problem != null) {
                    problems.put(pack, problem.message());
                    problem.badBlobs().forEach(b -> blobToPack.put(b, pack));
                    damagedCopies.computeIfAbsent(pack, p -> new HashSet<>()).addAll(problem.badBlobs());
                } else if (!problems.containsKey(pack)) {
                    verifiedPacks.add(pack);
                }
            }
        }
        if (!problems.isEmpty()) {
            Map<Id, Set<String>> snapsOf = new HashMap<>();
            Map<Id, Set<String>> filesOf = new HashMap<>();
            for (Snapshot s : snaps) {
                walk(index, s, Id.parse(s.tree()), "", new SeenBlobs(index), new SeenBlobs(index), new LinkedHashSet<>(),
                        blobToPack, (pack, path) -> {
                            snapsOf.computeIfAbsent(pack, k -> new LinkedHashSet<>()).add(s.shortId());
                            filesOf.computeIfAbsent(pack, k -> new LinkedHashSet<>()).add(s.shortId() + ":" + path);
                        });
            }
            for (Map.Entry<Id, String> e : problems.entrySet()) {
                List<String> files = new ArrayList<>(filesOf.getOrDefault(e.getKey(), Set.of()));
                if (files.isEmpty() && snapsOf.getOrDefault(e.getKey(), Set.of()).isEmpty()) {
                    warnings.add("pack " + e.getKey().shortHex() + " is damaged (" + e.getValue() + ") but no snapshot"
                            + " uses its data any more; prune removes it");
                    continue;
                }
                damaged.add(new CheckReport.DamagedPack(e.getKey().hex(), e.getValue(),
                        new ArrayList<>(snapsOf.getOrDefault(e.getKey(), Set.of())), files));
                errors.add("pack " + e.getKey().shortHex() + " is " + (e.getValue().startsWith("missing")
                        ? "" : "damaged: ") + e.getValue() + "; affects "
                        + files.size() + " file(s)" + (files.isEmpty() ? "" : ": "
                        + String.join(", ", files.subList(0, Math.min(10, files.size())))
                        + (files.size() > 10 ? ", …" : "")));
            }
        }
        return new CheckReport(snaps.size(), trees.size(), blobs.size(), packSizes.size(), packsRead, bytesRead,
                errors, warnings, damaged);
    }

    private static String key(BlobLocation l) {
        return l.id().hex() + ":" + l.offset() + ":" + l.storedLength() + ":" + l.type();
    }

    /** Called for each file (path) with data in a damaged pack. */
    private interface Hit {
        void found(Id pack, String path);
    }

    private void walk(BlobIndex index, Snapshot s, Id tree, String prefix, SeenBlobs seenTrees, SeenBlobs blobs,
                      LinkedHashSet<Id> ancestors, Map<Id, Id> watch, Hit hit) {
        if (!ancestors.add(tree)) {
            errors.add("snapshot " + s.shortId() + ": tree " + tree.shortHex() + " at /" + prefix
                    + " contains itself (a loop)");
            return;
        }
        try {
            if (watch != null) {
                Id p = watch.get(tree);
                if (p != null) {
                    hit.found(p, prefix.isEmpty() ? "/" : prefix);
                }
            }
            if (!seenTrees.add(tree) && watch == null) {
                return; // already checked through another snapshot or path
            }
            BlobLocation loc = index.get(tree);
            if (loc == null || loc.type() != BlobLocation.TREE) {
                if (watch == null) {
                    errors.add("snapshot " + s.shortId() + ": tree " + tree.shortHex() + " of /" + prefix
                            + " is not in the index");
                }
                return;
            }
            List<Node> nodes;
            try {
                nodes = TreeCodec.decode(BlobStore.read(backend, crypto, index, tree), "tree " + tree.shortHex());
            } catch (IntegrityException | IOException e) {
                if (watch == null) {
                    errors.add("snapshot " + s.shortId() + ": tree of /" + prefix + " is unreadable: " + e.getMessage());
                }
                return;
            }
            for (Node n : nodes) {
                String path = prefix.isEmpty() ? n.name() : prefix + "/" + n.name();
                if (n.isDir()) {
                    walk(index, s, n.subtree(), path, seenTrees, blobs, ancestors, watch, hit);
                    continue;
                }
                for (Id b : n.content()) {
                    if (watch != null) {
                        Id p = watch.get(b);
                        if (p != null) {
                            hit.found(p, path);
                        }
                        continue;
                    }
                    if (blobs.add(b)) {
                        BlobLocation l = index.get(b);
                        if (l == null || l.type() != BlobLocation.DATA) {
                            errors.add("snapshot " + s.shortId() + ": data of " + path + " (blob " + b.shortHex()
                                    + ") is not in the index");
                        }
                    }
                }
            }
        } finally {
            ancestors.remove(tree);
        }
    }

    private List<BlobLocation> readHeader(Id pack, long size) throws IOException {
        return PackFormat.readHeader(backend, crypto, pack, size);
    }

    /** What is wrong with a pack, and which of its blobs are unusable. */
    private record PackProblem(String message, Set<Id> badBlobs) {
    }

    private final Map<Id, Set<Id>> damagedCopies = new HashMap<>();

    /**
     * The copies found damaged by a read-data run: pack to the ids of its blobs that fail
     * verification (all of them when the pack or its header cannot be read). A copy, not a blob:
     * the same blob may have a good copy in another pack.
     */
    public Map<Id, Set<Id>> damagedCopies() {
        return damagedCopies;
    }

    /** Downloads a pack of {@code size} bytes (as listed) and verifies everything in it; returns the problem, or null. */
    private PackProblem verifyPack(Id pack, long size, List<BlobLocation> indexed) {
        if (size > Integer.MAX_VALUE - 8) {
            return new PackProblem("cannot be read: " + size + " bytes, more than a pack can hold", idsOf(indexed));
        }
        byte[] buf = packBuffers.take((int) size);
        try {
            return verifyPack(pack, buf, (int) size, indexed);
        } finally {
            packBuffers.give(buf);
        }
    }

    private static Set<Id> idsOf(List<BlobLocation> indexed) {
        Set<Id> all = new HashSet<>();
        indexed.forEach(l -> all.add(l.id()));
        return all;
    }

    private PackProblem verifyPack(Id pack, byte[] buf, int size, List<BlobLocation> indexed) {
        Set<Id> all = idsOf(indexed);
        byte[] bytes;
        try {
            bytes = backend.get(PackFormat.name(pack), 0, size, buf);
        } catch (IOException e) {
            return new PackProblem("cannot be read: " + e.getMessage(), all);
        }
        // The pack is bytes[0, size): in a reused array, a longer earlier pack's bytes follow it.
        int length = size;
        boolean hashOk = PackFormat.sha256(bytes, 0, length).equals(pack);
        List<BlobLocation> blobs;
        try {
            byte[] trailer = dev.cairn.internal.util.Bytes.copy(bytes, Math.max(0, length - PackFormat.TRAILER), length);
            int hl = PackFormat.headerLength(trailer, length, "pack " + pack.shortHex());
            byte[] header = dev.cairn.internal.util.Bytes.copy(bytes, length - PackFormat.TRAILER - hl,
                    length - PackFormat.TRAILER);
            blobs = PackFormat.parseHeader(pack, header, length, crypto, "pack " + pack.shortHex());
        } catch (IntegrityException e) {
            return new PackProblem("header unreadable: " + e.getMessage(), all);
        }
        Set<Id> bad = new HashSet<>();
        String first = null;
        BlobStore.Scratch scratch = new BlobStore.Scratch(); // for this pack's blobs, verified and dropped
        for (BlobLocation l : blobs) {
            try {
                BlobStore.decode(crypto, l, bytes, l.offset(), l.storedLength(), scratch);
            } catch (IntegrityException e) {
                bad.add(l.id());
                first = first == null ? e.getMessage() : first;
            }
        }
        if (bad.isEmpty() && hashOk) {
            return null;
        }
        String msg = (hashOk ? "" : "its content does not match its name (SHA-256); ")
                + (bad.isEmpty() ? "every blob still verifies" : bad.size() + " of " + blobs.size()
                + " blobs fail verification (" + first + ")");
        return new PackProblem(msg, bad);
    }

    /** The packs to read: all, {@code n/t}, {@code x%}, or a byte budget ({@code 500M}, {@code 2G}). */
    public static List<Id> select(List<Id> packs, Map<Id, Long> sizes, String subset, long seed) {
        Collections.sort(packs);
        if (subset == null || subset.isBlank()) {
            return packs;
        }
        String s = subset.strip().toUpperCase(Locale.ROOT);
        List<Id> out = new ArrayList<>();
        if (s.matches("\\d+/\\d+")) {
            int n = Integer.parseInt(s.substring(0, s.indexOf('/')));
            int t = Integer.parseInt(s.substring(s.indexOf('/') + 1));
            if (t < 1 || n < 1 || n > t) {
                throw new IllegalArgumentException("read-data subset n/t needs 1 <= n <= t: " + subset);
            }
            for (int i = 0; i < packs.size(); i++) {
                if (i % t == n - 1) {
                    out.add(packs.get(i));
                }
            }
            return out;
        }
        List<Id> shuffled = new ArrayList<>(packs);
        Collections.shuffle(shuffled, new Random(seed));
        if (s.matches("\\d+(\\.\\d+)?%")) {
            double pct = Double.parseDouble(s.substring(0, s.length() - 1));
            if (pct <= 0 || pct > 100) {
                throw new IllegalArgumentException("read-data subset percentage must be in (0, 100]: " + subset);
            }
            int count = (int) Math.ceil(packs.size() * pct / 100);
            return shuffled.subList(0, Math.min(count, shuffled.size()));
        }
        if (s.matches("\\d+[KMGT]?")) {
            long budget = Long.parseLong(s.replaceAll("[KMGT]", ""));
            budget <<= switch (s.charAt(s.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            long used = 0;
            for (Id p : shuffled) {
                if (used + sizes.get(p) > budget && !out.isEmpty()) {
                    break;
                }
                out.add(p);
                used += sizes.get(p);
            }
            return out;
        }
        throw new IllegalArgumentException("read-data subset must be n/t, x% or a size like 500M: " + subset);
    }
}
