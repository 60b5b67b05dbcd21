package dev.cairn.schedule;

import dev.cairn.Adapters;
import dev.cairn.BackupException;
import dev.cairn.BackupResult;
import dev.cairn.Cancellation;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.ForgetResult;
import dev.cairn.PruneResult;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.Source;
import dev.cairn.verify.CheckReport;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one job: opens its repository, performs the job (backup; forget then prune; check; drill),
 * maps the outcome ({@link RunOutcome}), records the run in the repository ({@code runs/}) and tells the
 * listeners. A failure never escapes {@link #run}: it becomes a FAILED run whose message says what
 * failed (a job that meets another process's repository lock reports "locked by …" with error code
 * {@code REPOSITORY_LOCKED}). A run that exceeds the job's timeout is cancelled (its thread interrupted)
 * and recorded as FAILED with code {@code CANCELLED}.
 *
 * <p>{@link BackupScheduler} runs every job through this class, and so does {@code cairn run JOB}:
 * an application that calls {@link #run} gets exactly what the daemon does. Immutable and
 * thread-safe: several jobs may run at once (the repository locks order them).
 */
public final class JobRunner {
    /** Run records of runs that started this long before a new one are removed when it is recorded. */
    public static final Duration RUN_RECORDS_KEPT = Duration.ofDays(400);

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-job-timeout");
        t.setDaemon(true);
        return t;
    });

    private final Clock clock;
    private final String host;
    private final String instance;
    private final List<JobListener> listeners;

    private JobRunner(Builder b) {
        this.clock = b.clock;
        this.host = b.host;
        this.instance = b.instance;
        this.listeners = List.copyOf(b.listeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The runner's instance id, written into run records. */
    public String instance() {
        return instance;
    }

    /** Runs {@code job} now (its scheduled time is its start). */
    public JobResult run(JobSpec job) {
        return run(job, clock.instant(), new Cancellation());
    }

    /**
     * Runs {@code job}, due at {@code scheduledTime}; {@code cancellation} stops a backup or prune
     * early (recorded as FAILED, code CANCELLED). Never throws for a failure of the job.
     */
    public JobResult run(JobSpec job, Instant scheduledTime, Cancellation cancellation) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(cancellation, "cancellation");
        for (JobListener l : listeners) {
            try {
                l.started(job, scheduledTime);
            } catch (RuntimeException e) {
                LOG.warn("A job listener failed on the start of job {}: {}", job.name(), e.toString());
            }
        }
        Instant start = clock.instant();
        Outcome o = new Outcome();
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread worker = Thread.currentThread();
        ScheduledFuture<?> timer = job.timeout().map(t -> TIMER.schedule(() -> {
            timedOut.set(true);
            cancellation.cancel();
            worker.interrupt();
        }, t.toMillis(), TimeUnit.MILLISECONDS)).orElse(null);
        Repository repo = null;
        try {
            repo = job.openRepository();
            perform(job, repo, cancellation, o);
        } catch (BackupException e) {
            o.fail(e.code(), e.getMessage(), e);
        } catch (RuntimeException e) {
            o.fail(ErrorCode.FAILED, "Job " + job.name() + " failed: " + e, new BackupException(ErrorCode.FAILED,
                    e.toString(), e));
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            if (timedOut.get()) {
                Thread.interrupted(); // the interrupt was ours; it must not leak into the caller's thread
                o.fail(ErrorCode.CANCELLED, "Job " + job.name() + " exceeded its timeout of "
                        + job.timeout().orElseThrow() + " and was cancelled.", null);
            }
        }
        Instant end = clock.instant();
        JobRun run = new JobRun("", job.name(), job.kind(), job.repositoryName(), o.source, host, instance,
                scheduledTime, start, end, o.outcome, o.code == null ? "" : o.code.name(), oneLine(o.message),
                o.snapshot, o.bytesRead, o.bytesAdded);
        boolean recorded = false;
        if (repo != null) {
            try {
                run = repo.recordRun(run);
                recorded = true;
                // Run records pile up (a nightly backup and drill: 730 a year); health reads the last
                // RUN_HISTORY of them, and records this old are history nobody reads.
                repo.forgetRuns(start.minus(RUN_RECORDS_KEPT));
            } catch (RuntimeException e) {
                LOG.warn("Cannot record the run of job {} in repository {}: {}", job.name(), job.repositoryName(),
                        e.getMessage());
            } finally {
                repo.close();
            }
        }
        JobResult result = new JobResult(run, recorded, Optional.ofNullable(o.backup), Optional.ofNullable(o.forget),
                Optional.ofNullable(o.prune), Optional.ofNullable(o.check), Optional.ofNullable(o.drill),
                Optional.ofNullable(o.failure));
        // INFO, failures included: the caller reports the outcome (cairn run prints it, the daemon's health
        // monitor logs grade changes at WARN), so that a failure is not reported twice.
        LOG.info("Job {} ({}) {}: {}", job.name(), job.kind().id(), run.outcome(), run.message());
        for (JobListener l : listeners) {
            try {
                l.finished(job, result);
            } catch (RuntimeException e) {
                LOG.warn("A job listener failed after job {}: {}", job.name(), e.toString());
            }
        }
        return result;
    }

    private static void perform(JobSpec job, Repository repo, Cancellation cancellation, Outcome o) {
        switch (job.kind()) {
            case BACKUP -> {
                Source source = job.newSource().orElseThrow();
                o.source = source.descriptor();
                Repository.BackupCommand cmd = repo.backup(source).cancellation(cancellation)
                        .tags(job.tags().toArray(String[]::new));
                job.host().ifPresent(cmd::host);
                BackupResult r = cmd.run();
                o.backup = r;
                o.snapshot = r.snapshot().id();
                o.bytesRead = r.snapshot().summary().bytesRead();
                o.bytesAdded = r.snapshot().summary().bytesAdded();
                if (r.partial()) {
                    o.outcome = RunOutcome.PARTIAL;
                    o.code = ErrorCode.PARTIAL_BACKUP;
                    o.message = "Snapshot " + r.snapshot().shortId() + " saved, but " + r.warnings().size()
                            + " entries could not be backed up faithfully (first: " + r.warnings().get(0) + ").";
                } else {
                    o.message = "Snapshot " + r.snapshot().shortId() + " saved: " + r.snapshot().summary().files()
                            + " files, " + r.snapshot().summary().bytesAdded() + " bytes added.";
                }
            }
            case FORGET_PRUNE -> {
                ForgetResult f = repo.forget(job.retention().orElseThrow(), false);
                o.forget = f;
                cancellation.check();
                PruneResult p = repo.prune().gracePeriod(job.pruneGracePeriod()).repackBelow(job.repackBelow())
                        .cancellation(cancellation).run();
                o.prune = p;
                o.message = "Forgot " + f.removed().size() + " snapshots, kept " + f.kept().size() + "; pruned "
                        + p.packsDeleted() + " packs (" + p.bytesFreed() + " bytes freed), repacked "
                        + p.packsRepacked() + ".";
            }
            case CHECK -> {
                Repository.CheckCommand cmd = repo.check();
                if (job.readDataBudget() > 0) {
                    cmd.oldestFirst(job.readDataBudget());
                } else if (job.readDataSubset().isPresent()) {
                    cmd.subset(job.readDataSubset().get());
                } else {
                    cmd.readData(job.readData());
                }
                CheckReport r = cmd.run();
                o.check = r;
                String figures = r.snapshots() + " snapshots, " + r.packs() + " packs"
                        + (r.packsRead() > 0 ? ", " + r.packsRead() + " packs read (" + r.bytesRead() + " bytes)" : "");
                if (r.ok()) {
                    o.message = "No errors found in " + figures + ".";
                } else {
                    String first = r.errors().isEmpty() ? "pack " + r.damagedPacks().get(0).pack() + ": "
                            + r.damagedPacks().get(0).problem() : r.errors().get(0);
                    o.fail(ErrorCode.INTEGRITY, "The repository is damaged: " + first + " ("
                            + (r.errors().size() + r.damagedPacks().size()) + " problems in " + figures + ").", null);
                }
            }
            case DRILL -> {
                Snapshot s;
                if (job.snapshot().isPresent()) {
                    s = repo.snapshot(job.snapshot().get());
                } else {
                    Source source = job.newSource().orElseThrow();
                    o.source = source.descriptor();
                    s = repo.latest(null, source.kind(), source.paths()).orElseThrow(() -> new ConfigurationException(
                            "Repository " + job.repositoryName() + " has no snapshot of source "
                                    + job.sourceName().orElse(source.descriptor()) + " yet: nothing to drill. Run its "
                                    + "backup job first."));
                }
                if (o.source.isEmpty()) {
                    o.source = s.source();
                }
                o.snapshot = s.id();
                Drill d = job.drill().orElseGet(() -> Adapters.drill(s.sourceKind(), job.scratch().orElse(null),
                        job.drillEnvironment()));
                DrillReport r = repo.recordDrill(d.run(repo, s));
                o.drill = r;
                if (r.passed()) {
                    o.message = "Drill of snapshot " + s.shortId() + " passed: restored in " + r.restoreTime().toMillis()
                            + " ms, " + r.checks().size() + " checks.";
                } else {
                    o.fail(ErrorCode.DRILL_FAILED, "Drill of snapshot " + s.shortId() + " failed: " + r.failures().get(0)
                            + (r.failures().size() > 1 ? " (and " + (r.failures().size() - 1) + " more)" : "") + ".",
                            null);
                }
            }
            default -> throw new IllegalStateException(job.kind().toString());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** What a run produced so far. */
    private static final class Outcome {
        RunOutcome outcome = RunOutcome.SUCCESS;
        ErrorCode code;
        String message = "";
        String source = "";
        String snapshot = "";
        long bytesRead;
        long bytesAdded;
        BackupResult backup;
        ForgetResult forget;
        PruneResult prune;
        CheckReport check;
        DrillReport drill;
        BackupException failure;

        void fail(ErrorCode c, String m, BackupException e) {
            outcome = RunOutcome.FAILED;
            code = c;
            message = m;
            if (e != null) {
                failure = e;
            } else if (failure == null) {
                failure = new BackupException(c, m);
            }
        }
    }

    /** Options of a runner. Each call validates at once. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private String host = dev.cairn.internal.util.HostName.local();
        private String instance = "local";
        private final List<JobListener> listeners = new ArrayList<>();

        private Builder() {
        }

        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** The host recorded in run records (default: this machine's name). */
        public Builder host(String h) {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = h;
            return this;
        }

        /** The runner instance recorded in run records (default {@code local}). */
        public Builder instance(String id) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("instance must not be blank");
            }
            this.instance = id;
            return this;
        }

        public Builder listener(JobListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        public JobRunner build() {
            return new JobRunner(this);
        }
    }

}
