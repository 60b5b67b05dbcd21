package dev.cairn.schedule;

import dev.cairn.Secret;
import dev.cairn.internal.quartz.JobStoreSchema;
import dev.cairn.internal.quartz.QuartzRunner;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires jobs on their schedules and runs them through a {@link JobRunner}: backups, forget + prune,
 * checks and drills. Quartz does the scheduling; no Quartz type appears in this API.
 *
 * <ul>
 * <li><b>Alone</b> (the default): an in-memory schedule in this JVM.</li>
 * <li><b>Clustered</b>: give a {@link DataSource} ({@link Builder#dataSource}) or JDBC settings
 *     ({@link Builder#jdbc}, pooled by HikariCP) of a MariaDB/MySQL or PostgreSQL database. Every runner
 *     given the same database, {@link Builder#schedulerName} and jobs shares one schedule: each firing
 *     runs on exactly one runner, and when a runner dies the others take over its firings after
 *     about {@link Builder#clusterCheckinInterval} plus 7.5 s. The tables are Quartz's own
 *     ({@link #createTables}).</li>
 * <li><b>Attached</b>: {@link Builder#attachTo(Object)} registers the jobs with the application's own
 *     Quartz {@code org.quartz.Scheduler}, passed as {@code Object} so that Quartz stays out of this API;
 *     anything else is refused at once. The application starts and shuts down its scheduler;
 *     {@link #shutdown} only stops routing its firings to these jobs.</li>
 * </ul>
 *
 * Two runs of one job never overlap, in the whole cluster; a firing missed beyond the misfire
 * threshold follows the job's {@link MisfirePolicy}. A prune never overlaps another operation on its
 * repository (it takes the repository's exclusive lock; a job that meets the lock records a FAILED run
 * with code {@code REPOSITORY_LOCKED} naming the holder). A run that exceeds its job's timeout is
 * cancelled. {@link #shutdown} stops firing and waits for running jobs up to a limit.
 *
 * <pre>{@code
 * try (BackupScheduler s = BackupScheduler.builder().job(nightly).job(weeklyCheck)
 *         .dataSource(ds).instanceId("backup-1").build()) {
 *     s.start();
 *     ...
 * }
 * }</pre>
 *
 * Thread-safe.
 */
public final class BackupScheduler implements AutoCloseable {
    /** The Quartz job group Cairn's jobs and triggers live in (per scheduler). */
    public static final String GROUP = "cairn";
    /** The table prefix of the job store: Quartz's default. */
    public static final String DEFAULT_TABLE_PREFIX = "QRTZ_";

    private final QuartzRunner quartz;
    private final Duration shutdownTimeout;
    private volatile boolean started;
    private volatile boolean stopped;

    private BackupScheduler(QuartzRunner quartz, Duration shutdownTimeout) {
        this.quartz = quartz;
        this.shutdownTimeout = shutdownTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates the job store's tables in {@code dataSource} if they are missing (Quartz's own DDL for
     * MariaDB/MySQL or PostgreSQL, from the quartz jar; existing tables are never dropped). Returns true
     * when it created them.
     */
    public static boolean createTables(DataSource dataSource, String tablePrefix) {
        Objects.requireNonNull(dataSource, "dataSource");
        requirePrefix(tablePrefix);
        try {
            return JobStoreSchema.createIfMissing(dataSource, tablePrefix);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the job store's tables: " + e.getMessage(), e);
        }
    }

    /** {@link #createTables(DataSource, String)} with the default prefix {@code QRTZ_}. */
    public static boolean createTables(DataSource dataSource) {
        return createTables(dataSource, DEFAULT_TABLE_PREFIX);
    }

    /** Registers the jobs (keeping the job store's next fire times of unchanged schedules) and starts firing. */
    public synchronized void start() {
        if (stopped) {
            throw new IllegalStateException("This scheduler was shut down; build another.");
        }
        if (started) {
            return;
        }
        try {
            quartz.start();
            started = true;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the scheduler: " + e.getMessage(), e);
        }
    }

    /** This runner's instance id (written into run records). */
    public String instanceId() {
        return quartz.instanceId();
    }

    /** When {@code job} fires next (anywhere in the cluster); empty when unknown or never. */
    public Optional<Instant> nextFireTime(String job) {
        return quartz.nextFireTime(job);
    }

    /** The jobs running on this runner now. */
    public List<String> runningJobs() {
        return quartz.running();
    }

    /**
     * Stops firing, waits up to {@code wait} for running jobs to end, then cancels what still runs
     * (their runs are recorded as cancelled) and shuts down. Returns true when every job ended on its own.
     */
    public synchronized boolean shutdown(Duration wait) {
        if (stopped) {
            return true;
        }
        stopped = true;
        try {
            return quartz.shutdown(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot shut the scheduler down: " + e.getMessage(), e);
        }
    }

    /** {@link #shutdown(Duration)} with the builder's shutdown timeout. */
    @Override
    public void close() {
        shutdown(shutdownTimeout);
    }

    private static void requirePrefix(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z][A-Za-z0-9_]{0,30}")) {
            throw new IllegalArgumentException("tablePrefix must be letters, digits and '_', starting with a letter: "
                    + prefix);
        }
    }

    /**
     * Options of a scheduler. Each call validates at once. Not thread-safe. The JDBC password is a
     * {@link Secret}: it never appears in logs, messages or {@code toString()}.
     */
    public static final class Builder {
        private final Map<String, JobSpec> jobs = new LinkedHashMap<>();
        private JobRunner runner;
        private final JobRunner.Builder runnerOptions = JobRunner.builder();
        private String schedulerName = "cairn";
        private String instanceId;
        private int threads = 4;
        private Duration misfireThreshold = Duration.ofSeconds(60);
        private Duration clusterCheckinInterval = Duration.ofMillis(7500);
        private Duration shutdownTimeout = Duration.ofMinutes(5);
        private DataSource dataSource;
        private String jdbcUrl;
        private String jdbcUser;
        private Secret jdbcPassword;
        private String tablePrefix = DEFAULT_TABLE_PREFIX;
        private boolean createTables;
        private Object attachTo;

        private Builder() {
        }

        /** Adds a job; it must have a schedule, and its name must be unique. */
        public Builder job(JobSpec job) {
            Objects.requireNonNull(job, "job");
            if (job.schedule().isEmpty()) {
                throw new IllegalArgumentException("job " + job.name() + " has no schedule");
            }
            if (jobs.putIfAbsent(job.name(), job) != null) {
                throw new IllegalArgumentException("two jobs named " + job.name());
            }
            return this;
        }

        public Builder jobs(Iterable<JobSpec> all) {
            all.forEach(this::job);
            return this;
        }

        /** Told about every run (metrics, health, notifications). Ignored when {@link #runner} is given. */
        public Builder listener(JobListener l) {
            runnerOptions.listener(l);
            return this;
        }

        /** The runner that runs the jobs (default: one with this scheduler's instance id and the listeners). */
        public Builder runner(JobRunner r) {
            this.runner = Objects.requireNonNull(r, "runner");
            return this;
        }

        /** The cluster's name: every runner of one cluster uses the same one (default {@code cairn}). */
        public Builder schedulerName(String name) {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
                throw new IllegalArgumentException("schedulerName must be 1-100 letters, digits, '.', '_', '-': " + name);
            }
            this.schedulerName = name;
            return this;
        }

        /** This runner's id, unique in the cluster (default: host name and process id). */
        public Builder instanceId(String id) {
            if (id == null || !id.matches("[A-Za-z0-9._:@-]{1,100}")) {
                throw new IllegalArgumentException("instanceId must be 1-100 letters, digits, '.', '_', ':', '@', '-': "
                        + id);
            }
            this.instanceId = id;
            return this;
        }

        /** Jobs that may run at once on this runner (default 4). */
        public Builder threads(int n) {
            if (n < 1 || n > 100) {
                throw new IllegalArgumentException("threads must be 1..100: " + n);
            }
            this.threads = n;
            return this;
        }

        /** How late a firing may be before it counts as missed and its misfire policy applies (default 60 s). */
        public Builder misfireThreshold(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("misfireThreshold must be positive: " + d);
            }
            this.misfireThreshold = d;
            return this;
        }

        /** How often a clustered runner signs in; a runner silent for longer (+7.5 s) is taken over. Default 7.5 s. */
        public Builder clusterCheckinInterval(Duration d) {
            if (d == null || d.toMillis() < 100) {
                throw new IllegalArgumentException("clusterCheckinInterval must be at least 100 ms: " + d);
            }
            this.clusterCheckinInterval = d;
            return this;
        }

        /** How long {@link #close()} waits for running jobs before cancelling them (default 5 minutes). */
        public Builder shutdownTimeout(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must not be negative: " + d);
            }
            this.shutdownTimeout = d;
            return this;
        }

        /** Clustered: the job store's database (MariaDB/MySQL or PostgreSQL, detected). */
        public Builder dataSource(DataSource ds) {
            this.dataSource = Objects.requireNonNull(ds, "dataSource");
            return this;
        }

        /**
         * Clustered: the job store's database by JDBC URL ({@code jdbc:mariadb://db1/cairn},
         * {@code jdbc:postgresql://db1/cairn}), pooled by HikariCP. {@code user} and {@code password}
         * may be null (a password inside the URL is refused: pass a {@link Secret}).
         */
        public Builder jdbc(String url, String user, Secret password) {
            if (url == null || !url.matches("jdbc:(mariadb|mysql|postgresql):.+")) {
                throw new IllegalArgumentException("jdbc url must be jdbc:mariadb:, jdbc:mysql: or jdbc:postgresql:");
            }
            if (url.toLowerCase(java.util.Locale.ROOT).contains("password=") || url.matches("jdbc:[a-z]+://[^/@]*:[^/@]*@.*")) {
                throw new IllegalArgumentException("the jdbc url must not hold a password: pass it as a Secret");
            }
            this.jdbcUrl = url;
            this.jdbcUser = user;
            this.jdbcPassword = password;
            return this;
        }

        /** The job store's table prefix (default {@code QRTZ_}). */
        public Builder tablePrefix(String prefix) {
            requirePrefix(prefix);
            this.tablePrefix = prefix;
            return this;
        }

        /** Create the job store's tables on start when they are missing (default: no; see {@link #createTables}). */
        public Builder createTables(boolean v) {
            this.createTables = v;
            return this;
        }

        /**
         * Register the jobs with the application's Quartz scheduler instead of creating one: pass an
         * {@code org.quartz.Scheduler} (declared as {@code Object} to keep Quartz out of Cairn's API).
         *
         * @throws IllegalArgumentException when {@code quartzScheduler} is not an {@code org.quartz.Scheduler}
         */
        public Builder attachTo(Object quartzScheduler) {
            Objects.requireNonNull(quartzScheduler, "quartzScheduler");
            boolean isQuartz;
            try {
                isQuartz = Class.forName("org.quartz.Scheduler", false, BackupScheduler.class.getClassLoader())
                        .isInstance(quartzScheduler);
            } catch (ClassNotFoundException e) {
                isQuartz = false;
            }
            if (!isQuartz) {
                throw new IllegalArgumentException("attachTo needs an org.quartz.Scheduler, not "
                        + quartzScheduler.getClass().getName());
            }
            this.attachTo = quartzScheduler;
            return this;
        }

        /** The scheduler (not started). */
        public BackupScheduler build() {
            if (jobs.isEmpty()) {
                throw new IllegalArgumentException("a scheduler needs at least one job");
            }
            if (attachTo != null && (dataSource != null || jdbcUrl != null)) {
                throw new IllegalArgumentException("attachTo and a job store database exclude each other: the "
                        + "application's scheduler has its own job store");
            }
            if (dataSource != null && jdbcUrl != null) {
                throw new IllegalArgumentException("give dataSource or jdbc, not both");
            }
            String id = instanceId != null ? instanceId : dev.cairn.internal.util.HostName.local() + "-" + ProcessHandle.current().pid();
            JobRunner r = runner != null ? runner : runnerOptions.instance(id).build();
            try {
                QuartzRunner q = attachTo != null ? QuartzRunner.attach(attachTo, GROUP, jobs, r)
                        : QuartzRunner.create(new QuartzRunner.Settings(schedulerName, id, threads, misfireThreshold,
                        clusterCheckinInterval, dataSource, jdbcUrl, jdbcUser, jdbcPassword, tablePrefix, createTables),
                        GROUP, jobs, r);
                return new BackupScheduler(q, shutdownTimeout);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("Cannot create the scheduler: " + e.getMessage(), e);
            }
        }
    }
}
