package dev.cairn.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how to reach an S3 (or S3-compatible) endpoint, shared by {@link S3Backend},
 * {@link S3BucketSource} and {@link S3BucketRestore}: endpoint, region, path-style access,
 * concurrency, retries and timeouts. Credentials are never held here: the client takes them from
 * the SDK's default provider chain (system properties {@code aws.accessKeyId}/{@code
 * aws.secretAccessKey}, environment {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, the
 * shared profile files, container and instance roles), so they never appear in a URI, a
 * location or a log line. Mutable while configured, then read by {@link #client()}; not
 * thread-safe.
 */
final class S3Connection {
    private static final Logger LOG = LoggerFactory.getLogger(S3Connection.class);
    static final String DEFAULT_REGION = "us-east-1";

    private URI endpoint;
    private String region;
    private Boolean pathStyle;
    private int maxConcurrency = 8;
    private int maxAttempts = 10;
    private Duration socketTimeout = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration maxIdle = Duration.ofSeconds(60);
    private Map<String, String> env = System.getenv();

    S3Connection copy() {
        S3Connection c = new S3Connection();
        c.endpoint = endpoint;
        c.region = region;
        c.pathStyle = pathStyle;
        c.maxConcurrency = maxConcurrency;
        c.maxAttempts = maxAttempts;
        c.socketTimeout = socketTimeout;
        c.connectTimeout = connectTimeout;
        c.maxIdle = maxIdle;
        c.env = env;
        return c;
    }

    void endpoint(URI uri) {
        Objects.requireNonNull(uri, "endpoint");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http(s) URL such as http://127.0.0.1:9000: "
                    + redact(uri));
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("endpoint must not carry credentials (" + redact(uri)
                    + "): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead");
        }
        this.endpoint = uri;
    }

    void region(String r) {
        if (r == null || !r.matches("[a-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("region must be an S3 region name such as eu-west-1: " + r);
        }
        this.region = r;
    }

    void pathStyle(boolean v) {
        this.pathStyle = v;
    }

    void maxConcurrency(int n) {
        if (n < 1 || n > 256) {
            throw new IllegalArgumentException("maxConcurrency must be 1..256: " + n);
        }
        this.maxConcurrency = n;
    }

    void maxAttempts(int n) {
        if (n < 1 || n > 100) {
            throw new IllegalArgumentException("maxAttempts must be 1..100: " + n);
        }
        this.maxAttempts = n;
    }

    void socketTimeout(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("socketTimeout must be positive: " + d);
        }
        this.socketTimeout = d;
    }

    /** How long a pooled connection may idle before it is closed (tests force fresh connections). */
    void connectionMaxIdle(Duration d) {
        this.maxIdle = Objects.requireNonNull(d, "connectionMaxIdle");
    }

    void environment(Map<String, String> e) {
        this.env = Map.copyOf(Objects.requireNonNull(e, "environment"));
    }

    int maxConcurrency() {
        return maxConcurrency;
    }

    /** The endpoint override: given, else {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}; null for AWS. */
    URI effectiveEndpoint() {
        if (endpoint != null) {
            return endpoint;
        }
        for (String var : new String[]{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                try {
                    S3Connection probe = new S3Connection();
                    probe.endpoint(URI.create(v.trim()));
                    return probe.endpoint;
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(var + " is not a usable endpoint: " + e.getMessage(), e);
                }
            }
        }
        return null;
    }

    /** Path-style unless told otherwise when an endpoint override is in use (MinIO, Ceph, S3Proxy want it). */
    boolean effectivePathStyle() {
        return pathStyle != null ? pathStyle : effectiveEndpoint() != null;
    }

    private String explicitRegion() {
        if (region != null) {
            return region;
        }
        for (String var : new String[]{"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    /** The endpoint for messages: scheme, host and port only. */
    String describeEndpoint() {
        URI e = effectiveEndpoint();
        return e == null ? "AWS S3" : redact(e);
    }

    static String redact(URI u) {
        return (u.getScheme() == null ? "" : u.getScheme() + "://") + (u.getHost() == null ? "?" : u.getHost())
                + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    /**
     * A synchronous client configured for S3-compatible servers as well as AWS:
     * <ul>
     *   <li>request checksums only where an operation requires one, and then as Content-MD5
     *       ({@code LegacyMd5Plugin}), response checksums only where required, and no
     *       aws-chunked payloads: the SDK's default CRC trailers with chunked encoding are
     *       rejected by some S3Proxy, MinIO and Ceph versions. Integrity is kept by Content-MD5
     *       on every upload (set by the callers) and by the repository's own SHA-256 names;</li>
     *   <li>the standard retry strategy with full-jitter exponential backoff on throttling, 5xx,
     *       I/O errors and timeouts (never on other 4xx), without the client-side circuit
     *       breaker: a backup should slow down under faults, not give up after a burst;</li>
     *   <li>cross-region access when no region is configured, so an AWS bucket in another region
     *       still works;</li>
     *   <li>for a plain-http endpoint, TLS set up only if ever needed ({@link LazyTls}), not at
     *       every start.</li>
     * </ul>
     */
    S3Client client(ExecutionInterceptor... interceptors) {
        URI ep = effectiveEndpoint();
        String r = explicitRegion();
        // No credentialsProvider: the client then uses the SDK's default chain and owns (and closes) it.
        Apache5HttpClient.Builder http = Apache5HttpClient.builder()
                .maxConnections(maxConcurrency * 2 + 2)
                .socketTimeout(socketTimeout)
                .connectionTimeout(connectTimeout)
                .connectionAcquisitionTimeout(Duration.ofMinutes(2))
                .connectionMaxIdleTime(maxIdle)
                .tcpKeepAlive(true);
        if (ep != null && "http".equalsIgnoreCase(ep.getScheme())) {
            http.tlsSocketStrategy(new LazyTls()); // https endpoints keep the SDK's own TLS set-up
        }
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(r != null ? r : DEFAULT_REGION))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(effectivePathStyle())
                        .chunkedEncodingEnabled(false)
                        .build())
                .httpClientBuilder(http)
                .overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(maxAttempts)
                            .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100),
                                    Duration.ofSeconds(20)))
                            .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(500),
                                    Duration.ofSeconds(30)))
                            .circuitBreakerEnabled(false)
                            .build());
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                });
        if (ep != null) {
            b.endpointOverride(ep);
        }
        if (r == null && ep == null) {
            b.crossRegionAccessEnabled(true);
        }
        LOG.debug("S3 client for {} (region {}, path-style {})", describeEndpoint(), r == null ? "auto" : r,
                effectivePathStyle());
        return b.build();
    }

    /**
     * Counts HTTP attempts of the calling thread's current SDK call (the synchronous client runs
     * every attempt, retries included, on the calling thread), so a caller can tell whether a 412
     * answered its first attempt or a retry of one that may already have landed.
     */
    static final class AttemptCounter implements ExecutionInterceptor {
        private final ThreadLocal<int[]> attempts = ThreadLocal.withInitial(() -> new int[1]);

        void reset() {
            attempts.get()[0] = 0;
        }

        int attempts() {
            return attempts.get()[0];
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
            attempts.get()[0]++;
        }
    }
}
