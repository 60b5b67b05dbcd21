package dev.cairn.cli;

import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.cli.Config.BackupJob;
import dev.cairn.cli.Config.CheckJob;
import dev.cairn.cli.Config.DrillJob;
import dev.cairn.cli.Config.Job;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.Source;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/**
 * {@code cairn run JOB}: runs one job of the configuration file, for cron and systemd timers. A
 * job is self-contained: its repository and password reference come from the file only (not
 * --repo, CAIRN_REPOSITORY or CAIRN_PASSWORD), so it needs no terminal and no environment but
 * what the file references. It prints only the summary, and exits like the command it runs.
 */
@Command(name = "run",
        description = {"Run a job of the configuration file (for cron and systemd timers).", "",
                "A job is a backup, a check or a drill, with the repository and the secret references the file "
                        + "names; --repo, CAIRN_REPOSITORY and CAIRN_PASSWORD do not apply. Needs no terminal and "
                        + "no environment but what the file references. Prints only the summary and exits like the "
                        + "command the job runs (0 ok, 3 partial backup, 14 damage found, 17 drill failed…).", "",
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
        Job j = c.job(job);
        String repoName = j.repository != null ? j.repository : c.root.repository;
        Config.RepositoryConfig r = c.root.repositories.get(repoName);
        if (r.password == null) {
            throw new ConfigurationException(c.where(r.line) + ": repositories." + repoName + " has no password "
                    + "reference, which a job needs: add `password: ${file:/etc/cairn/" + repoName + ".pass}` or "
                    + "`password: ${env:NAME}`.");
        }
        Secret password = root().secrets().resolve(r.password);
        try (Repository repo = Repository.at(r.location).password(password).open()) {
            password.clear();
            if (j instanceof BackupJob b) {
                Source source = Sources.configured(c, b.source, root().secrets(), env());
                String host = b.host != null ? b.host : Setting.HOST.resolve(null, env(), c).value();
                return BackupCommand.perform(this, repo, source, b.tags == null ? List.of() : b.tags, host, null, json);
            }
            if (j instanceof CheckJob k) {
                return CheckCommand.perform(this, repo, Boolean.TRUE.equals(k.readData), k.readDataSubset, json);
            }
            DrillJob d = (DrillJob) j;
            Snapshot s;
            if (d.snapshot != null) {
                s = repo.snapshot(d.snapshot);
            } else {
                Source source = Sources.configured(c, d.source, root().secrets(), env());
                s = repo.latest(null, source.kind(), source.paths()).orElseThrow(() -> new ConfigurationException(
                        "Job " + job + ": repository " + repoName + " has no snapshot of source " + d.source
                                + " yet. Run its backup job first."));
            }
            return DrillCommand.perform(this, repo, s, d.scratch, env(), json);
        } finally {
            password.clear();
        }
    }
}
