package dev.cairn.source.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The walk's lstat(): the JDK's own result read directly gives what the "unix:" view gives. */
class MetadataScannerTest {
    @TempDir
    Path tmp;

    @Test
    void fastLstat_equalsTheUnixAttributeView_forEveryKindOfEntry() throws Exception {
        assertThat(MetadataScanner.fastStat()).as("surefire opens sun.nio.fs, as the launcher does").isTrue();
        Path file = Files.writeString(tmp.resolve("file.txt"), "twelve bytes");
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2024-02-29T12:34:56.123456789Z")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Path old = Files.writeString(tmp.resolve("old.txt"), "x");
        // Before 1970 (a file system may store it as 0; both paths must agree either way).
        Files.setLastModifiedTime(old, FileTime.from(Instant.parse("1969-07-20T20:17:40.5Z")));
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Path.of("file.txt"));
        Path hard = Files.createLink(tmp.resolve("hard.txt"), file);
        Path fifo = tmp.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        for (Path p : new Path[]{file, old, dir, link, hard, fifo, tmp}) {
            MetadataScanner.Stat fast = MetadataScanner.lstat(p);
            assertThat(fast).as("%s", p).isEqualTo(MetadataScanner.lstatPortable(p));
        }
        MetadataScanner.Stat f = MetadataScanner.lstat(file);
        assertThat(f.size()).isEqualTo(12);
        assertThat(f.nlink()).isEqualTo(2);
        assertThat(f.mode() & 07777).isEqualTo(0640);
        assertThat(f.mtimeNs()).isEqualTo(Instant.parse("2024-02-29T12:34:56.123456789Z").getEpochSecond()
                * 1_000_000_000L + 123_456_789L);
        assertThat(MetadataScanner.lstat(link).isSymlink()).isTrue();
        assertThat(MetadataScanner.lstat(dir).isDirectory()).isTrue();
    }
}
