package dev.cairn.health;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Grades of every job, source and repository at one time. Immutable. */
public record HealthReport(Instant time, List<SubjectHealth> subjects) {
    public HealthReport {
        Objects.requireNonNull(time, "time");
        subjects = List.copyOf(subjects);
    }

    /** The worst grade (OK when there is nothing to grade). */
    public Grade worst() {
        return subjects.stream().map(SubjectHealth::grade).reduce(Grade.OK, Grade::max);
    }

    /** The subject of {@code kind} named {@code name} (any repository), if graded. */
    public Optional<SubjectHealth> subject(SubjectHealth.Kind kind, String name) {
        return subjects.stream().filter(s -> s.kind() == kind && s.name().equals(name)).findFirst();
    }
}
