package dev.cairn.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The grade of one subject (a job, a source, a repository) with the reasons for it. Immutable.
 *
 * @param name        the job's or source's name, or the repository's name
 * @param repository  the repository it belongs to
 * @param reasons     one line per finding that lowered the grade; empty when OK
 * @param lastSuccess the last successful run (job), restorable snapshot (source), if any
 * @param age         how old {@code lastSuccess} was at evaluation, if any
 */
public record SubjectHealth(Kind kind, String name, String repository, Grade grade, List<String> reasons,
                            Optional<Instant> lastSuccess, Optional<Duration> age) {
    /** What is graded. */
    public enum Kind {
        JOB, SOURCE, REPOSITORY;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public SubjectHealth {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(grade, "grade");
        reasons = List.copyOf(reasons);
        Objects.requireNonNull(lastSuccess, "lastSuccess");
        Objects.requireNonNull(age, "age");
    }

    /** A stable key: {@code kind/repository/name}. */
    public String key() {
        return kind.id() + "/" + repository + "/" + name;
    }
}
