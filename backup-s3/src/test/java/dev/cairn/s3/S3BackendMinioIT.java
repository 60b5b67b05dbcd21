package dev.cairn.s3;

import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendContractTest;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backend contract against MinIO in a container. Where Docker is not available JUnit reports
 * the class as skipped ("disabledWithoutDocker"), so the build stays green with a visible notice.
 */
@Testcontainers(disabledWithoutDocker = true)
class S3BackendMinioIT extends BackendContractTest {
    @Container
    static final GenericContainer<?> MINIO = new GenericContainer<>(
            DockerImageName.parse("minio/minio:RELEASE.2025-04-22T22-12-26Z"))
            .withCommand("server", "/data")
            .withEnv("MINIO_ROOT_USER", S3ProxyServer.ACCESS_KEY)
            .withEnv("MINIO_ROOT_PASSWORD", S3ProxyServer.SECRET_KEY)
            .withExposedPorts(9000)
            .waitingFor(Wait.forHttp("/minio/health/live").forPort(9000)
                    .withStartupTimeout(Duration.ofMinutes(2)));
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static URI endpoint;
    private static final String BUCKET = "cairn-contract";

    @BeforeAll
    static void bucket() throws IOException {
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        endpoint = URI.create("http://" + MINIO.getHost() + ":" + MINIO.getMappedPort(9000));
        try (S3Backend b = builder("").createBucket(true).build()) {
            b.createBucketIfMissing();
        }
    }

    private static S3Backend.Builder builder(String prefix) {
        return S3Backend.builder().endpoint(endpoint).region("us-east-1").bucket(BUCKET).prefix(prefix);
    }

    @Override
    protected Backend newBackend() {
        return builder("repo" + PREFIXES.incrementAndGet()).build();
    }

    /** Besides the inherited contract: MinIO honours create-only writes natively (no HEAD fallback). */
    @org.junit.jupiter.api.Test
    void conditionalPut_onMinio_refusesSecondWrite() throws IOException {
        backend.put("locks/minio", new byte[]{1}, 0, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> backend.put("locks/minio", new byte[]{2}, 0, 1))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        org.assertj.core.api.Assertions.assertThat(backend.location()).startsWith("s3://");
    }
}
