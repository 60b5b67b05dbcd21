package dev.cairn.health;

import dev.cairn.Repository;
import dev.cairn.schedule.JobRun;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.verify.DrillReport;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a repository holds that health grading reads: its snapshots, drill reports and job run records,
 * or why it could not be read. Immutable.
 *
 * @param error why the repository could not be opened or read (a DISASTER), else empty
 */
public record RepositoryState(String name, List<Snapshot> snapshots, List<DrillReport> drills, List<JobRun> runs,
                              Optional<String> error) {
    public RepositoryState {
        Objects.requireNonNull(name, "name");
        snapshots = List.copyOf(snapshots);
        drills = List.copyOf(drills);
        runs = List.copyOf(runs);
        Objects.requireNonNull(error, "error");
    }

    /** A readable repository's contents. */
    public static RepositoryState of(String name, List<Snapshot> snapshots, List<DrillReport> drills,
                                     List<JobRun> runs) {
        return new RepositoryState(name, snapshots, drills, runs, Optional.empty());
    }

    /** A repository that could not be read. */
    public static RepositoryState unreadable(String name, String error) {
        return new RepositoryState(name, List.of(), List.of(), List.of(), Optional.of(error));
    }

    /**
     * Opens the repository with {@code opener}, reads it (the run records of runs since
     * {@code runsSince}) and closes it; a failure becomes {@link #error()}.
     */
    public static RepositoryState read(String name, Supplier<Repository> opener, java.time.Instant runsSince) {
        try (Repository r = opener.get()) {
            return of(name, r.snapshots(), r.drills(), r.runs(runsSince));
        } catch (RuntimeException e) {
            return unreadable(name, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
