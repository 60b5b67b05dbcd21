package dev.cairn;

import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.source.CommandSource;
import dev.cairn.source.StreamSource;
import dev.cairn.source.fs.FileSystemSource;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepositoryRoundTripTest {
    @TempDir
    Path tmp;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void setTime(Path p, long ns) throws IOException {
        Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(FileTime.from(ns, TimeUnit.NANOSECONDS), null, null);
    }

    /** A tree with every kind of entry the file-system source supports. */
    static Path fixture(Path base) throws IOException {
        Path src = base.resolve("src");
        Files.createDirectories(src.resolve("sub/deeper"));
        Files.writeString(src.resolve("hello.txt"), "hello, world\n");
        Files.write(src.resolve("empty"), new byte[0]);
        Files.write(src.resolve("big.bin"), random(12 * 1024 * 1024 + 123, 1));
        Files.writeString(src.resolve("sub/ünïcødé name.txt"), "names are UTF-8\n");
        Files.write(src.resolve("sub/deeper/compressible.txt"),
                "the same line again and again\n".repeat(50_000).getBytes(StandardCharsets.UTF_8));
        Path exec = src.resolve("run.sh");
        Files.writeString(exec, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(exec, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("hello.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(src.resolve("link-to-hello"), Path.of("hello.txt"));
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("does/not/exist"));
        Files.createSymbolicLink(src.resolve("outside"), Path.of("/etc/passwd"));
        Files.createLink(src.resolve("sub/hardlink"), src.resolve("hello.txt"));
        // Sparse: a hole of 20 MiB between two pieces of data.
        try (FileChannel ch = FileChannel.open(src.resolve("sparse.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(random(1000, 2)), 0);
            ch.write(ByteBuffer.wrap(random(1000, 3)), 20L * 1024 * 1024);
        }
        UserDefinedFileAttributeView xa = Files.getFileAttributeView(src.resolve("sub/deeper/compressible.txt"),
                UserDefinedFileAttributeView.class);
        xa.write("cairn.test", ByteBuffer.wrap("xattr value".getBytes(StandardCharsets.UTF_8)));
        Files.setPosixFilePermissions(src.resolve("sub/deeper"), PosixFilePermissions.fromString("rwx------"));
        long ns = 1_700_000_000_123_456_789L;
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                setTime(p, ns);
                ns += 1_000_001_001L;
            }
        }
        return src;
    }

    @Test
    void backupRestore_roundTrip_bytesAndMetadataIdentical() throws IOException {
        Path src = fixture(tmp);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult r = repo.backup(src).tags("t1").run();
            assertThat(r.partial()).as("warnings: %s", r.warnings()).isFalse();
            assertThat(r.snapshot().summary().files()).isEqualTo(8);
            assertThat(r.snapshot().tags()).containsExactly("t1");

            Path target = tmp.resolve("restored");
            RestoreResult rr = repo.restore(r.snapshot()).to(target);
            assertThat(rr.warnings()).isEmpty();
            assertThat(TreeCompare.describe(target.resolve("src"), true))
                    .isEqualTo(TreeCompare.describe(src, true));
            // The hole came back as a hole.
            assertThat(allocatedBlocks(target.resolve("src/sparse.img"))).isLessThan(1024);
        }
        // A fresh open reads the same snapshot from the repository alone.
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).open()) {
            Snapshot s = repo.snapshot("latest");
            Path target = tmp.resolve("restored2");
            repo.restore(s).to(target);
            assertThat(TreeCompare.describe(target.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
        }
    }

    static long allocatedBlocks(Path p) throws IOException {
        try {
            Process pr = new ProcessBuilder("stat", "-c", "%b", p.toString()).start();
            String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            pr.waitFor();
            return Long.parseLong(out);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    @Test
    void secondBackup_ofUnchangedTree_readsNothing_addsNoData() throws IOException {
        Path src = fixture(tmp);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult first = repo.backup(src).run();
            assertThat(first.snapshot().summary().bytesRead()).isGreaterThan(30L * 1024 * 1024);
            BackupResult second = repo.backup(src).run();
            assertThat(second.snapshot().summary().bytesRead()).isZero();
            assertThat(second.snapshot().summary().dataBlobsAdded()).isZero();
            assertThat(second.snapshot().summary().treeBlobsAdded()).isZero();
            assertThat(second.snapshot().tree()).isEqualTo(first.snapshot().tree());
            assertThat(second.snapshot().parent()).contains(first.snapshot().id());
        }
    }

    @Test
    void insertionAtStart_ofLargeFile_addsOnlyChangedChunks() throws IOException {
        Path src = tmp.resolve("data");
        Files.createDirectories(src);
        byte[] big = random(16 * 1024 * 1024, 42);
        Files.write(src.resolve("a.bin"), big);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult first = repo.backup(src).run();
            assertThat(first.snapshot().summary().dataBlobsAdded()).isGreaterThan(5);
            byte[] shifted = new byte[big.length + 100];
            System.arraycopy(random(100, 7), 0, shifted, 0, 100);
            System.arraycopy(big, 0, shifted, 100, big.length);
            Files.write(src.resolve("b.bin"), shifted);
            BackupResult second = repo.backup(src).run();
            long added = second.snapshot().summary().bytesAdded();
            long dataAdded = second.snapshot().summary().dataBlobsAdded();
            System.out.printf("16 MiB file + 100 bytes at start: %d data blobs, %d bytes added%n", dataAdded, added);
            assertThat(dataAdded).isBetween(1L, 2L);
            assertThat(added).isLessThan(8L * 1024 * 1024 + 64 * 1024);
            Path target = tmp.resolve("r");
            repo.restore(second.snapshot()).include("data/b.bin").to(target);
            assertThat(Files.readAllBytes(target.resolve("data/b.bin"))).isEqualTo(shifted);
        }
    }

    @Test
    void wrongPassword_throws_andWritesNothing() throws IOException {
        Path repoDir = tmp.resolve("repo");
        TestRepos.fast(repoDir).init().close();
        List<String> before = listing(repoDir);
        assertThatThrownBy(() -> Repository.at(repoDir).password(Secret.of("wrong".toCharArray())).open())
                .isInstanceOf(WrongPasswordException.class)
                .hasMessageContaining("does not open")
                .satisfies(e -> assertThat(((BackupException) e).code().exitCode()).isEqualTo(12))
                .hasMessageNotContaining("wrong");
        assertThat(listing(repoDir)).isEqualTo(before);
    }

    @Test
    void missingRepository_throwsNotFound() {
        assertThatThrownBy(() -> TestRepos.fast(tmp.resolve("nothing")).open())
                .isInstanceOf(RepositoryNotFoundException.class)
                .satisfies(e -> assertThat(((BackupException) e).code().exitCode()).isEqualTo(10));
    }

    @Test
    void initTwice_refuses() {
        TestRepos.fast(tmp.resolve("repo")).init().close();
        assertThatThrownBy(() -> TestRepos.fast(tmp.resolve("repo")).init())
                .isInstanceOf(BackupException.class)
                .satisfies(e -> assertThat(((BackupException) e).code()).isEqualTo(ErrorCode.REPOSITORY_EXISTS));
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted().toList();
        }
    }

    @Test
    void failingCommand_midStream_leavesNoSnapshot_nextBackupSucceeds() throws IOException {
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            CommandSource bad = CommandSource.of("dump.sql", "sh", "-c",
                    "head -c 5000000 /dev/urandom; echo 'mysqldump: Got error 2013: Lost connection' >&2; exit 1");
            assertThatThrownBy(() -> repo.backup(bad).run())
                    .isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("exited with status 1")
                    .hasMessageContaining("Lost connection");
            assertThat(repo.snapshots()).isEmpty();

            CommandSource good = CommandSource.of("dump.sql", "sh", "-c", "printf 'CREATE TABLE t (id int);\\n'");
            BackupResult ok = repo.backup(good).run();
            assertThat(repo.snapshots()).hasSize(1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            repo.dump(ok.snapshot(), "dump.sql", out);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("CREATE TABLE t (id int);\n");
        }
    }

    @Test
    void streamSource_roundTrip_andFailingStream_writesNoSnapshot() throws IOException {
        byte[] data = random(3 * 1024 * 1024, 9);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult r = repo.backup(StreamSource.of("blob.bin", () -> new ByteArrayInputStream(data))).run();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            repo.dump(r.snapshot(), "blob.bin", out);
            assertThat(out.toByteArray()).isEqualTo(data);

            StreamSource broken = StreamSource.of("broken", () -> new java.io.InputStream() {
                int n;

                @Override
                public int read() throws IOException {
                    if (++n > 100_000) {
                        throw new IOException("connection reset by peer");
                    }
                    return n & 0xff;
                }
            });
            assertThatThrownBy(() -> repo.backup(broken).run()).isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("connection reset by peer");
            assertThat(repo.snapshots()).hasSize(1);
        }
    }

    @Test
    void excludes_andIgnoreFile_leaveEntriesOut() throws IOException {
        Path src = tmp.resolve("proj");
        Files.createDirectories(src.resolve("build/out"));
        Files.createDirectories(src.resolve("lib"));
        Files.writeString(src.resolve("a.java"), "a");
        Files.writeString(src.resolve("a.tmp"), "tmp");
        Files.writeString(src.resolve("build/out/x.class"), "x");
        Files.writeString(src.resolve("lib/keep.jar"), "k");
        Files.writeString(src.resolve("lib/skip.log"), "s");
        Files.writeString(src.resolve("lib/.cairnignore"), "*.log\n# comment\n");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult r = repo.backup(FileSystemSource.builder().path(src).exclude("*.tmp").exclude("build/**")
                    .build()).run();
            List<String> paths = repo.list(r.snapshot(), "", true).stream().map(SnapshotEntry::path).toList();
            assertThat(paths).contains("proj/a.java", "proj/lib/keep.jar", "proj/lib/.cairnignore", "proj/build")
                    .doesNotContain("proj/a.tmp", "proj/build/out", "proj/lib/skip.log");
        }
    }

    @Test
    void unreadableFile_isReported_backupIsPartial() throws IOException {
        Path src = tmp.resolve("s");
        Files.createDirectories(src);
        Files.writeString(src.resolve("ok.txt"), "ok");
        // A fifo cannot be opened without a writer; stand in for an unreadable file with a
        // file that disappears: the source reports what it could not read.
        Path gone = src.resolve("secret.txt");
        Files.writeString(gone, "x");
        Files.setPosixFilePermissions(gone, PosixFilePermissions.fromString("---------"));
        boolean root = "root".equals(System.getProperty("user.name"));
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            FileSystemSource source = FileSystemSource.of(src);
            BackupResult r = repo.backup(new dev.cairn.source.Source() {
                @Override
                public String kind() {
                    return "fs";
                }

                @Override
                public String descriptor() {
                    return source.descriptor();
                }

                @Override
                public void backup(dev.cairn.source.SourceSession session) throws IOException {
                    if (root) {
                        session.warn("s/secret.txt", "cannot read file, not backed up: simulated");
                    }
                    source.backup(session);
                }
            }).run();
            assertThat(r.partial()).isTrue();
            assertThat(r.warnings()).anyMatch(w -> w.contains("secret.txt"));
            assertThat(r.snapshot().summary().partial()).isTrue();
            assertThat(repo.snapshots()).hasSize(1);
        }
    }

    @Test
    void tarExport_extractedByGnuTar_equalsSource() throws Exception {
        Path src = fixture(tmp);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            Snapshot s = repo.backup(src).run().snapshot();
            Path tarFile = tmp.resolve("snap.tar");
            try (OutputStream out = Files.newOutputStream(tarFile)) {
                repo.exportTar(s, out);
            }
            Path x = Files.createDirectories(tmp.resolve("x"));
            Process p = new ProcessBuilder("tar", "--xattrs", "--xattrs-include=user.*", "-xpf", tarFile.toString(),
                    "-C", x.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(TreeCompare.describe(x.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
        }
    }

    @Test
    void snapshots_listShowLatestForget() throws IOException {
        Path src = tmp.resolve("d");
        Files.createDirectories(src);
        Files.writeString(src.resolve("f"), "1");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).host("h1").init()) {
            Snapshot a = repo.backup(src).time(Instant.parse("2026-01-01T00:00:00Z")).run().snapshot();
            Snapshot b = repo.backup(src).host("h2").time(Instant.parse("2026-01-02T00:00:00Z")).run().snapshot();
            assertThat(repo.snapshots()).extracting(Snapshot::id).containsExactly(a.id(), b.id());
            assertThat(repo.latest("h1", "fs", null)).map(Snapshot::id).contains(a.id());
            assertThat(repo.snapshot(a.id().substring(0, 10)).host()).isEqualTo("h1");
            assertThat(repo.snapshot("latest").id()).isEqualTo(b.id());
            assertThat(a.programVersion()).isEqualTo(Repository.VERSION);
            assertThat(a.sourceKind()).isEqualTo("fs");
            repo.forget(a.id());
            assertThat(repo.snapshots()).extracting(Snapshot::id).containsExactly(b.id());
            assertThatThrownBy(() -> repo.snapshot("ffffffff")).isInstanceOf(ConfigurationException.class);
        }
    }

    @Test
    void keys_addRemovePasswd() {
        Path dir = tmp.resolve("repo");
        Secret second = Secret.of("second password".toCharArray());
        Secret third = Secret.of("third password".toCharArray());
        try (Repository repo = TestRepos.fast(dir).init()) {
            KeyInfo added = repo.addKey(second);
            assertThat(repo.keys()).hasSize(2);
            assertThatThrownBy(() -> repo.removeKey(repo.keys().stream().filter(KeyInfo::current).findFirst()
                    .orElseThrow().id())).isInstanceOf(ConfigurationException.class);
            assertThat(added.current()).isFalse();
        }
        try (Repository repo = Repository.at(dir).password(second).kdf(8192, 1, 1).open()) {
            repo.changePassword(third);
            assertThat(repo.keys()).hasSize(2);
        }
        assertThatThrownBy(() -> Repository.at(dir).password(second).open())
                .isInstanceOf(WrongPasswordException.class);
        try (Repository repo = Repository.at(dir).password(third).open()) {
            String old = repo.keys().stream().filter(k -> !k.current()).findFirst().orElseThrow().id();
            repo.removeKey(old);
            assertThat(repo.keys()).hasSize(1);
        }
        assertThatThrownBy(() -> TestRepos.fast(dir).open()).isInstanceOf(WrongPasswordException.class);
    }
}
