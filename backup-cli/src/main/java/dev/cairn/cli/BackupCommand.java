package dev.cairn.cli;

import dev.cairn.Adapters;
import dev.cairn.BackupListener;
import dev.cairn.BackupResult;
import dev.cairn.Cancellation;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.source.Source;
import dev.cairn.source.StreamSource;
import dev.cairn.source.fs.FileSystemSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.SourceReadException;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code cairn backup}: backs up files and directories, or a command's output. */
@Command(name = "backup",
        description = {"Back up files and directories, or a command's standard output.", "",
                "  cairn backup --tag nightly /srv/www /etc",
                "  cairn backup --command db.sql -- pg_dump shop",
                "  cairn backup --dry-run --exclude '*.tmp' /srv/www",
                "  cairn backup s3://bucket/prefix      (adapter modules add source schemes)", ""})
final class BackupCommand extends RepoCommand {
    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "Files and directories to back up; with --command, the command and its arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "TAG", description = "Tag the snapshot; repeatable.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "Host name recorded in the snapshot. Default: CAIRN_HOST, then host: in the "
            + "configuration file, then this machine's name.")
    String host;

    @Option(names = "--time", paramLabel = "\"YYYY-MM-DD HH:MM:SS\"",
            description = "Snapshot time in the local time zone (default: now), e.g. to import old backups.")
    String time;

    @Option(names = "--exclude", paramLabel = "GLOB",
            description = "Skip entries matching the glob: *.tmp matches names at any depth, build/** paths below a "
                    + "backed-up item; repeatable. A .cairnignore file in a directory adds globs.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--include", paramLabel = "GLOB",
            description = "Back up only files matching one of these globs (same syntax as --exclude); directories are "
                    + "always walked; repeatable.")
    List<String> includes = new ArrayList<>();

    @Option(names = {"-x", "--one-file-system"}, description = "Do not cross into other file systems.")
    boolean oneFileSystem;

    @Option(names = {"--command", "--stdin-from-command"}, paramLabel = "NAME",
            description = "Back up the standard output of the command after -- as the entry NAME. A non-zero exit "
                    + "status fails the backup (exit 15).")
    String commandName;

    @Option(names = "--stdin", description = "Back up what is piped into standard input, as the entry named by "
            + "--stdin-filename (as restic's --stdin): mysqldump shop | cairn backup --stdin --stdin-filename "
            + "shop.sql. Prefer --command, which also fails the backup when the dump command fails.")
    boolean stdin;

    @Option(names = "--stdin-filename", paramLabel = "NAME", defaultValue = "stdin",
            description = "With --stdin: the entry's name (default: stdin).")
    String stdinFilename;

    @Option(names = "--chunking", paramLabel = "SET", defaultValue = "default",
            description = "With --command or --stdin: the repository's chunker set, 'default' or 'stream' (finer "
                    + "chunks: a nightly database dump piped in adds only what changed).")
    String chunking;

    @Option(names = {"-n", "--dry-run"},
            description = "Walk the files and report what would be backed up (new, changed, unchanged, bytes to "
                    + "read) without reading or storing anything. With --verbose, list the files to read.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the outcome as one JSON object.")
    boolean json;

    @Override
    boolean defersKeyMemoryCollection() {
        return true; // on the first bytes read (run): an unchanged re-backup reads none
    }

    @Override
    public Integer call() {
        Source source = source();
        Instant at = time == null ? null : parseTime(time);
        String h = Setting.HOST.resolve(host, env(), root().config()).value();
        try (Repository repo = open()) {
            if (dryRun) {
                return dryRun(this, repo, source, h, json);
            }
            return perform(this, repo, source, tags, h, at, json);
        }
    }

    /**
     * Backs up {@code source} and prints the outcome (summary, or JSON); for {@code backup} and
     * {@code run}. Returns the exit code: 0, or 3 when the snapshot is partial.
     */
    static int perform(RepoCommand c, Repository repo, Source source, List<String> tags, String host, Instant at,
                       boolean json) {
        Repository.BackupCommand cmd = repo.backup(source);
        usage(() -> cmd.tags(tags.toArray(String[]::new)));
        if (host != null) {
            usage(() -> cmd.host(host));
        }
        if (at != null) {
            cmd.time(at);
        }
        BackupResult r = run(c, repo, cmd, source, host);
        return report(c, r, json);
    }

    /** Prints a backup's outcome (summary, or JSON); returns 0, or 3 when the snapshot is partial. */
    static int report(RepoCommand c, BackupResult r, boolean json) {
        if (json) {
            Json.print(c.out(), Json.backup(r));
        } else {
            summary(c, r);
        }
        if (r.partial()) {
            c.err().println("cairn: snapshot " + r.snapshot().shortId() + " saved, but " + r.warnings().size()
                    + (r.warnings().size() == 1 ? " entry" : " entries") + " could not be backed up faithfully.");
            return ErrorCode.PARTIAL_BACKUP.exitCode();
        }
        return Main.OK;
    }

    private Source source() {
        if (stdin) {
            if (commandName != null || !args.isEmpty() || !excludes.isEmpty() || !includes.isEmpty()
                    || oneFileSystem) {
                throw new ConfigurationException("--stdin backs up standard input alone: no paths, --command, "
                        + "--exclude, --include or --one-file-system.");
            }
            if (System.console() != null) {
                throw new ConfigurationException("--stdin reads what is piped in, but standard input is a terminal:"
                        + " pipe a dump in (mysqldump shop | cairn backup --stdin --stdin-filename shop.sql).");
            }
            return usage(() -> StreamSource.of(stdinFilename, CairnCommand::standardInput).withChunking(chunking));
        }
        if (commandName != null) {
            if (args.isEmpty()) {
                throw new ConfigurationException("--command " + commandName + " needs the command to run after --, "
                        + "e.g. cairn backup --command db.sql -- pg_dump shop.");
            }
            if (!excludes.isEmpty() || !includes.isEmpty() || oneFileSystem) {
                throw new ConfigurationException("--exclude, --include and --one-file-system apply to files, not to "
                        + "--command.");
            }
            // The core keeps CAIRN_* variables (the repository's secrets) out of the command's environment;
            // Sources.command also blanks the variables the configuration file's references read.
            return Sources.command(commandName, args, Map.of(), root().config(), chunking);
        }
        if (args.isEmpty()) {
            throw new ConfigurationException("Nothing to back up: give one or more paths, --command NAME -- CMD, or"
                    + " --stdin.");
        }
        if (args.stream().anyMatch(Adapters::isUri)) {
            if (args.size() != 1 || !excludes.isEmpty() || !includes.isEmpty() || oneFileSystem) {
                throw new ConfigurationException("A source URI (" + args.get(0).replaceAll("//[^@/]*@", "//…@")
                        + ") is backed up alone, without paths, --exclude, --include or --one-file-system.");
            }
            return Adapters.source(args.get(0), env());
        }
        return Sources.files(args, excludes, includes, oneFileSystem);
    }

    /**
     * {@code --dry-run}: the source walks into a {@link Scan} (no content read, nothing stored),
     * compared with the parent snapshot the backup would use. Adapter and command sources are not
     * started: the report says what would run.
     */
    static int dryRun(RepoCommand c, Repository repo, Source source, String host, boolean json) {
        if (!(source instanceof FileSystemSource)) {
            if (json) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("dryRun", true);
                n.put("sourceKind", source.kind());
                n.put("source", source.descriptor());
                n.put("walked", false);
                Json.print(c.out(), n);
            } else {
                c.out().println("Would back up " + Format.printable(source.descriptor()) + " (" + source.kind()
                        + "). A dry run does not start adapter or command sources; nothing was read or stored.");
            }
            return Main.OK;
        }
        Snapshot parent = parent(repo, source, host);
        Scan scan = new Scan(parentEntries(repo, parent), c.verbose() || json);
        try {
            scan.run(source);
        } catch (IOException e) {
            throw new SourceReadException("Cannot walk " + source.descriptor() + ": " + e.getMessage(), e);
        }
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("dryRun", true);
            n.put("sourceKind", source.kind());
            ArrayNode paths = n.putArray("paths");
            source.paths().forEach(paths::add);
            if (parent == null) {
                n.putNull("parent");
            } else {
                n.put("parent", parent.id());
            }
            n.put("files", scan.files.get());
            n.put("dirs", scan.dirs.get());
            n.put("others", scan.others.get());
            n.put("bytesTotal", scan.bytes.get());
            n.put("newFiles", scan.newFiles.get());
            n.put("changedFiles", scan.changedFiles.get());
            n.put("unchangedFiles", scan.unchangedFiles.get());
            n.put("bytesToRead", scan.bytesToRead.get());
            ArrayNode toRead = n.putArray("toRead");
            synchronized (scan.toRead) {
                scan.toRead.forEach(toRead::add);
            }
            ArrayNode w = n.putArray("warnings");
            synchronized (scan.warnings) {
                scan.warnings.forEach(w::add);
            }
            Json.print(c.out(), n);
        } else {
            synchronized (scan.toRead) {
                scan.toRead.forEach(x -> c.out().println(Format.printable(x)));
            }
            c.out().println("Dry run, nothing stored: would back up " + scan.files.get() + " files, " + scan.dirs.get()
                    + " dirs, " + scan.others.get() + " other entries, " + Format.bytes(scan.bytes.get()) + ".");
            c.out().println(parent == null ? "No parent snapshot: every file would be read ("
                    + Format.bytes(scan.bytesToRead.get()) + ")."
                    : "Compared with snapshot " + parent.shortId() + ": " + scan.newFiles.get() + " new, "
                    + scan.changedFiles.get() + " changed (" + Format.bytes(scan.bytesToRead.get()) + " to read), "
                    + scan.unchangedFiles.get() + " unchanged.");
            synchronized (scan.warnings) {
                scan.warnings.forEach(c::warn);
            }
        }
        return Main.OK;
    }

    /** The snapshot a backup of {@code source} would compare with (the latest of its host, kind and paths). */
    private static Snapshot parent(Repository repo, Source source, String host) {
        return repo.latest(host != null ? host : dev.cairn.internal.util.HostName.local(), source.kind(), source.paths()).orElse(null);
    }

    private static Map<String, SnapshotEntry> parentEntries(Repository repo, Snapshot parent) {
        Map<String, SnapshotEntry> m = new HashMap<>();
        if (parent != null) {
            for (SnapshotEntry e : repo.list(parent, "", true)) {
                m.put(e.path(), e);
            }
        }
        return m;
    }


    private static Instant parseTime(String text) {
        try {
            return LocalDateTime.parse(text.strip(), Format.TIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ConfigurationException("--time must look like \"2026-11-25 13:20:00\" (local time): " + text, e);
        }
    }

    /**
     * Runs the backup; when the process is stopped (Ctrl-C, SIGTERM), cancels it so that its lock is
     * released. On a terminal, a scan beside the backup gives the progress bar its totals.
     */
    private static BackupResult run(RepoCommand c, Repository repo, Repository.BackupCommand cmd, Source source,
                                    String host) {
        CairnCommand root = c.root();
        Scan scan = null;
        if (Progress.shown(root) && source instanceof FileSystemSource) {
            // The bar's totals: the files a backup would read, compared with the parent it will use.
            Map<String, SnapshotEntry> parentEntries = new java.util.concurrent.ConcurrentHashMap<>();
            Scan s = new Scan(parentEntries, false);
            scan = s;
            Thread scanner = new Thread(() -> {
                try {
                    parentEntries.putAll(parentEntries(repo, parent(repo, source, host)));
                    s.run(source);
                } catch (IOException | RuntimeException ignored) {
                    // Only the bar's totals are lost; the backup reports its own errors.
                }
            }, "cairn-scan");
            scanner.setDaemon(true);
            scanner.start();
        }
        Scan totals = scan;
        Progress progress = totals == null ? Progress.start(root, "read")
                : Progress.start(root, "read", () -> totals.done() ? totals.files.get() + totals.others.get() : -1,
                        () -> totals.done() ? totals.bytesToRead.get() : -1);
        BackupListener listener = progress.listener();
        if (root.standalone && c.defersKeyMemoryCollection()) {
            listener = Progress.onFirstBytes(listener, RepoCommand::collectKeyMemory);
        }
        cmd.listener(listener);
        try {
            if (!root.standalone) {
                return cmd.run();
            }
            return cancellable(cmd);
        } finally {
            progress.stop();
            if (scan != null) {
                scan.cancel();
            }
        }
    }

    private static BackupResult cancellable(Repository.BackupCommand cmd) {
        return onShutdownCancel(c -> cmd.cancellation(c).run());
    }

    /**
     * Runs {@code work} with a cancellation that a process stop (SIGTERM, Ctrl-C) triggers; the stop
     * waits up to 10 s for the work to end, so that its lock is released and no snapshot is half done.
     */
    static <T> T onShutdownCancel(java.util.function.Function<Cancellation, T> work) {
        Cancellation cancellation = new Cancellation();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            cancellation.cancel();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cairn-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.apply(cancellation);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it returns now that the work has ended.
            }
        }
    }

    static void summary(RepoCommand c, BackupResult r) {
        SnapshotSummary m = r.snapshot().summary();
        c.say("Snapshot " + r.snapshot().shortId() + " saved.");
        c.say("Files:    " + m.files() + ", dirs: " + m.dirs());
        c.say("Bytes:    total " + Format.bytes(m.bytesTotal()) + ", read " + Format.bytes(m.bytesRead()) + ", added "
                + Format.bytes(m.bytesAdded()) + ", stored " + Format.bytes(m.bytesStored()));
        c.say("Duration: " + Format.millis(m.durationMillis()));
        r.warnings().forEach(w -> c.out().println("warning: " + Format.printable(w)));
    }
}
