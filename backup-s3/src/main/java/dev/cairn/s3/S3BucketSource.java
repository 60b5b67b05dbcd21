package dev.cairn.s3;

import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.EntryType;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backs up the objects of a bucket (or of a key prefix in it) as files.
 *
 * <pre>{@code
 * repo.backup(S3BucketSource.builder().bucket("assets").prefix("site/").build()).run();
 * }</pre>
 *
 * <p>The snapshot's root holds one directory, named after the prefix's last part (or the bucket
 * when there is no prefix); below it each object key, relative to the prefix, becomes a path
 * split on '/', with directories synthesized ({@link EntryMetadata#directory}, time 0: S3 has no
 * directories). Each file keeps:
 * <ul>
 *   <li>size; last-modified as mtime (whole seconds: listings give milliseconds, GET headers
 *       seconds, and the two must agree);</li>
 *   <li>xattrs {@value #XATTR_ETAG} (without quotes), {@value #XATTR_CONTENT_TYPE},
 *       {@code user.s3.cache-control}, {@code user.s3.content-encoding},
 *       {@code user.s3.content-disposition}, {@code user.s3.content-language} when set, and
 *       {@value #XATTR_META_PREFIX}{@code <name>} for each user metadata entry
 *       ({@code x-amz-meta-<name>}). {@link S3BucketRestore} writes them back.</li>
 * </ul>
 *
 * <p><b>Unchanged objects are not downloaded.</b> Core reuses a file's content from the parent
 * snapshot when size, mtime, ctime and inode are equal ({@link DirectoryWriter#fileUnchanged}).
 * An object has no inode or ctime, so this source maps its identity onto them: {@code inode} is
 * the first 8 bytes of SHA-256 of the ETag, and {@code ctime} is the last-modified time. From the
 * listing alone (key, size, ETag, last-modified) it compares with {@link DirectoryWriter#previous}
 * and, when equal, hands over the parent's xattrs with {@code fileUnchanged}: no GET, no HEAD. An
 * object rewritten with identical bytes (same ETag, new last-modified) is downloaded again,
 * because core also compares mtime.
 *
 * <p>Objects to download are fetched ahead, in parallel ({@link Builder#maxConcurrency}), up to
 * {@link Builder#prefetchBytes} of small objects in memory; larger ones stream when their turn
 * comes. Keys that cannot be paths (empty parts as in {@code a//b}, {@code .} or {@code ..}
 * parts, an object {@code a/b} beside objects under {@code a/b/}) are reported with
 * {@link SourceSession#warn} and skipped; "folder" marker keys ending in '/' are skipped.
 * An object deleted between listing and reading is reported and skipped.
 *
 * <p>Facts recorded: {@code s3.endpoint}, {@code s3.bucket}, {@code s3.prefix}, {@code s3.objects},
 * {@code s3.objectsDownloaded}, {@code s3.objectsUnchanged}, {@code s3.objectsSkipped}.
 *
 * <p>Immutable and thread-safe to share; each {@link #backup} opens its own client.
 */
public final class S3BucketSource implements Source {
    /** The source kind written into snapshots. */
    public static final String KIND = "s3";
    public static final String XATTR_ETAG = "user.s3.etag";
    public static final String XATTR_CONTENT_TYPE = "user.s3.content-type";
    public static final String XATTR_CACHE_CONTROL = "user.s3.cache-control";
    public static final String XATTR_CONTENT_ENCODING = "user.s3.content-encoding";
    public static final String XATTR_CONTENT_DISPOSITION = "user.s3.content-disposition";
    public static final String XATTR_CONTENT_LANGUAGE = "user.s3.content-language";
    public static final String XATTR_META_PREFIX = "user.s3.meta.";

    private static final int BATCH_ENTRIES = 512;

    private final String bucket;
    private final String prefix;
    private final S3Connection conn;
    private final long prefetchBytes;
    private final long smallObject;
    private final List<ExecutionInterceptor> interceptors;

    private S3BucketSource(Builder b) {
        this.bucket = b.bucket;
        this.prefix = b.prefix;
        this.conn = b.conn.copy();
        this.prefetchBytes = b.prefetchBytes;
        this.smallObject = Math.min(b.prefetchBytes, 8L * 1024 * 1024);
        this.interceptors = List.copyOf(b.interceptors);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of an {@link S3BucketSource}; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private String bucket;
        private String prefix = "";
        private final S3Connection conn = new S3Connection();
        private long prefetchBytes = 64L * 1024 * 1024;
        private final List<ExecutionInterceptor> interceptors = new ArrayList<>();

        private Builder() {
        }

        /** The bucket to back up. */
        public Builder bucket(String name) {
            this.bucket = S3Backend.builder().bucket(name).bucketName();
            return this;
        }

        /** Only keys under this prefix ({@code ""}: the whole bucket); '/' is appended. */
        public Builder prefix(String p) {
            this.prefix = S3Backend.builder().prefix(p).prefixValue();
            return this;
        }

        /** An S3-compatible endpoint (default: {@code AWS_ENDPOINT_URL}, else AWS). */
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

        /** Parallel downloads; default 8. */
        public Builder maxConcurrency(int n) {
            conn.maxConcurrency(n);
            return this;
        }

        public Builder maxAttempts(int n) {
            conn.maxAttempts(n);
            return this;
        }

        /** Bytes of small objects fetched ahead into memory; default 64 MiB, at least 1 MiB. */
        public Builder prefetchBytes(long bytes) {
            if (bytes < 1024 * 1024) {
                throw new IllegalArgumentException("prefetchBytes must be at least 1 MiB: " + bytes);
            }
            this.prefetchBytes = bytes;
            return this;
        }

        Builder environment(Map<String, String> env) {
            conn.environment(env);
            return this;
        }

        /**
         * Adds an SDK interceptor to the client of every {@link #backup}: it sees each request
         * and each HTTP attempt (retries included) against the source bucket. Tests count the
         * requests a backup sends with it (no GET or HEAD for unchanged objects). Package-private
         * because SDK types stay out of the public API; the interceptor must be thread-safe
         * (downloads run in parallel).
         */
        Builder interceptor(ExecutionInterceptor i) {
            interceptors.add(java.util.Objects.requireNonNull(i, "interceptor"));
            return this;
        }

        public S3BucketSource build() {
            if (bucket == null) {
                throw new IllegalArgumentException("bucket is required");
            }
            conn.effectiveEndpoint();
            return new S3BucketSource(this);
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** {@code s3://bucket/prefix}. */
    @Override
    public String descriptor() {
        return "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1));
    }

    /** The name of the snapshot's single root directory. */
    String rootName() {
        if (prefix.isEmpty()) {
            return bucket;
        }
        String p = prefix.substring(0, prefix.length() - 1);
        return p.substring(p.lastIndexOf('/') + 1);
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(conn.maxConcurrency(), r -> {
            Thread t = new Thread(r, "cairn-s3-get-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (S3Client s3 = conn.client(interceptors.toArray(new ExecutionInterceptor[0]))) {
            Walk w = new Walk(s3, pool, session);
            w.run();
            session.fact("s3.endpoint", conn.describeEndpoint());
            session.fact("s3.bucket", bucket);
            session.fact("s3.prefix", prefix);
            session.fact("s3.objects", Long.toString(w.objects));
            session.fact("s3.objectsDownloaded", Long.toString(w.downloaded));
            session.fact("s3.objectsUnchanged", Long.toString(w.unchanged));
            session.fact("s3.objectsSkipped", Long.toString(w.skipped));
        } finally {
            pool.shutdownNow();
        }
    }

    /** One open directory of the walk. */
    private record Open(String name, DirectoryWriter writer, Set<String> names) {
    }

    /** A listed object waiting to be written into the current directory. */
    private static final class Pending {
        final String name;
        final String key;
        final S3Object listed;
        EntryMetadata unchanged;
        Future<Fetched> fetch;

        Pending(String name, String key, S3Object listed) {
            this.name = name;
            this.key = key;
            this.listed = listed;
        }
    }

    private record Fetched(GetObjectResponse response, byte[] body) {
    }

    /** The walk over one sorted listing; keys sharing a prefix are contiguous, so a stack of open directories suffices. */
    private final class Walk {
        private final S3Client s3;
        private final ExecutorService pool;
        private final SourceSession session;
        private final Deque<Open> stack = new ArrayDeque<>();
        private final List<Pending> batch = new ArrayList<>();
        private long batchBytes;
        long objects;
        long downloaded;
        long unchanged;
        long skipped;

        Walk(S3Client s3, ExecutorService pool, SourceSession session) {
            this.s3 = s3;
            this.pool = pool;
            this.session = session;
        }

        void run() throws IOException {
            DirectoryWriter top = session.root().directory(EntryMetadata.directory(rootName(), 0));
            stack.push(new Open(rootName(), top, new HashSet<>()));
            byte[] previousKey = null;
            try {
                for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket)
                        .prefix(prefix).build()).contents()) {
                    if (session.isCancelled()) {
                        throw new InterruptedIOException("backup of " + descriptor() + " cancelled");
                    }
                    byte[] k = o.key().getBytes(StandardCharsets.UTF_8);
                    if (previousKey != null && Arrays.compareUnsigned(previousKey, k) >= 0) {
                        throw new IOException("The listing of " + descriptor() + " at " + conn.describeEndpoint()
                                + " is not in key order (" + o.key() + " after a greater key); this source needs "
                                + "S3's sorted ListObjectsV2.");
                    }
                    previousKey = k;
                    add(o);
                }
            } catch (SdkException e) {
                throw S3Errors.map(e, "listing", bucket, prefix, descriptor());
            }
            flush();
            while (!stack.isEmpty()) {
                stack.pop().writer().close();
            }
        }

        private void add(S3Object o) throws IOException {
            String rel = o.key().substring(prefix.length());
            if (rel.isEmpty() || rel.endsWith("/")) {
                return; // a "folder" marker; directories are synthesized from the keys below them
            }
            String[] parts = rel.split("/", -1);
            for (String p : parts) {
                if (p.isEmpty() || p.equals(".") || p.equals("..") || p.indexOf('\0') >= 0) {
                    skip(o.key(), "key has an empty, '.' or '..' part and cannot be a path; not backed up");
                    return;
                }
            }
            // How many open directories (below the top one) match this key's directories.
            List<Open> open = new ArrayList<>(stack);
            java.util.Collections.reverse(open); // top first
            int common = 0;
            while (common + 1 < open.size() && common < parts.length - 1
                    && open.get(common + 1).name().equals(parts[common])) {
                common++;
            }
            if (common + 1 < open.size() || common < parts.length - 1) {
                flush();
            }
            while (stack.size() > common + 1) {
                stack.pop().writer().close();
            }
            for (int i = common; i < parts.length - 1; i++) {
                Open cur = stack.peek();
                if (!cur.names().add(parts[i])) {
                    skip(o.key(), "an object named " + String.join("/", Arrays.copyOf(parts, i + 1))
                            + " exists too, so this key cannot be a path below it; not backed up");
                    return;
                }
                DirectoryWriter d = cur.writer().directory(EntryMetadata.directory(parts[i], 0));
                stack.push(new Open(parts[i], d, new HashSet<>()));
            }
            String name = parts[parts.length - 1];
            if (!stack.peek().names().add(name)) {
                skip(o.key(), "a directory of the same name exists (keys below " + o.key() + "/); not backed up");
                return;
            }
            objects++;
            batch.add(new Pending(name, o.key(), o));
            if (o.size() <= smallObject) {
                batchBytes += o.size();
            }
            if (batch.size() >= BATCH_ENTRIES || batchBytes >= prefetchBytes) {
                flush();
            }
        }

        private void skip(String key, String why) {
            skipped++;
            session.warn(key, why);
        }

        /** Writes the batch into the current directory: unchanged ones from the parent, the rest downloaded. */
        private void flush() throws IOException {
            if (batch.isEmpty()) {
                return;
            }
            DirectoryWriter dir = stack.peek().writer();
            for (Pending p : batch) {
                Optional<EntryMetadata> prev = dir.previous(p.name);
                if (prev.isPresent() && sameObject(prev.get(), p.listed)) {
                    EntryMetadata m = prev.get();
                    p.unchanged = metadata(p.name, p.listed.size(), lastModifiedNs(p.listed.lastModified()),
                            etagHash(p.listed.eTag()), m.xattrs());
                } else if (p.listed.size() <= smallObject) {
                    p.fetch = pool.submit(() -> fetch(p));
                }
            }
            try {
                for (Pending p : batch) {
                    if (session.isCancelled()) {
                        throw new InterruptedIOException("backup of " + descriptor() + " cancelled");
                    }
                    if (p.unchanged != null && dir.fileUnchanged(p.unchanged)) {
                        unchanged++;
                        continue;
                    }
                    try {
                        if (p.fetch != null) {
                            Fetched f = Futures.await(p.fetch, "while downloading");
                            downloaded++;
                            dir.file(metadata(p.name, f.response()), new ByteArrayInputStream(f.body()));
                        } else {
                            try (S3ObjectStream in = S3ObjectStream.open(s3, bucket, p.key, p.key, quoted(p.listed))) {
                                downloaded++;
                                dir.file(metadata(p.name, in.response()), in);
                            }
                        }
                    } catch (NoSuchFileException e) {
                        skip(p.key, "deleted while the backup ran; not backed up");
                    }
                }
            } finally {
                for (Pending p : batch) {
                    if (p.fetch != null) {
                        p.fetch.cancel(true);
                    }
                }
                batch.clear();
                batchBytes = 0;
            }
        }

        private Fetched fetch(Pending p) throws IOException {
            GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(p.key);
            String etag = quoted(p.listed);
            if (etag != null) {
                req.ifMatch(etag);
            }
            try {
                ResponseBytes<GetObjectResponse> r = s3.getObject(req.build(), ResponseTransformer.toBytes());
                return new Fetched(r.response(), r.asByteArrayUnsafe());
            } catch (SdkException e) {
                if (S3Errors.status(e) == 412) {
                    // Rewritten since the listing: take the current version (its own headers describe it).
                    try {
                        ResponseBytes<GetObjectResponse> r = s3.getObject(GetObjectRequest.builder().bucket(bucket)
                                .key(p.key).build(), ResponseTransformer.toBytes());
                        return new Fetched(r.response(), r.asByteArrayUnsafe());
                    } catch (SdkException e2) {
                        throw S3Errors.map(e2, "read", bucket, p.key, p.key);
                    }
                }
                throw S3Errors.map(e, "read", bucket, p.key, p.key);
            }
        }
    }

    private static String quoted(S3Object o) {
        String e = o.eTag();
        if (e == null || e.isEmpty()) {
            return null;
        }
        return e.startsWith("\"") || e.startsWith("W/") ? e : "\"" + e + "\"";
    }

    /** Whether the parent snapshot's entry describes this listed object: same size, last-modified and ETag. */
    private static boolean sameObject(EntryMetadata prev, S3Object o) {
        return prev.type() == EntryType.FILE && prev.size() == o.size()
                && prev.mtimeNs() == lastModifiedNs(o.lastModified()) && prev.ctimeNs() == prev.mtimeNs()
                && prev.inode() == etagHash(o.eTag());
    }

    private static EntryMetadata metadata(String name, GetObjectResponse r) {
        Map<String, byte[]> x = new TreeMap<>();
        put(x, XATTR_ETAG, unquote(r.eTag()));
        put(x, XATTR_CONTENT_TYPE, r.contentType());
        put(x, XATTR_CACHE_CONTROL, r.cacheControl());
        put(x, XATTR_CONTENT_ENCODING, r.contentEncoding());
        put(x, XATTR_CONTENT_DISPOSITION, r.contentDisposition());
        put(x, XATTR_CONTENT_LANGUAGE, r.contentLanguage());
        if (r.hasMetadata()) {
            for (Map.Entry<String, String> e : r.metadata().entrySet()) {
                put(x, XATTR_META_PREFIX + e.getKey(), e.getValue());
            }
        }
        long size = r.contentLength() == null ? 0 : r.contentLength();
        return metadata(name, size, lastModifiedNs(r.lastModified()), etagHash(r.eTag()), x);
    }

    /**
     * A file entry for an object. {@code ctime = mtime = last-modified} and {@code inode =
     * etagHash(ETag)}: core's unchanged test (size, mtime, ctime, inode) then means "same size,
     * same last-modified, same ETag", which is what "this object was not rewritten" means in S3.
     */
    private static EntryMetadata metadata(String name, long size, long mtimeNs, long inode, Map<String, byte[]> x) {
        return new EntryMetadata(name, EntryType.FILE, 0600, 0, 0, "", "", mtimeNs, mtimeNs, inode, 0, 1, size, "",
                x);
    }

    private static void put(Map<String, byte[]> x, String name, String value) {
        if (value != null && !value.isEmpty()) {
            x.put(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Last-modified in whole seconds, as ns: listings carry milliseconds, GET headers only seconds. */
    static long lastModifiedNs(Instant t) {
        return t == null ? 0 : t.getEpochSecond() * 1_000_000_000L;
    }

    static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }

    /** The first 8 bytes (big-endian) of SHA-256 over the unquoted ETag: a stable stand-in for an inode. */
    static long etagHash(String etag) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(unquote(etag).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "S3BucketSource[" + descriptor() + " at " + conn.describeEndpoint() + "]";
    }
}
