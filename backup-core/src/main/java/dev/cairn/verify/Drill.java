package dev.cairn.verify;

import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;

/**
 * A restore drill for one kind of source: restores a snapshot into a scratch target, checks it
 * against the facts recorded at backup time, measures the restore time, cleans the scratch target
 * up (also when a check fails) and returns the report. The caller records it
 * ({@link Repository#recordDrill}).
 */
public interface Drill {
    DrillReport run(Repository repository, Snapshot snapshot);
}
