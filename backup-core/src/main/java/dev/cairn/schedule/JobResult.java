package dev.cairn.schedule;

import dev.cairn.BackupException;
import dev.cairn.BackupResult;
import dev.cairn.ForgetResult;
import dev.cairn.PruneResult;
import dev.cairn.verify.CheckReport;
import dev.cairn.verify.DrillReport;

import java.util.Objects;
import java.util.Optional;

/**
 * What one run of a job produced: its {@link JobRun} record (stored in the repository when it could be
 * opened) and the details of the operation it performed, for printing. Immutable; never null.
 *
 * @param run      the run record ({@code run.id()} is empty when it could not be stored)
 * @param recorded whether the record was stored in the repository
 * @param backup   a backup job's result
 * @param forget   a forget-prune job's forget result
 * @param prune    a forget-prune job's prune result
 * @param check    a check job's report
 * @param drill    a drill job's report (already recorded in {@code drills/})
 * @param failure  the exception that failed the run, if one did
 */
public record JobResult(JobRun run, boolean recorded, Optional<BackupResult> backup, Optional<ForgetResult> forget,
                        Optional<PruneResult> prune, Optional<CheckReport> check, Optional<DrillReport> drill,
                        Optional<BackupException> failure) {
    public JobResult {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(forget, "forget");
        Objects.requireNonNull(prune, "prune");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(drill, "drill");
        Objects.requireNonNull(failure, "failure");
    }

    public RunOutcome outcome() {
        return run.outcome();
    }
}
