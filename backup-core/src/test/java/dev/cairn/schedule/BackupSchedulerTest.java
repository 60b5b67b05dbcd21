package dev.cairn.schedule;

import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.Scheduler;
import org.quartz.impl.StdSchedulerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link BackupScheduler} with an in-memory schedule, and attached to an application's Quartz scheduler. */
class BackupSchedulerTest {
    @TempDir
    Path tmp;

    private JobSpec everySecond(Path repo, String name) {
        return JobSpec.check(name).repository("local", () -> TestRepos.fast(repo).open())
                .schedule(Schedule.cron("* * * * * ?")).build();
    }

    @Test
    void inMemory_jobFiresOnSchedule_runsRecorded_noOverlap() throws Exception {
        Path repo = tmp.resolve("repo");
        TestRepos.fast(repo).init().close();
        List<JobResult> results = new CopyOnWriteArrayList<>();
        try (BackupScheduler s = BackupScheduler.builder().job(everySecond(repo, "tick")).instanceId("solo")
                .schedulerName("test-mem").listener(new JobListener() {
                    @Override
                    public void finished(JobSpec job, JobResult result) {
                        results.add(result);
                    }
                }).build()) {
            s.start();
            assertThat(s.nextFireTime("tick")).isPresent();
            await(() -> results.size() >= 3);
        }
        assertThat(results).allMatch(r -> r.outcome() == RunOutcome.SUCCESS && r.run().instance().equals("solo"));
        try (Repository r = TestRepos.fast(repo).open()) {
            List<JobRun> runs = r.runs();
            assertThat(runs.size()).isGreaterThanOrEqualTo(3);
            assertThat(runs).extracting(JobRun::scheduledTime).doesNotHaveDuplicates();
            for (int i = 1; i < runs.size(); i++) {
                assertThat(runs.get(i).start()).isAfterOrEqualTo(runs.get(i - 1).end()); // one run at a time
            }
        }
    }

    @Test
    void shutdown_waitsForRunningJob_thenCancelsAfterTheLimit() throws Exception {
        Path repo = tmp.resolve("repo");
        TestRepos.fast(repo).init().close();
        CountDownLatch running = new CountDownLatch(1);
        List<JobResult> results = new CopyOnWriteArrayList<>();
        JobSpec slow = JobSpec.drill("slow").repository("local", () -> TestRepos.fast(repo).open())
                .snapshot("latest").drill((r, s) -> {
                    throw new IllegalStateException("unreachable");
                }).schedule(Schedule.cron("* * * * * ?")).build();
        // "latest" fails at once (no snapshots); use a listener to hold the run for the shutdown test instead.
        BackupScheduler s = BackupScheduler.builder().job(slow).schedulerName("test-shutdown")
                .listener(new JobListener() {
                    @Override
                    public void started(JobSpec job, java.time.Instant due) {
                        running.countDown();
                        try {
                            Thread.sleep(20_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void finished(JobSpec job, JobResult result) {
                        results.add(result);
                    }
                }).build();
        s.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        long t0 = System.nanoTime();
        boolean clean = s.shutdown(Duration.ofMillis(500));

        assertThat(clean).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        assertThat(results).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(RunOutcome.FAILED));
    }

    @Test
    void attachTo_applicationsQuartzScheduler_runsThere() throws Exception {
        Path repo = tmp.resolve("repo");
        TestRepos.fast(repo).init().close();
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "app-scheduler");
        p.setProperty("org.quartz.threadPool.threadCount", "2");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        Scheduler app = new StdSchedulerFactory(p).getScheduler();
        List<JobResult> results = new CopyOnWriteArrayList<>();
        try {
            BackupScheduler s = BackupScheduler.builder().job(everySecond(repo, "tick")).attachTo(app)
                    .listener(new JobListener() {
                        @Override
                        public void finished(JobSpec job, JobResult result) {
                            results.add(result);
                        }
                    }).build();
            s.start();
            app.start();
            await(() -> !results.isEmpty());
            s.shutdown(Duration.ofSeconds(5));
            assertThat(app.isShutdown()).as("the application's scheduler is the application's").isFalse();
        } finally {
            app.shutdown(true);
        }
        assertThat(results.get(0).outcome()).isEqualTo(RunOutcome.SUCCESS);
    }

    @Test
    void builder_validatesAtOnce() {
        Path repo = tmp.resolve("repo");
        JobSpec unscheduled = JobSpec.check("c").repository("local", () -> TestRepos.fast(repo).open()).build();
        assertThatThrownBy(() -> BackupScheduler.builder().job(unscheduled)).hasMessageContaining("no schedule");
        assertThatThrownBy(() -> BackupScheduler.builder().attachTo("not a scheduler"))
                .hasMessageContaining("org.quartz.Scheduler").hasMessageContaining("java.lang.String");
        assertThatThrownBy(() -> BackupScheduler.builder().jdbc("jdbc:h2:mem:x", null, null))
                .hasMessageContaining("jdbc url");
        assertThatThrownBy(() -> BackupScheduler.builder().jdbc("jdbc:mariadb://db/x?password=p", "u", null))
                .hasMessageContaining("must not hold a password").hasMessageNotContaining("password=p");
        assertThatThrownBy(() -> BackupScheduler.builder().build()).hasMessageContaining("at least one job");
        assertThatThrownBy(() -> BackupScheduler.builder().job(everySecond(repo, "a")).job(everySecond(repo, "a")))
                .hasMessageContaining("two jobs named a");
        assertThatThrownBy(() -> BackupScheduler.builder().tablePrefix("x;drop")).hasMessageContaining("tablePrefix");
    }

    private static void await(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
