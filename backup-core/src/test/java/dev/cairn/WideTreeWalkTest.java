package dev.cairn;

import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.fs.FileSystemSource;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The file-system walk reads directories ahead on other threads (a window of subdirectories, the
 * first 4,096 entries of each directory stat'ed ahead): a tree wider than both round-trips with
 * every entry and its metadata, excludes and {@code .cairnignore} apply, and an unchanged
 * re-backup reads nothing and stores the same tree.
 */
class WideTreeWalkTest {
    @TempDir
    Path tmp;

    private static void deleteKeepingParentTime(Path p) throws IOException {
        java.nio.file.attribute.FileTime t = Files.getLastModifiedTime(p.getParent());
        Files.delete(p);
        Files.setLastModifiedTime(p.getParent(), t);
    }

    @Test
    void widerThanTheReadAheadWindows_roundTrips_unchangedRebackupReadsNothing() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path wide = Files.createDirectories(src.resolve("wide"));
        for (int i = 0; i < 4_500; i++) { // past the 4,096 entries stat'ed ahead
            Files.writeString(wide.resolve(String.format("f%05d", i)), "file " + i + "\n");
        }
        Path link = Files.createSymbolicLink(wide.resolve("zz-link"), Path.of("f00001"));
        // Java 17 sets a symlink's times with lutimes (microseconds): give it a time restore can set.
        Files.getFileAttributeView(link, java.nio.file.attribute.BasicFileAttributeView.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(java.nio.file.attribute.FileTime.from(
                java.time.Instant.parse("2026-01-02T03:04:05.123456Z")), null, null);
        Files.setLastModifiedTime(wide, java.nio.file.attribute.FileTime.from(
                java.time.Instant.parse("2026-01-02T03:04:05.5Z")));
        for (int d = 0; d < 45; d++) { // past the window of 32 subdirectories
            Path dir = Files.createDirectories(src.resolve(String.format("d%02d/inner/deeper", d)));
            Files.writeString(dir.resolve("leaf.txt"), "leaf " + d);
            Files.writeString(src.resolve(String.format("d%02d/skip.tmp", d)), "excluded by name");
        }
        // Siblings whose names sort around the directory separator: walk order is per name.
        Files.createDirectories(src.resolve("a/b"));
        Files.writeString(src.resolve("a/b/x"), "x");
        Files.createDirectories(src.resolve("a.c/y"));
        Files.writeString(src.resolve("a.c/y/z"), "z");
        Files.createDirectories(src.resolve("ignored-here/junk"));
        Files.writeString(src.resolve("ignored-here/junk/big"), "ignored by .cairnignore");
        Files.writeString(src.resolve("ignored-here/kept"), "kept");
        Files.writeString(src.resolve("ignored-here/.cairnignore"), "junk\n", StandardCharsets.UTF_8);

        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            FileSystemSource source = FileSystemSource.builder().path(src).exclude("*.tmp").build();
            Snapshot first = repo.backup(source).run().snapshot();
            assertThat(first.summary().files()).isEqualTo(4_500 + 45 + 4); // + leaves, x, z, kept, .cairnignore
            Path target = tmp.resolve("restored");
            repo.restore(first).to(target);

            // What was left out goes from the source too (its directories keep their mtimes), so the
            // two trees must then be equal.
            for (int d = 0; d < 45; d++) {
                deleteKeepingParentTime(src.resolve(String.format("d%02d/skip.tmp", d)));
            }
            deleteKeepingParentTime(src.resolve("ignored-here/junk/big"));
            deleteKeepingParentTime(src.resolve("ignored-here/junk"));
            assertThat(TreeCompare.describe(target.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));

            Snapshot second = repo.backup(source).run().snapshot();
            assertThat(second.summary().bytesRead()).as("an unchanged tree is not read again").isZero();
            assertThat(second.summary().files()).isEqualTo(first.summary().files());
            assertThat(second.summary().dataBlobsAdded()).isZero();
            // Nothing changed since (the deletes above moved directories' ctimes): the same tree, byte for byte.
            Snapshot third = repo.backup(source).run().snapshot();
            assertThat(third.tree()).isEqualTo(second.tree());
            assertThat(third.summary().treeBlobsAdded()).isZero();
        }
    }
}
