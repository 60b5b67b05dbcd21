package dev.cairn.health;

import dev.cairn.schedule.JobKind;
import dev.cairn.schedule.JobRun;
import dev.cairn.schedule.RunOutcome;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.verify.DrillReport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Grades health: a pure function of what the repositories hold (snapshots, drill reports, job run
 * records), what the jobs are expected to do, the {@link Objectives} and a {@link Clock}. Stateless.
 *
 * <ul>
 * <li><b>Repository</b>: DISASTER when it cannot be opened or read; HIGH when its latest check run found
 *     damage.</li>
 * <li><b>Source</b> (snapshots grouped by source kind and descriptor; named by the configured source
 *     when a job's runs tie them): DISASTER when no restorable (complete, non-partial) snapshot is
 *     younger than the RPO; WARNING when the newest is older than its backup job's interval times
 *     {@code lateFactor}; WARNING when the newest snapshot's size differs from the median of the recent
 *     ones by more than {@code sizeChange} (a shrinking dump can mean lost data); HIGH when the latest
 *     drill of one of its snapshots failed; WARNING when that drill's restore took longer than the RTO.</li>
 * <li><b>Job</b>: HIGH when its last run failed (a check that found damage, a failed drill, a
 *     lock, an error); WARNING when it was partial, or slower than {@code slowerThan} times the median
 *     of its recent successful runs, or when a scheduled job has not run for twice its interval; for a
 *     backup job, DISASTER when it has no successful run within the RPO and WARNING when its last success
 *     is late.</li>
 * </ul>
 */
public final class Health {
    private Health() {
    }

    /** Grades every repository, source and job. */
    public static HealthReport evaluate(List<RepositoryState> repositories, List<HealthJob> jobs, Objectives o,
                                        Clock clock) {
        Instant now = clock.instant();
        List<SubjectHealth> out = new ArrayList<>();
        Map<String, RepositoryState> byName = new LinkedHashMap<>();
        repositories.forEach(r -> byName.put(r.name(), r));
        for (RepositoryState r : repositories) {
            out.add(repository(r, now));
            if (r.error().isEmpty()) {
                out.addAll(sources(r, jobs, o, now));
            }
        }
        for (HealthJob j : jobs) {
            RepositoryState r = byName.get(j.repository());
            out.add(job(j, r, o, now));
        }
        return new HealthReport(now, out);
    }

    // ------------------------------------------------------------------ repository

    private static SubjectHealth repository(RepositoryState r, Instant now) {
        if (r.error().isPresent()) {
            return new SubjectHealth(SubjectHealth.Kind.REPOSITORY, r.name(), r.name(), Grade.DISASTER,
                    List.of("repository cannot be read: " + r.error().get()), Optional.empty(), Optional.empty());
        }
        Optional<JobRun> check = r.runs().stream().filter(x -> x.kind() == JobKind.CHECK)
                .filter(x -> x.outcome() == RunOutcome.SUCCESS || "INTEGRITY".equals(x.errorCode()))
                .max(Comparator.comparing(JobRun::start));
        if (check.isPresent() && !check.get().succeeded()) {
            return new SubjectHealth(SubjectHealth.Kind.REPOSITORY, r.name(), r.name(), Grade.HIGH,
                    List.of("check " + check.get().job() + " at " + check.get().start() + " found damage: "
                            + check.get().message()), Optional.empty(), Optional.empty());
        }
        Optional<Instant> ok = check.map(JobRun::end);
        return new SubjectHealth(SubjectHealth.Kind.REPOSITORY, r.name(), r.name(), Grade.OK, List.of(), ok,
                ok.map(t -> Duration.between(t, now)));
    }

    // ------------------------------------------------------------------ sources

    private static String sourceKey(Snapshot s) {
        return s.sourceKind() + " " + s.source();
    }

    private static List<SubjectHealth> sources(RepositoryState r, List<HealthJob> jobs, Objectives o, Instant now) {
        // Configured source names and expected intervals, tied to descriptors by the backup runs.
        Map<String, HealthJob> backupJobs = new HashMap<>();
        jobs.stream().filter(j -> j.kind() == JobKind.BACKUP && j.repository().equals(r.name()))
                .forEach(j -> backupJobs.put(j.name(), j));
        Map<String, HealthJob> jobOfDescriptor = new HashMap<>();
        for (JobRun run : r.runs()) {
            HealthJob j = backupJobs.get(run.job());
            if (j != null && !run.source().isEmpty()) {
                jobOfDescriptor.put(run.source(), j);
            }
        }
        Map<String, List<Snapshot>> groups = new LinkedHashMap<>();
        r.snapshots().stream().sorted(Comparator.comparing(Snapshot::time))
                .forEach(s -> groups.computeIfAbsent(sourceKey(s), k -> new ArrayList<>()).add(s));
        Set<String> named = new java.util.HashSet<>();
        List<SubjectHealth> out = new ArrayList<>();
        for (Map.Entry<String, List<Snapshot>> g : groups.entrySet()) {
            List<Snapshot> snaps = g.getValue();
            String descriptor = snaps.get(0).source();
            HealthJob job = jobOfDescriptor.get(descriptor);
            String name = job != null && job.source().isPresent() ? job.source().get() : g.getKey();
            named.add(name);
            out.add(source(r, name, snaps, job, o, now));
        }
        // A backup job's source with no snapshot at all: nothing restorable.
        for (HealthJob j : backupJobs.values()) {
            if (j.source().isPresent() && !named.contains(j.source().get())) {
                named.add(j.source().get());
                out.add(new SubjectHealth(SubjectHealth.Kind.SOURCE, j.source().get(), r.name(), Grade.DISASTER,
                        List.of("no snapshot of this source in repository " + r.name()), Optional.empty(),
                        Optional.empty()));
            }
        }
        return out;
    }

    private static SubjectHealth source(RepositoryState r, String name, List<Snapshot> snaps, HealthJob job,
                                        Objectives o, Instant now) {
        Grade grade = Grade.OK;
        List<String> reasons = new ArrayList<>();
        Optional<Snapshot> restorable = snaps.stream().filter(s -> !s.summary().partial())
                .max(Comparator.comparing(Snapshot::time));
        Optional<Duration> age = restorable.map(s -> Duration.between(s.time(), now));
        if (restorable.isEmpty()) {
            grade = Grade.DISASTER;
            reasons.add("no restorable snapshot (" + snaps.size() + " partial)");
        } else if (age.get().compareTo(o.rpo()) > 0) {
            grade = Grade.DISASTER;
            reasons.add("no restorable backup within the RPO of " + human(o.rpo()) + ": the newest ("
                    + restorable.get().shortId() + ") is " + human(age.get()) + " old");
        } else if (job != null && job.expectedInterval().isPresent()
                && age.get().toMillis() > job.expectedInterval().get().toMillis() * o.lateFactor()) {
            grade = Grade.WARNING;
            reasons.add("backup late: the newest restorable snapshot is " + human(age.get()) + " old; job "
                    + job.name() + " runs every " + human(job.expectedInterval().get()));
        }
        // Size anomaly: the newest snapshot against the median of the recent ones before it.
        Snapshot newest = snaps.get(snaps.size() - 1);
        List<Snapshot> earlier = snaps.subList(Math.max(0, snaps.size() - 1 - o.recent()), snaps.size() - 1);
        if (earlier.size() >= 2) {
            double median = median(earlier.stream().map(s -> (double) s.summary().bytesTotal()).toList());
            if (median > 0) {
                double change = (newest.summary().bytesTotal() - median) / median;
                if (Math.abs(change) > o.sizeChange()) {
                    grade = grade.max(Grade.WARNING);
                    reasons.add(String.format(Locale.ROOT, "size of snapshot %s changed by %+.0f%% against the "
                                    + "median of the %d before it (%d → %d bytes)%s", newest.shortId(), change * 100,
                            earlier.size(), (long) median, newest.summary().bytesTotal(),
                            change < 0 ? "; a shrinking dump can mean lost data" : ""));
                }
            }
        }
        // The latest drill of one of these snapshots.
        Set<String> ids = snaps.stream().map(Snapshot::id).collect(Collectors.toSet());
        Optional<DrillReport> drill = r.drills().stream().filter(d -> ids.contains(d.snapshotId()))
                .max(Comparator.comparing(DrillReport::time));
        if (drill.isPresent()) {
            DrillReport d = drill.get();
            if (!d.passed()) {
                grade = grade.max(Grade.HIGH);
                reasons.add("last drill (" + d.time() + ", snapshot " + d.snapshotId().substring(0, Math.min(8,
                        d.snapshotId().length())) + ") failed: " + (d.failures().isEmpty() ? "?" : d.failures().get(0)));
            } else if (d.restoreTime().compareTo(o.rto()) > 0) {
                grade = grade.max(Grade.WARNING);
                reasons.add("last drill's restore took " + human(d.restoreTime()) + ", over the RTO of "
                        + human(o.rto()));
            }
        }
        return new SubjectHealth(SubjectHealth.Kind.SOURCE, name, r.name(), grade, reasons,
                restorable.map(Snapshot::time), age);
    }

    // ------------------------------------------------------------------ jobs

    private static SubjectHealth job(HealthJob j, RepositoryState r, Objectives o, Instant now) {
        if (r == null || r.error().isPresent()) {
            return new SubjectHealth(SubjectHealth.Kind.JOB, j.name(), j.repository(), Grade.DISASTER,
                    List.of("its repository " + j.repository() + (r == null ? " is not known" : " cannot be read")),
                    Optional.empty(), Optional.empty());
        }
        List<JobRun> runs = r.runs().stream().filter(x -> x.job().equals(j.name()))
                .sorted(Comparator.comparing(JobRun::start)).toList();
        Grade grade = Grade.OK;
        List<String> reasons = new ArrayList<>();
        Optional<JobRun> lastSuccess = runs.stream().filter(JobRun::succeeded).reduce((a, b) -> b);
        Optional<Duration> age = lastSuccess.map(x -> Duration.between(x.start(), now));
        if (runs.isEmpty()) {
            if (j.kind() == JobKind.BACKUP) {
                grade = Grade.DISASTER;
                reasons.add("it has never run: no backup of its source");
            }
            return new SubjectHealth(SubjectHealth.Kind.JOB, j.name(), j.repository(), grade, reasons,
                    Optional.empty(), Optional.empty());
        }
        JobRun last = runs.get(runs.size() - 1);
        if (last.outcome() == RunOutcome.FAILED) {
            grade = Grade.HIGH;
            reasons.add(switch (last.errorCode()) {
                case "INTEGRITY" -> "its last check (" + last.start() + ") found damage: " + last.message();
                case "DRILL_FAILED" -> "its last drill (" + last.start() + ") failed: " + last.message();
                default -> "its last run (" + last.start() + ") failed"
                        + (last.errorCode().isEmpty() ? "" : " (" + last.errorCode() + ")") + ": " + last.message();
            });
        } else if (last.outcome() == RunOutcome.PARTIAL) {
            grade = Grade.WARNING;
            reasons.add("its last backup (" + last.start() + ") was partial: " + last.message());
        }
        List<JobRun> earlier = runs.subList(0, runs.size() - 1).stream().filter(JobRun::succeeded).toList();
        earlier = earlier.subList(Math.max(0, earlier.size() - o.recent()), earlier.size());
        if (earlier.size() >= 3 && last.outcome() != RunOutcome.FAILED) {
            double median = median(earlier.stream().map(x -> (double) x.duration().toMillis()).toList());
            if (median > 0 && last.duration().toMillis() > median * o.slowerThan()) {
                grade = grade.max(Grade.WARNING);
                reasons.add(String.format(Locale.ROOT, "its last run took %s, %.1f× the median of the %d before it "
                                + "(%s)", human(last.duration()), last.duration().toMillis() / median, earlier.size(),
                        human(Duration.ofMillis((long) median))));
            }
        }
        if (j.kind() == JobKind.BACKUP) {
            if (age.isEmpty() || age.get().compareTo(o.rpo()) > 0) {
                grade = Grade.DISASTER;
                reasons.add(age.isEmpty() ? "no successful backup yet"
                        : "no successful backup within the RPO of " + human(o.rpo()) + ": the last was "
                        + human(age.get()) + " ago");
            } else if (j.expectedInterval().isPresent()
                    && age.get().toMillis() > j.expectedInterval().get().toMillis() * o.lateFactor()) {
                grade = grade.max(Grade.WARNING);
                reasons.add("backup late: the last success was " + human(age.get()) + " ago; it runs every "
                        + human(j.expectedInterval().get()));
            }
        } else if (j.expectedInterval().isPresent()) {
            Duration since = Duration.between(last.start(), now);
            if (since.toMillis() > j.expectedInterval().get().toMillis() * 2) {
                grade = grade.max(Grade.WARNING);
                reasons.add("overdue: it last ran " + human(since) + " ago; it runs every "
                        + human(j.expectedInterval().get()));
            }
        }
        return new SubjectHealth(SubjectHealth.Kind.JOB, j.name(), j.repository(), grade, reasons,
                lastSuccess.map(JobRun::start), age);
    }

    // ------------------------------------------------------------------ helpers

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** {@code 26h}, {@code 1h 30m}, {@code 45s}, {@code 350ms}. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = ms / 1000;
        long days = s >= 2 * 86400 ? s / 86400 : 0; // 26h reads better than 1d 2h
        long h = (s - days * 86400) / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        StringBuilder b = new StringBuilder();
        if (days > 0) {
            b.append(days).append("d ");
        }
        if (h > 0) {
            b.append(h).append("h ");
        }
        if (m > 0 && days == 0) {
            b.append(m).append("m ");
        }
        if (sec > 0 && days == 0 && h == 0) {
            b.append(sec).append("s ");
        }
        return b.toString().strip();
    }
}
