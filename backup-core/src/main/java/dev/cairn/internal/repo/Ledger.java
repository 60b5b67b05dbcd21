package dev.cairn.internal.repo;

import dev.cairn.IntegrityException;
import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.BinReader;
import dev.cairn.internal.util.BinWriter;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The verification ledger (docs/format.md, "Verification ledger"): when each pack was last verified
 * by read-data. Files {@code ledger/<sha256>} each list (pack id, verified-at epoch seconds) for the
 * packs one check run verified; readers merge all files keeping the newest time per pack. Stateless
 * helpers; thread-safe.
 */
public final class Ledger {
    public static final String PREFIX = "ledger/";
    static final byte[] AD = "cairn-ledger-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC = "CAIRNLG1".getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY = Id.LENGTH + 8;
    /** More ledger files than this after a write: they are merged into one. */
    public static final int COMPACT_ABOVE = 16;

    private Ledger() {
    }

    /**
     * What the stored ledger says.
     *
     * @param verified the newest verification time (epoch seconds) per pack, over all readable files
     * @param files    names of the files read (for compaction)
     * @param warnings damaged ledger files, skipped (their packs only count as less recently verified)
     */
    public record State(Map<Id, Long> verified, List<String> files, List<String> warnings) {
    }

    public static byte[] encode(Map<Id, Long> entries, Crypto crypto) {
        Map<Id, Long> sorted = new TreeMap<>(entries);
        BinWriter w = new BinWriter(12 + sorted.size() * ENTRY);
        w.raw(MAGIC).u32(sorted.size());
        for (Map.Entry<Id, Long> e : sorted.entrySet()) {
            w.raw(e.getKey().bytes()).u64(e.getValue());
        }
        return crypto.encrypt(w.toByteArray(), AD);
    }

    public static Map<Id, Long> decode(byte[] file, Crypto crypto, String what) {
        BinReader r = new BinReader(crypto.decrypt(file, AD, what), what);
        r.expect(MAGIC, "ledger magic");
        int n = r.count(ENTRY, "pack count");
        Map<Id, Long> out = new HashMap<>();
        Id prev = null;
        for (int i = 0; i < n; i++) {
            Id id = Id.of(r.raw(Id.LENGTH));
            long t = r.u64();
            if (prev != null && prev.compareTo(id) >= 0) {
                throw new IntegrityException(what + ": entries are not sorted by pack id");
            }
            prev = id;
            out.put(id, t);
        }
        r.end();
        return out;
    }

    /** Reads and merges every ledger file; a damaged one is skipped with a warning. */
    public static State read(Backend backend, Crypto crypto) throws IOException {
        Map<Id, Long> merged = new HashMap<>();
        List<String> files = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (ObjectInfo o : backend.list(PREFIX)) {
            String hex = o.name().substring(PREFIX.length());
            if (!Hex.isHex(hex, 64)) {
                continue;
            }
            try {
                byte[] f = backend.get(o.name());
                if (!PackFormat.sha256(f, 0, f.length).hex().equals(hex)) {
                    f = backend.get(o.name()); // once more, in case the download was corrupted
                    if (!PackFormat.sha256(f, 0, f.length).hex().equals(hex)) {
                        throw new IntegrityException("content does not match its name");
                    }
                }
                decode(f, crypto, "ledger " + hex.substring(0, 8)).forEach((k, v) -> merged.merge(k, v, Math::max));
                files.add(o.name());
            } catch (java.nio.file.NoSuchFileException e) {
                // removed by a concurrent compaction, which wrote its content into a newer file
            } catch (IntegrityException e) {
                warnings.add("verification ledger file " + hex.substring(0, 8) + " is damaged and was ignored ("
                        + e.getMessage() + "); its packs count as not recently verified");
            }
        }
        return new State(merged, files, warnings);
    }

    /** Stores one ledger file; returns its name. An identical file already stored counts as written. */
    public static String write(Backend backend, Crypto crypto, Map<Id, Long> entries) throws IOException {
        byte[] f = encode(entries, crypto);
        String name = PREFIX + PackFormat.sha256(f, 0, f.length).hex();
        try {
            backend.put(name, f, 0, f.length);
        } catch (FileAlreadyExistsException e) {
            // same content already stored
        }
        return name;
    }

    /**
     * Records packs verified at {@code epochSeconds}, then compacts when there are more than
     * {@link #COMPACT_ABOVE} files: one file with the newest time of every pack that still exists
     * replaces the files read (written before any is deleted, so a crash or a concurrent compaction
     * loses nothing; deleting a file already deleted is not an error).
     */
    public static void record(Backend backend, Crypto crypto, State before, Set<Id> verified, long epochSeconds,
                              Set<Id> existingPacks) throws IOException {
        if (verified.isEmpty()) {
            return;
        }
        Map<Id, Long> now = new HashMap<>();
        verified.forEach(p -> now.put(p, epochSeconds));
        String written = write(backend, crypto, now);
        if (before.files().size() + 1 <= COMPACT_ABOVE) {
            return;
        }
        Map<Id, Long> merged = new HashMap<>();
        before.verified().forEach((k, v) -> {
            if (existingPacks.contains(k)) {
                merged.put(k, v);
            }
        });
        now.forEach((k, v) -> merged.merge(k, v, Math::max));
        String compacted = write(backend, crypto, merged);
        List<String> old = new ArrayList<>(before.files());
        old.add(written);
        old.sort(Comparator.naturalOrder());
        for (String f : old) {
            if (!f.equals(compacted)) {
                backend.delete(f);
            }
        }
    }

    /**
     * The oldest-first choice: never verified packs first (by id), then least recently verified (ties by
     * id), taken in that order while their stored sizes fit {@code budget}; at least one pack (none
     * when there are none).
     */
    public static List<Id> oldestFirst(Map<Id, Long> sizes, Map<Id, Long> verified, long budget) {
        List<Id> order = new ArrayList<>(sizes.keySet());
        order.sort(Comparator.<Id>comparingLong(p -> verified.getOrDefault(p, Long.MIN_VALUE))
                .thenComparing(Comparator.naturalOrder()));
        List<Id> out = new ArrayList<>();
        long used = 0;
        for (Id p : order) {
            long size = sizes.get(p);
            if (!out.isEmpty() && used + size > budget) {
                break;
            }
            out.add(p);
            used += size;
        }
        return out;
    }
}
