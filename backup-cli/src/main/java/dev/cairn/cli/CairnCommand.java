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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        description = {"Encrypted, deduplicated backups.", "",
                "The repository comes from --repo, CAIRN_REPOSITORY or `repository:` in the configuration file. The "
                        + "password comes from CAIRN_PASSWORD or CAIRN_PASSWORD_FILE, or from the repository's "
                        + "password reference in the file; never from an argument:", "",
                "  password: $${file:/etc/cairn/repo.pass}      (or $${env:NAME})", "",
                "  export CAIRN_REPOSITORY=/srv/backup CAIRN_PASSWORD_FILE=/etc/cairn/pass",
                "  cairn init",
                "  cairn backup --tag nightly /srv/www",
                "  cairn snapshots",
                "  cairn run nightly-www --config /etc/cairn/cairn.yaml",
                "  cairn daemon --config /etc/cairn/cairn.yaml",
                "  cairn status",
                "", "Run `cairn COMMAND --help` for a command's options.", ""},
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok", "1:failed", "2:usage or configuration error", "3:backup saved, but some files could not be read",
                "10:no repository at the location", "11:repository locked by another process",
                "12:wrong password", "13:a repository already exists (init)", "14:integrity check failed",
                "15:source could not be read; no snapshot written", "16:storage backend failed", "17:restore drill failed", "20:status: something is HIGH",
                "21:status: something is DISASTER", "130:cancelled"})
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
            description = "Repository: a directory, a URI (file:, s3:), or the name of an entry under "
                    + "repositories: in the configuration file. Default: CAIRN_REPOSITORY, then repository: in the "
                    + "file.")
    String repo;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Configuration file (YAML). Default: CAIRN_CONFIG, else cairn.yaml in the current "
                    + "directory, else /etc/cairn/cairn.yaml (the first that exists).")
    Path configFile;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More detail; an error prints its stack trace. Also CAIRN_VERBOSE, verbose:.")
    boolean verbose;

    @Option(names = "--no-lock", scope = ScopeType.INHERIT,
            description = "Read (restore, dump, ls, export-tar) without taking a shared lock, for storage these "
                    + "credentials can only read. A prune running meanwhile can then make the read fail.")
    boolean noLock;

    @Option(names = "--cache-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Where copies of a remote repository's index, snapshots and trees are kept (each checked "
                    + "against its name before use). Also CAIRN_CACHE_DIR, cacheDir:. Default: $XDG_CACHE_HOME/cairn, "
                    + "else ~/.cache/cairn.")
    Path cacheDir;

    @Option(names = "--no-cache", scope = ScopeType.INHERIT,
            description = "Read everything from the repository itself (no local copies). Also CAIRN_NO_CACHE.")
    boolean noCache;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print only errors, warnings and requested data (no summaries). Also CAIRN_QUIET, quiet:.")
    boolean quiet;

    /**
     * The subcommands, in the order help lists them. Only the one a run invokes is built from its
     * annotations (see {@link Main#commandLine}): reflecting over all of them would double the start-up time.
     */
    static final List<Class<?>> COMMANDS = List.of(QuickstartCommand.class, InitCommand.class, BackupCommand.class,
            SnapshotsCommand.class, LsCommand.class, DiffCommand.class, RestoreCommand.class, DumpCommand.class,
            ExportTarCommand.class, CheckCommand.class, RepairCommand.class, DrillCommand.class, ForgetCommand.class,
            PruneCommand.class,
            StatsCommand.class, KeyCommand.class, UnlockCommand.class, RunCommand.class, DaemonCommand.class,
            StatusCommand.class, CompletionCommand.class,
            VersionCommand.class, HelpCommand.class);

    /** Global options that take a value: the word after them is not a command name. */
    static final java.util.Set<String> OPTIONS_WITH_VALUE = java.util.Set.of("--repo", "--repository", "--config",
            "--cache-dir");

    /** The first default configuration file that exists is used. */
    static final List<Path> DEFAULT_CONFIGS = List.of(Path.of("cairn.yaml"), Path.of("/etc/cairn/cairn.yaml"));

    private Config config;
    private Secrets secrets;
    private Boolean quietSetting;

    CairnCommand(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive, boolean standalone) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.standalone = standalone;
    }

    /** The configuration file's contents ({@link Config#NONE} without one); loaded once, on first use. */
    Config config() {
        if (config == null) {
            Setting.Value v = Setting.CONFIG.resolve(configFile == null ? null : configFile.toString(), env, Config.NONE);
            if (v.isSet()) {
                config = Config.load(Path.of(v.value()));
            } else {
                Path found = DEFAULT_CONFIGS.stream().filter(Files::isRegularFile).findFirst().orElse(null);
                config = found == null ? Config.NONE : Config.load(found);
            }
        }
        return config;
    }

    /**
     * The root of the cache of remote repositories ({@link dev.cairn.Repository.Builder#cacheDirectory}):
     * --cache-dir, CAIRN_CACHE_DIR or cacheDir: in the file, else $XDG_CACHE_HOME/cairn, else
     * ~/.cache/cairn; null with --no-cache (or CAIRN_NO_CACHE), or when there is no home directory.
     */
    Path cacheDirectory() {
        if (Setting.NO_CACHE.flag(noCache, env, config())) {
            return null;
        }
        Setting.Value v = Setting.CACHE_DIR.resolve(cacheDir == null ? null : cacheDir.toString(), env, config());
        if (v.isSet()) {
            return Path.of(v.value());
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "cairn");
        }
        String home = env.get("HOME");
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "cairn");
    }

    Secrets secrets() {
        if (secrets == null) {
            secrets = new Secrets(config(), env);
        }
        return secrets;
    }

    /** --quiet, CAIRN_QUIET or quiet: in the file. */
    boolean quiet() {
        if (quietSetting == null) {
            quietSetting = Setting.QUIET.flag(quiet, env, config());
        }
        return quietSetting;
    }

    /**
     * Applies CAIRN_VERBOSE and verbose: in the file to {@link #verbose} before the command runs. A
     * broken file is reported by the command that loads it, not here.
     */
    void settleVerbose() {
        if (verbose) {
            return;
        }
        try {
            verbose = Setting.VERBOSE.flag(false, env, config());
        } catch (RuntimeException e) {
            config = null;
            try {
                verbose = Setting.VERBOSE.flag(false, env, Config.NONE);
            } catch (RuntimeException ignored) {
                verbose = false;
            }
        }
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

    /**
     * The process's standard input, for {@code backup --stdin}; closing it leaves descriptor 0 open.
     * A regular file ({@code cairn backup --stdin < dump.sql}) is read with direct I/O where it can
     * be ({@link dev.cairn.internal.util.DirectInput}, through the descriptor's own file from where
     * descriptor 0 stands); anything else (a pipe) through its channel: the JDK reads a channel into
     * a cached per-thread direct buffer, while {@code FileInputStream} allocates (mmaps, with the
     * launcher's fixed malloc thresholds) and frees a native buffer per large read.
     */
    static java.io.InputStream standardInput() {
        java.nio.channels.FileChannel ch = new java.io.FileInputStream(java.io.FileDescriptor.in).getChannel();
        try {
            long at = ch.position(); // a pipe has no position
            if (ch.size() > at) {
                java.io.InputStream direct = dev.cairn.internal.util.DirectInput.open(
                        java.nio.file.Path.of("/proc/self/fd/0"), at, false);
                if (direct != null) {
                    return direct;
                }
            }
        } catch (java.io.IOException e) {
            // not a regular file: read the descriptor
        }
        return new java.io.FilterInputStream(java.nio.channels.Channels.newInputStream(ch)) {
            @Override
            public void close() {
                // descriptor 0 belongs to the process
            }
        };
    }
}
