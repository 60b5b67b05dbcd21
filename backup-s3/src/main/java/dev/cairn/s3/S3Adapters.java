package dev.cairn.s3;

import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.restore.RestoreTarget;
import dev.cairn.restore.RestoreTargetProvider;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.Source;
import dev.cairn.source.SourceProvider;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillProvider;
import dev.cairn.verify.DrillReport;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code s3} scheme for sources ({@code cairn backup s3://bucket/prefix}), restore targets
 * ({@code cairn restore … --target s3://bucket/prefix}) and drills of bucket snapshots. Query
 * options: {@code endpoint}, {@code region}, {@code pathStyle}, {@code maxConcurrency}; for
 * targets also {@code overwrite} and {@code createBucket}. Credentials come from the SDK's chain.
 */
public final class S3Adapters {
    private S3Adapters() {
    }

    private static Map<String, String> query(URI uri, Set<String> allowed) {
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("credentials do not belong in the URI: set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("an s3 URI needs a bucket: s3://bucket/prefix");
        }
        Map<String, String> out = new LinkedHashMap<>();
        String q = uri.getRawQuery();
        if (q != null && !q.isEmpty()) {
            for (String kv : q.split("&")) {
                int eq = kv.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "true" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                if (!allowed.contains(k)) {
                    throw new IllegalArgumentException("unknown option '" + k + "' (known: " + allowed + ")");
                }
                out.put(k, v);
            }
        }
        return out;
    }

    private static String prefix(URI uri) {
        String p = uri.getPath() == null ? "" : uri.getPath();
        return p.startsWith("/") ? p.substring(1) : p;
    }

    private static final Set<String> SOURCE_OPTIONS = Set.of("endpoint", "region", "pathStyle", "maxConcurrency");
    private static final Set<String> TARGET_OPTIONS = Set.of("endpoint", "region", "pathStyle", "maxConcurrency",
            "overwrite", "createBucket");

    static S3BucketRestore restore(URI uri, Map<String, String> env, boolean overwrite) {
        Map<String, String> q = query(uri, TARGET_OPTIONS);
        S3BucketRestore.Builder b = S3BucketRestore.builder().environment(env).bucket(uri.getHost()).prefix(prefix(uri))
                .overwrite(overwrite || Boolean.parseBoolean(q.getOrDefault("overwrite", "false")))
                .createBucket(Boolean.parseBoolean(q.getOrDefault("createBucket", "false")));
        connection(q, b::endpoint, b::region, b::pathStyle, b::maxConcurrency);
        return b.build();
    }

    /** Applies the connection options every s3 URI may carry to a builder's setters. */
    private static void connection(Map<String, String> q, java.util.function.Consumer<URI> endpoint,
                                   java.util.function.Consumer<String> region,
                                   java.util.function.Consumer<Boolean> pathStyle,
                                   java.util.function.IntConsumer maxConcurrency) {
        if (q.containsKey("endpoint")) {
            endpoint.accept(URI.create(q.get("endpoint")));
        }
        if (q.containsKey("region")) {
            region.accept(q.get("region"));
        }
        if (q.containsKey("pathStyle")) {
            pathStyle.accept(Boolean.parseBoolean(q.get("pathStyle")));
        }
        if (q.containsKey("maxConcurrency")) {
            maxConcurrency.accept(Integer.parseInt(q.get("maxConcurrency")));
        }
    }

    /** {@code cairn backup s3://bucket/prefix}. */
    public static final class Sources implements SourceProvider {
        @Override
        public String scheme() {
            return "s3";
        }

        @Override
        public Source create(URI uri, Map<String, String> env) {
            Map<String, String> q = query(uri, SOURCE_OPTIONS);
            S3BucketSource.Builder b = S3BucketSource.builder().environment(env).bucket(uri.getHost())
                    .prefix(prefix(uri));
            connection(q, b::endpoint, b::region, b::pathStyle, b::maxConcurrency);
            return b.build();
        }
    }

    /** {@code cairn restore … --target s3://bucket/prefix}. */
    public static final class Targets implements RestoreTargetProvider {
        @Override
        public String scheme() {
            return "s3";
        }

        @Override
        public RestoreTarget create(URI uri, Map<String, String> env) {
            return new RestoreTarget() {
                @Override
                public String descriptor() {
                    return "s3://" + uri.getHost() + "/" + prefix(uri);
                }

                @Override
                public RestoreResult restore(Repository repository, Snapshot snapshot, List<String> includes,
                                             boolean overwrite) {
                    S3BucketRestore r = S3Adapters.restore(uri, env, overwrite);
                    if (includes.isEmpty()) {
                        return r.restore(repository, snapshot);
                    }
                    if (includes.size() > 1) {
                        throw new IllegalArgumentException("restore into a bucket takes at most one --include path");
                    }
                    return r.restore(repository, snapshot, includes.get(0));
                }
            };
        }
    }

    /**
     * Drills of bucket snapshots: restore into a scratch prefix of {@code scratch} (an
     * {@code s3://bucket/prefix} URI; default: the snapshot's own bucket), compare digests, delete.
     */
    public static final class Drills implements DrillProvider {
        @Override
        public String sourceKind() {
            return "s3";
        }

        @Override
        public Drill create(String scratch, Map<String, String> env) {
            return new Drill() {
                @Override
                public DrillReport run(Repository repository, Snapshot snapshot) {
                    // Default scratch: the root of the snapshot's own bucket (a fresh cairn-drill-<random>/
                    // prefix there, deleted afterwards), never inside the backed-up prefix.
                    URI u = URI.create(scratch != null ? scratch
                            : "s3://" + URI.create(snapshot.source()).getHost() + "/");
                    return S3Adapters.restore(u, env, false).drill(repository, snapshot);
                }
            };
        }
    }
}
