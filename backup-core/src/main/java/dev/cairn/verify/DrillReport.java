package dev.cairn.verify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one restore drill: a snapshot restored into a scratch target and checked
 * against facts recorded at backup time. Stored in the repository ({@code drills/}). Immutable.
 *
 * @param id          the stored object's id (64 hex), empty before it is recorded
 * @param snapshotId  the snapshot drilled
 * @param sourceKind  the snapshot's source kind ({@code fs}, {@code mysql}…)
 * @param target      the scratch target, without credentials (a directory, {@code mysql://host/db})
 * @param time        when the drill started
 * @param passed      true when every check passed
 * @param restoreTime how long the restore took (the measured recovery time, RTO)
 * @param dataAge     the snapshot's age when the drill started (the recovery point, RPO)
 * @param checks      one line per check made ("table shop.orders: 1204 rows, checksum ok")
 * @param failures    one line per failed check, naming the object; empty when passed
 */
public record DrillReport(String id, String snapshotId, String sourceKind, String target, String host, Instant time,
                          boolean passed, Duration restoreTime, Duration dataAge, List<String> checks,
                          List<String> failures) {
    public DrillReport {
        checks = List.copyOf(checks);
        failures = List.copyOf(failures);
        if (passed && !failures.isEmpty()) {
            throw new IllegalArgumentException("a passed drill has no failures");
        }
    }

    public DrillReport withId(String newId) {
        return new DrillReport(newId, snapshotId, sourceKind, target, host, time, passed, restoreTime, dataAge, checks,
                failures);
    }
}
