package dev.cairn.s3;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDK retry configuration and the backend's own recoveries (a 412 answering a retried PUT that
 * had landed, a GET body cut mid-way) under a proxy that breaks about 10 % of connections (one
 * connection per request; -DfaultRate=0.3 passes too).
 */
class S3BackendFaultTest {
    @TempDir
    Path tmp;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void backupRestore_through10PercentFaults_completesIdentical() throws IOException {
        String bucket = S3ProxyServer.newBucket("faults");
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("d"));
        for (int i = 0; i < 12; i++) {
            Files.write(src.resolve("d/f" + i), random(700_000 + i * 1000, i));
        }
        try (FaultyProxy proxy = new FaultyProxy(S3ProxyServer.endpoint(), Double.parseDouble(System.getProperty("faultRate", "0.10")), 42);
             S3Backend backend = S3Backend.builder().endpoint(proxy.endpoint()).region("us-east-1").bucket(bucket)
                     .prefix("repo").maxAttempts(10).maxConcurrency(4)
                     .connectionMaxIdle(java.time.Duration.ofMillis(1)).build();
             Repository repo = TestRepos.fast(backend).packSize(1024 * 1024).init()) {
            BackupResult r = repo.backup(src).run();
            repo.restore(r.snapshot()).to(tmp.resolve("restored"));
            assertThat(TreeCompare.describe(tmp.resolve("restored/src"), true))
                    .isEqualTo(TreeCompare.describe(src, true));
            for (int i = 0; i < 20; i++) {
                byte[] data = random(300_000, 100 + i);
                backend.put("locks/l" + i, data, 0, data.length);
                try (InputStream in = backend.open("locks/l" + i)) {
                    assertThat(in.readAllBytes()).isEqualTo(data);
                }
            }
            // Range streams (a restore's reads of large files): a body cut mid-way resumes within the range.
            byte[] big = random(3 << 20, 77);
            backend.put("data/00/ranged", big, 0, big.length);
            for (int i = 0; i < 20; i++) {
                long off = 1000L * i + 13;
                int len = big.length - 5000 * i - 100;
                try (InputStream in = backend.open("data/00/ranged", off, len)) {
                    assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(big, (int) off, (int) off + len));
                }
            }
            assertThat(proxy.faults()).as("faults injected of %d connections", proxy.connections()).isPositive();
        }
    }
}
