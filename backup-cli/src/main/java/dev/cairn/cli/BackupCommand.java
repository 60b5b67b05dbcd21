package dev.cairn.cli;

import dev.cairn.Adapters;
import dev.cairn.BackupResult;
import dev.cairn.Cancellation;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.source.CommandSource;
import dev.cairn.source.Source;
import dev.cairn.source.fs.FileSystemSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code cairn backup}: backs up files and directories, or a command's output. */
@Command(name = "backup",
        description = {"Back up files and directories, or a command's standard output.", "",
                "  cairn backup --tag nightly /srv/www /etc",
                "  cairn backup --command db.sql -- pg_dump shop",
                "  cairn backup mysql://backup@db1:3306/shop      (adapter modules add schemes)", ""})
final class BackupCommand extends RepoCommand {
    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "Files and directories to back up; with --command, the command and its arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "TAG", description = "Tag the snapshot; repeatable.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "Host name recorded in the snapshot (default: this host).")
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

    @Option(names = "--chunking", paramLabel = "SET", defaultValue = "default",
            description = "With --command: the repository's chunker set, 'default' or 'stream' (finer chunks: a "
                    + "nightly database dump piped in adds only what changed).")
    String chunking;

    @Option(names = "--json", description = "Print the outcome as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Source source = source();
        Instant at = time == null ? null : parseTime(time);
        BackupResult r;
        try (Repository repo = open()) {
            Repository.BackupCommand cmd = repo.backup(source);
            usage(() -> cmd.tags(tags.toArray(String[]::new)));
            if (host != null) {
                usage(() -> cmd.host(host));
            }
            if (at != null) {
                cmd.time(at);
            }
            r = run(cmd);
        }
        if (json) {
            Json.print(out(), Json.backup(r));
        } else {
            summary(r);
        }
        if (r.partial()) {
            err().println("cairn: snapshot " + r.snapshot().shortId() + " saved, but " + r.warnings().size()
                    + (r.warnings().size() == 1 ? " entry" : " entries") + " could not be backed up faithfully.");
            return ErrorCode.PARTIAL_BACKUP.exitCode();
        }
        return Main.OK;
    }

    private Source source() {
        if (commandName != null) {
            if (args.isEmpty()) {
                throw new ConfigurationException("--command " + commandName + " needs the command to run after --, "
                        + "e.g. cairn backup --command db.sql -- pg_dump shop.");
            }
            if (!excludes.isEmpty() || !includes.isEmpty() || oneFileSystem) {
                throw new ConfigurationException("--exclude, --include and --one-file-system apply to files, not to "
                        + "--command.");
            }
            // The core keeps CAIRN_* variables (the repository's secrets) out of the command's environment.
            return usage(() -> CommandSource.builder().name(commandName).command(args).chunking(chunking).build());
        }
        if (args.isEmpty()) {
            throw new ConfigurationException("Nothing to back up: give one or more paths, or --command NAME -- CMD.");
        }
        if (args.stream().anyMatch(Adapters::isUri)) {
            if (args.size() != 1 || !excludes.isEmpty() || !includes.isEmpty() || oneFileSystem) {
                throw new ConfigurationException("A source URI (" + args.get(0).replaceAll("//[^@/]*@", "//…@")
                        + ") is backed up alone, without paths, --exclude, --include or --one-file-system.");
            }
            return Adapters.source(args.get(0), env());
        }
        return usage(() -> {
            FileSystemSource.Builder b = FileSystemSource.builder();
            for (String a : args) {
                Path p = Path.of(a);
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ConfigurationException("Path " + a + " does not exist: nothing was backed up.");
                }
                b.path(p);
            }
            excludes.forEach(b::exclude);
            includes.forEach(b::include);
            return b.oneFileSystem(oneFileSystem).build();
        });
    }

    private static Instant parseTime(String text) {
        try {
            return LocalDateTime.parse(text.strip(), Format.TIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ConfigurationException("--time must look like \"2026-11-25 13:20:00\" (local time): " + text, e);
        }
    }

    /** Runs the backup; when the process is stopped (Ctrl-C, SIGTERM), cancels it so that its lock is released. */
    private BackupResult run(Repository.BackupCommand cmd) {
        Progress progress = Progress.start(root(), "read");
        cmd.listener(progress.listener());
        if (!root().standalone) {
            try {
                return cmd.run();
            } finally {
                progress.stop();
            }
        }
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
            return cmd.cancellation(cancellation).run();
        } finally {
            finished.countDown();
            progress.stop();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it returns now that the backup has ended.
            }
        }
    }

    private void summary(BackupResult r) {
        SnapshotSummary m = r.snapshot().summary();
        say("Snapshot " + r.snapshot().shortId() + " saved.");
        say("Files:    " + m.files() + ", dirs: " + m.dirs());
        say("Bytes:    total " + Format.bytes(m.bytesTotal()) + ", read " + Format.bytes(m.bytesRead()) + ", added "
                + Format.bytes(m.bytesAdded()) + ", stored " + Format.bytes(m.bytesStored()));
        say("Duration: " + Format.millis(m.durationMillis()));
        r.warnings().forEach(w -> out().println("warning: " + Format.printable(w)));
    }
}
