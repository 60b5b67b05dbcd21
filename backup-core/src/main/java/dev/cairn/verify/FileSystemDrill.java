package dev.cairn.verify;

import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.snapshot.Snapshot;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The drill for file-system, stream and command snapshots: restores the whole snapshot into a
 * scratch directory (every blob's keyed id is verified while restoring), then checks the restored
 * files' count and total size against the snapshot's summary and every file's size against its
 * tree entry, and deletes the scratch directory. Immutable.
 */
public final class FileSystemDrill implements Drill {
    private final Path scratchParent;

    /** Scratch directories are created under {@code scratchParent} (null: the system temp directory). */
    public FileSystemDrill(Path scratchParent) {
        this.scratchParent = scratchParent;
    }

    /** ServiceLoader entry for kinds {@code fs}, {@code stream} and {@code command}. */
    public static final class Provider implements DrillProvider {
        private final String kind;

        public Provider() {
            this("fs");
        }

        Provider(String kind) {
            this.kind = kind;
        }

        @Override
        public String sourceKind() {
            return kind;
        }

        @Override
        public Drill create(String scratch, Map<String, String> env) {
            return new FileSystemDrill(scratch == null ? null : Path.of(scratch));
        }
    }

    /** The same drill for stream snapshots. */
    public static final class StreamProvider implements DrillProvider {
        @Override
        public String sourceKind() {
            return "stream";
        }

        @Override
        public Drill create(String scratch, Map<String, String> env) {
            return new Provider("stream").create(scratch, env);
        }
    }

    /** The same drill for command snapshots. */
    public static final class CommandProvider implements DrillProvider {
        @Override
        public String sourceKind() {
            return "command";
        }

        @Override
        public Drill create(String scratch, Map<String, String> env) {
            return new Provider("command").create(scratch, env);
        }
    }

    @Override
    public DrillReport run(Repository repository, Snapshot snapshot) {
        Instant start = Instant.now();
        List<String> checks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Path dir = null;
        Duration restoreTime = Duration.ZERO;
        try {
            dir = scratchParent == null ? Files.createTempDirectory("cairn-drill-")
                    : Files.createTempDirectory(Files.createDirectories(scratchParent), "cairn-drill-");
            try {
                RestoreResult r = repository.restore(snapshot).owners(false).to(dir);
                restoreTime = r.duration();
                checks.add("restored " + r.files() + " files, " + r.bytes() + " bytes; every blob's id verified");
                long[] seen = count(dir);
                check(checks, failures, "file count", snapshot.summary().files(), seen[0]);
                check(checks, failures, "total bytes", snapshot.summary().bytesTotal(), seen[1]);
                for (var e : repository.list(snapshot, "", true)) {
                    if (e.type().equals("file")) {
                        Path p = dir.resolve(e.path());
                        long size = Files.exists(p) ? Files.size(p) : -1;
                        if (size != e.size()) {
                            failures.add("file " + e.path() + ": size " + size + ", snapshot says " + e.size());
                        }
                    }
                }
                if (failures.isEmpty()) {
                    checks.add("every file's size matches its snapshot entry");
                }
                r.warnings().forEach(w -> checks.add("warning: " + w));
            } catch (BackupException e) {
                failures.add("restore failed: " + e.getMessage());
            }
        } catch (IOException e) {
            throw new BackupException(ErrorCode.FAILED, "Cannot create a scratch directory for the drill: "
                    + e.getMessage(), e);
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
        return new DrillReport("", snapshot.id(), snapshot.sourceKind(), dir == null ? "" : dir.toString(),
                snapshot.host(), start, failures.isEmpty(), restoreTime,
                Duration.between(snapshot.time(), start).isNegative() ? Duration.ZERO
                        : Duration.between(snapshot.time(), start), checks, failures);
    }

    private static void check(List<String> checks, List<String> failures, String what, long expected, long actual) {
        if (expected == actual) {
            checks.add(what + ": " + actual + " as recorded");
        } else {
            failures.add(what + ": restored " + actual + ", snapshot recorded " + expected);
        }
    }

    /** Regular files (hard links once per inode… counted per path, as the backup did) and bytes. */
    private static long[] count(Path dir) throws IOException {
        long[] c = new long[2];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    c[0]++;
                    c[1] += a.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return c;
    }

    private static void delete(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                    d.toFile().setWritable(true);
                    d.toFile().setExecutable(true);
                    d.toFile().setReadable(true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // A scratch directory left behind is visible in the report's target; never fatal.
        }
    }
}
