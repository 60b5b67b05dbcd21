package dev.cairn;

import dev.cairn.snapshot.Snapshot;

import java.util.List;

/**
 * The outcome of a backup that wrote a snapshot. Immutable.
 *
 * @param snapshot the snapshot written
 * @param partial  true when some entries could not be read faithfully (see {@code warnings});
 *                 the CLI exits 3
 * @param warnings one line per such entry
 */
public record BackupResult(Snapshot snapshot, boolean partial, List<String> warnings) {
    public BackupResult {
        warnings = List.copyOf(warnings);
    }
}
