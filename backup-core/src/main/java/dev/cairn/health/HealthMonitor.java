package dev.cairn.health;

import dev.cairn.Repository;
import dev.cairn.schedule.JobListener;
import dev.cairn.schedule.JobResult;
import dev.cairn.schedule.JobSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Grades the repositories and jobs it is given ({@link #check()}: open each repository, read it,
 * {@link Health#evaluate}), remembers each subject's grade and tells the {@link GradeNotifier}s, once
 * per evaluation, the subjects whose grade changed: first seen other than OK, or any later change. Report listeners (metrics) get
 * every report. As a {@link JobListener} it checks again after each job run. Thread-safe: checks are
 * serialized.
 */
public final class HealthMonitor implements JobListener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
    /** How far back run records are read: enough for monthly jobs and the recent-run medians. */
    public static final java.time.Duration RUN_HISTORY = java.time.Duration.ofDays(62);

    private final Map<String, Supplier<Repository>> repositories;
    private final List<JobSpec> jobs;
    private final Objectives objectives;
    private final Clock clock;
    private final List<GradeNotifier> notifiers;
    private final List<Consumer<HealthReport>> reportListeners;
    private final Map<String, Grade> grades = new HashMap<>();
    private HealthReport last;

    private HealthMonitor(Builder b) {
        this.repositories = new LinkedHashMap<>(b.repositories);
        this.jobs = List.copyOf(b.jobs);
        this.objectives = b.objectives;
        this.clock = b.clock;
        this.notifiers = List.copyOf(b.notifiers);
        this.reportListeners = List.copyOf(b.reportListeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads every repository, grades, notifies changes; returns the report. */
    public synchronized HealthReport check() {
        List<RepositoryState> states = new ArrayList<>();
        java.time.Instant since = clock.instant().minus(RUN_HISTORY);
        repositories.forEach((name, opener) -> states.add(RepositoryState.read(name, opener, since)));
        List<HealthJob> expectations = jobs.stream().map(j -> HealthJob.of(j, clock.instant())).toList();
        return update(Health.evaluate(states, expectations, objectives, clock));
    }

    /** Compares {@code report} with the grades seen before and notifies the changes; returns it. */
    public synchronized HealthReport update(HealthReport report) {
        List<GradeChange> changes = new ArrayList<>();
        for (SubjectHealth s : report.subjects()) {
            Grade before = grades.put(s.key(), s.grade());
            if (before == s.grade() || (before == null && s.grade() == Grade.OK)) {
                continue;
            }
            changes.add(new GradeChange(s, Optional.ofNullable(before), report.time()));
        }
        if (!changes.isEmpty()) {
            for (GradeNotifier n : notifiers) {
                try {
                    n.gradesChanged(report, List.copyOf(changes));
                } catch (RuntimeException e) {
                    LOG.warn("A grade notifier failed: {}", e.toString());
                }
            }
        }
        last = report;
        for (Consumer<HealthReport> l : reportListeners) {
            try {
                l.accept(report);
            } catch (RuntimeException e) {
                LOG.warn("A health report listener failed: {}", e.toString());
            }
        }
        return report;
    }

    /** The last report, if any check ran. */
    public synchronized Optional<HealthReport> last() {
        return Optional.ofNullable(last);
    }

    @Override
    public void finished(JobSpec job, JobResult result) {
        check();
    }

    /** Options. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Supplier<Repository>> repositories = new LinkedHashMap<>();
        private final List<JobSpec> jobs = new ArrayList<>();
        private Objectives objectives = Objectives.defaults();
        private Clock clock = Clock.systemUTC();
        private final List<GradeNotifier> notifiers = new ArrayList<>();
        private final List<Consumer<HealthReport>> reportListeners = new ArrayList<>();

        private Builder() {
        }

        /** A repository to grade, by name, and how to open it (the monitor closes what it returns). */
        public Builder repository(String name, Supplier<Repository> opener) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("repository name must not be blank");
            }
            repositories.put(name, Objects.requireNonNull(opener, "opener"));
            return this;
        }

        /** A job to grade; its repository is added when not given. */
        public Builder job(JobSpec job) {
            jobs.add(Objects.requireNonNull(job, "job"));
            repositories.putIfAbsent(job.repositoryName(), job::openRepository);
            return this;
        }

        public Builder objectives(Objectives o) {
            this.objectives = Objects.requireNonNull(o, "objectives");
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        public Builder notifier(GradeNotifier n) {
            notifiers.add(Objects.requireNonNull(n, "notifier"));
            return this;
        }

        /** Gets every report (metrics). */
        public Builder reportListener(Consumer<HealthReport> l) {
            reportListeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        public HealthMonitor build() {
            return new HealthMonitor(this);
        }
    }
}
