package dev.cairn.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The record of one job run, stored in the repository ({@code runs/}, see docs/format.md). Immutable;
 * no component is null (absent text is empty, absent figures are 0).
 *
 * @param id            the stored object's id (64 hex), empty before it is recorded
 * @param job           the job's name
 * @param kind          what the job does
 * @param repository    the repository's name in the job spec
 * @param source        the source's descriptor (backup and drill jobs), else empty
 * @param host          the machine that ran it
 * @param instance      the runner instance (a scheduler instance id; {@code cli} for {@code cairn run})
 * @param scheduledTime when the run was due (the fire time; for an on-demand run, its start)
 * @param start         when it started
 * @param end           when it ended
 * @param outcome       how it ended
 * @param errorCode     the {@link dev.cairn.ErrorCode} name of a failure (or {@code PARTIAL_BACKUP}), else empty
 * @param message       one line for people; never holds a secret
 * @param snapshotId    the snapshot written (backup) or drilled (drill), else empty
 * @param bytesRead     bytes read from the source (backup), else 0
 * @param bytesAdded    plaintext bytes of new blobs (backup), else 0
 */
public record JobRun(String id, String job, JobKind kind, String repository, String source, String host,
                     String instance, Instant scheduledTime, Instant start, Instant end, RunOutcome outcome,
                     String errorCode, String message, String snapshotId, long bytesRead, long bytesAdded) {
    public JobRun {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(snapshotId, "snapshotId");
    }

    /** How long it ran. */
    public Duration duration() {
        return Duration.between(start, end);
    }

    /** Whether it succeeded (not partial, not failed). */
    public boolean succeeded() {
        return outcome == RunOutcome.SUCCESS;
    }

    public JobRun withId(String newId) {
        return new JobRun(newId, job, kind, repository, source, host, instance, scheduledTime, start, end, outcome,
                errorCode, message, snapshotId, bytesRead, bytesAdded);
    }
}
