package dev.cairn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.Cancellation;
import dev.cairn.ConfigurationException;
import dev.cairn.schedule.JobResult;
import dev.cairn.schedule.JobRun;
import dev.cairn.schedule.JobRunner;
import dev.cairn.schedule.JobSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn run JOB}: runs one job of the configuration file now, for cron and systemd timers. A
 * job is self-contained: its repository and password reference come from the file only (not
 * --repo, CAIRN_REPOSITORY or CAIRN_PASSWORD), so it needs no terminal and no environment but
 * what the file references. The job runs through the core's {@link JobRunner}, exactly as the daemon
 * runs it, and is recorded in the repository ({@code runs/}). It prints only the summary, and exits
 * like the command it runs.
 */
@Command(name = "run",
        description = {"Run a job of the configuration file now (for cron and systemd timers).", "",
                "A job is a backup, a forget-prune, a check or a drill, with the repository and the secret "
                        + "references the file names; --repo, CAIRN_REPOSITORY and CAIRN_PASSWORD do not apply. Needs "
                        + "no terminal and no environment but what the file references. The run is recorded in the "
                        + "repository (cairn status grades it). Prints only the summary and exits like the command "
                        + "the job runs (0 ok, 3 partial backup, 11 locked, 14 damage found, 17 drill failed…). "
                        + "`cairn daemon` runs the same jobs on their cron schedules.", "",
                "  jobs:",
                "    nightly-www:",
                "      type: backup",
                "      repository: local",
                "      source: www",
                "      tags: [nightly]",
                "      cron: \"0 30 2 * * ?\"        # used by cairn daemon",
                "      timeout: 4h", "",
                "  cairn run nightly-www --config /etc/cairn/cairn.yaml",
                "  cairn run weekly-check --json", ""})
final class RunCommand extends RepoCommand {
    @Parameters(index = "0", paramLabel = "JOB", description = "A name under jobs: in the configuration file.")
    String job;

    @Option(names = "--json", description = "Print the job's outcome as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (root().repo != null) {
            throw new ConfigurationException("--repo does not apply to run: a job uses the repository it names in "
                    + "the configuration file.");
        }
        Config c = root().config();
        if (c.file == null) {
            throw new ConfigurationException("No configuration file: pass --config FILE (or put it at ./cairn.yaml or "
                    + "/etc/cairn/cairn.yaml). `cairn run --help` shows an example.");
        }
        JobSpec spec = Jobs.spec(root(), job, false);
        JobRunner runner = JobRunner.builder().instance("cli").build();
        JobResult r = root().standalone ? cancellable(runner, spec) : runner.run(spec);
        return report(this, r, json);
    }

    /** Prints a job's outcome like the command it ran; returns the exit code. A plain failure is thrown. */
    static int report(RepoCommand c, JobResult r, boolean json) {
        if (r.backup().isPresent()) {
            return BackupCommand.report(c, r.backup().get(), json);
        }
        if (r.check().isPresent()) {
            return CheckCommand.report(c, r.check().get(), json);
        }
        if (r.drill().isPresent()) {
            return DrillCommand.report(c, r.drill().get(), json);
        }
        if (r.failure().isPresent()) {
            throw r.failure().get();
        }
        JobRun run = r.run();
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("job", run.job());
            n.put("kind", run.kind().id());
            n.put("outcome", run.outcome().name());
            n.put("message", run.message());
            r.forget().ifPresent(f -> {
                n.put("snapshotsRemoved", f.removed().size());
                n.put("snapshotsKept", f.kept().size());
            });
            r.prune().ifPresent(p -> {
                n.put("packsDeleted", p.packsDeleted());
                n.put("packsRepacked", p.packsRepacked());
                n.put("bytesFreed", p.bytesFreed());
            });
            Json.print(c.out(), n);
        } else {
            c.say(run.message());
        }
        return Main.OK;
    }

    /** Runs the job; when the process is stopped (SIGTERM), cancels it so that its lock is released. */
    private static JobResult cancellable(JobRunner runner, JobSpec spec) {
        return BackupCommand.onShutdownCancel(c -> runner.run(spec, java.time.Instant.now(), c));
    }
}
