package dev.cairn.s3;

import dev.cairn.BackendException;
import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.internal.util.HostName;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.verify.DrillReport;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Restores files of a snapshot as objects into a bucket and key prefix (the bucket a
 * {@link S3BucketSource} read, another one, on another endpoint too).
 *
 * <pre>{@code
 * RestoreResult r = S3BucketRestore.builder().bucket("assets-copy").prefix("site/").build()
 *         .restore(repo, repo.snapshot("latest"));
 * }</pre>
 *
 * <p>A file at {@code <path>/a/b.txt} becomes key {@code prefix + "a/b.txt"}. The xattrs an
 * {@link S3BucketSource} stored become the object's content type, cache-control,
 * content-encoding, content-disposition, content-language and user metadata
 * ({@code user.s3.meta.<name>} → {@code x-amz-meta-<name>}); other xattrs are not written. The
 * ETag and last-modified time are the server's: S3 cannot set them. Directories need no objects;
 * symlinks and special files are reported in the result's warnings and skipped.
 *
 * <p><b>Existing keys are not overwritten</b> unless {@link Builder#overwrite(boolean)} says so:
 * before writing anything the target prefix is listed and the restore refuses when any key to be
 * written exists; each write then carries {@code If-None-Match: *}, so a key that appears meanwhile
 * is not overwritten either (the restore fails naming it).
 *
 * <p>Objects are uploaded in parallel ({@link Builder#maxConcurrency}), at most 64 MiB in flight;
 * objects above 16 MiB go up as multipart uploads as they are read. Each upload carries
 * Content-MD5.
 *
 * <p>How it reads: core's public API lists entries ({@link Repository#list}) without their
 * xattrs, so the content and the metadata come from one pass over
 * {@link Repository#exportTar}, whose pax records carry the xattrs; the listing plans the keys
 * and the overwrite check. Immutable and thread-safe; each {@link #restore} opens its own client.
 */
public final class S3BucketRestore {
    private static final int SMALL = 16 * 1024 * 1024;
    private static final long IN_FLIGHT = 64L * 1024 * 1024;
    private static final int PART = 8 * 1024 * 1024;
    /** The xattrs that become system metadata, in the order {@link #applyMetadata} takes its setters. */
    private static final String[] SYSTEM_XATTRS = {S3BucketSource.XATTR_CONTENT_TYPE,
            S3BucketSource.XATTR_CACHE_CONTROL, S3BucketSource.XATTR_CONTENT_ENCODING,
            S3BucketSource.XATTR_CONTENT_DISPOSITION, S3BucketSource.XATTR_CONTENT_LANGUAGE};

    private final String bucket;
    private final String prefix;
    private final S3Connection conn;
    private final boolean overwrite;
    private final boolean createBucket;

    private S3BucketRestore(Builder b) {
        this.bucket = b.bucket;
        this.prefix = b.prefix;
        this.conn = b.conn.copy();
        this.overwrite = b.overwrite;
        this.createBucket = b.createBucket;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of an {@link S3BucketRestore}; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private String bucket;
        private String prefix = "";
        private final S3Connection conn = new S3Connection();
        private boolean overwrite;
        private boolean createBucket;

        private Builder() {
        }

        public Builder bucket(String name) {
            this.bucket = S3Backend.builder().bucket(name).bucketName();
            return this;
        }

        /** The key prefix restored files go under ({@code ""}: the bucket's root); '/' is appended. */
        public Builder prefix(String p) {
            this.prefix = S3Backend.builder().prefix(p).prefixValue();
            return this;
        }

        public Builder endpoint(URI endpoint) {
            conn.endpoint(endpoint);
            return this;
        }

        public Builder region(String region) {
            conn.region(region);
            return this;
        }

        public Builder pathStyle(boolean v) {
            conn.pathStyle(v);
            return this;
        }

        /** Parallel uploads; default 8. */
        public Builder maxConcurrency(int n) {
            conn.maxConcurrency(n);
            return this;
        }

        public Builder maxAttempts(int n) {
            conn.maxAttempts(n);
            return this;
        }

        /** Replace existing objects (default false: refuse before writing anything). */
        public Builder overwrite(boolean v) {
            this.overwrite = v;
            return this;
        }

        /** Create the bucket if it does not exist (default false). */
        public Builder createBucket(boolean v) {
            this.createBucket = v;
            return this;
        }

        Builder environment(Map<String, String> env) {
            conn.environment(env);
            return this;
        }

        public S3BucketRestore build() {
            if (bucket == null) {
                throw new IllegalArgumentException("bucket is required");
            }
            conn.effectiveEndpoint();
            return new S3BucketRestore(this);
        }
    }

    /** {@code s3://bucket/prefix}. */
    public String location() {
        return "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1));
    }

    /**
     * Restores the snapshot's single top-level directory (what one {@link S3BucketSource} backup
     * holds).
     *
     * @throws ConfigurationException if the snapshot has not exactly one top-level directory
     */
    public RestoreResult restore(Repository repo, Snapshot snapshot) {
        return restore(repo, snapshot, topDirectory(repo, snapshot));
    }

    private String topDirectory(Repository repo, Snapshot snapshot) {
        List<SnapshotEntry> top = repo.list(snapshot, "", false);
        if (top.size() != 1 || !top.get(0).type().equals("dir")) {
            throw new ConfigurationException("Snapshot " + snapshot.shortId() + " has " + top.size() + " top-level "
                    + "entries; name the directory to restore into " + location() + " with restore(repo, snapshot, path).");
        }
        return top.get(0).path();
    }

    /**
     * Restores everything below {@code path} (a directory of the snapshot, or one file) as objects
     * under the prefix.
     *
     * @throws BackupException with {@link ErrorCode#CONFIGURATION} when keys exist and overwrite is off,
     *                         {@link BackendException} when S3 fails
     */
    public RestoreResult restore(Repository repo, Snapshot snapshot, String path) {
        return run(repo, snapshot, path, prefix, overwrite, new ConcurrentHashMap<>());
    }

    /**
     * A restore drill: restores the snapshot's top directory into a scratch prefix
     * ({@code prefix + "cairn-drill-<random>/"}, which must be new), reads every restored object
     * back and compares its SHA-256 with the content read from the snapshot, deletes the scratch
     * prefix, and records the report in the repository ({@link Repository#recordDrill}). A failed
     * restore or comparison makes a failed report, not an exception.
     *
     * @return the recorded report, with its id
     */
    public DrillReport drill(Repository repo, Snapshot snapshot) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(snapshot, "snapshot");
        byte[] r = new byte[6];
        new SecureRandom().nextBytes(r);
        String scratch = prefix + "cairn-drill-" + HexFormat.of().formatHex(r) + "/";
        String target = "s3://" + bucket + "/" + scratch.substring(0, scratch.length() - 1);
        Instant started = Instant.now();
        List<String> checks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Map<String, byte[]> digests = new ConcurrentHashMap<>();
        Duration restoreTime = Duration.ZERO;
        try (S3Client s3 = conn.client()) {
            try {
                RestoreResult rr = run(repo, snapshot, topDirectory(repo, snapshot), scratch, false, digests);
                restoreTime = rr.duration();
                checks.add("restored " + rr.files() + " objects (" + rr.bytes() + " bytes) into " + target + " in "
                        + rr.duration().toMillis() + " ms");
                int bad = 0;
                for (Map.Entry<String, byte[]> e : new TreeMap<>(digests).entrySet()) {
                    String problem = compare(s3, e.getKey(), e.getValue());
                    if (problem != null && bad++ < 20) {
                        failures.add(problem);
                    }
                }
                if (bad == 0) {
                    checks.add("read back " + digests.size() + " objects: every SHA-256 equals the snapshot's content");
                } else if (bad > 20) {
                    failures.add((bad - 20) + " more objects differ");
                }
            } catch (BackupException e) {
                failures.add("restore failed: " + e.getMessage());
            } finally {
                try {
                    int n = deletePrefix(s3, scratch);
                    checks.add("deleted the scratch prefix (" + n + " objects)");
                } catch (IOException e) {
                    failures.add("the scratch prefix " + target + " was not deleted: " + e.getMessage());
                }
            }
        }
        DrillReport report = new DrillReport("", snapshot.id(), snapshot.sourceKind(), target, HostName.local(),
                started, failures.isEmpty(), restoreTime, Duration.between(snapshot.time(), started), checks, failures);
        return repo.recordDrill(report);
    }

    private String compare(S3Client s3, String key, byte[] expected) {
        MessageDigest d = sha256();
        try (S3ObjectStream in = S3ObjectStream.open(s3, bucket, key, key, null)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        } catch (IOException e) {
            return key + ": cannot read it back: " + e.getMessage();
        }
        return MessageDigest.isEqual(d.digest(), expected) ? null
                : key + ": content differs from the snapshot (SHA-256 mismatch)";
    }

    private int deletePrefix(S3Client s3, String p) throws IOException {
        int deleted = 0;
        try {
            List<ObjectIdentifier> batch = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(p)
                    .build()).contents()) {
                batch.add(ObjectIdentifier.builder().key(o.key()).build());
                if (batch.size() == 1000) {
                    deleted += deleteBatch(s3, batch);
                }
            }
            deleted += deleteBatch(s3, batch);
        } catch (SdkException e) {
            throw S3Errors.map(e, "deletion of the scratch prefix", bucket, p, p);
        }
        return deleted;
    }

    private int deleteBatch(S3Client s3, List<ObjectIdentifier> batch) throws IOException {
        if (batch.isEmpty()) {
            return 0;
        }
        int n = batch.size();
        List<ObjectIdentifier> copy = List.copyOf(batch);
        batch.clear();
        DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().objects(copy)
                .quiet(true).build()));
        if (r.hasErrors() && !r.errors().isEmpty()) {
            throw new IOException(r.errors().size() + " objects could not be deleted, e.g. " + r.errors().get(0).key()
                    + " (" + r.errors().get(0).code() + ")");
        }
        return n;
    }


    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private RestoreResult run(Repository repo, Snapshot snapshot, String path, String targetPrefix,
                              boolean replace, Map<String, byte[]> digests) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(snapshot, "snapshot");
        String base = path == null ? "" : path.replaceAll("^/+|/+$", "");
        long t0 = System.nanoTime();
        List<String> warnings = new ArrayList<>();
        Map<String, String> keys = plan(repo.list(snapshot, base, true), base, targetPrefix, warnings);
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(conn.maxConcurrency(), r -> {
            Thread t = new Thread(r, "cairn-s3-put-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (S3Client s3 = conn.client()) {
            ensureBucket(s3);
            if (!replace) {
                refuseExisting(s3, targetPrefix, keys.values());
            }
            Upload u = new Upload(s3, pool, keys, replace, digests);
            u.run(repo, snapshot);
            return new RestoreResult(u.files, 0, u.bytes, Duration.ofNanos(System.nanoTime() - t0), warnings);
        } catch (IOException e) {
            throw new BackendException("Restore of snapshot " + snapshot.shortId() + " into s3://" + bucket + "/"
                    + targetPrefix + " at " + conn.describeEndpoint() + " failed: " + e.getMessage(), true, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Snapshot path → key, for every file below {@code base}. */
    private static Map<String, String> plan(List<SnapshotEntry> entries, String base, String prefix,
                                            List<String> warnings) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (SnapshotEntry e : entries) {
            String rel;
            if (e.path().equals(base)) {
                if (!e.type().equals("file")) {
                    continue; // the directory itself
                }
                rel = base.substring(base.lastIndexOf('/') + 1);
            } else {
                rel = base.isEmpty() ? e.path() : e.path().substring(base.length() + 1);
            }
            switch (e.type()) {
                case "file" -> keys.put(e.path(), prefix + rel);
                case "dir" -> {
                    // S3 has no directories: they exist through the keys below them.
                }
                default -> warnings.add(e.path() + ": a " + e.type() + " has no S3 equivalent; not restored");
            }
        }
        return keys;
    }

    private void ensureBucket(S3Client s3) throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            if ((S3Errors.status(e) == 404 || S3Errors.isNoSuchBucket(e)) && createBucket) {
                try {
                    s3.createBucket(b -> b.bucket(bucket));
                } catch (SdkException e2) {
                    if (!"BucketAlreadyOwnedByYou".equals(S3Errors.code(e2))) {
                        throw S3Errors.map(e2, "creation of the bucket", bucket, "", "");
                    }
                }
                return;
            }
            if (S3Errors.status(e) == 404) {
                throw new IOException("bucket " + bucket + " does not exist; create it or call createBucket(true)", e);
            }
            throw S3Errors.map(e, "bucket check", bucket, "", "");
        }
    }

    private void refuseExisting(S3Client s3, String prefix, java.util.Collection<String> planned) throws IOException {
        Set<String> wanted = new HashSet<>(planned);
        List<String> existing = new ArrayList<>();
        int count = 0;
        try {
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                    .build()).contents()) {
                if (wanted.contains(o.key())) {
                    count++;
                    if (existing.size() < 5) {
                        existing.add(o.key());
                    }
                }
            }
        } catch (SdkException e) {
            throw S3Errors.map(e, "listing", bucket, prefix, prefix);
        }
        if (count > 0) {
            throw new ConfigurationException("Refusing to restore into s3://" + bucket + "/" + prefix + ": " + count
                    + " of the "
                    + planned.size() + " keys exist already (" + String.join(", ", existing) + (count > 5 ? ", …" : "")
                    + "). Restore into another prefix, or pass overwrite(true) to replace them.");
        }
    }

    /** One pass over the snapshot's tar stream, uploading files as they come. */
    private final class Upload {
        private final S3Client s3;
        private final ExecutorService pool;
        private final Map<String, String> keys;
        private final Semaphore inFlight = new Semaphore((int) (IN_FLIGHT / 1024));
        private final List<Future<?>> pending = new ArrayList<>();
        private final Map<String, String> linkTargets = new HashMap<>();
        private final boolean replace;
        private final Map<String, byte[]> digests;
        long files;
        long bytes;

        Upload(S3Client s3, ExecutorService pool, Map<String, String> keys, boolean replace,
               Map<String, byte[]> digests) {
            this.s3 = s3;
            this.pool = pool;
            this.keys = keys;
            this.replace = replace;
            this.digests = digests;
        }

        void run(Repository repo, Snapshot snapshot) throws IOException {
            PipedInputStream pipeIn = new PipedInputStream(1024 * 1024);
            PipedOutputStream pipeOut = new PipedOutputStream(pipeIn);
            AtomicReference<RuntimeException> exportFailure = new AtomicReference<>();
            Thread exporter = new Thread(() -> {
                try (pipeOut) {
                    repo.exportTar(snapshot, pipeOut);
                } catch (RuntimeException e) {
                    exportFailure.set(e);
                } catch (IOException ignored) {
                    // the reader went away; its own failure is reported
                }
            }, "cairn-s3-restore-export");
            exporter.setDaemon(true);
            exporter.start();
            Map<String, String> hardLinks = new LinkedHashMap<>();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(pipeIn, StandardCharsets.UTF_8.name())) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    String p = e.getName().replaceAll("/+$", "");
                    String key = keys.get(p);
                    if (key == null) {
                        continue;
                    }
                    if (e.isLink()) {
                        hardLinks.put(key, e.getLinkName());
                        continue;
                    }
                    if (!e.isFile()) {
                        continue;
                    }
                    linkTargets.put(p, key);
                    Map<String, String> xattrs = new TreeMap<>();
                    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                        if (h.getKey().startsWith("SCHILY.xattr.")) {
                            xattrs.put(h.getKey().substring("SCHILY.xattr.".length()), h.getValue());
                        }
                    }
                    upload(key, e.getSize(), xattrs, tar);
                    files++;
                    bytes += e.getSize();
                }
                for (Future<?> f : pending) {
                    Futures.await(f, "while restoring");
                }
                for (Map.Entry<String, String> l : hardLinks.entrySet()) {
                    String from = linkTargets.get(l.getValue().replaceAll("/+$", ""));
                    copy(from, l.getKey());
                    if (from != null && digests.containsKey(from)) {
                        digests.put(l.getKey(), digests.get(from));
                    }
                    files++;
                }
            } catch (IOException | RuntimeException ex) {
                RuntimeException ef = exportFailure.get();
                if (ef != null) {
                    throw ef; // the export's own error (integrity, backend) says more than a broken pipe
                }
                throw ex;
            } finally {
                for (Future<?> f : pending) {
                    f.cancel(true);
                }
                try {
                    pipeIn.close();
                    exporter.join(60_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            if (exportFailure.get() != null) {
                throw exportFailure.get();
            }
        }

        private void upload(String key, long size, Map<String, String> xattrs, InputStream in) throws IOException {
            if (size <= SMALL) {
                byte[] body = in.readNBytes((int) size);
                if (body.length != size) {
                    throw new IOException("the snapshot's stream ended early for " + key);
                }
                digests.put(key, sha256().digest(body));
                int permits = Math.max(1, body.length / 1024);
                acquire(permits);
                pending.add(pool.submit(() -> {
                    try {
                        put(key, body, xattrs);
                        return null;
                    } finally {
                        inFlight.release(permits);
                    }
                }));
                return;
            }
            multipart(key, size, xattrs, in);
        }

        private void put(String key, byte[] body, Map<String, String> xattrs) throws IOException {
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key)
                    .contentLength((long) body.length)
                    .contentMD5(Base64.getEncoder().encodeToString(S3Backend.md5(body, 0, body.length)));
            applyMetadata(xattrs, req::contentType, req::cacheControl, req::contentEncoding, req::contentDisposition,
                    req::contentLanguage);
            req.metadata(userMetadata(xattrs));
            if (!replace) {
                req.ifNoneMatch("*");
            }
            try {
                s3.putObject(req.build(), RequestBody.fromContentProvider(() -> new ByteArrayInputStream(body),
                        body.length, contentType(xattrs)));
            } catch (SdkException e) {
                throw S3Errors.map(e, "upload", bucket, key, key);
            }
        }

        private void multipart(String key, long size, Map<String, String> xattrs, InputStream in) throws IOException {
            CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key);
            applyMetadata(xattrs, create::contentType, create::cacheControl, create::contentEncoding,
                    create::contentDisposition, create::contentLanguage);
            create.metadata(userMetadata(xattrs));
            String uploadId;
            try {
                uploadId = s3.createMultipartUpload(create.build()).uploadId();
            } catch (SdkException e) {
                throw S3Errors.map(e, "upload", bucket, key, key);
            }
            boolean done = false;
            try {
                List<Future<CompletedPart>> parts = new ArrayList<>();
                MessageDigest whole = sha256();
                long left = size;
                for (int pn = 1; left > 0; pn++) {
                    int len = (int) Math.min(PART, left);
                    byte[] part = in.readNBytes(len);
                    if (part.length != len) {
                        throw new IOException("the snapshot's stream ended early for " + key);
                    }
                    whole.update(part);
                    left -= len;
                    int number = pn;
                    int permits = Math.max(1, len / 1024);
                    acquire(permits);
                    parts.add(pool.submit(() -> {
                        try {
                            String etag = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(key)
                                            .uploadId(uploadId).partNumber(number).contentLength((long) part.length)
                                            .contentMD5(Base64.getEncoder().encodeToString(
                                                    S3Backend.md5(part, 0, part.length))).build(),
                                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(part), part.length,
                                            "application/octet-stream")).eTag();
                            return CompletedPart.builder().partNumber(number).eTag(etag).build();
                        } catch (SdkException e) {
                            throw S3Errors.map(e, "upload of a part", bucket, key, key);
                        } finally {
                            inFlight.release(permits);
                        }
                    }));
                }
                List<CompletedPart> completed = new ArrayList<>();
                for (Future<CompletedPart> f : parts) {
                    completed.add(Futures.await(f, "while restoring"));
                }
                CompleteMultipartUploadRequest.Builder complete = CompleteMultipartUploadRequest.builder()
                        .bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(completed));
                if (!replace) {
                    complete.ifNoneMatch("*");
                }
                s3.completeMultipartUpload(complete.build());
                digests.put(key, whole.digest());
                done = true;
            } catch (SdkException e) {
                throw S3Errors.map(e, "completion of the multipart upload", bucket, key, key);
            } finally {
                if (!done) {
                    try {
                        s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(key)
                                .uploadId(uploadId).build());
                    } catch (SdkException ignored) {
                        // a lifecycle rule for incomplete uploads cleans up
                    }
                }
            }
        }

        /** A hard link of the snapshot: a server-side copy of the object already restored. */
        private void copy(String fromKey, String toKey) throws IOException {
            if (fromKey == null) {
                throw new IOException("hard link target of " + toKey + " was not restored");
            }
            try {
                s3.copyObject(CopyObjectRequest.builder().sourceBucket(bucket).sourceKey(fromKey)
                        .destinationBucket(bucket).destinationKey(toKey).metadataDirective(MetadataDirective.COPY)
                        .build());
            } catch (SdkException e) {
                throw S3Errors.map(e, "copy", bucket, toKey, toKey);
            }
        }

        private void acquire(int permits) throws InterruptedIOException {
            try {
                inFlight.acquire(permits);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while restoring into " + location());
            }
        }
    }

    private static String contentType(Map<String, String> xattrs) {
        return xattrs.getOrDefault(S3BucketSource.XATTR_CONTENT_TYPE, "application/octet-stream");
    }

    @SafeVarargs
    private static void applyMetadata(Map<String, String> xattrs, java.util.function.Consumer<String>... setters) {
        for (int i = 0; i < SYSTEM_XATTRS.length; i++) {
            String v = xattrs.get(SYSTEM_XATTRS[i]);
            if (v != null && !v.isEmpty()) {
                setters[i].accept(v);
            }
        }
    }

    private static Map<String, String> userMetadata(Map<String, String> xattrs) {
        Map<String, String> m = new TreeMap<>();
        for (Map.Entry<String, String> e : xattrs.entrySet()) {
            if (e.getKey().startsWith(S3BucketSource.XATTR_META_PREFIX)) {
                m.put(e.getKey().substring(S3BucketSource.XATTR_META_PREFIX.length()), e.getValue());
            }
        }
        return m;
    }

}
