package dev.cairn.internal.quartz;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.Secret;
import dev.cairn.schedule.JobRunner;
import dev.cairn.schedule.JobSpec;
import dev.cairn.schedule.MisfirePolicy;
import dev.cairn.schedule.Schedule;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;

/** The Quartz side of {@link dev.cairn.schedule.BackupScheduler}. Thread-safe. */
public final class QuartzRunner {
    private static final Logger LOG = LoggerFactory.getLogger(QuartzRunner.class);
    private static final AtomicInteger DATA_SOURCES = new AtomicInteger();

    private final Scheduler scheduler;
    private final boolean owned;
    private final String group;
    private final Map<String, JobSpec> jobs;
    private final JobRunner runner;
    private final String instanceId;

    /** Settings of a scheduler this class creates. */
    public record Settings(String schedulerName, String instanceId, int threads, Duration misfireThreshold,
                           Duration clusterCheckinInterval, DataSource dataSource, String jdbcUrl, String jdbcUser,
                           Secret jdbcPassword, String tablePrefix, boolean createTables) {
    }

    private QuartzRunner(Scheduler scheduler, boolean owned, String group, Map<String, JobSpec> jobs,
                         JobRunner runner, String instanceId) {
        this.scheduler = scheduler;
        this.owned = owned;
        this.group = group;
        this.jobs = jobs;
        this.runner = runner;
        this.instanceId = instanceId;
    }

    /** A runner on the application's Quartz scheduler ({@code quartz} must be an {@code org.quartz.Scheduler}). */
    public static QuartzRunner attach(Object quartz, String group, Map<String, JobSpec> jobs, JobRunner runner) {
        if (!(quartz instanceof Scheduler s)) {
            throw new IllegalArgumentException("attachTo needs an org.quartz.Scheduler, not "
                    + (quartz == null ? "null" : quartz.getClass().getName()));
        }
        try {
            return new QuartzRunner(s, false, group, jobs, runner, s.getSchedulerInstanceId());
        } catch (SchedulerException e) {
            throw new IllegalStateException("Cannot read the scheduler's instance id: " + e.getMessage(), e);
        }
    }

    /** A runner on a scheduler of its own: in memory, or on a clustered JDBC job store. */
    public static QuartzRunner create(Settings s, String group, Map<String, JobSpec> jobs, JobRunner runner)
            throws SchedulerException, SQLException {
        if (SchedulerRepository.getInstance().lookup(s.schedulerName()) != null) {
            throw new IllegalStateException("A scheduler named '" + s.schedulerName() + "' already runs in this JVM; "
                    + "give this one another schedulerName (runners of one cluster share a name, one per JVM).");
        }
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", s.schedulerName());
        p.setProperty("org.quartz.scheduler.instanceId", s.instanceId());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.scheduler.interruptJobsOnShutdownWithWait", "false");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(s.threads()));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "cairn-job");
        p.setProperty("org.quartz.jobStore.misfireThreshold", Long.toString(s.misfireThreshold().toMillis()));
        DataSource ds = s.dataSource();
        HikariDataSource pool = null;
        if (ds == null && s.jdbcUrl() != null) {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(s.jdbcUrl());
            if (s.jdbcUser() != null) {
                hc.setUsername(s.jdbcUser());
            }
            if (s.jdbcPassword() != null) {
                byte[] b = s.jdbcPassword().utf8();
                try {
                    hc.setPassword(new String(b, java.nio.charset.StandardCharsets.UTF_8));
                } finally {
                    java.util.Arrays.fill(b, (byte) 0);
                }
            }
            // Each worker thread, plus the cluster manager and the misfire handler.
            hc.setMaximumPoolSize(s.threads() + 3);
            hc.setMinimumIdle(1);
            hc.setPoolName("cairn-jobstore");
            hc.setAutoCommit(false);
            hc.setInitializationFailTimeout(-1);
            pool = new HikariDataSource(hc);
            ds = pool;
        }
        if (ds != null) {
            JobStoreSchema.Dialect dialect;
            try {
                if (s.createTables()) {
                    if (JobStoreSchema.createIfMissing(ds, s.tablePrefix())) {
                        LOG.info("Created the job store's tables ({}*).", s.tablePrefix());
                    }
                }
                try (Connection c = ds.getConnection()) {
                    dialect = JobStoreSchema.dialect(c);
                    if (!JobStoreSchema.exists(c, s.tablePrefix())) {
                        throw new IllegalStateException("The job store's tables (" + s.tablePrefix() + "*) do not exist "
                                + "in that database. Create them once: `cairn daemon --init-schema` or "
                                + "BackupScheduler.createTables(dataSource) (see docs/operations.md).");
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (pool != null) {
                    pool.close();
                }
                throw e;
            }
            String dsName = "cairn-" + DATA_SOURCES.incrementAndGet();
            DBConnectionManager.getInstance().addConnectionProvider(dsName, new DataSourceProvider(ds, pool));
            p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            p.setProperty("org.quartz.jobStore.driverDelegateClass", dialect.delegate);
            p.setProperty("org.quartz.jobStore.dataSource", dsName);
            p.setProperty("org.quartz.jobStore.tablePrefix", s.tablePrefix());
            p.setProperty("org.quartz.jobStore.isClustered", "true");
            p.setProperty("org.quartz.jobStore.clusterCheckinInterval",
                    Long.toString(s.clusterCheckinInterval().toMillis()));
            p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
            // A runner that found no due trigger looks again after this long: with Quartz's 30 s, a runner
            // idles that long before it notices that another one died holding the next firing.
            long idle = Math.max(1000, Math.min(30_000, s.clusterCheckinInterval().toMillis()));
            p.setProperty("org.quartz.scheduler.idleWaitTime", Long.toString(idle));
        } else {
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        }
        Scheduler q = new StdSchedulerFactory(p).getScheduler();
        return new QuartzRunner(q, true, group, jobs, runner, s.instanceId());
    }

    public String instanceId() {
        return instanceId;
    }

    /** Registers the jobs, (re)schedules their triggers where they changed, and starts firing. */
    public void start() throws SchedulerException {
        scheduler.getContext().put(Registry.contextKey(group), new Registry(jobs, runner));
        for (JobSpec j : jobs.values()) {
            schedule(j);
        }
        for (JobKey k : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(group))) {
            if (!jobs.containsKey(k.getName())) {
                LOG.warn("Removing job {} from the job store: this runner's configuration no longer has it.",
                        k.getName());
                scheduler.deleteJob(k);
            }
        }
        if (owned) {
            scheduler.start();
        }
    }

    private void schedule(JobSpec j) throws SchedulerException {
        Schedule s = j.schedule().orElseThrow();
        JobKey jk = JobKey.jobKey(j.name(), group);
        TriggerKey tk = TriggerKey.triggerKey(j.name(), group);
        JobDetail detail = JobBuilder.newJob(QuartzJob.class).withIdentity(jk).storeDurably()
                .withDescription(j.kind().id() + " on " + j.repositoryName()).build();
        CronScheduleBuilder cron = CronScheduleBuilder.cronSchedule(s.expression())
                .inTimeZone(TimeZone.getTimeZone(s.zone()));
        cron = s.misfirePolicy() == MisfirePolicy.FIRE_NOW ? cron.withMisfireHandlingInstructionFireAndProceed()
                : cron.withMisfireHandlingInstructionDoNothing();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(tk).forJob(jk).withSchedule(cron).build();
        for (int attempt = 1; ; attempt++) {
            Trigger existing = scheduler.getTrigger(tk);
            if (existing instanceof CronTrigger ct && ct.getCronExpression().equals(s.expression())
                    && ct.getTimeZone().getID().equals(TimeZone.getTimeZone(s.zone()).getID())
                    && ct.getMisfireInstruction() == ((CronTrigger) trigger).getMisfireInstruction()) {
                scheduler.addJob(detail, true); // keep the trigger and its next fire time
                return;
            }
            try {
                if (existing == null) {
                    scheduler.addJob(detail, true);
                    scheduler.scheduleJob(trigger);
                } else {
                    scheduler.addJob(detail, true);
                    scheduler.rescheduleJob(tk, trigger);
                }
                return;
            } catch (ObjectAlreadyExistsException raced) {
                if (attempt == 3) {
                    throw raced; // another runner of the cluster scheduled it at the same moment
                }
            }
        }
    }

    /** When {@code job} fires next, per the job store. */
    public Optional<Instant> nextFireTime(String job) {
        try {
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(job, group));
            return Optional.ofNullable(t == null ? null : t.getNextFireTime()).map(Date::toInstant);
        } catch (SchedulerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Names of the jobs running on this runner now. */
    public List<String> running() {
        try {
            List<String> out = new ArrayList<>();
            for (JobExecutionContext c : scheduler.getCurrentlyExecutingJobs()) {
                if (c.getJobDetail().getKey().getGroup().equals(group)) {
                    out.add(c.getJobDetail().getKey().getName());
                }
            }
            return out;
        } catch (SchedulerException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Stops firing, waits up to {@code wait} for running jobs, interrupts (cancels) what still runs,
     * and shuts the scheduler down if this runner created it. True when no job had to be interrupted.
     */
    public boolean shutdown(Duration wait) throws SchedulerException, InterruptedException {
        if (owned) {
            scheduler.standby();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (!running().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        boolean clean = true;
        for (JobExecutionContext c : scheduler.getCurrentlyExecutingJobs()) {
            if (c.getJobDetail().getKey().getGroup().equals(group)) {
                clean = false;
                LOG.warn("Job {} still runs after {}: cancelling it.", c.getJobDetail().getKey().getName(), wait);
                scheduler.interrupt(c.getFireInstanceId());
            }
        }
        long grace = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!clean && !running().isEmpty() && System.nanoTime() < grace) {
            Thread.sleep(100); // cancelled jobs release their repository locks
        }
        if (owned) {
            scheduler.shutdown(false);
        } else {
            scheduler.getContext().remove(Registry.contextKey(group));
        }
        return clean;
    }
}
