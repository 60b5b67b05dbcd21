package dev.cairn.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The top-level {@code cairn} command: global options, shared by every subcommand (they may be
 * given before or after the subcommand's name), and the run's environment and streams. One
 * instance per run; not thread-safe.
 */
@Command(name = "cairn", mixinStandardHelpOptions = true, versionProvider = CairnCommand.Version.class,
        scope = ScopeType.INHERIT,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Encrypted, deduplicated backups.%n"
                + "The repository comes from --repo or CAIRN_REPOSITORY; the password only from the environment: "
                + "CAIRN_PASSWORD or CAIRN_PASSWORD_FILE.",
        subcommands = {QuickstartCommand.class, InitCommand.class, BackupCommand.class, SnapshotsCommand.class, RestoreCommand.class,
                LsCommand.class, DumpCommand.class, DrillCommand.class, CheckCommand.class, RepairCommand.class, ExportTarCommand.class, ForgetCommand.class, KeyCommand.class,
                UnlockCommand.class, VersionCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok", "1:failed", "2:usage or configuration error", "3:backup saved, but some files could not be read",
                "10:no repository at the location", "11:repository locked by another process",
                "12:wrong password", "13:a repository already exists (init)", "14:integrity check failed",
                "15:source could not be read; no snapshot written", "16:storage backend failed", "17:restore drill failed", "130:cancelled"})
public final class CairnCommand implements Callable<Integer> {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    /** Whether stdout is a terminal: progress is shown only then. */
    final boolean interactive;
    /** Whether this run is the whole process (started by {@link Main#main}): it may install shutdown hooks. */
    final boolean standalone;

    @Spec
    CommandSpec spec;

    @Option(names = {"--repo", "--repository"}, paramLabel = "LOCATION", scope = ScopeType.INHERIT,
            description = "Repository: a directory, file:/path or a URI such as s3://bucket/prefix. "
                    + "Default: CAIRN_REPOSITORY.")
    String repo;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print only errors, warnings and requested data (no summaries).")
    boolean quiet;

    CairnCommand(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive, boolean standalone) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.standalone = standalone;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The {@code --version} text. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {VersionCommand.text()};
        }
    }
}
