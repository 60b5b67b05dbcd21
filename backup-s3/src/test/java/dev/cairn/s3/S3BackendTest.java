package dev.cairn.s3;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendContractTest;
import dev.cairn.backend.ObjectInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The backend contract against S3Proxy on loopback, plus what is S3's own: multipart, batch delete, errors. */
class S3BackendTest extends BackendContractTest {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static String bucket;

    @BeforeAll
    static void bucket() {
        bucket = S3ProxyServer.newBucket("contract");
    }

    @Override
    protected Backend newBackend() {
        return S3ProxyServer.backend(bucket, "repo" + PREFIXES.incrementAndGet()).build();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void location_isBucketAndPrefix_withoutEndpoint() {
        try (S3Backend b = S3ProxyServer.backend(bucket, "/a/b/").build()) {
            assertThat(b.location()).isEqualTo("s3://" + bucket + "/a/b");
            assertThat(b.prefix()).isEqualTo("a/b/");
        }
    }

    @Test
    void put_aboveMultipartThreshold_roundTrips_andStaysCreateOnly() throws IOException {
        try (S3Backend b = S3ProxyServer.backend(bucket, "multipart" + PREFIXES.incrementAndGet())
                .multipartThreshold(5 * 1024 * 1024).partSize(5 * 1024 * 1024).build()) {
            byte[] data = bytes(12 * 1024 * 1024 + 17, 7);
            b.put("data/aa/big", data, 3, data.length - 3);
            assertThat(b.stat("data/aa/big")).contains((long) data.length - 3);
            assertThat(b.get("data/aa/big")).isEqualTo(java.util.Arrays.copyOfRange(data, 3, data.length));
            assertThat(b.get("data/aa/big", 5 * 1024 * 1024 - 10, 20))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, 3 + 5 * 1024 * 1024 - 10, 3 + 5 * 1024 * 1024 + 10));
            assertThatThrownBy(() -> b.put("data/aa/big", data, 0, data.length))
                    .isInstanceOf(FileAlreadyExistsException.class);
            assertThat(b.get("data/aa/big")).hasSize(data.length - 3);
        }
    }

    /** Packs are staged in a temporary file (not in the heap), uploaded from it, and the file goes. */
    @Test
    void stagedPacks_goThroughTemporaryFiles_andLeaveNone() throws IOException {
        java.nio.file.Path tmpdir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        long before = stagingFiles(tmpdir);
        try (S3Backend b = S3ProxyServer.backend(bucket, "staged" + PREFIXES.incrementAndGet())
                .multipartThreshold(5 * 1024 * 1024).partSize(5 * 1024 * 1024).build()) {
            byte[] data = bytes(3 * 1024 * 1024 + 123, 9);
            try (Backend.Staged s = b.stage("data/", 100)) {
                assertThat(stagingFiles(tmpdir)).isEqualTo(before + 1);
                for (int off = 0; off < data.length; ) {
                    int n = Math.min(70_001, data.length - off);
                    s.write(data, off, n);
                    off += n;
                }
                s.commit("data/ab/one");
                assertThat(((Backend.Staged.Retryable) s).stored("data/ab/one")).isTrue();
                assertThat(stagingFiles(tmpdir)).isEqualTo(before);
            }
            assertThat(b.get("data/ab/one")).isEqualTo(data);
            byte[] big = bytes(6 * 1024 * 1024 + 5, 10); // above the multipart threshold
            try (Backend.Staged s = b.stage("data/", 100)) {
                s.write(big, 0, big.length);
                s.commit("data/ab/big");
            }
            assertThat(b.get("data/ab/big")).isEqualTo(big);
            try (Backend.Staged s = b.stage("data/", 100)) {
                s.write(big, 0, 10); // dropped: never committed
            }
            assertThat(b.stat("data/ab/dropped")).isEmpty();
        }
        assertThat(stagingFiles(tmpdir)).isEqualTo(before);
    }

    private static long stagingFiles(java.nio.file.Path dir) throws IOException {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("cairn-s3-")).count();
        }
    }

    @Test
    void put_withoutConditionalWrites_headsFirst_andRefusesExisting() throws IOException {
        try (S3Backend b = S3ProxyServer.backend(bucket, "headfirst" + PREFIXES.incrementAndGet())
                .conditionalWrites(false).build()) {
            b.put("keys/k", new byte[]{1}, 0, 1);
            assertThatThrownBy(() -> b.put("keys/k", new byte[]{2}, 0, 1))
                    .isInstanceOf(FileAlreadyExistsException.class)
                    .hasMessageContaining("never overwritten");
            assertThat(b.get("keys/k")).containsExactly(1);
        }
    }

    @Test
    void list_manyPages_seesEveryObject() throws IOException {
        try (S3Backend b = S3ProxyServer.backend(bucket, "pages" + PREFIXES.incrementAndGet()).listPageSize(7)
                .build()) {
            for (int i = 0; i < 40; i++) {
                b.put("index/" + i, new byte[i], 0, i);
            }
            List<ObjectInfo> all = b.list("index/");
            assertThat(all).hasSize(40);
            assertThat(all).contains(new ObjectInfo("index/39", 39));
        }
    }

    @Test
    void deleteMany_removesAll_andIgnoresMissing() throws IOException {
        try (S3Backend b = S3ProxyServer.backend(bucket, "batch" + PREFIXES.incrementAndGet()).build()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                names.add("data/0" + (i % 3) + "/p" + i);
                b.put(names.get(i), new byte[]{(byte) i}, 0, 1);
            }
            names.add("data/00/never-written");
            b.delete(names);
            assertThat(b.list("data/")).isEmpty();
        }
    }

    @Test
    void open_partiallyRead_thenClosed_releasesConnection() throws IOException {
        try (S3Backend b = S3ProxyServer.backend(bucket, "stream" + PREFIXES.incrementAndGet()).maxConcurrency(1)
                .build()) {
            byte[] data = bytes(3 * 1024 * 1024, 3);
            b.put("data/00/s", data, 0, data.length);
            for (int i = 0; i < 5; i++) {
                try (InputStream in = b.open("data/00/s")) {
                    assertThat(in.readNBytes(10)).isEqualTo(java.util.Arrays.copyOf(data, 10));
                }
            }
            assertThat(b.get("data/00/s", 0, 0)).isEmpty();
            assertThatThrownBy(() -> b.open("data/00/missing")).isInstanceOf(NoSuchFileException.class);
        }
    }

    /**
     * A ranged read lands in the caller's buffer when it fits (a restore's readers reuse one each:
     * a new array per range was a 1 GiB restore's worth of garbage), in a new exact array when not;
     * a range running past the end fails either way.
     */
    @Test
    void rangeGet_fillsTheCallersBuffer_whenItFits() throws IOException {
        byte[] data = bytes(10_000, 5);
        backend.put("data/00/into", data, 0, data.length);
        byte[] buf = new byte[4096];
        assertThat(backend.get("data/00/into", 100, 1000, buf)).isSameAs(buf);
        assertThat(java.util.Arrays.copyOf(buf, 1000)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 1100));
        byte[] larger = backend.get("data/00/into", 0, 8000, buf);
        assertThat(larger).isNotSameAs(buf).isEqualTo(java.util.Arrays.copyOf(data, 8000));
        assertThatThrownBy(() -> backend.get("data/00/into", 9990, 20, buf)).isInstanceOf(EOFException.class)
                .hasMessageContaining("got 10 bytes");
    }

    @Test
    void rangeGet_zeroLengthPastEnd_fails() throws IOException {
        backend.put("data/00/z", new byte[4], 0, 4);
        assertThat(backend.get("data/00/z", 4, 0)).isEmpty();
        assertThatThrownBy(() -> backend.get("data/00/z", 5, 0)).isInstanceOf(EOFException.class);
    }

    @Test
    void folderMarkers_areNotListed() throws IOException {
        backend.put("snapshots/x", new byte[1], 0, 1);
        // A console "folder": a zero-byte key ending in '/', which the backend itself never writes.
        try (S3Client raw = S3ProxyServer.client()) {
            raw.putObject(r -> r.bucket(bucket).key(((S3Backend) backend).prefix() + "snapshots/"),
                    RequestBody.empty());
        }
        assertThat(backend.list("snapshots/")).extracting(ObjectInfo::name).containsExactly("snapshots/x");
    }

    @Test
    void get_missingBucket_throwsNoSuchFile_andPutNamesTheFix() {
        try (S3Backend b = S3ProxyServer.backend("no-such-bucket-" + PREFIXES.incrementAndGet(), "r").build()) {
            assertThatThrownBy(() -> b.get("config")).isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("does not exist");
            assertThat(catchIo(() -> b.stat("config"))).isNull();
            assertThatThrownBy(() -> b.put("config", new byte[1], 0, 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("createBucket=true");
        }
    }

    @Test
    void put_missingBucket_withCreateBucket_createsIt() throws IOException {
        String name = "created-" + PREFIXES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        try (S3Backend b = S3ProxyServer.backend(name, "r").createBucket(true).build()) {
            b.put("config", new byte[]{42}, 0, 1);
            assertThat(b.get("config")).containsExactly(42);
        }
    }

    @Test
    void wrongCredentials_throwIoException_namingTheFix() {
        String saved = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "wrong-secret");
        try (S3Backend b = S3ProxyServer.backend(bucket, "denied").maxAttempts(1).build()) {
            assertThatThrownBy(() -> b.list("")).isInstanceOf(IOException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("s3://" + bucket)
                    .hasMessageContaining("AWS_ACCESS_KEY_ID")
                    .hasMessageNotContaining("wrong-secret");
        } finally {
            System.setProperty("aws.secretAccessKey", saved);
        }
    }

    @Test
    void invalidNames_areRefused() {
        assertThatThrownBy(() -> backend.put("../escape", new byte[1], 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.get("/abs")).isInstanceOf(IllegalArgumentException.class);
    }

    interface IoCall {
        Object run() throws IOException;
    }

    private static Object catchIo(IoCall c) {
        try {
            Object o = c.run();
            return o instanceof java.util.Optional<?> opt && opt.isEmpty() ? null : o;
        } catch (IOException e) {
            return e;
        }
    }
}
