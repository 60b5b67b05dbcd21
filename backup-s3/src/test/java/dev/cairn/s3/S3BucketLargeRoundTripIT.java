package dev.cairn.s3;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6: a whole bucket of 5,000 objects (three of 51–60 MB uploaded as multipart, the rest small
 * and varied: empty ones, nested prefixes, spaces and non-ASCII in keys, content types, user
 * metadata) backed up with {@link S3BucketSource}, restored into another bucket with
 * {@link S3BucketRestore} and compared object by object (SHA-256 of the body, size, content type,
 * user metadata, and the ETag where both sides are single-part uploads). Then an unchanged second
 * backup, with every request of the source's client counted on the wire: no GET and no HEAD.
 */
class S3BucketLargeRoundTripIT {
    private static final int OBJECTS = 5_000;
    private static final int BIG = 3;
    /** S3BucketRestore uploads objects above 16 MiB as multipart; their ETags cannot match a single PUT's. */
    private static final long RESTORE_MULTIPART_ABOVE = 16L * 1024 * 1024;

    private static S3Client s3;
    private static ExecutorService pool;
    private static String source;
    private static Map<String, Expected> expected;

    @TempDir
    Path tmp;

    /** What the test wrote for one key. */
    private record Expected(long size, String contentType, Map<String, String> meta) {
    }

    /** What the server holds for one key. */
    private record Stored(long size, String sha256, String contentType, Map<String, String> meta, String etag) {
    }

    @BeforeAll
    static void fill() throws Exception {
        s3 = S3ProxyServer.client();
        pool = Executors.newFixedThreadPool(8);
        source = S3ProxyServer.newBucket("largesource");
        expected = new TreeMap<>();
        SplittableRandom r = new SplittableRandom(6);
        List<Callable<Void>> puts = new ArrayList<>();
        String[] types = {"text/plain", "application/json", "image/png", "application/octet-stream",
                "text/html; charset=utf-8"};
        for (int i = 0; i < OBJECTS - BIG; i++) {
            String key = switch (i % 5) {
                case 0 -> "flat-" + i;
                case 1 -> "d" + (i % 7) + "/o" + i + ".json";
                case 2 -> "d" + (i % 7) + "/e" + (i % 11) + "/f" + (i % 13) + "/deep " + i + ".txt";
                case 3 -> "with spaces/and more spaces/file " + i + " (copy).bin";
                default -> "ünïcødé/日本語/ファイル-" + i + "-ñ.dat";
            };
            int size = i % 97 == 0 ? 0 : i % 50 == 0 ? 100_000 + r.nextInt(900_000) : r.nextInt(24_000);
            String type = i % 3 == 0 ? null : types[i % types.length];
            Map<String, String> meta = i % 4 == 0 ? Map.of("owner", "team-" + (i % 9), "seq", Integer.toString(i))
                    : Map.of();
            expected.put(key, new Expected(size, type, meta));
            long seed = r.nextLong();
            puts.add(() -> {
                s3.putObject(b -> b.bucket(source).key(key).contentType(type).metadata(meta),
                        RequestBody.fromBytes(bytes(size, seed)));
                return null;
            });
        }
        for (int i = 0; i < BIG; i++) {
            String key = "big/video " + i + ".bin";
            int size = 51 * 1024 * 1024 + r.nextInt(9 * 1024 * 1024);
            Map<String, String> meta = Map.of("codec", "h264", "part", Integer.toString(i));
            expected.put(key, new Expected(size, "video/mp4", meta));
            long seed = r.nextLong();
            puts.add(() -> {
                multipartPut(key, bytes(size, seed), "video/mp4", meta);
                return null;
            });
        }
        all(puts);
    }

    @AfterAll
    static void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /** Pseudo-random bytes, fast: one SplittableRandom long per 8 bytes. */
    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.remaining() >= 8) {
            bb.putLong(r.nextLong());
        }
        while (bb.hasRemaining()) {
            bb.put((byte) r.nextInt());
        }
        return b;
    }

    /** As a client uploads large files: 8 MiB parts. */
    private static void multipartPut(String key, byte[] body, String type, Map<String, String> meta) {
        String id = s3.createMultipartUpload(b -> b.bucket(source).key(key).contentType(type).metadata(meta))
                .uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        int part = 8 * 1024 * 1024;
        for (int off = 0, n = 1; off < body.length; off += part, n++) {
            int len = Math.min(part, body.length - off);
            int number = n;
            String etag = s3.uploadPart(b -> b.bucket(source).key(key).uploadId(id).partNumber(number)
                    .contentLength((long) len), RequestBody.fromByteBuffer(ByteBuffer.wrap(body, off, len))).eTag();
            parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(source).key(key).uploadId(id).multipartUpload(m -> m.parts(parts)));
    }

    private static <T> List<T> all(List<? extends Callable<T>> tasks) throws InterruptedException {
        List<T> out = new ArrayList<>();
        for (Future<T> f : pool.invokeAll(tasks)) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                throw new AssertionError("a request failed", e.getCause());
            }
        }
        return out;
    }

    /** Every object of a bucket as the server returns it (GET bodies digested in parallel). */
    private static Map<String, Stored> stored(String bucket) throws InterruptedException {
        List<S3Object> listed = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().forEach(listed::add);
        List<Callable<Map.Entry<String, Stored>>> gets = new ArrayList<>();
        for (S3Object o : listed) {
            gets.add(() -> {
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(o.key()))) {
                    GetObjectResponse h = in.response();
                    return Map.entry(o.key(), new Stored(o.size(), sha256(in), h.contentType(),
                            new TreeMap<>(h.metadata()), S3BucketSource.unquote(h.eTag())));
                }
            });
        }
        Map<String, Stored> out = new TreeMap<>();
        for (Map.Entry<String, Stored> e : all(gets)) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static String sha256(InputStream in) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private S3BucketSource.Builder sourceWith(RequestCounter counter) {
        return S3BucketSource.builder().endpoint(S3ProxyServer.endpoint()).region("us-east-1").bucket(source)
                .maxConcurrency(8).interceptor(counter);
    }

    @Test
    void bucket5000Objects_backupRestoreIntoOtherBucket_identical_andUnchangedBackup_sendsNoGetOrHead()
            throws Exception {
        Map<String, Stored> original = stored(source);
        assertThat(original).hasSize(OBJECTS);
        expected.forEach((key, e) -> {
            Stored s = original.get(key);
            assertThat(s).as(key).isNotNull();
            assertThat(s.size()).as(key).isEqualTo(e.size());
            assertThat(s.meta()).as(key).isEqualTo(e.meta());
        });
        assertThat(original.values()).filteredOn(s -> s.size() > 50L * 1024 * 1024).hasSize(BIG)
                .allSatisfy(s -> assertThat(s.etag()).as("multipart ETag").contains("-"));

        RequestCounter first = new RequestCounter();
        RequestCounter second = new RequestCounter();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            BackupResult b1 = repo.backup(sourceWith(first).build()).run();
            assertThat(b1.partial()).as("warnings %s", b1.warnings()).isFalse();
            assertThat(b1.snapshot().facts()).containsEntry("s3.objects", Integer.toString(OBJECTS))
                    .containsEntry("s3.objectsDownloaded", Integer.toString(OBJECTS))
                    .containsEntry("s3.objectsSkipped", "0");
            assertThat(first.count("GetObject")).as("%s", first.snapshot()).isGreaterThanOrEqualTo(OBJECTS);

            String target = S3ProxyServer.newBucket("largecopy");
            RestoreResult rr = S3BucketRestore.builder().endpoint(S3ProxyServer.endpoint()).region("us-east-1")
                    .bucket(target).maxConcurrency(8).build().restore(repo, b1.snapshot());
            assertThat(rr.files()).isEqualTo(OBJECTS);
            Map<String, Stored> copy = stored(target);
            assertThat(copy.keySet()).isEqualTo(original.keySet());
            int etagsCompared = 0;
            for (Map.Entry<String, Stored> e : original.entrySet()) {
                Stored o = e.getValue();
                Stored c = copy.get(e.getKey());
                assertThat(c.sha256()).as("bytes of %s", e.getKey()).isEqualTo(o.sha256());
                assertThat(c.size()).as("size of %s", e.getKey()).isEqualTo(o.size());
                assertThat(c.contentType()).as("content type of %s", e.getKey()).isEqualTo(o.contentType());
                assertThat(c.meta()).as("user metadata of %s", e.getKey()).isEqualTo(o.meta());
                if (!o.etag().contains("-") && o.size() <= RESTORE_MULTIPART_ABOVE) {
                    assertThat(c.etag()).as("ETag of %s", e.getKey()).isEqualTo(o.etag());
                    etagsCompared++;
                }
            }
            assertThat(etagsCompared).isEqualTo(OBJECTS - BIG);

            BackupResult b2 = repo.backup(sourceWith(second).build()).run();
            assertThat(b2.snapshot().facts()).containsEntry("s3.objectsDownloaded", "0")
                    .containsEntry("s3.objectsUnchanged", Integer.toString(OBJECTS));
            assertThat(b2.snapshot().summary().bytesRead()).isZero();
            assertThat(b2.snapshot().tree()).isEqualTo(b1.snapshot().tree());
        }
        Map<String, Long> sent = second.snapshot();
        System.out.printf("S3BucketLargeRoundTripIT: first backup sent %s; unchanged second backup sent %s%n",
                first.snapshot(), sent);
        assertThat(second.count("GetObject")).as("GETs of the unchanged backup: %s", sent).isZero();
        assertThat(second.count("HeadObject")).as("HEADs of the unchanged backup: %s", sent).isZero();
        assertThat(second.count("http GET")).as("requests %s", sent)
                .isEqualTo(second.count("ListObjectsV2")).isEqualTo((OBJECTS + 999) / 1000);
        assertThat(sent.keySet()).containsOnly("ListObjectsV2", "http GET");
    }
}
