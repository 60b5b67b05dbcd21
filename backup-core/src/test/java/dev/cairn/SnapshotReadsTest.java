package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.ForwardingBackend;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Listing snapshots reads their objects several at a time, with the same result as one by one. */
class SnapshotReadsTest {
    @TempDir
    Path tmp;

    @Test
    void manySnapshots_readSeveralAtOnce_sameListAsBefore_damageStillNamed() throws IOException {
        Path dir = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src"));
        List<String> made = new java.util.ArrayList<>();
        try (Repository r = TestRepos.fast(dir).init()) {
            for (int i = 0; i < 12; i++) {
                Files.writeString(src.resolve("f.txt"), "version " + i);
                made.add(r.backup(src).run().snapshot().id());
            }
        }
        Probe probe = new Probe(new LocalBackend(dir));
        try (Repository r = TestRepos.fast(probe).open()) {
            List<Snapshot> all = r.snapshots();
            assertThat(all).extracting(Snapshot::id).containsExactlyInAnyOrderElementsOf(made);
            assertThat(all).isSortedAccordingTo(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::id));
            assertThat(r.snapshot("latest").id()).isEqualTo(made.get(made.size() - 1));
            // Each read waits (up to 10 s) until four are in flight: one at a time, none would be.
            assertThat(probe.mostAtOnce.get()).isGreaterThanOrEqualTo(4);
        }
        Path victim = dir.resolve("snapshots").resolve(made.get(5));
        byte[] b = Files.readAllBytes(victim);
        b[b.length / 2] ^= 1;
        Files.write(victim, b);
        try (Repository r = TestRepos.fast(dir).open()) {
            assertThatThrownBy(r::snapshots).isInstanceOf(IntegrityException.class)
                    .hasMessageContaining(made.get(5).substring(0, 8));
        }
    }

    /** Counts snapshot reads in flight; each waits until four are, or ten seconds have passed. */
    private static final class Probe extends ForwardingBackend {
        private final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        private final CountDownLatch four = new CountDownLatch(4);

        Probe(Backend inner) {
            super(inner);
        }

        @Override
        public byte[] get(String name) throws IOException {
            if (!name.startsWith("snapshots/")) {
                return inner.get(name);
            }
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            four.countDown();
            try {
                four.await(10, TimeUnit.SECONDS);
                return inner.get(name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }
}
