package dev.cairn.s3;

import dev.cairn.ConfigurationException;
import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendProvider;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Opens {@code s3://bucket/prefix?option=value&…} repositories for
 * {@code Repository.at("s3://…")} and the CLI. Options (all optional):
 * <table>
 *   <caption>Query options</caption>
 *   <tr><td>{@code endpoint}</td><td>an S3-compatible server, e.g. {@code http://127.0.0.1:9000}
 *       (default: {@code AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL}, else AWS)</td></tr>
 *   <tr><td>{@code region}</td><td>default {@code AWS_REGION}, else found from the bucket</td></tr>
 *   <tr><td>{@code pathStyle}</td><td>{@code true}/{@code false}; default true with an endpoint</td></tr>
 *   <tr><td>{@code createBucket}</td><td>{@code true} to create a missing bucket on the first write
 *       ({@code cairn init}); default false</td></tr>
 *   <tr><td>{@code storageClass}</td><td>storage class of packs, e.g. {@code STANDARD_IA}</td></tr>
 *   <tr><td>{@code sse}</td><td>{@code AES256} (SSE-S3) or {@code aws:kms} (SSE-KMS)</td></tr>
 *   <tr><td>{@code sseKmsKeyId}</td><td>the KMS key of SSE-KMS (implies {@code sse=aws:kms})</td></tr>
 *   <tr><td>{@code objectLockDays}, {@code objectLockMode}</td><td>Object Lock retention of new objects</td></tr>
 *   <tr><td>{@code maxConcurrency}, {@code maxAttempts}</td><td>requests in flight; attempts per request</td></tr>
 *   <tr><td>{@code conditionalWrites}</td><td>{@code false} for servers that ignore {@code If-None-Match}</td></tr>
 *   <tr><td>{@code multipartThreshold}, {@code partSize}</td><td>bytes</td></tr>
 * </table>
 * Unknown options fail. Credentials never come from the URI (a URI with user info is refused):
 * the SDK's default provider chain reads {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY},
 * {@code AWS_PROFILE}, or the instance's role. Stateless and thread-safe.
 */
public final class S3BackendProvider implements BackendProvider {
    private final Map<String, String> env;

    /** The provider {@link java.util.ServiceLoader} creates: reads the process environment. */
    public S3BackendProvider() {
        this(System.getenv());
    }

    S3BackendProvider(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public Backend open(URI uri) {
        try {
            return builder(uri).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("Invalid S3 repository " + describe(uri) + ": " + e.getMessage(), e);
        }
    }

    /** The builder an {@code s3://} URI describes, for callers that add options in code. */
    S3Backend.Builder builder(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (!"s3".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not an s3:// URI");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("credentials do not belong in the URI: set AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment");
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("no bucket: write s3://bucket/prefix");
        }
        S3Backend.Builder b = S3Backend.builder().environment(env).bucket(authority);
        String path = uri.getPath() == null ? "" : uri.getPath();
        b.prefix(path);
        Map<String, String> q = query(uri.getRawQuery());
        for (Map.Entry<String, String> e : q.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            switch (k) {
                case "endpoint" -> b.endpoint(URI.create(v));
                case "region" -> b.region(v);
                case "pathStyle" -> b.pathStyle(bool(k, v));
                case "createBucket" -> b.createBucket(bool(k, v));
                case "storageClass" -> b.storageClass(v);
                case "sse" -> {
                    switch (v.toLowerCase(Locale.ROOT)) {
                        case "aes256", "sse-s3" -> b.sseS3();
                        case "aws:kms", "sse-kms", "kms" -> b.sseKms(q.get("sseKmsKeyId"));
                        default -> throw new IllegalArgumentException("sse must be AES256 or aws:kms: " + v);
                    }
                }
                case "sseKmsKeyId" -> {
                    if (!q.containsKey("sse")) {
                        b.sseKms(v);
                    }
                }
                case "objectLockDays" -> b.objectLockDays(integer(k, v));
                case "objectLockMode" -> b.objectLockMode(v);
                case "maxConcurrency" -> b.maxConcurrency(integer(k, v));
                case "maxAttempts" -> b.maxAttempts(integer(k, v));
                case "conditionalWrites" -> b.conditionalWrites(bool(k, v));
                case "multipartThreshold" -> b.multipartThreshold(Long.parseLong(v));
                case "partSize" -> b.partSize(integer(k, v));
                default -> throw new IllegalArgumentException("unknown option '" + k + "' (known: "
                        + new TreeSet<>(S3Backend.URI_OPTIONS) + ")");
            }
        }
        return b;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.put(k, v) != null) {
                throw new IllegalArgumentException("option '" + k + "' given twice");
            }
        }
        return out;
    }

    private static boolean bool(String k, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(k + " must be true or false: " + v);
        };
    }

    private static int integer(String k, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k + " must be a number: " + v, e);
        }
    }

    /** The URI without user info or query values (which might hold a key id). */
    private static String describe(URI uri) {
        return "s3://" + (uri.getHost() != null ? uri.getHost() : String.valueOf(uri.getRawAuthority())
                .replaceAll("^.*@", "")) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
