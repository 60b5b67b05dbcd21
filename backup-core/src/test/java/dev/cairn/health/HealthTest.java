package dev.cairn.health;

import dev.cairn.schedule.JobKind;
import dev.cairn.schedule.JobRun;
import dev.cairn.schedule.RunOutcome;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Health#evaluate}: a pure function of snapshots, drills, runs, objectives and a clock. */
class HealthTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Objectives O = Objectives.builder().rpo(Duration.ofHours(26)).rto(Duration.ofMinutes(30))
            .sizeChange(0.30).slowerThan(2).build();
    private static final HealthJob NIGHTLY = new HealthJob("nightly", JobKind.BACKUP, "local", Optional.of("www"),
            Optional.of(Duration.ofHours(24)));
    private static int ids;

    static Snapshot snap(Duration ago, long bytes, boolean partial) {
        String id = String.format("%064x", ++ids);
        return new Snapshot(id, NOW.minus(ago), "h", "u", List.of(), "fs", "/srv/www", List.of("/srv/www"),
                "0".repeat(64), Optional.empty(), "0.1.0",
                new SnapshotSummary(10, 1, bytes, bytes, 1, 1, bytes, bytes, 1000, partial, List.of()), Map.of());
    }

    static JobRun run(String job, JobKind kind, Duration ago, Duration took, RunOutcome outcome, String code,
                      String snapshot) {
        Instant start = NOW.minus(ago);
        return new JobRun("r" + (++ids), job, kind, "local", kind == JobKind.BACKUP ? "/srv/www" : "", "h", "i",
                start, start, start.plus(took), outcome, code, outcome + " message", snapshot, 100, 10);
    }

    static JobRun backupRun(Duration ago, Snapshot s) {
        return run("nightly", JobKind.BACKUP, ago, Duration.ofMinutes(10), RunOutcome.SUCCESS, "", s.id());
    }

    static DrillReport drill(Snapshot s, Duration ago, boolean passed, Duration restore) {
        return new DrillReport("d" + (++ids), s.id(), "fs", "/tmp/x", "h", NOW.minus(ago), passed, restore,
                Duration.ZERO, List.of("c"), passed ? List.of() : List.of("file a: size 0, snapshot says 5"));
    }

    static HealthReport eval(List<Snapshot> snaps, List<DrillReport> drills, List<JobRun> runs, HealthJob... jobs) {
        return Health.evaluate(List.of(RepositoryState.of("local", snaps, drills, runs)), List.of(jobs), O, CLOCK);
    }

    static SubjectHealth source(HealthReport r) {
        return r.subject(SubjectHealth.Kind.SOURCE, "www").orElseThrow(() -> new AssertionError(r));
    }

    static SubjectHealth job(HealthReport r, String name) {
        return r.subject(SubjectHealth.Kind.JOB, name).orElseThrow(() -> new AssertionError(r));
    }

    /** Daily backups, each of about the same size, the newest 2 h old. */
    static List<Snapshot> daily(int n, long bytes) {
        List<Snapshot> out = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            out.add(snap(Duration.ofHours(2 + 24L * i), bytes + i, false));
        }
        return out;
    }

    static List<JobRun> runsFor(List<Snapshot> snaps) {
        return snaps.stream().map(s -> backupRun(Duration.between(s.time(), NOW), s)).toList();
    }

    @Test
    void evaluate_freshRegularBackups_allOk() {
        List<Snapshot> s = daily(5, 1000);
        HealthReport r = eval(s, List.of(drill(s.get(4), Duration.ofHours(1), true, Duration.ofMinutes(2))),
                runsFor(s), NIGHTLY);

        assertThat(r.worst()).as("%s", r).isEqualTo(Grade.OK);
        assertThat(source(r).reasons()).isEmpty();
        assertThat(source(r).lastSuccess()).contains(s.get(4).time());
        assertThat(source(r).age()).contains(Duration.ofHours(2));
        assertThat(job(r, "nightly").lastSuccess()).contains(s.get(4).time());
        assertThat(r.subject(SubjectHealth.Kind.REPOSITORY, "local").orElseThrow().grade()).isEqualTo(Grade.OK);
    }

    @Test
    void evaluate_newestBackupOlderThanRpo_disaster() {
        List<Snapshot> s = List.of(snap(Duration.ofHours(50), 1000, false), snap(Duration.ofHours(27), 1000, false));
        HealthReport r = eval(s, List.of(), runsFor(s), NIGHTLY);

        assertThat(source(r).grade()).isEqualTo(Grade.DISASTER);
        assertThat(source(r).reasons()).singleElement().asString().contains("RPO of 26h").contains("27h old");
        assertThat(job(r, "nightly").grade()).isEqualTo(Grade.DISASTER);
        assertThat(r.worst()).isEqualTo(Grade.DISASTER);
    }

    @Test
    void evaluate_onlyPartialBackupWithinRpo_disaster() {
        List<Snapshot> s = List.of(snap(Duration.ofHours(30), 1000, false), snap(Duration.ofHours(2), 1000, true));

        HealthReport r = eval(s, List.of(), List.of());

        assertThat(r.subject(SubjectHealth.Kind.SOURCE, "fs /srv/www").orElseThrow().grade())
                .isEqualTo(Grade.DISASTER);
    }

    @Test
    void evaluate_backupLateButWithinRpo_warning() {
        // Runs every 12 h; newest success 20 h ago (> 12 h × 1.25, < 26 h).
        HealthJob twiceDaily = new HealthJob("nightly", JobKind.BACKUP, "local", Optional.of("www"),
                Optional.of(Duration.ofHours(12)));
        List<Snapshot> s = List.of(snap(Duration.ofHours(32), 1000, false), snap(Duration.ofHours(20), 1000, false));
        HealthReport r = eval(s, List.of(), runsFor(s), twiceDaily);

        assertThat(source(r).grade()).isEqualTo(Grade.WARNING);
        assertThat(source(r).reasons()).singleElement().asString().startsWith("backup late");
        assertThat(job(r, "nightly").grade()).isEqualTo(Grade.WARNING);
    }

    @Test
    void evaluate_dump40PercentSmallerThanMedian_warningNamesShrink() {
        List<Snapshot> s = new ArrayList<>(List.of(snap(Duration.ofHours(98), 1000, false),
                snap(Duration.ofHours(74), 1010, false), snap(Duration.ofHours(50), 990, false),
                snap(Duration.ofHours(26).minusMinutes(1), 1000, false)));
        s.add(snap(Duration.ofHours(2), 600, false));
        HealthReport r = eval(s, List.of(), runsFor(s), NIGHTLY);

        assertThat(source(r).grade()).isEqualTo(Grade.WARNING);
        assertThat(source(r).reasons()).singleElement().asString().contains("-40%").contains("1000 → 600")
                .contains("shrinking dump");
    }

    @Test
    void evaluate_sizeChangeWithinThreshold_ok_growthBeyondIt_warning() {
        List<Snapshot> s = new ArrayList<>(daily(4, 1000));
        s.add(snap(Duration.ofHours(1), 1250, false));
        assertThat(source(eval(s, List.of(), runsFor(s), NIGHTLY)).grade()).isEqualTo(Grade.OK);

        s.add(snap(Duration.ofMinutes(30), 1400, false));
        SubjectHealth grown = source(eval(s, List.of(), runsFor(s), NIGHTLY));
        assertThat(grown.grade()).isEqualTo(Grade.WARNING);
        assertThat(grown.reasons()).singleElement().asString().contains("+40%").doesNotContain("shrinking");
    }

    @Test
    void evaluate_sizeWithTooFewEarlierSnapshots_notJudged() {
        List<Snapshot> s = List.of(snap(Duration.ofHours(26).minusMinutes(1), 1000, false),
                snap(Duration.ofHours(2), 100, false));

        assertThat(source(eval(s, List.of(), runsFor(s), NIGHTLY)).grade()).isEqualTo(Grade.OK);
    }

    @Test
    void evaluate_lastDrillFailed_high_laterPassingDrillClearsIt() {
        List<Snapshot> s = daily(3, 1000);
        DrillReport failed = drill(s.get(2), Duration.ofHours(1), false, Duration.ofMinutes(1));
        SubjectHealth src = source(eval(s, List.of(failed), runsFor(s), NIGHTLY));
        assertThat(src.grade()).isEqualTo(Grade.HIGH);
        assertThat(src.reasons()).singleElement().asString().contains("last drill").contains("failed")
                .contains("file a: size 0");

        DrillReport passed = drill(s.get(2), Duration.ofMinutes(10), true, Duration.ofMinutes(1));
        assertThat(source(eval(s, List.of(failed, passed), runsFor(s), NIGHTLY)).grade()).isEqualTo(Grade.OK);
    }

    @Test
    void evaluate_drillRestoreSlowerThanRto_warning() {
        List<Snapshot> s = daily(3, 1000);
        SubjectHealth src = source(eval(s, List.of(drill(s.get(2), Duration.ofHours(1), true,
                Duration.ofMinutes(45))), runsFor(s), NIGHTLY));

        assertThat(src.grade()).isEqualTo(Grade.WARNING);
        assertThat(src.reasons()).singleElement().asString().contains("45m").contains("RTO of 30m");
    }

    @Test
    void evaluate_lastRunFailed_high_evenWithFreshSnapshot() {
        List<Snapshot> s = daily(3, 1000);
        List<JobRun> runs = new ArrayList<>(runsFor(s));
        runs.add(run("nightly", JobKind.BACKUP, Duration.ofMinutes(5), Duration.ofSeconds(3), RunOutcome.FAILED,
                "REPOSITORY_LOCKED", ""));
        SubjectHealth j = job(eval(s, List.of(), runs, NIGHTLY), "nightly");

        assertThat(j.grade()).isEqualTo(Grade.HIGH);
        assertThat(j.reasons()).singleElement().asString().contains("failed (REPOSITORY_LOCKED)");
        assertThat(j.lastSuccess()).contains(s.get(2).time());
    }

    @Test
    void evaluate_partialLastBackup_warning() {
        List<Snapshot> s = daily(3, 1000);
        List<JobRun> runs = new ArrayList<>(runsFor(s));
        runs.add(run("nightly", JobKind.BACKUP, Duration.ofMinutes(5), Duration.ofMinutes(10), RunOutcome.PARTIAL,
                "PARTIAL_BACKUP", ""));

        assertThat(job(eval(s, List.of(), runs, NIGHTLY), "nightly").grade()).isEqualTo(Grade.WARNING);
    }

    @Test
    void evaluate_runSlowerThanTwiceTheMedian_warning_justUnder_ok() {
        List<Snapshot> s = daily(5, 1000);
        List<JobRun> runs = new ArrayList<>(runsFor(s).subList(0, 4)); // 10 min each
        runs.add(run("nightly", JobKind.BACKUP, Duration.ofHours(2), Duration.ofMinutes(19), RunOutcome.SUCCESS, "",
                s.get(4).id()));
        assertThat(job(eval(s, List.of(), runs, NIGHTLY), "nightly").grade()).isEqualTo(Grade.OK);

        runs.set(4, run("nightly", JobKind.BACKUP, Duration.ofHours(2), Duration.ofMinutes(25), RunOutcome.SUCCESS,
                "", s.get(4).id()));
        SubjectHealth j = job(eval(s, List.of(), runs, NIGHTLY), "nightly");
        assertThat(j.grade()).isEqualTo(Grade.WARNING);
        assertThat(j.reasons()).singleElement().asString().contains("25m").contains("2.5×");
    }

    @Test
    void evaluate_checkFoundDamage_highForJobAndRepository() {
        List<Snapshot> s = daily(2, 1000);
        List<JobRun> runs = new ArrayList<>(runsFor(s));
        runs.add(run("weekly-check", JobKind.CHECK, Duration.ofMinutes(30), Duration.ofMinutes(1), RunOutcome.FAILED,
                "INTEGRITY", ""));
        HealthJob check = new HealthJob("weekly-check", JobKind.CHECK, "local", Optional.empty(),
                Optional.of(Duration.ofDays(7)));
        HealthReport r = eval(s, List.of(), runs, NIGHTLY, check);

        assertThat(job(r, "weekly-check").grade()).isEqualTo(Grade.HIGH);
        assertThat(job(r, "weekly-check").reasons()).singleElement().asString().contains("found damage");
        assertThat(r.subject(SubjectHealth.Kind.REPOSITORY, "local").orElseThrow().grade()).isEqualTo(Grade.HIGH);
    }

    @Test
    void evaluate_checkFailedForLock_jobHigh_repositoryNotDamaged() {
        List<JobRun> runs = List.of(run("weekly-check", JobKind.CHECK, Duration.ofMinutes(30), Duration.ofSeconds(1),
                RunOutcome.FAILED, "REPOSITORY_LOCKED", ""));
        HealthJob check = new HealthJob("weekly-check", JobKind.CHECK, "local", Optional.empty(), Optional.empty());
        HealthReport r = eval(List.of(), List.of(), runs, check);

        assertThat(job(r, "weekly-check").grade()).isEqualTo(Grade.HIGH);
        assertThat(r.subject(SubjectHealth.Kind.REPOSITORY, "local").orElseThrow().grade()).isEqualTo(Grade.OK);
    }

    @Test
    void evaluate_scheduledCheckNotRunForTwoIntervals_warning() {
        List<JobRun> runs = List.of(run("daily-check", JobKind.CHECK, Duration.ofHours(50), Duration.ofSeconds(1),
                RunOutcome.SUCCESS, "", ""));
        HealthJob check = new HealthJob("daily-check", JobKind.CHECK, "local", Optional.empty(),
                Optional.of(Duration.ofDays(1)));

        SubjectHealth j = job(eval(List.of(), List.of(), runs, check), "daily-check");
        assertThat(j.grade()).isEqualTo(Grade.WARNING);
        assertThat(j.reasons()).singleElement().asString().startsWith("overdue");
    }

    @Test
    void evaluate_backupJobNeverRan_disasterForJobAndSource() {
        HealthReport r = eval(List.of(), List.of(), List.of(), NIGHTLY);

        assertThat(job(r, "nightly").grade()).isEqualTo(Grade.DISASTER);
        assertThat(source(r).grade()).isEqualTo(Grade.DISASTER);
        assertThat(source(r).reasons()).singleElement().asString().contains("no snapshot");
    }

    @Test
    void evaluate_unreadableRepository_disasterForRepositoryAndItsJobs() {
        HealthReport r = Health.evaluate(List.of(RepositoryState.unreadable("local", "No repository at /x")),
                List.of(NIGHTLY), O, CLOCK);

        SubjectHealth repo = r.subject(SubjectHealth.Kind.REPOSITORY, "local").orElseThrow();
        assertThat(repo.grade()).isEqualTo(Grade.DISASTER);
        assertThat(repo.reasons()).singleElement().asString().contains("No repository at /x");
        assertThat(job(r, "nightly").grade()).isEqualTo(Grade.DISASTER);
        assertThat(r.worst()).isEqualTo(Grade.DISASTER);
    }

    @Test
    void evaluate_sourcesWithoutJobs_namedByKindAndDescriptor() {
        Snapshot other = new Snapshot(String.format("%064x", 999_999), NOW.minus(Duration.ofHours(1)), "h", "u",
                List.of(), "mysql", "mysql://db1/shop", List.of(), "0".repeat(64), Optional.empty(), "0.1.0",
                new SnapshotSummary(1, 0, 5, 5, 1, 1, 5, 5, 1, false, List.of()), Map.of());
        HealthReport r = eval(List.of(other), List.of(), List.of());

        assertThat(r.subject(SubjectHealth.Kind.SOURCE, "mysql mysql://db1/shop").orElseThrow().grade())
                .isEqualTo(Grade.OK);
    }

    @Test
    void objectives_invalidValues_refusedNamingTheParameter() {
        assertThatThrownBy(() -> Objectives.builder().rpo(Duration.ZERO)).hasMessageContaining("rpo");
        assertThatThrownBy(() -> Objectives.builder().sizeChange(-0.1)).hasMessageContaining("sizeChange");
        assertThatThrownBy(() -> Objectives.builder().slowerThan(1)).hasMessageContaining("slowerThan");
        assertThatThrownBy(() -> Objectives.builder().recent(1)).hasMessageContaining("recent");
    }

    @Test
    void human_durations() {
        assertThat(Health.human(Duration.ofHours(26))).isEqualTo("26h");
        assertThat(Health.human(Duration.ofHours(50))).isEqualTo("2d 2h");
        assertThat(Health.human(Duration.ofMinutes(90))).isEqualTo("1h 30m");
        assertThat(Health.human(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Health.human(Duration.ofMillis(350))).isEqualTo("350ms");
    }

    @Test
    void gradeChange_json_escapesAndCarriesFields() {
        SubjectHealth s = new SubjectHealth(SubjectHealth.Kind.SOURCE, "w\"w", "local", Grade.HIGH,
                List.of("a\nb"), Optional.of(NOW), Optional.of(Duration.ZERO));
        String json = new GradeChange(s, Optional.of(Grade.OK), NOW).toJson();

        assertThat(json).contains("\"subject\":\"w\\\"w\"").contains("\"grade\":\"HIGH\"").contains("\"level\":2")
                .contains("\"previous\":\"OK\"").contains("\"reasons\":[\"a\\nb\"]");
    }
}
