package dev.cairn.health;

import dev.cairn.schedule.JobKind;
import dev.cairn.schedule.JobSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What health grading expects of one job: its name, kind, repository, source name and how often it
 * runs. Immutable.
 *
 * @param source           the configured source name (backup and drill jobs), else empty
 * @param expectedInterval the time between two scheduled runs, if it has a schedule
 */
public record HealthJob(String name, JobKind kind, String repository, Optional<String> source,
                        Optional<Duration> expectedInterval) {
    public HealthJob {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(expectedInterval, "expectedInterval");
    }

    /** The expectations of {@code job}, its interval read from its schedule after {@code now}. */
    public static HealthJob of(JobSpec job, Instant now) {
        return new HealthJob(job.name(), job.kind(), job.repositoryName(), job.sourceName(),
                job.schedule().flatMap(s -> s.interval(now)));
    }
}
