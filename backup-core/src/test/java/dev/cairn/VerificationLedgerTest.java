package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.crypto.MasterKey;
import dev.cairn.internal.repo.Ledger;
import dev.cairn.internal.util.Id;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.CheckReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The verification ledger and {@code check().oldestFirst(budget)} (issue 9, "Verification ledger"). */
class VerificationLedgerTest {
    @TempDir
    Path tmp;

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * Records which packs were downloaded whole (read-data reads a pack whole, from offset 0 into a
     * reused array; structure checks read headers, at the end).
     */
    static final class RecordingBackend extends dev.cairn.testing.ForwardingBackend {
        final Set<String> packsRead = new LinkedHashSet<>();

        RecordingBackend(Backend inner) {
            super(inner);
        }

        @Override
        public synchronized byte[] get(String name) throws IOException {
            if (name.startsWith("data/")) {
                packsRead.add(name.substring(name.lastIndexOf('/') + 1));
            }
            return inner.get(name);
        }

        @Override
        public synchronized byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
            if (name.startsWith("data/") && offset == 0) {
                packsRead.add(name.substring(name.lastIndexOf('/') + 1));
            }
            return inner.get(name, offset, length, buf);
        }

        synchronized Set<String> take() {
            Set<String> s = new LinkedHashSet<>(packsRead);
            packsRead.clear();
            return s;
        }
    }

    /** Several backups of distinct data: a repository with a dozen packs or so. */
    private static void fill(Repository repo, Path tmp) throws IOException {
        // Twelve data packs of equal size (and twelve tiny tree packs): with a budget of a third of
        // the total plus one pack, the packs never read always fill the second run's budget, whatever
        // order the (content-named) packs sort in.
        for (int i = 0; i < 12; i++) {
            Path src = Files.createDirectories(tmp.resolve("src" + i));
            Files.write(src.resolve("f.bin"), RepositoryRoundTripTest.random(300_000, 100 + i));
            repo.backup(src).run();
        }
    }

    private static Map<String, Long> packSizes(Path repoDir) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (ObjectInfo o : new LocalBackend(repoDir).list("data/")) {
            m.put(o.name().substring(o.name().lastIndexOf('/') + 1), o.size());
        }
        return m;
    }

    @Test
    void oldestFirst_threeRuns_coverEveryPackOnceBeforeAnyTwice() throws IOException {
        Path repoDir = tmp.resolve("repo");
        RecordingBackend rec = new RecordingBackend(new LocalBackend(repoDir));
        TestClock clock = new TestClock();
        try (Repository repo = TestRepos.fast(rec).clock(clock).packSize(1 << 20).retries(1, 0).init()) {
            fill(repo, tmp);
            Map<String, Long> sizes = packSizes(repoDir);
            assertThat(sizes).hasSizeGreaterThan(6);
            long total = sizes.values().stream().mapToLong(Long::longValue).sum();
            long max = sizes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long budget = total / 3 + max; // a budget that must cover everything in three runs
            rec.take();

            CheckReport r1 = repo.check().oldestFirst(budget).run();
            Set<String> run1 = rec.take();
            clock.advance(Duration.ofDays(7));
            CheckReport r2 = repo.check().oldestFirst(budget).run();
            Set<String> run2 = rec.take();
            clock.advance(Duration.ofDays(7));
            CheckReport r3 = repo.check().oldestFirst(budget).run();
            Set<String> run3 = rec.take();

            for (CheckReport r : List.of(r1, r2, r3)) {
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.warnings()).as("%s", r).isEmpty();
            }
            assertThat(r1.packsRead()).isEqualTo(run1.size()).isPositive();
            assertThat(run1.stream().mapToLong(sizes::get).sum()).isLessThanOrEqualTo(budget);
            assertThat(run2).as("second run reads only packs never read").doesNotContainAnyElementsOf(run1).isNotEmpty();
            Set<String> all = new HashSet<>(run1);
            all.addAll(run2);
            all.addAll(run3);
            assertThat(all).as("three runs cover every pack").isEqualTo(sizes.keySet());
            Set<String> again = new HashSet<>(run3);
            again.retainAll(union(run1, run2));
            assertThat(again).as("re-reads in run 3 come only after every pack was read, and from run 1 (oldest)")
                    .isSubsetOf(run1);

            // The ledger holds every pack, each with the time of the run that last verified it.
            Map<Id, Long> ledger = readLedger(repo);
            assertThat(ledger).hasSize(sizes.size());
            long t0 = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
            long week = Duration.ofDays(7).toSeconds();
            for (String p : sizes.keySet()) {
                long expected = run3.contains(p) ? t0 + 2 * week : run2.contains(p) ? t0 + week : t0;
                assertThat(ledger.get(Id.parse(p))).as(p).isEqualTo(expected);
            }

            // A budget of one byte reads exactly one pack: the least recently verified.
            clock.advance(Duration.ofDays(7));
            repo.check().oldestFirst(1).run();
            Set<String> run4 = rec.take();
            assertThat(run4).hasSize(1);
            String oldest = ledger.entrySet().stream().min(Map.Entry.<Id, Long>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey())).orElseThrow().getKey().hex();
            assertThat(run4).containsExactly(oldest);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static Map<Id, Long> readLedger(Repository repo) throws IOException {
        Map<String, Object> in = repo.internals();
        return Ledger.read((Backend) in.get("backend"), (Crypto) in.get("crypto")).verified();
    }

    @Test
    void oldestFirst_damagedPack_reported_notRecorded_readFirstNextTime() throws IOException {
        Path repoDir = tmp.resolve("repo");
        RecordingBackend rec = new RecordingBackend(new LocalBackend(repoDir));
        TestClock clock = new TestClock();
        try (Repository repo = TestRepos.fast(rec).clock(clock).packSize(1 << 20).retries(1, 0).init()) {
            fill(repo, tmp);
            Map<String, Long> sizes = packSizes(repoDir);
            String victim = sizes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            Path file = repoDir.resolve("data").resolve(victim.substring(0, 2)).resolve(victim);
            byte[] b = Files.readAllBytes(file);
            b[100] ^= 0x40;
            Files.delete(file);
            Files.write(file, b);
            rec.take();

            CheckReport r = repo.check().oldestFirst(Long.MAX_VALUE).run();
            assertThat(r.ok()).isFalse();
            assertThat(r.damagedPacks()).extracting(CheckReport.DamagedPack::pack).containsExactly(victim);
            assertThat(r.packsRead()).isEqualTo(sizes.size());
            Map<Id, Long> ledger = readLedger(repo);
            assertThat(ledger).hasSize(sizes.size() - 1).doesNotContainKey(Id.parse(victim));

            clock.advance(Duration.ofDays(1));
            rec.take();
            CheckReport again = repo.check().oldestFirst(1).run();
            assertThat(rec.take()).as("the damaged pack, never verified, comes first").containsExactly(victim);
            assertThat(again.ok()).isFalse();
        }
    }

    @Test
    void readData_full_recordsEveryPack_inTheLedger() throws IOException {
        TestClock clock = new TestClock();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).clock(clock).packSize(1 << 20).init()) {
            fill(repo, tmp);
            assertThat(readLedger(repo)).isEmpty();
            assertThat(repo.check().run().ok()).isTrue();
            assertThat(readLedger(repo)).as("a structure check records nothing").isEmpty();
            CheckReport r = repo.check().readData(true).run();
            assertThat(readLedger(repo)).hasSize(r.packs())
                    .allSatisfy((k, v) -> assertThat(v).isEqualTo(clock.instant().getEpochSecond()));
        }
    }

    @Test
    void oldestFirst_badArguments_throw() throws IOException {
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).init()) {
            assertThatThrownBy(() -> repo.check().oldestFirst(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("oldestFirst budgetBytes must be positive: 0");
            assertThatThrownBy(() -> repo.check().subset("10%").oldestFirst(1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mutually exclusive");
            assertThatThrownBy(() -> repo.check().oldestFirst(1).subset("10%"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mutually exclusive");
            CheckReport empty = repo.check().oldestFirst(1).run();
            assertThat(empty.ok()).isTrue();
            assertThat(empty.packsRead()).isZero();
        }
    }

    @Test
    void ledger_manyFiles_compacted_gonePacksDropped_newestTimeWins() throws IOException {
        Backend backend = new LocalBackend(tmp.resolve("ledger-only"));
        Crypto crypto = new Crypto(MasterKey.generate());
        Id a = Id.parse("aa".repeat(32));
        Id b = Id.parse("bb".repeat(32));
        Id gone = Id.parse("cc".repeat(32));
        Ledger.write(backend, crypto, Map.of(a, 100L, gone, 100L));
        Ledger.write(backend, crypto, Map.of(a, 50L, b, 70L));
        Ledger.State s = Ledger.read(backend, crypto);
        assertThat(s.verified()).containsOnly(Map.entry(a, 100L), Map.entry(b, 70L), Map.entry(gone, 100L));
        for (int i = 0; i < Ledger.COMPACT_ABOVE; i++) {
            s = Ledger.read(backend, crypto);
            Ledger.record(backend, crypto, s, Set.of(b), 1000L + i, Set.of(a, b));
        }
        Ledger.State after = Ledger.read(backend, crypto);
        assertThat(after.files().size()).isLessThanOrEqualTo(Ledger.COMPACT_ABOVE);
        assertThat(after.verified()).containsOnly(Map.entry(a, 100L), Map.entry(b, 1000L + Ledger.COMPACT_ABOVE - 1));
        assertThat(Ledger.oldestFirst(Map.of(a, 10L, b, 10L, gone, 10L), after.verified(), 15))
                .as("never verified first, then oldest; at least one, within the budget").containsExactly(gone);
        assertThat(Ledger.oldestFirst(Map.of(a, 10L, b, 10L, gone, 10L), after.verified(), 20))
                .containsExactly(gone, a);
    }

    @Test
    void ledger_damagedFile_ignoredWithWarning() throws IOException {
        Backend backend = new LocalBackend(tmp.resolve("ledger-only"));
        Crypto crypto = new Crypto(MasterKey.generate());
        String name = Ledger.write(backend, crypto, Map.of(Id.parse("aa".repeat(32)), 1L));
        Ledger.write(backend, crypto, Map.of(Id.parse("bb".repeat(32)), 2L));
        byte[] f = backend.get(name);
        f[f.length - 1] ^= 1;
        backend.delete(name);
        backend.put(name, f, 0, f.length);
        Ledger.State s = Ledger.read(backend, crypto);
        assertThat(s.verified()).containsOnlyKeys(Id.parse("bb".repeat(32)));
        assertThat(s.warnings()).singleElement().asString().contains("ledger file " + name.substring(7, 15));
    }
}
