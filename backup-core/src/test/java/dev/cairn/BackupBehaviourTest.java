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
}
