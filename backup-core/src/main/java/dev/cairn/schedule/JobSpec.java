package dev.cairn.schedule;

import dev.cairn.Repository;
import dev.cairn.snapshot.RetentionPolicy;
import dev.cairn.source.Source;
import dev.cairn.verify.Drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One job: what to do ({@link JobKind}), on which repository, when ({@link Schedule}), and for how
 * long at most. {@link JobRunner} runs it; {@link BackupScheduler} fires it on its schedule. The same
 * spec behaves the same whether an application runs it, {@code cairn run JOB} does (cron), or the
 * daemon does.
 *
 * <pre>{@code
 * JobSpec nightly = JobSpec.backup("nightly-www")
 *         .repository("local", () -> Repository.at(Path.of("/srv/backup")).password(secret()).open())
 *         .source("www", () -> FileSystemSource.of(Path.of("/srv/www")))
 *         .tags("nightly")
 *         .schedule(Schedule.cron("0 30 2 * * ?"))
 *         .timeout(Duration.ofHours(4))
 *         .build();
 * }</pre>
 *
 * The repository supplier is called once per run and the runner closes what it returns; it is the
 * place to resolve secrets (so that a rotated password file is read again). A source supplier, too,
 * is called once per run. Immutable and thread-safe if the suppliers are; accessors never return
 * null (absent values are empty {@link Optional}s).
 */
public final class JobSpec {
    private final String name;
    private final JobKind kind;
    private final String repositoryName;
    private final Supplier<Repository> repository;
    private final Schedule schedule;
    private final Duration timeout;
    private final String sourceName;
    private final Supplier<? extends Source> source;
    private final List<String> tags;
    private final String host;
    private final RetentionPolicy retention;
    private final Duration pruneGracePeriod;
    private final double repackBelow;
    private final boolean readData;
    private final String readDataSubset;
    private final long readDataBudget;
    private final String snapshot;
    private final String scratch;
    private final Map<String, String> drillEnvironment;
    private final Drill drill;

    private JobSpec(Builder b) {
        this.name = b.name;
        this.kind = b.kind;
        this.repositoryName = b.repositoryName;
        this.repository = b.repository;
        this.schedule = b.schedule;
        this.timeout = b.timeout;
        this.sourceName = b.sourceName;
        this.source = b.source;
        this.tags = List.copyOf(b.tags);
        this.host = b.host;
        this.retention = b.retention;
        this.pruneGracePeriod = b.pruneGracePeriod;
        this.repackBelow = b.repackBelow;
        this.readData = b.readData;
        this.readDataSubset = b.readDataSubset;
        this.readDataBudget = b.readDataBudget;
        this.snapshot = b.snapshot;
        this.scratch = b.scratch;
        this.drillEnvironment = Map.copyOf(b.drillEnvironment);
        this.drill = b.drill;
    }

    /** A backup job of a source. */
    public static Builder backup(String name) {
        return new Builder(name, JobKind.BACKUP);
    }

    /** A retention job: {@code forget} by a policy, then {@code prune}. */
    public static Builder forgetPrune(String name) {
        return new Builder(name, JobKind.FORGET_PRUNE);
    }

    /** A check job (structure; with read-data, also the data or a budget of it). */
    public static Builder check(String name) {
        return new Builder(name, JobKind.CHECK);
    }

    /** A restore drill job (the latest snapshot of a source, or a given snapshot). */
    public static Builder drill(String name) {
        return new Builder(name, JobKind.DRILL);
    }

    public String name() {
        return name;
    }

    public JobKind kind() {
        return kind;
    }

    /** The repository's name (as shown in run records, health and metrics). */
    public String repositoryName() {
        return repositoryName;
    }

    /** Opens the repository; the caller closes it. */
    public Repository openRepository() {
        return Objects.requireNonNull(repository.get(), "the repository supplier of job " + name + " returned null");
    }

    /** Empty for a job that only runs when asked ({@code cairn run}, {@link JobRunner#run}). */
    public Optional<Schedule> schedule() {
        return Optional.ofNullable(schedule);
    }

    /** The longest a run may take before it is cancelled and recorded as failed; empty: no limit. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** The configured name of the source (backup and drill jobs), for health and metrics. */
    public Optional<String> sourceName() {
        return Optional.ofNullable(sourceName);
    }

    /** A fresh source for one run (backup jobs; drill jobs that drill a source's latest snapshot). */
    public Optional<Source> newSource() {
        return source == null ? Optional.empty() : Optional.of(Objects.requireNonNull(source.get(),
                "the source supplier of job " + name + " returned null"));
    }

    public List<String> tags() {
        return tags;
    }

    /** The host recorded in snapshots (backup jobs); empty: the repository's default. */
    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    public Optional<RetentionPolicy> retention() {
        return Optional.ofNullable(retention);
    }

    public Duration pruneGracePeriod() {
        return pruneGracePeriod;
    }

    public double repackBelow() {
        return repackBelow;
    }

    public boolean readData() {
        return readData;
    }

    public Optional<String> readDataSubset() {
        return Optional.ofNullable(readDataSubset);
    }

    /** Read-data of the least recently verified packs up to this many bytes; 0: none. */
    public long readDataBudget() {
        return readDataBudget;
    }

    /** The snapshot a drill job drills (id, prefix or {@code latest}); empty: the source's latest. */
    public Optional<String> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    /** The drill's scratch target; empty: the drill provider's default. */
    public Optional<String> scratch() {
        return Optional.ofNullable(scratch);
    }

    /** Variables given to the drill provider (secrets of a scratch server). Never printed. */
    public Map<String, String> drillEnvironment() {
        return drillEnvironment;
    }

    /** A drill given in code; empty: the provider of the snapshot's source kind. */
    public Optional<Drill> drill() {
        return Optional.ofNullable(drill);
    }

    @Override
    public String toString() {
        return "JobSpec[" + name + ", " + kind.id() + ", repository " + repositoryName
                + (schedule == null ? "" : ", " + schedule) + "]";
    }

    /**
     * Describes a job. Every call validates at once (IllegalArgumentException naming the parameter);
     * options of another kind of job are refused. Not thread-safe.
     */
    public static final class Builder {
        private final String name;
        private final JobKind kind;
        private String repositoryName;
        private Supplier<Repository> repository;
        private Schedule schedule;
        private Duration timeout;
        private String sourceName;
        private Supplier<? extends Source> source;
        private final List<String> tags = new ArrayList<>();
        private String host;
        private RetentionPolicy retention;
        private Duration pruneGracePeriod = Duration.ofHours(24);
        private double repackBelow = 0.5;
        private boolean readData;
        private String readDataSubset;
        private long readDataBudget;
        private String snapshot;
        private String scratch;
        private Map<String, String> drillEnvironment = Map.of();
        private Drill drill;

        private Builder(String name, JobKind kind) {
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
                throw new IllegalArgumentException("job name must be 1-100 letters, digits, '.', '_' or '-', starting "
                        + "with a letter or digit: " + name);
            }
            this.name = name;
            this.kind = kind;
        }

        private void only(String option, JobKind... kinds) {
            for (JobKind k : kinds) {
                if (k == kind) {
                    return;
                }
            }
            throw new IllegalArgumentException(option + " does not apply to " + kind.id() + " job " + name);
        }

        /** The repository: its name (for records, health, metrics) and how to open it for one run. */
        public Builder repository(String repositoryName, Supplier<Repository> opener) {
            if (repositoryName == null || repositoryName.isBlank()) {
                throw new IllegalArgumentException("repositoryName must not be blank");
            }
            this.repositoryName = repositoryName;
            this.repository = Objects.requireNonNull(opener, "opener");
            return this;
        }

        public Builder schedule(Schedule s) {
            this.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** Cancels a run that takes longer (it is recorded as FAILED with code CANCELLED). */
        public Builder timeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("timeout must be positive: " + d);
            }
            this.timeout = d;
            return this;
        }

        /** The source, by its configured name, built afresh for each run. Backup and drill jobs. */
        public Builder source(String sourceName, Supplier<? extends Source> source) {
            only("source", JobKind.BACKUP, JobKind.DRILL);
            if (sourceName == null || sourceName.isBlank()) {
                throw new IllegalArgumentException("sourceName must not be blank");
            }
            this.sourceName = sourceName;
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** A reusable source object, named by its descriptor. Backup and drill jobs. */
        public Builder source(Source source) {
            Objects.requireNonNull(source, "source");
            return source(source.descriptor(), () -> source);
        }

        public Builder tags(String... t) {
            only("tags", JobKind.BACKUP);
            for (String s : t) {
                if (s == null || s.isBlank() || s.contains(",")) {
                    throw new IllegalArgumentException("tag must be non-blank without ',': " + s);
                }
                tags.add(s);
            }
            return this;
        }

        public Builder host(String h) {
            only("host", JobKind.BACKUP);
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = h;
            return this;
        }

        /** Which snapshots forget keeps. Forget-prune jobs; required there. */
        public Builder retention(RetentionPolicy policy) {
            only("retention", JobKind.FORGET_PRUNE);
            this.retention = Objects.requireNonNull(policy, "retention");
            return this;
        }

        /** Prune's grace period for unused packs (default 24 h). Forget-prune jobs. */
        public Builder pruneGracePeriod(Duration d) {
            only("pruneGracePeriod", JobKind.FORGET_PRUNE);
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("pruneGracePeriod must not be negative: " + d);
            }
            this.pruneGracePeriod = d;
            return this;
        }

        /** Prune repacks packs whose live fraction is below this (default 0.5). Forget-prune jobs. */
        public Builder repackBelow(double fraction) {
            only("repackBelow", JobKind.FORGET_PRUNE);
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new IllegalArgumentException("repackBelow must be within 0..1: " + fraction);
            }
            this.repackBelow = fraction;
            return this;
        }

        /** Read and verify every pack. Check jobs. */
        public Builder readData(boolean v) {
            only("readData", JobKind.CHECK);
            this.readData = v;
            return this;
        }

        /** Read a subset: {@code n/t}, {@code x%} or a byte size (random). Check jobs. */
        public Builder readDataSubset(String spec) {
            only("readDataSubset", JobKind.CHECK);
            if (spec == null || spec.isBlank()) {
                throw new IllegalArgumentException("readDataSubset must not be blank");
            }
            this.readDataSubset = spec;
            return this;
        }

        /**
         * Read the least recently verified packs up to this many bytes (the verification ledger), so
         * that scheduled checks cover the whole repository over time. Check jobs.
         */
        public Builder readDataBudget(long bytes) {
            only("readDataBudget", JobKind.CHECK);
            if (bytes <= 0) {
                throw new IllegalArgumentException("readDataBudget must be positive: " + bytes);
            }
            this.readDataBudget = bytes;
            return this;
        }

        /** Drill this snapshot (id, prefix or {@code latest}) instead of a source's latest. Drill jobs. */
        public Builder snapshot(String idOrLatest) {
            only("snapshot", JobKind.DRILL);
            if (idOrLatest == null || idOrLatest.isBlank()) {
                throw new IllegalArgumentException("snapshot must not be blank");
            }
            this.snapshot = idOrLatest;
            return this;
        }

        /** The drill's scratch target (a directory, a server URI). Drill jobs. */
        public Builder scratch(String target) {
            only("scratch", JobKind.DRILL);
            if (target == null || target.isBlank()) {
                throw new IllegalArgumentException("scratch must not be blank");
            }
            this.scratch = target;
            return this;
        }

        /** Variables for the drill provider (a scratch server's password). Drill jobs. */
        public Builder drillEnvironment(Map<String, String> env) {
            only("drillEnvironment", JobKind.DRILL);
            this.drillEnvironment = Map.copyOf(env);
            return this;
        }

        /** The drill to run, instead of the provider found for the snapshot's source kind. Drill jobs. */
        public Builder drill(Drill d) {
            only("drill", JobKind.DRILL);
            this.drill = Objects.requireNonNull(d, "drill");
            return this;
        }

        /** The job; fails naming what is missing. */
        public JobSpec build() {
            if (repository == null) {
                throw new IllegalArgumentException("job " + name + " needs a repository");
            }
            if (kind == JobKind.BACKUP && source == null) {
                throw new IllegalArgumentException("backup job " + name + " needs a source");
            }
            if (kind == JobKind.FORGET_PRUNE && retention == null) {
                throw new IllegalArgumentException("forget-prune job " + name + " needs a retention policy");
            }
            if (kind == JobKind.DRILL && (source == null) == (snapshot == null)) {
                throw new IllegalArgumentException("drill job " + name + " needs either a source (its latest "
                        + "snapshot is drilled) or a snapshot");
            }
            int checks = (readData ? 1 : 0) + (readDataSubset != null ? 1 : 0) + (readDataBudget > 0 ? 1 : 0);
            if (checks > 1) {
                throw new IllegalArgumentException("check job " + name + ": give one of readData, readDataSubset, "
                        + "readDataBudget");
            }
            return new JobSpec(this);
        }
    }
}
