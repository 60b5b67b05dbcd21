package dev.cairn.s3;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.testing.FaultyBackend;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import dev.cairn.verify.CheckReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6: about 200 MiB backed up to S3 (S3Proxy) through core's {@link FaultyBackend} wrapped
 * around {@link S3Backend}: 10 % of calls fail (half of the failed puts after a partial write),
 * 5 % are delayed, 2 % of reads come back truncated and 1 % with a flipped byte. The repository's
 * retries and verification carry the backup, a {@code check --read-data} finds nothing, and the
 * restore is identical. Packs of 1 MiB, so that the backup alone makes a few hundred calls.
 */
class S3FaultyBackendIT {
    private static final int BIG_FILES = 24;
    private static final int BIG_SIZE = 8 * 1024 * 1024;
    private static final int SMALL_FILES = 400;

    @TempDir
    Path tmp;

    /** Pseudo-random, incompressible, written in 1 MiB blocks. */
    private static void write(Path file, long size, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; ) {
                ByteBuffer bb = ByteBuffer.wrap(block);
                while (bb.remaining() >= 8) {
                    bb.putLong(r.nextLong());
                }
                int n = (int) Math.min(left, block.length);
                out.write(block, 0, n);
                left -= n;
            }
        }
    }

    @Test
    void backup200MiB_through10PercentFaults_checkReadDataPasses_restoreIdentical() throws IOException {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("big"));
        long bytes = 0;
        for (int i = 0; i < BIG_FILES; i++) {
            write(src.resolve("big/f" + i + ".bin"), BIG_SIZE + i, i);
            bytes += BIG_SIZE + i;
        }
        SplittableRandom sizes = new SplittableRandom(99);
        for (int i = 0; i < SMALL_FILES; i++) {
            Path d = Files.createDirectories(src.resolve("small/d" + (i % 10)));
            int size = sizes.nextInt(40_000);
            write(d.resolve("s" + i), size, 1000 + i);
            bytes += size;
        }
        assertThat(bytes).isGreaterThan(200_000_000L);

        String bucket = S3ProxyServer.newBucket("faultybackend");
        long t0 = System.nanoTime();
        try (S3Backend s3 = S3ProxyServer.backend(bucket, "repo").build()) {
            FaultyBackend faulty = new FaultyBackend(s3, 7).failRate(0.10).delay(0.05, 2).truncateRate(0.02)
                    .flipRate(0.01);
            roundTrip(src, bytes, faulty, t0);
        }
    }

    private void roundTrip(Path src, long bytes, FaultyBackend faulty, long t0) throws IOException {
        try (Repository repo = TestRepos.fast(faulty).packSize(1024 * 1024).retries(10, 1).init()) {
            BackupResult b = repo.backup(src).run();
            assertThat(b.partial()).as("warnings %s", b.warnings()).isFalse();
            assertThat(b.snapshot().summary().files()).isEqualTo(BIG_FILES + SMALL_FILES);
            long afterBackup = faulty.injected();

            CheckReport c = repo.check().readData(true).run();
            assertThat(c.ok()).as("%s", c).isTrue();
            assertThat(c.packsRead()).isEqualTo(c.packs()).isGreaterThan(150);
            assertThat(c.bytesRead()).isGreaterThan(200_000_000L);

            repo.restore(b.snapshot()).to(tmp.resolve("restored"));
            assertThat(TreeCompare.describe(tmp.resolve("restored/src"), true))
                    .isEqualTo(TreeCompare.describe(src, true));
            System.out.printf("S3FaultyBackendIT: %d bytes, %d faults injected in the backup, %d in all, %d s%n",
                    bytes, afterBackup, faulty.injected(), (System.nanoTime() - t0) / 1_000_000_000L);
            assertThat(afterBackup).isGreaterThan(10);
        }
    }
}
