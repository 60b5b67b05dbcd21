package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.testing.ForwardingBackend;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore reads each needed range of a pack in one request: a file filling several packs costs
 * one request per pack (an object store's per-request cost was a fifth of a 1 GiB restore's CPU
 * when ranges were cut at 4 MiB), and comes back byte for byte.
 */
class RestoreRequestsTest {
    @TempDir
    Path tmp;

    @Test
    void largeFile_onePackRequestEach_comesBackByteForByte() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] data = new byte[40 << 20];
        new Random(11).nextBytes(data);
        Files.write(src.resolve("big.bin"), data);
        Counting counting = new Counting(new LocalBackend(tmp.resolve("repo")));
        Path target = tmp.resolve("target");
        try (Repository r = TestRepos.fast(counting).packSize(16 << 20).init()) {
            BackupResult b = r.backup(src).run();
            counting.large.clear();
            r.restore(b.snapshot()).to(target);
        }
        assertThat(Files.readAllBytes(target.resolve("src/big.bin"))).isEqualTo(data);
        assertThat(counting.large).as("requests over 1 MiB per pack").hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy((pack, n) -> assertThat(n.get()).as(pack).isEqualTo(1));
    }

    /** Counts the reads of more than 1 MiB (ranged gets and range streams) of each object. */
    private static final class Counting extends ForwardingBackend {
        final Map<String, AtomicInteger> large = new ConcurrentHashMap<>();

        Counting(Backend inner) {
            super(inner);
        }

        private void count(String name, long length) {
            if (length > 1 << 20) {
                large.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public byte[] get(String name, long offset, int length) throws IOException {
            count(name, length);
            return inner.get(name, offset, length);
        }

        @Override
        public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
            count(name, length);
            return inner.get(name, offset, length, buf);
        }

        @Override
        public InputStream open(String name, long offset, long length) throws IOException {
            count(name, length);
            return inner.open(name, offset, length);
        }
    }
}
