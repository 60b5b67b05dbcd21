package dev.cairn.s3;

import dev.cairn.ConfigurationException;
import dev.cairn.backend.Backend;
import dev.cairn.backend.BackendProvider;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing {@code s3://} URIs; no network. */
class S3BackendProviderTest {
    private final S3BackendProvider provider = new S3BackendProvider(Map.of());

    @Test
    void serviceLoader_findsProvider_forS3() {
        assertThat(ServiceLoader.load(BackendProvider.class).stream().map(p -> p.get().scheme()))
                .contains("s3");
    }

    @Test
    void open_bucketAndPrefix_givesLocation() {
        try (Backend b = provider.open(URI.create("s3://my-bucket/hosts/db1/?endpoint=http://127.0.0.1:9000"))) {
            assertThat(b.location()).isEqualTo("s3://my-bucket/hosts/db1");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        try (Backend b = provider.open(URI.create("s3://my-bucket"))) {
            assertThat(b.location()).isEqualTo("s3://my-bucket/");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void open_everyOption_isAccepted() throws Exception {
        try (Backend b = provider.open(URI.create("s3://b-1/p?endpoint=https://s3.example.com&region=eu-west-1"
                + "&pathStyle=false&createBucket=true&storageClass=standard_ia&sse=aws:kms&sseKmsKeyId=k1"
                + "&objectLockDays=30&objectLockMode=compliance&maxConcurrency=4&maxAttempts=3"
                + "&conditionalWrites=false&multipartThreshold=104857600&partSize=8388608"))) {
            assertThat(b.location()).isEqualTo("s3://b-1/p");
        }
    }

    @Test
    void open_unknownOption_failsListingKnownOnes() {
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/p?endpint=http://x")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown option 'endpint'")
                .hasMessageContaining("endpoint");
    }

    @Test
    void open_badValues_failNamingTheParameter() {
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/p?storageClass=GLACIER")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("storageClass");
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/p?pathStyle=maybe")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("pathStyle");
        assertThatThrownBy(() -> provider.open(URI.create("s3://Bad_Bucket!/p")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("bucket");
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/a/../b")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("prefix");
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/p?endpoint=ftp://host")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("endpoint");
    }

    @Test
    void open_endpointWithCredentials_isRefused_withoutEchoingThem() {
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/p?endpoint=http://user:pw@host:9000")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining("pw");
    }

    @Test
    void environment_endpoint_isUsed_andValidated() {
        S3BackendProvider p = new S3BackendProvider(Map.of("AWS_ENDPOINT_URL", "not a url"));
        assertThatThrownBy(() -> p.open(URI.create("s3://bucket/p")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("AWS_ENDPOINT_URL");
    }
}
