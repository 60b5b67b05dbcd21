package dev.cairn.snapshot;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot manifest: one committed backup. Immutable and thread-safe; no component is null.
 *
 * @param id             the snapshot id (64 hex characters, the SHA-256 of its stored object)
 * @param time           when the backup started (or the time given with {@code --time})
 * @param sourceKind     {@code fs}, {@code stream}, {@code command}, {@code mysql}…
 * @param source         the source's descriptor, without credentials
 * @param tree           the root tree id (hex)
 * @param parent         the snapshot this one was compared with, if any
 * @param facts          source-specific consistency facts (binlog position, checksums…)
 */
public record Snapshot(String id, Instant time, String host, String username, List<String> tags,
                       String sourceKind, String source, List<String> paths, String tree,
                       Optional<String> parent, String programVersion, SnapshotSummary summary,
                       Map<String, String> facts) {
    public Snapshot {
        tags = List.copyOf(tags);
        paths = List.copyOf(paths);
        facts = Map.copyOf(facts);
    }

    /** The first 8 hex characters of the id, as shown to users. */
    public String shortId() {
        return id.substring(0, 8);
    }
}
