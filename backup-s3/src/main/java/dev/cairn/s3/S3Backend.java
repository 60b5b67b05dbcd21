package dev.cairn.s3;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.RetryableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A repository in an S3 bucket (AWS or an S3-compatible server: MinIO, Ceph RGW, S3Proxy), under a
 * key prefix. Object names map to keys {@code prefix + name}.
 *
 * <pre>{@code
 * Backend b = S3Backend.builder().bucket("backups").prefix("hosts/db1")
 *         .endpoint(URI.create("http://127.0.0.1:9000")).build();
 * Repository repo = Repository.at(b).password(secret).init();
 * }</pre>
 *
 * <p>How the {@link Backend} contract is met:
 * <ul>
 *   <li><b>Atomic, create-only writes.</b> An object is one PUT, or one completed multipart
 *       upload (above {@link Builder#multipartThreshold}), so readers see all of it or nothing.
 *       Writes carry {@code If-None-Match: *}, which AWS (since 2024), MinIO, Ceph and S3Proxy
 *       evaluate atomically: of concurrent writers exactly one wins, the others get 412 →
 *       {@link FileAlreadyExistsException}. A server that rejects the header (501 NotImplemented)
 *       switches this backend to HEAD-then-PUT, logged once; so does
 *       {@link Builder#conditionalWrites(boolean) conditionalWrites(false)} for servers that
 *       ignore it. HEAD-then-PUT is racy only between two writers of the same name at the same
 *       moment, which the repository format makes harmless: every name but {@code config} and
 *       {@code locks/<random>} is the SHA-256 of its content (a race writes identical bytes),
 *       lock names are 128 random bits, and {@code config} is written once by {@code init}.</li>
 *   <li><b>Idempotent retries.</b> The SDK retries throttling, 5xx, I/O failures and timeouts
 *       with full-jitter exponential backoff. A retried conditional PUT whose first attempt landed
 *       is answered 412; the backend then compares the stored ETag with the MD5 it sent and treats
 *       its own earlier attempt as success.</li>
 *   <li><b>Integrity in transit.</b> Every PUT and part carries Content-MD5; the SDK's default
 *       CRC trailers and aws-chunked encoding are off (some S3-compatible servers reject them).</li>
 *   <li><b>Permanent errors.</b> 404 → {@link NoSuchFileException}, 412 →
 *       {@link FileAlreadyExistsException}. 403 and other 4xx are {@link IOException}s whose
 *       message names the bucket, the key and the fix.</li>
 *   <li>Keys ending in {@code /} (console "folder" markers) are not listed.</li>
 * </ul>
 *
 * <p>Storage class applies to packs ({@code data/}) only: the small metadata objects are read on
 * every open and would pay infrequent-access minimums. Archive classes (GLACIER, DEEP_ARCHIVE) are
 * refused: packs must be readable by ranged GETs. With Object Lock retention, each new object gets
 * a retain-until date; deleting (lock refresh, forget, prune) then adds a delete marker while the
 * locked version stays until it expires (the bucket needs versioning and Object Lock enabled).
 *
 * <p>Thread-safe. At most {@link Builder#maxConcurrency} requests run at once (multipart parts
 * on a pool of that size besides).
 */
public final class S3Backend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(S3Backend.class);
    private static final int MIN_PART = 5 * 1024 * 1024;
    private static final int MAX_PARTS = 10_000;

    private final String bucket;
    private final String root;
    private final S3Connection conn;
    private final S3Client s3;
    private final S3Connection.AttemptCounter attempts = new S3Connection.AttemptCounter();
    private final long multipartThreshold;
    private final int partSize;
    private final String storageClass;
    private final String sse;
    private final String sseKmsKeyId;
    private final int lockDays;
    private final String lockMode;
    private final boolean createBucket;
    private final Clock clock;
    private final Semaphore permits;
    private final ExecutorService partPool;
    private final AtomicBoolean conditional;
    private final Object bucketCreation = new Object();
    private final int listPageSize;

    private S3Backend(Builder b) {
        this.bucket = b.bucket;
        this.root = b.prefix;
        this.conn = b.conn.copy();
        this.multipartThreshold = b.multipartThreshold;
        this.partSize = b.partSize;
        this.storageClass = b.storageClass;
        this.sse = b.sse;
        this.sseKmsKeyId = b.sseKmsKeyId;
        this.lockDays = b.objectLockDays;
        this.lockMode = b.objectLockMode;
        this.createBucket = b.createBucket;
        this.clock = b.clock;
        this.listPageSize = b.listPageSize;
        this.conditional = new AtomicBoolean(b.conditionalWrites);
        this.permits = new Semaphore(conn.maxConcurrency(), true);
        AtomicInteger n = new AtomicInteger();
        this.partPool = Executors.newFixedThreadPool(conn.maxConcurrency(), r -> {
            Thread t = new Thread(r, "cairn-s3-part-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.s3 = conn.client(attempts);
    }

    /** Starts configuring a backend. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Options of an {@link S3Backend}. Each call validates at once; {@link #build()} needs a bucket.
     * Not thread-safe.
     */
    public static final class Builder {
        private String bucket;
        private String prefix = "";
        private final S3Connection conn = new S3Connection();
        private long multipartThreshold = 64L * 1024 * 1024;
        private int partSize = 16 * 1024 * 1024;
        private String storageClass;
        private String sse;
        private String sseKmsKeyId;
        private int objectLockDays;
        private String objectLockMode = ObjectLockMode.GOVERNANCE.toString();
        private boolean conditionalWrites = true;
        private boolean createBucket;
        private Clock clock = Clock.systemUTC();
        private int listPageSize = 1000;

        private Builder() {
        }

        /** The bucket (3–63 characters: lower-case letters, digits, '.', '-'; '_' tolerated for old buckets). */
        public Builder bucket(String name) {
            if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("bucket must be a valid S3 bucket name (3-63 characters: "
                        + "a-z, 0-9, '.', '-'): " + name);
            }
            this.bucket = name;
            return this;
        }

        /** The key prefix the repository lives under ({@code ""} for the bucket's root); '/' is appended. */
        public Builder prefix(String p) {
            Objects.requireNonNull(p, "prefix");
            String s = p.replaceAll("^/+|/+$", "");
            if (s.contains("//") || s.indexOf('\0') >= 0 || s.contains("\\") || s.equals(".") || s.contains("/./")
                    || s.contains("..")) {
                throw new IllegalArgumentException("prefix must be a '/'-separated key prefix without empty, '.' or"
                        + " '..' parts: " + p);
            }
            this.prefix = s.isEmpty() ? "" : s + "/";
            return this;
        }

        /** The region (default: {@code AWS_REGION}, else the SDK finds the bucket's region; us-east-1 with an endpoint). */
        public Builder region(String region) {
            conn.region(region);
            return this;
        }

        /** An S3-compatible endpoint, e.g. {@code http://127.0.0.1:9000} (default: {@code AWS_ENDPOINT_URL}). */
        public Builder endpoint(URI endpoint) {
            conn.endpoint(endpoint);
            return this;
        }

        /** Path-style URLs ({@code host/bucket/key}); default: on with an endpoint override, off for AWS. */
        public Builder pathStyle(boolean v) {
            conn.pathStyle(v);
            return this;
        }

        /** Requests in flight at most (and HTTP connections); default 8. */
        public Builder maxConcurrency(int n) {
            conn.maxConcurrency(n);
            return this;
        }

        /** Attempts per request, the first included, for throttling, 5xx, I/O errors and timeouts; default 10. */
        public Builder maxAttempts(int n) {
            conn.maxAttempts(n);
            return this;
        }

        /** How long a connection may stay silent before the attempt fails (and is retried); default 60 s. */
        public Builder socketTimeout(Duration d) {
            conn.socketTimeout(d);
            return this;
        }

        /** Objects larger than this go up as multipart uploads; default 64 MiB, at least 5 MiB. */
        public Builder multipartThreshold(long bytes) {
            if (bytes < MIN_PART) {
                throw new IllegalArgumentException("multipartThreshold must be at least 5 MiB: " + bytes);
            }
            this.multipartThreshold = bytes;
            return this;
        }

        /** Part size of multipart uploads; default 16 MiB, 5 MiB to 512 MiB. */
        public Builder partSize(int bytes) {
            if (bytes < MIN_PART || bytes > 512 * 1024 * 1024) {
                throw new IllegalArgumentException("partSize must be 5 MiB to 512 MiB: " + bytes);
            }
            this.partSize = bytes;
            return this;
        }

        /** Storage class of packs, e.g. {@code STANDARD_IA}; archive classes are refused. */
        public Builder storageClass(String cls) {
            Objects.requireNonNull(cls, "storageClass");
            String c = cls.toUpperCase(Locale.ROOT);
            StorageClass sc = StorageClass.fromValue(c);
            if (sc == StorageClass.UNKNOWN_TO_SDK_VERSION) {
                throw new IllegalArgumentException("storageClass is not an S3 storage class: " + cls + " (known: "
                        + StorageClass.knownValues() + ")");
            }
            if (sc == StorageClass.GLACIER || sc == StorageClass.DEEP_ARCHIVE) {
                throw new IllegalArgumentException("storageClass " + c + " needs a restore before reading; packs must "
                        + "be readable at once: use STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR");
            }
            this.storageClass = c;
            return this;
        }

        /** Server-side encryption with S3-managed keys (SSE-S3, AES256). */
        public Builder sseS3() {
            this.sse = ServerSideEncryption.AES256.toString();
            this.sseKmsKeyId = null;
            return this;
        }

        /** Server-side encryption with a KMS key (SSE-KMS); {@code keyId} null for the account's default key. */
        public Builder sseKms(String keyId) {
            if (keyId != null && keyId.isBlank()) {
                throw new IllegalArgumentException("sseKms keyId must not be blank (pass null for the default key)");
            }
            this.sse = ServerSideEncryption.AWS_KMS.toString();
            this.sseKmsKeyId = keyId;
            return this;
        }

        /** Object Lock retention for every new object, in days (0: none, the default). */
        public Builder objectLockDays(int days) {
            if (days < 0 || days > 36_500) {
                throw new IllegalArgumentException("objectLockDays must be 0..36500: " + days);
            }
            this.objectLockDays = days;
            return this;
        }

        /** Object Lock mode with {@link #objectLockDays}: {@code GOVERNANCE} (default) or {@code COMPLIANCE}. */
        public Builder objectLockMode(String mode) {
            ObjectLockMode m = ObjectLockMode.fromValue(mode == null ? "" : mode.toUpperCase(Locale.ROOT));
            if (m == ObjectLockMode.UNKNOWN_TO_SDK_VERSION) {
                throw new IllegalArgumentException("objectLockMode must be GOVERNANCE or COMPLIANCE: " + mode);
            }
            this.objectLockMode = m.toString();
            return this;
        }

        /**
         * Whether to send {@code If-None-Match: *} (default true). Turn off only for a server that
         * ignores the header (it would silently overwrite); writes then HEAD first.
         */
        public Builder conditionalWrites(boolean v) {
            this.conditionalWrites = v;
            return this;
        }

        /** Create the bucket on the first write if it does not exist (default false). */
        public Builder createBucket(boolean v) {
            this.createBucket = v;
            return this;
        }

        /** The clock for Object Lock retain-until dates. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        String bucketName() {
            return bucket;
        }

        String prefixValue() {
            return prefix;
        }

        /** How long a pooled connection may idle (tests force a new connection per request). */
        Builder connectionMaxIdle(Duration d) {
            conn.connectionMaxIdle(d);
            return this;
        }

        /** Keys per ListObjectsV2 page (tests force pagination with small pages). */
        Builder listPageSize(int n) {
            if (n < 1 || n > 1000) {
                throw new IllegalArgumentException("listPageSize must be 1..1000: " + n);
            }
            this.listPageSize = n;
            return this;
        }

        /** The environment read for AWS_ENDPOINT_URL and AWS_REGION (tests). */
        Builder environment(Map<String, String> env) {
            conn.environment(env);
            return this;
        }

        public S3Backend build() {
            if (bucket == null) {
                throw new IllegalArgumentException("bucket is required");
            }
            if (partSize > multipartThreshold) {
                throw new IllegalArgumentException("partSize (" + partSize + ") must not exceed multipartThreshold ("
                        + multipartThreshold + ")");
            }
            conn.effectiveEndpoint(); // validates AWS_ENDPOINT_URL now rather than on the first request
            return new S3Backend(this);
        }
    }

    // ---------------------------------------------------------------- names

    /** {@code s3://bucket/prefix}: no endpoint credentials, no keys. */
    @Override
    public String location() {
        return "s3://" + bucket + "/" + (root.isEmpty() ? "" : root.substring(0, root.length() - 1));
    }

    /** The bucket. */
    public String bucket() {
        return bucket;
    }

    /** The key prefix, empty or ending in '/'. */
    public String prefix() {
        return root;
    }

    private String key(String name) {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.contains("//")
                || name.indexOf('\0') >= 0 || name.contains("\\") || name.equals("..") || name.startsWith("../")
                || name.contains("/../") || name.endsWith("/..")) {
            throw new IllegalArgumentException("invalid object name: " + name);
        }
        return root + name;
    }

    // ---------------------------------------------------------------- write

    @Override
    public void put(String name, byte[] data, int off, int len) throws IOException {
        String key = key(name);
        Objects.checkFromIndexSize(off, len, data.length);
        acquire();
        try {
            if (len > multipartThreshold) {
                putMultipart(name, key, data, off, len);
            } else {
                putSingle(name, key, data, off, len);
            }
        } finally {
            permits.release();
        }
    }

    private void putSingle(String name, String key, byte[] data, int off, int len) throws IOException {
        putSingle(name, key, () -> new ByteArrayInputStream(data, off, len), len, md5(data, off, len));
    }

    /** One PUT of {@code len} bytes that {@code body} gives (as often as the SDK retries). */
    private void putSingle(String name, String key, ContentStreamProvider body, long len, byte[] md5)
            throws IOException {
        boolean bucketCreated = false;
        for (int conflicts = 0; ; ) {
            boolean cond = conditional.get();
            if (!cond) {
                refuseIfExists(name, key);
            }
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key)
                    .contentLength(len).contentType("application/octet-stream")
                    .contentMD5(Base64.getEncoder().encodeToString(md5));
            if (cond) {
                req.ifNoneMatch("*");
            }
            if (storageClass != null && name.startsWith("data/")) {
                req.storageClass(storageClass);
            }
            if (sse != null) {
                req.serverSideEncryption(sse);
                if (sseKmsKeyId != null) {
                    req.ssekmsKeyId(sseKmsKeyId);
                }
            }
            if (lockDays > 0) {
                req.objectLockMode(lockMode).objectLockRetainUntilDate(clock.instant().plus(Duration.ofDays(lockDays)));
            }
            attempts.reset();
            try {
                s3.putObject(req.build(), RequestBody.fromContentProvider(body, len, "application/octet-stream"));
                return;
            } catch (SdkException e) {
                int tried = attempts.attempts();
                int status = S3Errors.status(e);
                if (status == 412) {
                    if (tried > 1 && storedEtagIs(key, "\"" + HexFormat.of().formatHex(md5) + "\"")) {
                        LOG.debug("{}: a retried upload found its own earlier attempt stored", key);
                        return;
                    }
                    throw S3Errors.map(e, "upload", bucket, key, name);
                }
                if (status == 409 && "ConditionalRequestConflict".equals(S3Errors.code(e)) && conflicts++ < 8) {
                    backoff(conflicts); // another conditional write of this key is in progress: it decides
                    continue;
                }
                if (cond && rejectsConditionalWrites(e)) {
                    continue;
                }
                if (!bucketCreated && S3Errors.isNoSuchBucket(e) && createBucket) {
                    createBucketIfMissing();
                    bucketCreated = true;
                    continue;
                }
                throw S3Errors.map(e, "upload", bucket, key, name);
            }
        }
    }

    /**
     * Writes a pack to a temporary file as its blobs come and uploads it from there (restic does
     * the same): held in memory, each 16 MiB pack lived until its upload ended, long enough to be
     * promoted, and filled the 128 MiB heap's old generation every pack or two (a backup of
     * /usr/share to S3Proxy: 32 full collections, 1.8 s of pauses, 263 MiB peak RSS). The MD5 of
     * Content-MD5 is computed on the way. Files go to {@code java.io.tmpdir} (the launcher passes
     * {@code TMPDIR}), readable by the owner only, and are deleted once stored or dropped.
     */
    @Override
    public Staged stage(String prefix, int sizeHint) throws IOException {
        Path tmp = Files.createTempFile("cairn-s3-", ".pack"); // rw------- on POSIX
        FileChannel ch;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        MessageDigest md5 = md5Digest();
        return new Staged.Retryable() {
            private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            private long length;
            private byte[] digest;
            private boolean committed;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (digest != null) {
                    throw new IllegalStateException("already committed");
                }
                md5.update(b, off, len);
                length += len;
                while (len > 0) {
                    int n = Math.min(len, buf.remaining());
                    buf.put(b, off, n);
                    off += n;
                    len -= n;
                    if (!buf.hasRemaining()) {
                        flush();
                    }
                }
            }

            private void flush() throws IOException {
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                buf.clear();
            }

            /** Stores the file; may be called again after a failure (the file stays until close). */
            @Override
            public void commit(String name) throws IOException {
                if (committed) {
                    throw new IllegalStateException("already committed");
                }
                if (digest == null) {
                    flush();
                    ch.close();
                    digest = md5.digest();
                }
                if (length > multipartThreshold) {
                    byte[] all = Files.readAllBytes(tmp); // beyond any pack of the default size
                    put(name, all, 0, all.length);
                } else {
                    acquire();
                    try {
                        putSingle(name, key(name), () -> {
                            try {
                                return Files.newInputStream(tmp);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }, length, digest);
                    } finally {
                        permits.release();
                    }
                }
                committed = true;
                close();
            }

            @Override
            public boolean stored(String name) throws IOException {
                return digest != null && length <= multipartThreshold
                        && storedEtagIs(key(name), "\"" + HexFormat.of().formatHex(digest) + "\"");
            }

            @Override
            public void close() throws IOException {
                try {
                    ch.close();
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        };
    }

    private void putMultipart(String name, String key, byte[] data, int off, int len) throws IOException {
        int part = Math.max(partSize, (int) Math.min(Integer.MAX_VALUE, (len + (long) MAX_PARTS - 1) / MAX_PARTS));
        int parts = (int) ((len + (long) part - 1) / part);
        boolean cond = conditional.get();
        if (!cond) {
            refuseIfExists(name, key);
        }
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType("application/octet-stream");
        if (storageClass != null && name.startsWith("data/")) {
            create.storageClass(storageClass);
        }
        if (sse != null) {
            create.serverSideEncryption(sse);
            if (sseKmsKeyId != null) {
                create.ssekmsKeyId(sseKmsKeyId);
            }
        }
        if (lockDays > 0) {
            create.objectLockMode(lockMode).objectLockRetainUntilDate(clock.instant().plus(Duration.ofDays(lockDays)));
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            if (S3Errors.isNoSuchBucket(e) && createBucket) {
                createBucketIfMissing();
                uploadId = call(() -> s3.createMultipartUpload(create.build()).uploadId(), "upload", key, name);
            } else {
                throw S3Errors.map(e, "upload", bucket, key, name);
            }
        }
        boolean done = false;
        try {
            List<Future<CompletedPart>> futures = new ArrayList<>(parts);
            byte[][] partMd5 = new byte[parts][];
            for (int i = 0; i < parts; i++) {
                int pn = i + 1;
                int pOff = off + i * part;
                int pLen = Math.min(part, off + len - pOff);
                int idx = i;
                String id = uploadId;
                futures.add(partPool.submit(() -> {
                    byte[] m = md5(data, pOff, pLen);
                    partMd5[idx] = m;
                    String etag = call(() -> s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(key)
                                    .uploadId(id).partNumber(pn).contentLength((long) pLen)
                                    .contentMD5(Base64.getEncoder().encodeToString(m)).build(),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, pOff, pLen), pLen,
                                    "application/octet-stream")).eTag(), "upload of a part", key, name);
                    return CompletedPart.builder().partNumber(pn).eTag(etag).build();
                }));
            }
            List<CompletedPart> completed = new ArrayList<>(parts);
            for (Future<CompletedPart> f : futures) {
                completed.add(Futures.await(f, "during a multipart upload"));
            }
            MessageDigest all = md5Digest();
            for (byte[] m : partMd5) {
                all.update(m);
            }
            String expected = "\"" + HexFormat.of().formatHex(all.digest()) + "-" + parts + "\"";
            CompleteMultipartUploadRequest.Builder complete = CompleteMultipartUploadRequest.builder().bucket(bucket)
                    .key(key).uploadId(uploadId).multipartUpload(u -> u.parts(completed));
            if (cond) {
                complete.ifNoneMatch("*");
            }
            attempts.reset();
            try {
                s3.completeMultipartUpload(complete.build());
                done = true;
            } catch (SdkException e) {
                if (S3Errors.status(e) == 412 && attempts.attempts() > 1 && storedEtagIs(key, expected)) {
                    done = true;
                    return;
                }
                if (S3Errors.status(e) == 404 && "NoSuchUpload".equals(S3Errors.code(e)) && attempts.attempts() > 1
                        && storedEtagIs(key, expected)) {
                    done = true; // a retry of a completion that had landed
                    return;
                }
                throw S3Errors.map(e, "completion of the multipart upload", bucket, key, name);
            }
        } finally {
            if (!done) {
                abort(key, uploadId);
            }
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
                    .build());
        } catch (SdkException e) {
            LOG.warn("Could not abort the multipart upload of s3://{}/{} ({}); a lifecycle rule for incomplete "
                    + "multipart uploads cleans it up", bucket, key, e.getMessage());
        }
    }

    /** A 501 or a 400 naming the header: this server cannot do conditional writes; fall back for good. */
    private boolean rejectsConditionalWrites(SdkException e) {
        int status = S3Errors.status(e);
        String code = S3Errors.code(e);
        boolean rejects = status == 501 || "NotImplemented".equals(code)
                || (status == 400 && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("if-none-match"));
        if (rejects && conditional.compareAndSet(true, false)) {
            LOG.warn("{} ({}) does not support If-None-Match on PUT ({}): writes to {} now HEAD first. That is racy "
                    + "only for two writers of one name at once, which content-addressed names make harmless.",
                    conn.describeEndpoint(), bucket, code.isEmpty() ? "HTTP " + status : code, location());
        }
        return rejects;
    }

    private void refuseIfExists(String name, String key) throws IOException {
        if (head(key, name).isPresent()) {
            throw new FileAlreadyExistsException(name, null, "object s3://" + bucket + "/" + key
                    + " already exists; objects are never overwritten");
        }
    }

    private boolean storedEtagIs(String key, String etag) {
        try {
            HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key));
            return etag.equalsIgnoreCase(h.eTag());
        } catch (SdkException e) {
            return false;
        }
    }

    /** Creates the bucket (with Object Lock when retention is configured) unless it exists. */
    void createBucketIfMissing() throws IOException {
        synchronized (bucketCreation) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
                return;
            } catch (SdkException e) {
                if (S3Errors.status(e) != 404 && !S3Errors.isNoSuchBucket(e)) {
                    throw S3Errors.map(e, "bucket check", bucket, "", "");
                }
            }
            try {
                CreateBucketRequest.Builder req = CreateBucketRequest.builder().bucket(bucket);
                if (lockDays > 0) {
                    req.objectLockEnabledForBucket(true);
                }
                s3.createBucket(req.build());
                LOG.info("Created bucket {} at {}", bucket, conn.describeEndpoint());
            } catch (SdkException e) {
                String code = S3Errors.code(e);
                if (!"BucketAlreadyOwnedByYou".equals(code)) {
                    throw S3Errors.map(e, "creation of the bucket", bucket, "", "");
                }
            }
        }
    }

    // ---------------------------------------------------------------- read

    /**
     * A response's body in one array of its Content-Length. The SDK's {@code toBytes} grows a
     * buffer by doubling and copies it once more: ~3x a pack's size allocated per read, large arrays
     * that went to the old generation; a restore of 1 GiB from S3Proxy ran 47 full collections, 2.4 s
     * of pauses in 10.3 s. A body cut short is retried by the SDK, as {@code toBytes}'s is.
     */
    private static final ResponseTransformer<GetObjectResponse, byte[]> EXACT_BYTES =
            (response, in) -> body(response, in, null).array();

    /** A response's body: the first {@code length} bytes of {@code array}. */
    private record Body(byte[] array, int length) {
    }

    /**
     * Reads a response's body into {@code buf} from index 0 when it fits (a restore's reader reuses
     * one buffer for all its ranges: an array per 4 MiB range was 1 GiB of garbage for a 1 GiB
     * restore, 8x the collector's time of a local one), else into a new array of its length.
     */
    private static Body body(GetObjectResponse response, java.io.InputStream in, byte[] buf) {
        try {
            Long length = response.contentLength();
            if (length == null || length < 0 || length > Integer.MAX_VALUE - 16) {
                byte[] all = in.readAllBytes();
                return new Body(all, all.length);
            }
            int n = (int) (long) length;
            byte[] b = buf != null && buf.length >= n ? buf : new byte[n];
            int got = in.readNBytes(b, 0, n);
            if (got != n) {
                throw new EOFException("the response ended after " + got + " of its " + length + " bytes");
            }
            return new Body(b, n);
        } catch (IOException e) {
            throw RetryableException.builder().message("reading a response body: " + e.getMessage()).cause(e)
                    .build();
        }
    }

    @Override
    public byte[] get(String name) throws IOException {
        String key = key(name);
        acquire();
        try {
            return call(() -> s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build(), EXACT_BYTES),
                    "read", key, name);
        } finally {
            permits.release();
        }
    }

    @Override
    public byte[] get(String name, long offset, int length) throws IOException {
        return get(name, offset, length, null);
    }

    @Override
    public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
        String key = key(name);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length + " of " + name);
        }
        if (length == 0) {
            long size = stat(name).orElseThrow(() -> new NoSuchFileException(name));
            if (offset > size) {
                throw new EOFException("range " + offset + "+0 beyond the end of " + name + " (" + size + " bytes)");
            }
            return new byte[0];
        }
        acquire();
        try {
            String range = "bytes=" + offset + "-" + (offset + length - 1);
            Body b = call(() -> s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).range(range).build(),
                    (response, in) -> body(response, in, buf)), "ranged read", key, name);
            if (b.length() != length) {
                // S3 answers a range that runs past the end with the bytes that exist (206).
                throw new EOFException("range " + offset + "+" + length + " beyond the end of " + location() + "/"
                        + name + " (got " + b.length() + " bytes)");
            }
            return b.array();
        } finally {
            permits.release();
        }
    }

    /**
     * Streams a whole object. A connection that breaks mid-way is resumed with a ranged GET from
     * where it broke (up to 5 times), pinned to the first response's ETag.
     */
    @Override
    public InputStream open(String name) throws IOException {
        return S3ObjectStream.open(s3, bucket, key(name), name, null);
    }

    /**
     * One GET for the whole range, read as it arrives (resumed where a connection breaks): a
     * restore of 1 GiB sent 256 ranged GETs of 4 MiB before, and the SDK's work per request was a
     * fifth of its CPU. Like {@link #open(String)}, outside the {@code maxConcurrency} permits: a
     * reader holding one may need a ranged {@link #get} as well.
     */
    @Override
    public InputStream open(String name, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length + " of " + name);
        }
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        return S3ObjectStream.openRange(s3, bucket, key(name), name, offset, length);
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        String key = key(name);
        acquire();
        try {
            return head(key, name).map(HeadObjectResponse::contentLength);
        } finally {
            permits.release();
        }
    }

    private Optional<HeadObjectResponse> head(String key, String name) throws IOException {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)));
        } catch (SdkException e) {
            if (S3Errors.isNotFound(e)) {
                return Optional.empty();
            }
            throw S3Errors.map(e, "stat", bucket, key, name);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.startsWith("/") || prefix.contains("..")) {
            throw new IllegalArgumentException("invalid prefix: " + prefix);
        }
        String p = root + prefix;
        acquire();
        try {
            List<ObjectInfo> out = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(p)
                    .maxKeys(listPageSize).build()).contents()) {
                String k = o.key();
                if (k.length() <= root.length() || k.endsWith("/")) {
                    continue; // folder markers are not objects of the repository
                }
                out.add(new ObjectInfo(k.substring(root.length()), o.size()));
            }
            return out;
        } catch (SdkException e) {
            throw S3Errors.map(e, "listing", bucket, p, prefix);
        } finally {
            permits.release();
        }
    }

    // ---------------------------------------------------------------- delete

    @Override
    public void delete(String name) throws IOException {
        String key = key(name);
        acquire();
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            if (!S3Errors.isNotFound(e) || S3Errors.isNoSuchBucket(e)) {
                throw S3Errors.map(e, "deletion", bucket, key, name);
            }
        } finally {
            permits.release();
        }
    }

    /**
     * Deletes many objects with batch DeleteObjects requests (1,000 keys each); missing objects are
     * not an error. Faster than {@link #delete} one by one for prune and drill clean-up.
     *
     * @throws IOException naming the first keys that could not be deleted
     */
    public void delete(Collection<String> names) throws IOException {
        List<String> keys = new ArrayList<>(names.size());
        for (String n : names) {
            keys.add(key(n));
        }
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += 1000) {
            List<ObjectIdentifier> batch = keys.subList(i, Math.min(keys.size(), i + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            acquire();
            try {
                DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(bucket)
                        .delete(Delete.builder().objects(batch).quiet(true).build()));
                for (S3Error err : r.errors()) {
                    if (!"NoSuchKey".equals(err.code())) {
                        failed.add(err.key() + " (" + err.code() + ": " + err.message() + ")");
                    }
                }
            } catch (SdkException e) {
                throw S3Errors.map(e, "batch deletion", bucket, batch.get(0).key(), names.iterator().next());
            } finally {
                permits.release();
            }
        }
        if (!failed.isEmpty()) {
            throw new IOException(failed.size() + " object(s) of " + location() + " could not be deleted, e.g. "
                    + String.join(", ", failed.subList(0, Math.min(5, failed.size())))
                    + ". Check the bucket policy (s3:DeleteObject) and Object Lock retention.");
        }
    }

    @Override
    public void close() {
        partPool.shutdownNow();
        s3.close();
    }

    @Override
    public String toString() {
        return "S3Backend[" + location() + " at " + conn.describeEndpoint() + "]";
    }

    // ---------------------------------------------------------------- helpers

    interface SdkCall<T> {
        T run();
    }

    private <T> T call(SdkCall<T> c, String what, String key, String name) throws IOException {
        try {
            return c.run();
        } catch (SdkException e) {
            throw S3Errors.map(e, what, bucket, key, name);
        }
    }

    private void acquire() throws InterruptedIOException {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an S3 connection to " + location());
        }
    }

    private static void backoff(int attempt) throws InterruptedIOException {
        long cap = Math.min(5_000, 100L << Math.min(attempt, 6));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while backing off");
        }
    }

    static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    static byte[] md5(byte[] b, int off, int len) {
        MessageDigest d = md5Digest();
        d.update(b, off, len);
        return d.digest();
    }

    /** Names of query options {@link S3BackendProvider} accepts; here so both stay in one place. */
    static final Set<String> URI_OPTIONS = Set.of("endpoint", "region", "pathStyle", "createBucket", "storageClass",
            "sse", "sseKmsKeyId", "objectLockDays", "objectLockMode", "maxConcurrency", "maxAttempts",
            "conditionalWrites", "multipartThreshold", "partSize");
}
