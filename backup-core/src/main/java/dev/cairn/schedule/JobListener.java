package dev.cairn.schedule;

import java.time.Instant;

/**
 * Told about job runs by {@link JobRunner} (and so by {@link BackupScheduler}), on the thread that ran
 * the job. Methods default to no-ops; an exception a listener throws is logged and ignored.
 * Implementations must be thread-safe: several jobs may run at once.
 */
public interface JobListener {
    /** A run of {@code job}, due at {@code scheduledTime}, starts. */
    default void started(JobSpec job, Instant scheduledTime) {
    }

    /** A run ended (successfully or not) and was recorded if it could be. */
    default void finished(JobSpec job, JobResult result) {
    }
}
