package dev.cairn;

import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.source.fs.FileSystemSource;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupBehaviourTest {
    @TempDir
    Path tmp;

    @Test
    void includeGlobs_keepOnlyMatchingFiles_butWalkAllDirectories() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("p/src/main"));
        Files.writeString(src.resolve("A.java"), "a");
        Files.writeString(src.resolve("notes.txt"), "n");
        Files.writeString(tmp.resolve("p/B.java"), "b");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var r = repo.backup(FileSystemSource.builder().path(tmp.resolve("p")).include("*.java").build()).run();
            List<String> paths = repo.list(r.snapshot(), "", true).stream().map(SnapshotEntry::path).toList();
            assertThat(paths).containsExactly("p", "p/B.java", "p/src", "p/src/main", "p/src/main/A.java");
        }
    }

    @Test
    void nameNotDecodable_isReported_notStoredUnderAWrongName() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Files.writeString(src.resolve("plain.txt"), "p");
        // A name whose bytes are not valid UTF-8 (Latin-1 "caf\xe9"): Java cannot create it itself.
        Process p = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'caf\\351.txt')\"")
                .directory(src.toFile()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult r = repo.backup(src).run();
            assertThat(r.partial()).isTrue();
            assertThat(r.warnings()).singleElement().asString().contains("name is not valid")
                    .contains("LANG=C.UTF-8");
            List<String> paths = repo.list(r.snapshot(), "", true).stream().map(SnapshotEntry::path).toList();
            assertThat(paths).containsExactly("s", "s/plain.txt");
        }
    }

    @Test
    void xattrs_unchangedFileKeepsThem_changedXattrIsBackedUpAgain() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Path kept = Files.writeString(src.resolve("kept.txt"), "k");
        Path changed = Files.writeString(src.resolve("changed.txt"), "c");
        var keptView = Files.getFileAttributeView(kept, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        var changedView = Files.getFileAttributeView(changed,
                java.nio.file.attribute.UserDefinedFileAttributeView.class);
        try {
            keptView.write("k", java.nio.ByteBuffer.wrap("one".getBytes()));
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no user xattrs on " + tmp + ": " + e.getMessage());
        }
        changedView.write("k", java.nio.ByteBuffer.wrap("one".getBytes()));
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            repo.backup(src).run();
            changedView.write("k", java.nio.ByteBuffer.wrap("two".getBytes())); // ctime moves, mtime does not

            BackupResult second = repo.backup(src).run();
            Path out = tmp.resolve("out");
            repo.restore(second.snapshot()).to(out);

            assertThat(xattr(out.resolve("s/kept.txt"))).as("reused from the parent").isEqualTo("one");
            assertThat(xattr(out.resolve("s/changed.txt"))).as("read again").isEqualTo("two");
        }
    }

    private static String xattr(Path p) throws IOException {
        var v = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.size("k"));
        v.read("k", b);
        return new String(b.array(), 0, b.position());
    }

    @Test
    void fileChangingWhileRead_isReported_backupPartial() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Path growing = src.resolve("growing.log");
        Files.writeString(growing, "first line\n");
        AtomicBoolean appended = new AtomicBoolean();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult r = repo.backup(src).listener(new BackupListener() {
                @Override
                public void bytesProcessed(long total) {
                    // Called after the file's content was read: a writer appends meanwhile.
                    if (appended.compareAndSet(false, true)) {
                        try {
                            Files.writeString(growing, "second line\n", StandardOpenOption.APPEND);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
            }).run();
            assertThat(r.partial()).isTrue();
            assertThat(r.warnings()).singleElement().asString().contains("s/growing.log").contains("changed");
            assertThat(r.snapshot().summary().errors()).hasSize(1);
        }
    }

    @Test
    void cancelledBackup_writesNoSnapshot() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(src.resolve("f" + i), "file " + i);
        }
        Cancellation c = new Cancellation();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            assertThatThrownBy(() -> repo.backup(src).cancellation(c).listener(new BackupListener() {
                @Override
                public void entryDone(String path, long bytes) {
                    c.cancel();
                }
            }).run()).isInstanceOf(BackupException.class)
                    .satisfies(e -> assertThat(((BackupException) e).code()).isEqualTo(ErrorCode.CANCELLED));
            assertThat(repo.snapshots()).isEmpty();
            assertThat(repo.backup(src).run().snapshot().summary().files()).isEqualTo(20);
        }
    }

    @Test
    void backupOfMissingPath_failsClearly_noSnapshot() {
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            assertThatThrownBy(() -> repo.backup(tmp.resolve("nope")).run())
                    .isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("nope")
                    .hasMessageContaining("does not exist");
            assertThat(repo.snapshots()).isEmpty();
        }
    }

    @Test
    void restoreSubset_onlyThatPath() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s/a/b"));
        Files.writeString(src.resolve("x.txt"), "x");
        Files.writeString(tmp.resolve("s/top.txt"), "t");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var snap = repo.backup(tmp.resolve("s")).run().snapshot();
            repo.restore(snap).include("s/a/b/x.txt").to(tmp.resolve("out"));
            assertThat(Files.readString(tmp.resolve("out/s/a/b/x.txt"))).isEqualTo("x");
            assertThat(Files.exists(tmp.resolve("out/s/top.txt"))).isFalse();
            assertThatThrownBy(() -> repo.restore(snap).include("s/nothing").to(tmp.resolve("out2")))
                    .isInstanceOf(BackupException.class).hasMessageContaining("not in the snapshot");
        }
    }

    @Test
    void commandSource_doesNotPassCairnSecretsToTheChild() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("canary-value".equals(System.getenv("CAIRN_LEAK_CANARY")),
                "run by Maven, which sets CAIRN_LEAK_CANARY");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var src = dev.cairn.source.CommandSource.builder().name("env.txt")
                    .command(List.of("sh", "-c", "echo \"${CAIRN_LEAK_CANARY:-absent} $EXTRA\""))
                    .environment("EXTRA", "given").build();
            var snap = repo.backup(src).run().snapshot();
            var out = new java.io.ByteArrayOutputStream();
            repo.dump(snap, "env.txt", out);
            assertThat(out.toString()).isEqualTo("absent given\n");
        }
    }

    @Test
    void damagedKeyObject_doesNotLockOutOtherKeys() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = TestRepos.fast(dir).init()) {
            repo.addKey(Secret.of("other".toCharArray()));
        }
        try (var keys = Files.list(dir.resolve("keys"))) {
            List<Path> all = keys.sorted().toList();
            // Damage whichever key is not the test password's: open must still work with it.
            for (Path k : all) {
                byte[] b = Files.readAllBytes(k);
                Files.delete(k);
                Files.write(k, new byte[]{'{', 'x'});
                try (Repository repo = TestRepos.fast(dir).open()) {
                    assertThat(repo.keys()).isNotEmpty();
                    Files.delete(k);
                    Files.write(k, b);
                    break;
                } catch (WrongPasswordException e) {
                    assertThat(e).hasMessageContaining("damaged");
                    Files.delete(k);
                    Files.write(k, b);
                }
            }
        }
    }

    @Test
    void changePassword_newKeyIsCurrent_andCannotBeRemoved() {
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            KeyInfo k = repo.changePassword(Secret.of("new one".toCharArray()));
            assertThat(k.current()).isTrue();
            assertThat(repo.keys()).singleElement().satisfies(x -> assertThat(x.current()).isTrue());
            assertThatThrownBy(() -> repo.removeKey(k.id())).isInstanceOf(ConfigurationException.class);
        }
    }

    @Test
    void dumpToFailingOutput_isNotBlamedOnStorage() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("s"));
        Files.writeString(src.resolve("f"), "content");
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var snap = repo.backup(src).run().snapshot();
            java.io.OutputStream broken = new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("Broken pipe");
                }
            };
            assertThatThrownBy(() -> repo.dump(snap, "s/f", broken))
                    .isInstanceOf(BackupException.class).isNotInstanceOf(BackendException.class)
                    .hasMessageContaining("Broken pipe");
            assertThatThrownBy(() -> repo.exportTar(snap, broken))
                    .isInstanceOf(BackupException.class).isNotInstanceOf(BackendException.class);
        }
    }

    @Test
    void openFile_streamsContent_ofMultiBlobFile() throws IOException {
        byte[] data = RepositoryRoundTripTest.random(5 * 1024 * 1024 + 3, 77);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var snap = repo.backup(dev.cairn.source.StreamSource.of("d.bin", () -> new java.io.ByteArrayInputStream(data)))
                    .run().snapshot();
            try (var in = repo.openFile(snap, "d.bin")) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            assertThatThrownBy(() -> repo.openFile(snap, "nope")).isInstanceOf(ConfigurationException.class);
        }
    }

    @Test
    void drillReports_areStoredEncrypted_andListed() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = TestRepos.fast(dir).init()) {
            var r = new dev.cairn.verify.DrillReport("", "ab".repeat(32), "fs", "/tmp/scratch", "h",
                    java.time.Instant.parse("2026-11-25T10:00:00Z"), false, java.time.Duration.ofSeconds(3),
                    java.time.Duration.ofHours(2), List.of("file a: ok"), List.of("file b: digest differs"));
            var stored = repo.recordDrill(r);
            assertThat(stored.id()).hasSize(64);
            assertThat(repo.drills()).singleElement().isEqualTo(stored);
        }
        try (var files = Files.list(dir.resolve("drills"))) {
            byte[] raw = Files.readAllBytes(files.findFirst().orElseThrow());
            assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("digest differs");
        }
    }

    @Test
    void streamChunking_cutsFiner_andUnknownSetIsRefused() throws IOException {
        byte[] data = RepositoryRoundTripTest.random(4 * 1024 * 1024, 5);
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            var coarse = repo.backup(dev.cairn.source.StreamSource.of("a", () -> new java.io.ByteArrayInputStream(data)))
                    .run().snapshot().summary().dataBlobsAdded();
            var fine = repo.backup(dev.cairn.source.StreamSource.of("b", () -> new java.io.ByteArrayInputStream(data))
                    .withChunking(Repository.STREAM_CHUNKING)).run().snapshot().summary().dataBlobsAdded();
            assertThat(coarse).isBetween(2L, 8L);
            assertThat(fine).isGreaterThan(30L);
            assertThatThrownBy(() -> repo.backup(dev.cairn.source.StreamSource.of("c",
                    () -> new java.io.ByteArrayInputStream(data)).withChunking("nope")).run())
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("stream");
        }
    }
}
