package dev.cairn.schedule;

import dev.cairn.Repository;
import dev.cairn.testing.LockHolder;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link JobRunner}: each kind of job, its outcome mapping and its run record. */
class JobRunnerTest {
    @TempDir
    Path tmp;
    Path repoDir;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        repoDir = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("a.txt"), "alpha\n".repeat(1000));
        Files.writeString(data.resolve("sub/b.txt"), "bravo\n".repeat(1000));
        TestRepos.fast(repoDir).init().close();
    }

    private Repository open() {
        return TestRepos.fast(repoDir).open();
    }

    private JobSpec.Builder backup(String name) {
        return JobSpec.backup(name).repository("local", this::open)
                .source("data", () -> dev.cairn.source.fs.FileSystemSource.of(data));
    }

    private final JobRunner runner = JobRunner.builder().host("test-host").instance("test-1").build();

    @Test
    void run_backup_success_recordedWithSnapshotAndFigures() {
        Instant due = Instant.parse("2026-11-25T02:00:00Z");
        JobResult r = runner.run(backup("nightly").tags("nightly").build(), due, new dev.cairn.Cancellation());

        assertThat(r.outcome()).as(r.run().message()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(r.recorded()).isTrue();
        assertThat(r.backup()).isPresent();
        JobRun run = r.run();
        assertThat(run.snapshotId()).isEqualTo(r.backup().get().snapshot().id());
        assertThat(run.bytesAdded()).isPositive();
        assertThat(run.source()).isEqualTo(data.toString());
        try (Repository repo = open()) {
            List<JobRun> runs = repo.runs();
            assertThat(runs).singleElement().satisfies(x -> {
                assertThat(x.id()).isEqualTo(run.id()).hasSize(64);
                assertThat(x.job()).isEqualTo("nightly");
                assertThat(x.kind()).isEqualTo(JobKind.BACKUP);
                assertThat(x.host()).isEqualTo("test-host");
                assertThat(x.instance()).isEqualTo("test-1");
                assertThat(x.scheduledTime()).isEqualTo(due);
                assertThat(x.outcome()).isEqualTo(RunOutcome.SUCCESS);
                assertThat(x.errorCode()).isEmpty();
                assertThat(x.snapshotId()).isEqualTo(run.snapshotId());
                assertThat(x.duration()).isEqualTo(run.duration());
            });
            assertThat(repo.snapshots()).singleElement().satisfies(s -> assertThat(s.tags()).containsExactly("nightly"));
        }
    }

    @Test
    void runs_sinceAndForget_selectByStartTimeInTheName() throws IOException {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        JobRunner early = JobRunner.builder().clock(Clock.fixed(t0, ZoneId.of("UTC"))).build();
        JobRunner late = JobRunner.builder().clock(Clock.fixed(t0.plus(Duration.ofDays(30)), ZoneId.of("UTC"))).build();
        JobSpec check = JobSpec.check("verify").repository("local", this::open).build();
        early.run(check);
        late.run(check);

        try (Repository repo = open()) {
            assertThat(repo.runs()).hasSize(2);
            assertThat(repo.runs(t0.plus(Duration.ofDays(1)))).singleElement()
                    .satisfies(r -> assertThat(r.start()).isEqualTo(t0.plus(Duration.ofDays(30))));
            try (Stream<Path> names = Files.list(repoDir.resolve("runs"))) {
                assertThat(names.map(p -> p.getFileName().toString()))
                        .anyMatch(n -> n.startsWith(String.format("%013d-", t0.toEpochMilli())));
            }
            assertThat(repo.forgetRuns(t0.plus(Duration.ofDays(1)))).isEqualTo(1);
            assertThat(repo.runs()).hasSize(1);
        }
        // A run recorded more than RUN_RECORDS_KEPT (400 days) after the last one removes it.
        JobRunner later = JobRunner.builder().clock(Clock.fixed(t0.plus(Duration.ofDays(431)), ZoneId.of("UTC"))).build();
        later.run(check);
        JobRunner latest = JobRunner.builder().clock(Clock.fixed(t0.plus(Duration.ofDays(432)), ZoneId.of("UTC"))).build();
        latest.run(check);
        try (Repository repo = open()) {
            assertThat(repo.runs()).extracting(JobRun::start)
                    .containsExactly(t0.plus(Duration.ofDays(431)), t0.plus(Duration.ofDays(432)));
        }
    }

    @Test
    void run_checkThenDrill_success_drillReportRecorded() {
        runner.run(backup("nightly").build());
        JobResult check = runner.run(JobSpec.check("verify").repository("local", this::open).readData(true).build());
        JobResult drill = runner.run(JobSpec.drill("rehearse").repository("local", this::open)
                .source("data", () -> dev.cairn.source.fs.FileSystemSource.of(data)).scratch(tmp.resolve("scratch")
                        .toString()).build());

        assertThat(check.outcome()).as(check.run().message()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(check.check().orElseThrow().packsRead()).isPositive();
        assertThat(drill.outcome()).as(drill.run().message()).isEqualTo(RunOutcome.SUCCESS);
        try (Repository repo = open()) {
            assertThat(repo.drills()).singleElement().extracting(DrillReport::passed).isEqualTo(true);
            assertThat(repo.runs()).extracting(JobRun::job).containsExactly("nightly", "verify", "rehearse");
        }
    }

    @Test
    void run_drillOfCorruptedPack_failedWithDrillFailedCode() throws IOException {
        runner.run(backup("nightly").build());
        flipByteInEveryDataPack();

        JobResult r = runner.run(JobSpec.drill("rehearse").repository("local", this::open).snapshot("latest").build());

        assertThat(r.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(r.run().errorCode()).isEqualTo("DRILL_FAILED");
        assertThat(r.run().message()).startsWith("Drill of snapshot ").contains("failed");
        assertThat(r.recorded()).isTrue();
    }

    @Test
    void run_repositoryLockedExclusively_failedNamingTheLock() throws Exception {
        try (Repository repo = open(); AutoCloseable held = LockHolder.exclusive(repo, "pruner-host")) {
            JobResult r = runner.run(backup("nightly").build());

            assertThat(r.outcome()).isEqualTo(RunOutcome.FAILED);
            assertThat(r.run().errorCode()).isEqualTo("REPOSITORY_LOCKED");
            assertThat(r.run().message()).contains("locked").contains("pruner-host");
            assertThat(r.failure()).isPresent();
        }
    }

    @Test
    void run_unopenableRepository_failedNotRecorded() {
        JobSpec job = JobSpec.check("verify").repository("gone", () -> TestRepos.fast(tmp.resolve("none")).open())
                .build();

        JobResult r = runner.run(job);

        assertThat(r.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(r.run().errorCode()).isEqualTo("REPOSITORY_NOT_FOUND");
        assertThat(r.recorded()).isFalse();
    }

    @Test
    void run_checkWithBudget_readsOldestPacksFirst_recordsThemInTheLedger() {
        runner.run(backup("nightly").build());
        JobSpec budget = JobSpec.check("budget").repository("local", this::open).readDataBudget(1).build();

        JobResult first = runner.run(budget);
        JobResult second = runner.run(budget);

        assertThat(first.outcome()).as(first.run().message()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(first.recorded()).isTrue();
        assertThat(first.check()).get().satisfies(c -> assertThat(c.packsRead()).isEqualTo(1));
        // The ledger now names the pack read first, so the second run reads another one.
        assertThat(second.check()).get().satisfies(c -> assertThat(c.packsRead()).isEqualTo(1));
        assertThat(first.check().get().packs()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void run_forgetPrune_keepsWhatThePolicyKeeps_prunesTheRest() throws IOException {
        for (int i = 0; i < 3; i++) {
            Files.writeString(data.resolve("changing.txt"), ("version " + i + "\n").repeat(5000));
            assertThat(runner.run(backup("nightly").build()).outcome()).isEqualTo(RunOutcome.SUCCESS);
        }
        JobSpec retention = JobSpec.forgetPrune("retention").repository("local", this::open)
                .retention(dev.cairn.snapshot.RetentionPolicy.builder().keepLast(1).build())
                .pruneGracePeriod(Duration.ZERO).repackBelow(0.5).build();

        JobResult r = runner.run(retention);

        assertThat(r.outcome()).as(r.run().message()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(r.forget()).get().satisfies(f -> assertThat(f.removed()).hasSize(2));
        assertThat(r.prune()).get().satisfies(p -> assertThat(p.bytesFreed()).isPositive());
        try (Repository repo = open()) {
            assertThat(repo.snapshots()).hasSize(1);
            assertThat(repo.check().readData(true).run().ok()).isTrue();
            Path out = tmp.resolve("restored");
            repo.restore(repo.snapshot("latest")).to(out);
            assertThat(Files.readString(out.resolve("data/changing.txt"))).startsWith("version 2");
        }
    }

    @Test
    void run_exceedsTimeout_cancelledAndRecorded() {
        JobSpec slow = JobSpec.drill("slow").repository("local", this::open).snapshot("latest")
                .drill((repo, s) -> {
                    try {
                        Thread.sleep(30_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new dev.cairn.BackupException(dev.cairn.ErrorCode.CANCELLED, "interrupted");
                }).timeout(Duration.ofMillis(300)).build();
        runner.run(backup("nightly").build());

        long t0 = System.nanoTime();
        JobResult r = runner.run(slow);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(r.outcome()).isEqualTo(RunOutcome.FAILED);
        assertThat(r.run().errorCode()).isEqualTo("CANCELLED");
        assertThat(r.run().message()).contains("timeout");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void run_listenersToldStartAndEnd_aFailingListenerIgnored() {
        List<String> seen = new ArrayList<>();
        JobRunner r = JobRunner.builder().listener(new JobListener() {
            @Override
            public void started(JobSpec job, Instant scheduledTime) {
                seen.add("start " + job.name());
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void finished(JobSpec job, JobResult result) {
                seen.add("end " + job.name() + " " + result.outcome());
            }
        }).clock(Clock.system(ZoneId.of("UTC"))).build();

        r.run(backup("nightly").build());

        assertThat(seen).containsExactly("start nightly", "end nightly SUCCESS");
    }

    @Test
    void jobSpec_builderValidatesAtOnce() {
        assertThatThrownBy(() -> JobSpec.backup("bad name")).hasMessageContaining("job name");
        assertThatThrownBy(() -> JobSpec.check("c").tags("x")).hasMessageContaining("tags does not apply to check");
        assertThatThrownBy(() -> JobSpec.backup("b").readData(true)).hasMessageContaining("readData");
        assertThatThrownBy(() -> JobSpec.backup("b").timeout(Duration.ZERO)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> JobSpec.check("c").readDataBudget(0)).hasMessageContaining("readDataBudget");
        assertThatThrownBy(() -> JobSpec.backup("b").repository("r", this::open).build())
                .hasMessageContaining("needs a source");
        assertThatThrownBy(() -> JobSpec.drill("d").repository("r", this::open).build())
                .hasMessageContaining("either a source");
        assertThatThrownBy(() -> JobSpec.forgetPrune("f").repository("r", this::open).build())
                .hasMessageContaining("retention policy");
        assertThatThrownBy(() -> JobSpec.check("c").repository("r", this::open).readData(true).readDataSubset("5%")
                .build()).hasMessageContaining("one of");
        assertThatThrownBy(() -> Schedule.cron("every day")).hasMessageContaining("cron expression 'every day'");
        assertThatThrownBy(() -> JobSpec.forgetPrune("f").repackBelow(2)).hasMessageContaining("repackBelow");
    }

    @Test
    void schedule_nextAndIntervalInItsZone() {
        Schedule s = Schedule.cron("0 30 2 * * ?").zone(ZoneId.of("Europe/Berlin")).misfire(MisfirePolicy.SKIP);

        assertThat(s.nextAfter(Instant.parse("2026-11-25T00:00:00Z"))).contains(Instant.parse("2026-11-25T01:30:00Z"));
        assertThat(s.interval(Instant.parse("2026-11-25T00:00:00Z"))).contains(Duration.ofDays(1));
        assertThat(s.misfirePolicy()).isEqualTo(MisfirePolicy.SKIP);
        assertThat(s).isEqualTo(Schedule.cron("0 30 2 * * ?").zone(ZoneId.of("Europe/Berlin"))
                .misfire(MisfirePolicy.SKIP));
    }

    private void flipByteInEveryDataPack() throws IOException {
        try (Stream<Path> s = Files.walk(repoDir.resolve("data"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.seek(f.length() / 3);
                    int b = f.read();
                    f.seek(f.length() / 3);
                    f.write(b ^ 0x40);
                }
            }
        }
    }
}
