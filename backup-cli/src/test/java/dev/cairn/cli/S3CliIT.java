package dev.cairn.cli;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.Constants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance of {@code s3://} repositories through the real {@code target/cairn.jar} started as a
 * process, configured as an operator would configure it: the endpoint in {@code AWS_ENDPOINT_URL},
 * the keys in {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, the region in
 * {@code AWS_REGION}, the repository password in {@code CAIRN_PASSWORD_FILE}; none of them in an
 * argument. The server is S3Proxy (in-memory store) started in this JVM on loopback, with fixed,
 * fake test keys.
 */
class S3CliIT {
    private static final String ACCESS_KEY = CairnProcess.throwawaySecret("access");
    private static final String SECRET_KEY = CairnProcess.throwawaySecret("secret");
    private static final String PASSWORD = CairnProcess.throwawaySecret("password");
    private static final Path JAR = CairnProcess.JAR;

    private static S3Proxy proxy;
    private static URI endpoint;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() throws Exception {
        Properties p = new Properties();
        p.setProperty(Constants.PROPERTY_IDENTITY, ACCESS_KEY);
        p.setProperty(Constants.PROPERTY_CREDENTIAL, SECRET_KEY);
        proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("transient", p))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .stopTimeout(0)
                .build();
        proxy.start(); // Jetty's start returns once the connector listens
        assertThat(proxy.getState()).isEqualTo("STARTED");
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
    }

    private Map<String, String> environment(Path passFile) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", tmp.toString()); // no ~/.aws of the machine's user
        // A UTF-8 locale, as a login shell has: under the POSIX locale Java 17 cannot map non-ASCII file names
        // (sun.jnu.encoding is ASCII) and the backup of this tree fails on "名前 with space.txt".
        env.put("LANG", "C.UTF-8");
        env.put("AWS_ENDPOINT_URL", endpoint.toString());
        env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        env.put("AWS_REGION", "us-east-1");
        env.put("CAIRN_PASSWORD_FILE", passFile.toString());
        env.put("CAIRN_KDF_MEMORY_KIB", "8192");
        env.put("CAIRN_KDF_ITERATIONS", "1");
        return env;
    }

    /** Runs {@code java -jar cairn.jar args…} with exactly {@code environment}, stdin closed. */
    private CairnProcess.Proc cairn(Map<String, String> environment, String... args) {
        return CairnProcess.run(environment, tmp, args);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A tree with set modes and nanosecond mtimes (files and directories), empty and larger files, a symlink. */
    private static Path data(Path base) throws IOException {
        Path d = base.resolve("data");
        Files.createDirectories(d.resolve("etc/conf.d"));
        Files.createDirectories(d.resolve("var/lib/blobs"));
        Files.writeString(d.resolve("etc/hosts"), "127.0.0.1 localhost\n");
        Files.writeString(d.resolve("etc/conf.d/app.conf"), "key = value\n".repeat(1000));
        Files.write(d.resolve("var/lib/blobs/big.bin"), random(9 * 1024 * 1024 + 17, 1));
        Files.write(d.resolve("var/lib/blobs/small.bin"), random(4097, 2));
        Files.write(d.resolve("var/lib/empty"), new byte[0]);
        Files.writeString(d.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.writeString(d.resolve("名前 with space.txt"), "unicode\n");
        Files.createSymbolicLink(d.resolve("etc/link"), Path.of("hosts"));
        Files.setPosixFilePermissions(d.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(d.resolve("etc/hosts"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(d.resolve("var/lib/blobs/small.bin"), PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(d.resolve("etc/conf.d"), PosixFilePermissions.fromString("rwx------"));
        long ns = 1_600_000_000_123_456_789L;
        try (Stream<Path> s = Files.walk(d)) {
            List<Path> all = new ArrayList<>(s.toList());
            java.util.Collections.reverse(all); // children before their directory
            for (Path p : all) {
                if (!Files.isSymbolicLink(p)) {
                    ns += 86_400_000_000_007L;
                    Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(0, ns)));
                }
            }
        }
        return d;
    }

    /** Every entry below {@code dir}: type, mode, mtime in ns, then SHA-256 of the bytes or the link target. */
    private static Map<String, String> describe(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, "link -> " + Files.readSymbolicLink(p));
                    continue;
                }
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
                m.put(rel, (Files.isDirectory(p) ? "dir " : "file ") + mode + " " + mtime
                        + (Files.isRegularFile(p) ? " " + sha256(p) : ""));
            }
        }
        return m;
    }

    /** Files below {@code dir}, 0 when it does not exist. */
    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void s3Repository_viaAwsEndpointUrl_initBackupRestoreCheck_identical_noSecretShown() throws IOException {
        assertThat(JAR).as("build the jar first: mvn package -pl backup-cli").isRegularFile();
        Path passFile = tmp.resolve("pass");
        Files.writeString(passFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = environment(passFile);
        Path data = data(tmp);
        Map<String, String> before = describe(data);
        String bucket = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        String repo = "s3://" + bucket + "/hosts/db1";
        List<CairnProcess.Proc> all = new ArrayList<>();

        CairnProcess.Proc missing = cairn(env, "init", "--repo", repo);
        all.add(missing);
        assertThat(missing.code()).as("%s", missing).isNotZero();
        assertThat(missing.err()).contains(bucket).contains("does not exist").contains("createBucket=true");

        CairnProcess.Proc init = cairn(env, "init", "--json", "--repo", repo + "?createBucket=true");
        all.add(init);
        assertThat(init.code()).as("%s", init).isZero();
        assertThat(init.json().get("location").asText()).isEqualTo(repo);

        CairnProcess.Proc backup = cairn(env, "backup", "--json", "--repo", repo, data.toString());
        all.add(backup);
        assertThat(backup.code()).as("%s", backup).isZero();
        assertThat(backup.json().get("partial").asBoolean()).isFalse();
        assertThat(backup.json().get("files").asLong()).isEqualTo(7);

        Path target = tmp.resolve("restored");
        CairnProcess.Proc restore = cairn(env, "restore", "latest", "--repo", repo, "--target", target.toString(), "--json");
        all.add(restore);
        assertThat(restore.code()).as("%s", restore).isZero();
        assertThat(restore.json().get("snapshot").asText()).isEqualTo(backup.json().get("snapshot").asText());
        assertThat(describe(target.resolve("data"))).isEqualTo(before);

        // The cache of the remote repository, in ~/.cache/cairn by default: the snapshot, the index, the trees.
        Path cache = tmp.resolve(".cache/cairn");
        assertThat(cache.resolve("CACHEDIR.TAG")).isRegularFile();
        List<Path> repos;
        try (Stream<Path> s = Files.list(cache)) {
            repos = s.filter(Files::isDirectory).toList();
        }
        assertThat(repos).hasSize(1);
        assertThat(repos.get(0).resolve("snapshots").resolve(backup.json().get("snapshot").asText())).isRegularFile();
        assertThat(count(repos.get(0).resolve("index"))).isPositive();
        assertThat(count(repos.get(0).resolve("data"))).isPositive();
        Path elsewhere = tmp.resolve("elsewhere");
        Map<String, String> otherCache = new HashMap<>(env);
        otherCache.put("CAIRN_CACHE_DIR", elsewhere.toString());
        CairnProcess.Proc uncached = cairn(otherCache, "backup", "--no-cache", "-q", "--repo", repo, data.toString());
        all.add(uncached);
        assertThat(uncached.code()).as("%s", uncached).isZero();
        assertThat(elsewhere).doesNotExist();
        CairnProcess.Proc again = cairn(otherCache, "backup", "-q", "--repo", repo, data.toString());
        all.add(again);
        assertThat(again.code()).as("%s", again).isZero();
        assertThat(count(elsewhere.resolve(repos.get(0).getFileName()).resolve("snapshots"))).isEqualTo(3);

        CairnProcess.Proc check = cairn(env, "check", "--read-data", "--json", "--repo", repo);
        all.add(check);
        assertThat(check.code()).as("%s", check).isZero();
        assertThat(check.json().get("ok").asBoolean()).isTrue();
        assertThat(check.json().get("packsRead").asInt()).isEqualTo(check.json().get("packs").asInt()).isPositive();

        for (CairnProcess.Proc p : all) {
            assertThat(p.cmdline()).doesNotContain(PASSWORD).doesNotContain(SECRET_KEY).doesNotContain(ACCESS_KEY);
            assertThat(p.out() + p.err()).doesNotContain(PASSWORD).doesNotContain(SECRET_KEY);
        }
    }
}
