package dev.cairn.s3;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.Constants;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * One S3Proxy per test JVM on a loopback port, with an in-memory ("transient") store and fixed,
 * fake test credentials handed to the SDK through the {@code aws.accessKeyId}/{@code
 * aws.secretAccessKey} system properties (the first link of its default provider chain). Each test
 * class asks for its own bucket.
 */
final class S3ProxyServer {
    static final String ACCESS_KEY = "cairn-test-access-key";
    static final String SECRET_KEY = "cairn-test-only-not-a-real-key";
    private static S3Proxy proxy;
    private static URI endpoint;

    private S3ProxyServer() {
    }

    static synchronized URI endpoint() {
        if (endpoint == null) {
            System.setProperty("aws.accessKeyId", ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", SECRET_KEY);
            Properties p = new Properties();
            p.setProperty(Constants.PROPERTY_IDENTITY, ACCESS_KEY);
            p.setProperty(Constants.PROPERTY_CREDENTIAL, SECRET_KEY);
            try {
                proxy = S3Proxy.builder()
                        .blobStore(BlobStores.create("transient", p))
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .stopTimeout(0)
                        .build();
                proxy.start();
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!"STARTED".equals(proxy.getState())) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException("Cannot start S3Proxy: " + e, e);
            }
            endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
            S3Proxy started = proxy;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.stop();
                } catch (Exception ignored) {
                    // the JVM is ending
                }
            }));
        }
        return endpoint;
    }

    /** A new, empty bucket named after {@code hint}. */
    static String newBucket(String hint) {
        String name = (hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        name = name.length() > 63 ? name.substring(name.length() - 63) : name;
        try (S3Backend b = backend(name, "").createBucket(true).build()) {
            b.createBucketIfMissing();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    /** A plain SDK client for the server, to arrange what the code under test would never write. */
    static software.amazon.awssdk.services.s3.S3Client client() {
        S3Connection c = new S3Connection();
        c.endpoint(endpoint());
        c.region("us-east-1");
        return c.client();
    }

    static S3Backend.Builder backend(String bucket, String prefix) {
        return S3Backend.builder().endpoint(endpoint()).region("us-east-1").bucket(bucket).prefix(prefix);
    }
}
