package dev.cairn.s3;

import dev.cairn.BackupResult;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.RepositoryNotFoundException;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A repository on S3Proxy: init, backup, restore byte for byte; and the same repository opened by URI. */
class S3RepositoryRoundTripTest {
    private static String bucket;
    @TempDir
    Path tmp;

    @BeforeAll
    static void bucket() {
        bucket = S3ProxyServer.newBucket("roundtrip");
    }

    private static Path tree(Path base) throws IOException {
        Path src = base.resolve("src");
        Files.createDirectories(src.resolve("a/b"));
        Files.writeString(src.resolve("hello.txt"), "hello, s3\n");
        Files.write(src.resolve("empty"), new byte[0]);
        byte[] big = new byte[20 * 1024 * 1024 + 5];
        new Random(11).nextBytes(big);
        Files.write(src.resolve("a/big.bin"), big); // > one 16 MiB pack: exercises multipart at a 8 MiB threshold
        Files.write(src.resolve("a/b/text.txt"), "line\n".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        return src;
    }

    @Test
    void backupRestore_viaBackendObject_andViaUri_bytesIdentical() throws IOException {
        Path src = tree(tmp);
        String snapshotId;
        try (S3Backend backend = S3ProxyServer.backend(bucket, "repos/one").multipartThreshold(8 * 1024 * 1024)
                .partSize(5 * 1024 * 1024).build();
             Repository repo = TestRepos.fast(backend).init()) {
            assertThat(repo.location()).isEqualTo("s3://" + bucket + "/repos/one");
            BackupResult r = repo.backup(src).run();
            assertThat(r.partial()).as("warnings: %s", r.warnings()).isFalse();
            snapshotId = r.snapshot().id();
            Path target = tmp.resolve("restored");
            repo.restore(r.snapshot()).to(target);
            assertThat(TreeCompare.describe(target.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
            assertThat(backend.list("data/")).anySatisfy(o -> assertThat(o.size()).isGreaterThan(8L * 1024 * 1024));

            BackupResult second = repo.backup(src).run();
            assertThat(second.snapshot().summary().bytesRead()).isZero();
        }

        String uri = "s3://" + bucket + "/repos/one?endpoint=" + S3ProxyServer.endpoint() + "&region=us-east-1";
        try (Repository repo = Repository.at(uri).password(TestRepos.password()).open()) {
            assertThat(repo.location()).isEqualTo("s3://" + bucket + "/repos/one");
            Snapshot s = repo.snapshot(snapshotId);
            Path target = tmp.resolve("restored-by-uri");
            repo.restore(s).to(target);
            assertThat(TreeCompare.describe(target.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
            assertThat(repo.snapshots()).hasSize(2);
            var check = repo.check().readData(true).run();
            assertThat(check.ok()).as("%s", check).isTrue();
            assertThat(check.packsRead()).isPositive();
        }
    }

    @Test
    void init_byUri_withCreateBucket_createsBucket_andEndpointFromEnvironment() throws IOException {
        String fresh = "fresh-" + Long.toHexString(System.nanoTime());
        S3BackendProvider provider = new S3BackendProvider(Map.of("AWS_ENDPOINT_URL",
                S3ProxyServer.endpoint().toString()));
        try (Repository repo = TestRepos.fast(provider.open(URI.create("s3://" + fresh + "/repo?createBucket=true")))
                .init()) {
            repo.backup(tree(tmp)).run();
            assertThat(repo.snapshots()).hasSize(1);
        }
        try (Repository repo = TestRepos.fast(provider.open(URI.create("s3://" + fresh + "/repo"))).open()) {
            assertThat(repo.snapshots()).hasSize(1);
        }
    }

    @Test
    void open_emptyPrefix_throwsRepositoryNotFound() {
        String uri = "s3://" + bucket + "/nothing/here?endpoint=" + S3ProxyServer.endpoint();
        assertThatThrownBy(() -> Repository.at(uri).password(TestRepos.password()).open())
                .isInstanceOf(RepositoryNotFoundException.class)
                .hasMessageContaining("s3://" + bucket + "/nothing/here");
    }

    @Test
    void at_uriWithCredentials_isRefused_withoutEchoingThem() {
        assertThatThrownBy(() -> Repository.at("s3://AKIAEXAMPLE:s3cr3t@bucket/p").password(TestRepos.password()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("AWS_ACCESS_KEY_ID")
                .hasMessageNotContaining("s3cr3t");
    }
}
