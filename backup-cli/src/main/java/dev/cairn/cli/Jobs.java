package dev.cairn.cli;

import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.cli.Config.BackupJob;
import dev.cairn.cli.Config.CheckJob;
import dev.cairn.cli.Config.DrillJob;
import dev.cairn.cli.Config.ForgetJob;
import dev.cairn.cli.Config.Job;
import dev.cairn.health.HealthJob;
import dev.cairn.schedule.JobKind;
import dev.cairn.schedule.JobSpec;
import dev.cairn.schedule.Schedule;
import dev.cairn.snapshot.RetentionPolicy;
import dev.cairn.source.Source;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Maps the configuration file's jobs to core {@link JobSpec}s: the one place where {@code cairn run},
 * {@code cairn daemon} and {@code cairn status} learn what a job is. Secrets (repository passwords,
 * source environments) are resolved at each run, not here. Stateless.
 */
final class Jobs {
    /** How long a job waits for a lock held by another operation on its repository. */
    static final java.time.Duration JOB_LOCK_WAIT = java.time.Duration.ofHours(1);

    private Jobs() {
    }

    /** The spec of job {@code name}; {@code withSchedule}: include its cron schedule (the daemon). */
    static JobSpec spec(CairnCommand root, String name, boolean withSchedule) {
        Config c = root.config();
        Job j = c.job(name);
        String repoName = repositoryName(c, j);
        JobSpec.Builder b = switch (j.type()) {
            case "backup" -> JobSpec.backup(name);
            case "check" -> JobSpec.check(name);
            case "drill" -> JobSpec.drill(name);
            default -> JobSpec.forgetPrune(name);
        };
        return RepoCommand.usage(() -> {
            b.repository(repoName, opener(root, repoName));
            if (withSchedule && j.cron != null) {
                b.schedule(schedule(j));
            }
            if (j.timeout != null) {
                b.timeout(Values.duration(j.timeout));
            }
            if (j instanceof BackupJob k) {
                b.source(k.source, source(root, k.source));
                if (k.tags != null) {
                    b.tags(k.tags.toArray(String[]::new));
                }
                String host = k.host != null ? k.host : Setting.HOST.resolve(null, root.env, c).value();
                if (host != null) {
                    b.host(host);
                }
            } else if (j instanceof CheckJob k) {
                if (k.readDataBudget != null) {
                    b.readDataBudget(Values.size(k.readDataBudget));
                } else if (k.readDataSubset != null) {
                    b.readDataSubset(k.readDataSubset);
                } else {
                    b.readData(Boolean.TRUE.equals(k.readData));
                }
            } else if (j instanceof DrillJob k) {
                if (k.snapshot != null) {
                    b.snapshot(k.snapshot);
                } else {
                    b.source(k.source, source(root, k.source));
                }
                if (k.scratch != null) {
                    b.scratch(k.scratch);
                }
                b.drillEnvironment(root.env);
            } else if (j instanceof ForgetJob k) {
                b.retention(retention(k));
                if (k.pruneGracePeriod != null) {
                    b.pruneGracePeriod(Values.duration(k.pruneGracePeriod));
                }
                if (k.repackBelow != null) {
                    b.repackBelow(Values.fraction(k.repackBelow));
                }
            }
            return b.build();
        });
    }

    static Schedule schedule(Job j) {
        Schedule s = Schedule.cron(j.cron);
        if (j.zone != null) {
            s = s.zone(Values.zone(j.zone));
        }
        if (j.misfire != null) {
            s = s.misfire(Values.misfire(j.misfire));
        }
        return s;
    }

    /** What health grading expects of job {@code name}, without building it (no secret is resolved). */
    static HealthJob expectation(Config c, String name, Instant now) {
        Job j = c.job(name);
        Optional<String> source = j instanceof BackupJob b ? Optional.of(b.source)
                : j instanceof DrillJob d ? Optional.ofNullable(d.source) : Optional.empty();
        JobKind kind = JobKind.of(j.type());
        return new HealthJob(name, kind, repositoryName(c, j), source,
                j.cron == null ? Optional.empty() : schedule(j).interval(now));
    }

    static String repositoryName(Config c, Job j) {
        return j.repository != null ? j.repository : c.root.repository;
    }

    private static RetentionPolicy retention(ForgetJob k) {
        RetentionPolicy.Builder r = RetentionPolicy.builder();
        if (k.keepLast != null) {
            r.keepLast(k.keepLast);
        }
        if (k.keepHourly != null) {
            r.keepHourly(k.keepHourly);
        }
        if (k.keepDaily != null) {
            r.keepDaily(k.keepDaily);
        }
        if (k.keepWeekly != null) {
            r.keepWeekly(k.keepWeekly);
        }
        if (k.keepMonthly != null) {
            r.keepMonthly(k.keepMonthly);
        }
        if (k.keepYearly != null) {
            r.keepYearly(k.keepYearly);
        }
        if (k.keepWithin != null) {
            r.keepWithin(Values.duration(k.keepWithin));
        }
        if (k.keepTag != null && !k.keepTag.isEmpty()) {
            r.keepTags(k.keepTag.toArray(String[]::new));
        }
        if (k.groupBy != null) {
            r.groupBy(k.groupBy.toArray(String[]::new));
        }
        return r.zone(ZoneId.systemDefault()).build();
    }

    /**
     * Opens repository entry {@code name} with its password reference, resolved at each call (a rotated
     * password file is read again). The file's reference only: a job ignores CAIRN_PASSWORD.
     */
    static Supplier<Repository> opener(CairnCommand root, String name) {
        Config c = root.config();
        Config.RepositoryConfig r = c.root.repositories.get(name);
        if (r.password == null) {
            throw new ConfigurationException(c.where(r.line) + ": repositories." + name + " has no password "
                    + "reference, which a job needs: add `password: ${file:/etc/cairn/" + name + ".pass}` or "
                    + "`password: ${env:NAME}`.");
        }
        java.nio.file.Path cache = root.cacheDirectory();
        return () -> {
            Secret password;
            synchronized (root) {
                password = root.secrets().resolve(r.password);
            }
            try {
                // A scheduled job that meets another job's lock (a prune, a backup) waits for it rather
                // than failing; its timeout, if shorter, still applies.
                return Repository.at(r.location).password(password).lockWait(JOB_LOCK_WAIT).cacheDirectory(cache).open();
            } finally {
                password.clear();
            }
        };
    }

    private static Supplier<Source> source(CairnCommand root, String name) {
        return () -> {
            synchronized (root) {
                return Sources.configured(root.config(), name, root.secrets(), root.env);
            }
        };
    }
}
