package dev.cairn.mongo;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.assertj.core.api.Assertions.assertThat;

class ContentHashTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hash(String... docs) {
        ContentHash h = new ContentHash();
        for (String d : docs) {
            h.add(b(d), 0, d.length());
        }
        return h.hex();
    }

    @Test
    void hash_noDocuments_isZero() {
        assertThat(hash()).isEqualTo("0".repeat(64));
    }

    @Test
    void hash_oneDocument_isItsSha256() throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(b("doc"));
        assertThat(hash("doc")).isEqualTo(String.format("%064x", new BigInteger(1, d)));
    }

    @Test
    void hash_anyOrder_isEqual() {
        assertThat(hash("a", "b", "c")).isEqualTo(hash("c", "a", "b"));
    }

    @Test
    void hash_duplicateOrMissingDocument_differs() {
        assertThat(hash("a", "a")).isNotEqualTo(hash()).isNotEqualTo(hash("a"));
        assertThat(hash("a", "b")).isNotEqualTo(hash("a"));
        assertThat(hash("a", "b")).isNotEqualTo(hash("a", "c"));
    }

    @Test
    void hash_sum_wrapsModulo2To256() throws Exception {
        BigInteger mod = BigInteger.ONE.shiftLeft(256);
        BigInteger sum = BigInteger.ZERO;
        ContentHash h = new ContentHash();
        for (int i = 0; i < 1000; i++) {
            byte[] doc = b("document " + i);
            sum = sum.add(new BigInteger(1, MessageDigest.getInstance("SHA-256").digest(doc))).mod(mod);
            h.add(java.nio.ByteBuffer.wrap(doc));
        }
        assertThat(h.hex()).isEqualTo(String.format("%064x", sum));
        assertThat(h.count()).isEqualTo(1000);
    }
}
