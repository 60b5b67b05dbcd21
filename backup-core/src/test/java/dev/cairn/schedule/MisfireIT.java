package dev.cairn.schedule;

import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The misfire policies on a real JDBC job store (the machine's MariaDB): every runner was down when
 * two daily jobs were due. After a restart, the {@link MisfirePolicy#FIRE_NOW} job runs once at once and
 * then waits for its next slot; the {@link MisfirePolicy#SKIP} job does not run and waits for its next
 * slot (docs/operations.md, {@code misfire}).
 */
class MisfireIT {
    private static final String ADMIN_URL = "jdbc:mariadb://127.0.0.1:3306/";
    private static final String USER = "root";
    private static final String SCHEDULER = "misfire-it";

    @TempDir
    Path tmp;

    private String database;
    private String url;

    @BeforeEach
    void createDatabase() throws SQLException {
        database = "cairn_misfire_" + Long.toHexString(new Random().nextLong() & 0xffffffffffffL);
        url = ADMIN_URL + database;
        sql(ADMIN_URL, "CREATE DATABASE " + database);
    }

    @AfterEach
    void dropDatabase() throws SQLException {
        sql(ADMIN_URL, "DROP DATABASE IF EXISTS " + database);
    }

    @Test
    void restart_afterMissedFirings_fireNowRunsOnce_skipWaitsForNextSlot() throws Exception {
        Path repo = tmp.resolve("repo");
        TestRepos.fast(repo).init().close();
        // Once a day, about 12 hours from now (UTC): nothing fires on its own during the test.
        int hour = (Instant.now().atZone(ZoneOffset.UTC).getHour() + 12) % 24;
        String cron = "0 0 " + hour + " * * ?";
        List<JobSpec> jobs = List.of(job("fire-now", repo, cron, MisfirePolicy.FIRE_NOW),
                job("skip", repo, cron, MisfirePolicy.SKIP));

        // 1. A runner registers the jobs in the job store (creating its tables), then everything is down.
        Map<String, Integer> firstRuns = new ConcurrentHashMap<>();
        BackupScheduler first = scheduler(jobs, counting(firstRuns, new CopyOnWriteArrayList<>()), true);
        first.start();
        Instant slot = first.nextFireTime("fire-now").orElseThrow();
        assertThat(slot).isAfter(Instant.now().plus(Duration.ofHours(11)));
        assertThat(first.nextFireTime("skip")).contains(slot);
        assertThat(first.shutdown(Duration.ofSeconds(5))).isTrue();
        assertThat(firstRuns).isEmpty();

        // 2. Both firings were due 10 minutes ago, far beyond the 1 s misfire threshold.
        Instant missed = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
        assertThat(setNextFireTime(List.of("fire-now", "skip"), missed)).isEqualTo(2);

        // 3. A runner starts again on the same store with the same jobs.
        Map<String, Integer> runs = new ConcurrentHashMap<>();
        List<JobResult> results = new CopyOnWriteArrayList<>();
        Instant restart = Instant.now();
        try (BackupScheduler second = scheduler(jobs, counting(runs, results), false)) {
            second.start();

            // fire-now: runs promptly, once, and then waits for its next slot.
            await(Duration.ofSeconds(15), () -> runs.getOrDefault("fire-now", 0) >= 1,
                    () -> "fire-now to run after the restart; runs " + runs + ", store " + storedNextFireTimes());
            await(Duration.ofSeconds(10), () -> second.nextFireTime("fire-now").filter(Instant.now()::isBefore)
                    .isPresent(), () -> "fire-now's next fire time to move to the future: " + storedNextFireTimes());
            // skip: the misfire handler moved it to the next slot without running it.
            await(Duration.ofSeconds(10), () -> storedNextFireTimes().getOrDefault("skip", missed).isAfter(Instant.now()),
                    () -> "skip's next fire time in the store to move to the future: " + storedNextFireTimes());

            assertThat(second.nextFireTime("fire-now")).contains(slot);
            assertThat(second.nextFireTime("skip")).contains(slot);
            assertThat(runs).containsExactly(Map.entry("fire-now", 1));
            JobRun run = results.get(0).run();
            assertThat(run.outcome()).isEqualTo(RunOutcome.SUCCESS);
            // The missed firing ran at once (Quartz fires it "now", not at its old due time).
            assertThat(run.scheduledTime()).isAfterOrEqualTo(restart.truncatedTo(ChronoUnit.SECONDS));
            assertThat(Duration.between(restart, run.start())).isLessThan(Duration.ofSeconds(10));
        }
        assertThat(runs).containsExactly(Map.entry("fire-now", 1));
        try (Repository r = TestRepos.fast(repo).open()) {
            assertThat(r.runs()).extracting(JobRun::job).containsExactly("fire-now");
        }
    }

    private static JobSpec job(String name, Path repo, String cron, MisfirePolicy policy) {
        return JobSpec.check(name).repository("local", () -> TestRepos.fast(repo).open())
                .schedule(Schedule.cron(cron).zone(ZoneOffset.UTC).misfire(policy))
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private BackupScheduler scheduler(List<JobSpec> jobs, JobListener listener, boolean createTables) {
        return BackupScheduler.builder().jobs(jobs).jdbc(url, USER, null).createTables(createTables)
                .schedulerName(SCHEDULER).instanceId("misfire-runner").threads(2)
                .misfireThreshold(Duration.ofSeconds(1)).clusterCheckinInterval(Duration.ofSeconds(1))
                .listener(listener).shutdownTimeout(Duration.ofSeconds(5)).build();
    }

    private static JobListener counting(Map<String, Integer> runs, List<JobResult> results) {
        return new JobListener() {
            @Override
            public void finished(JobSpec job, JobResult result) {
                results.add(result);
                runs.merge(job.name(), 1, Integer::sum);
            }
        };
    }

    /** Sets the stored next fire time of these jobs' triggers, as if every runner was down since {@code at}. */
    private int setNextFireTime(List<String> jobs, Instant at) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, USER, null);
             PreparedStatement ps = c.prepareStatement("UPDATE QRTZ_TRIGGERS SET NEXT_FIRE_TIME = ? "
                     + "WHERE SCHED_NAME = ? AND TRIGGER_GROUP = ? AND TRIGGER_NAME = ? AND TRIGGER_STATE = 'WAITING'")) {
            int n = 0;
            for (String job : jobs) {
                ps.setLong(1, at.toEpochMilli());
                ps.setString(2, SCHEDULER);
                ps.setString(3, BackupScheduler.GROUP);
                ps.setString(4, job);
                n += ps.executeUpdate();
            }
            return n;
        }
    }

    /** The job store's NEXT_FIRE_TIME per trigger, read with plain JDBC. */
    private Map<String, Instant> storedNextFireTimes() {
        try (Connection c = DriverManager.getConnection(url, USER, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT TRIGGER_NAME, NEXT_FIRE_TIME FROM QRTZ_TRIGGERS WHERE SCHED_NAME = '"
                     + SCHEDULER + "'")) {
            Map<String, Instant> out = new TreeMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sql(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, USER, null); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static void await(Duration limit, BooleanSupplier condition, Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what.get());
            }
            Thread.sleep(100);
        }
    }
}
