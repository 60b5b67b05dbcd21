package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.ObjectInfo;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobLocation;
import dev.cairn.internal.repo.Locks;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.util.Id;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import dev.cairn.verify.CheckReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prune (issue 9): round trip, crash safety, concurrency with backups, grace period and fossils. */
class PruneTest {
    private static final int FILE = 256 * 1024;

    @TempDir
    Path tmp;

    private static Repository.Builder small(Repository.Builder b) {
        return b.chunkSizes(16 * 1024, 64 * 1024, 256 * 1024).packSize(1 << 20).workers(2).retries(1, 0);
    }

    private static void write(Path src, String name, long seed) throws IOException {
        byte[] b = new byte[FILE];
        new Random(seed).nextBytes(b);
        Files.write(src.resolve(name), b);
    }

    /** A source directory and what each snapshot of it must restore to. */
    private static final class History {
        final Path src;
        final Map<String, List<String>> expected = new ConcurrentHashMap<>();

        History(Path src) throws IOException {
            this.src = Files.createDirectories(src);
        }

        Snapshot backup(Repository repo) throws IOException {
            List<String> want = TreeCompare.describe(src, true);
            Snapshot s = repo.backup(src).run().snapshot();
            expected.put(s.id(), want);
            return s;
        }
    }

    /**
     * Three backups: v1 of eight files, then the even files rewritten twice (and one added); the
     * first two snapshots forgotten. What stays: the odd files of v1 (about half of v1's packs,
     * interleaved), and all of v3. v2's data and the old trees are garbage.
     */
    private History scenario(Repository repo) throws IOException {
        History h = new History(tmp.resolve("src"));
        for (int i = 0; i < 8; i++) {
            write(h.src, "f" + i, i);
        }
        Snapshot s1 = h.backup(repo);
        for (int i = 0; i < 8; i += 2) {
            write(h.src, "f" + i, 100 + i);
        }
        Snapshot s2 = h.backup(repo);
        for (int i = 0; i < 8; i += 2) {
            write(h.src, "f" + i, 200 + i);
        }
        write(h.src, "f8", 208);
        h.backup(repo);
        repo.forget(s1.id());
        repo.forget(s2.id());
        h.expected.remove(s1.id());
        h.expected.remove(s2.id());
        return h;
    }

    /** A new repository at {@code dir} holding {@link #scenario}, closed again. */
    private History scenarioIn(Path dir) throws IOException {
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            return scenario(repo);
        }
    }

    private static Map<String, Long> listing(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    private static long size(Path dir, String sub) throws IOException {
        long n = 0;
        for (Map.Entry<String, Long> e : listing(dir).entrySet()) {
            if (e.getKey().startsWith(sub)) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** Every snapshot restores byte for byte to what was backed up, and check --read-data passes. */
    private void assertIntact(Repository repo, History h, String label) throws IOException {
        List<Snapshot> snaps = repo.snapshots();
        assertThat(snaps).extracting(Snapshot::id).containsExactlyInAnyOrderElementsOf(h.expected.keySet());
        for (Snapshot s : snaps) {
            Path target = tmp.resolve("restore-" + label + "-" + s.shortId());
            repo.restore(s).to(target);
            assertThat(TreeCompare.describe(target.resolve(h.src.getFileName()), true))
                    .as("snapshot %s after %s", s.shortId(), label).isEqualTo(h.expected.get(s.id()));
        }
        CheckReport c = repo.check().readData(true).run();
        assertThat(c.ok()).as("check after %s: %s", label, c.errors()).isTrue();
    }

    // ------------------------------------------------------------------ round trip

    @Test
    void prune_afterForget_repacksDeletesAndEverySnapshotRestores() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = scenario(repo);
            long dataBefore = size(dir, "data/");

            Map<String, Long> before = listing(dir);
            PruneResult dry = repo.prune().repackBelow(0.75).dryRun(true).run();
            assertThat(dry.dryRun()).isTrue();
            assertThat(dry.packsDeleted()).isPositive();
            assertThat(dry.packsRepacked()).isPositive();
            assertThat(dry.bytesFreed()).isPositive();
            assertThat(listing(dir)).as("a dry run changes nothing").isEqualTo(before);

            PruneResult r = repo.prune().repackBelow(0.75).run();
            assertThat(r.dryRun()).isFalse();
            assertThat(r.packsRepacked()).as("messages: %s", r.messages()).isPositive();
            assertThat(r.packsDeleted()).isEqualTo(dry.packsDeleted());
            assertThat(r.bytesFreed()).isEqualTo(dry.bytesFreed());
            assertThat(r.bytesRepacked()).isPositive();
            assertThat(r.blobsRemoved()).isPositive();
            assertThat(r.packsTooYoung()).isZero();
            long dataAfter = size(dir, "data/");
            assertThat(dataAfter).isLessThan(dataBefore);
            // Freed is measured from pack sizes: what left data/ minus what repacking added.
            assertThat(dataBefore - dataAfter).isLessThanOrEqualTo(r.bytesFreed());
            System.out.printf("prune round trip: data %d -> %d bytes; freed %d, repacked %d bytes in %d packs,"
                    + " deleted %d packs, kept %d, blobs removed %d%n", dataBefore, dataAfter, r.bytesFreed(),
                    r.bytesRepacked(), r.packsRepacked(), r.packsDeleted(), r.packsKept(), r.blobsRemoved());
            assertIntact(repo, h, "prune");
            assertThat(repo.check().run().warnings()).as("no pack is left without an index").isEmpty();
            var index = (dev.cairn.internal.repo.BlobIndex) repo.internals().get("index");
            Map<Id, java.util.Set<Integer>> types = new java.util.HashMap<>();
            index.all().forEach(l -> types.computeIfAbsent(l.pack(), k -> new java.util.HashSet<>()).add(l.type()));
            assertThat(types.values()).as("data and tree blobs stay in packs of their own").allMatch(t -> t.size() == 1);

            PruneResult again = repo.prune().repackBelow(0.75).run();
            assertThat(again.packsDeleted()).isZero();
            assertThat(again.packsRepacked()).isZero();
            assertThat(again.bytesFreed()).isZero();
        }
        try (Repository fresh = small(TestRepos.fast(dir)).open()) {
            assertThat(fresh.snapshots()).hasSize(1);
        }
    }

    @Test
    void prune_cancelled_changesNothing() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = scenario(repo);
            Map<String, Long> before = listing(dir);
            Cancellation c = new Cancellation();
            c.cancel();
            assertThatThrownBy(() -> repo.prune().repackBelow(0.75).cancellation(c).run())
                    .isInstanceOfSatisfying(BackupException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
            assertThat(listing(dir)).isEqualTo(before);
            assertIntact(repo, h, "cancelled");
        }
    }

    @Test
    void prune_snapshotDataMissing_refusesAndChangesNothing() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = scenario(repo);
            var index = (dev.cairn.internal.repo.BlobIndex) repo.internals().get("index");
            for (BlobLocation l : index.all()) {
                if (l.type() == BlobLocation.DATA) {
                    Files.deleteIfExists(dir.resolve(PackFormat.name(l.pack()))); // lost data packs
                }
            }
            Map<String, Long> before = listing(dir);
            assertThatThrownBy(() -> repo.prune().run()).isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("Cannot prune").hasMessageContaining("Nothing was changed");
            assertThat(listing(dir)).isEqualTo(before);
            assertThat(h.expected).isNotEmpty();
        }
    }

    @Test
    void prune_emptiedRepository_deletesEveryPack() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            Snapshot s = h.backup(repo);
            repo.forget(s.id());
            PruneResult r = repo.prune().run();
            assertThat(r.packsDeleted()).isEqualTo(2); // one data pack, one tree pack
            assertThat(size(dir, "data/")).isZero();
            assertThat(repo.indexedBlobs()).isZero();
            assertThat(repo.check().readData(true).run().ok()).isTrue();
        }
    }

    @Test
    void prune_duplicateBlobInTwoPacks_keepsOneCopy() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            h.backup(repo);
            // Another writer stored the same data again (two backups that ran at once): copy every
            // data pack's blobs into a second pack with a different name, and index it.
            Backend backend = (Backend) repo.internals().get("backend");
            Crypto crypto = (Crypto) repo.internals().get("crypto");
            var idx = (dev.cairn.internal.repo.BlobIndex) repo.internals().get("index");
            List<BlobLocation> copies = new ArrayList<>();
            PackFormat.Builder b = PackFormat.Builder.of(backend, 2 << 20);
            for (BlobLocation l : idx.all()) {
                if (l.type() == BlobLocation.DATA) {
                    byte[] enc = backend.get(PackFormat.name(l.pack()), l.offset(), l.storedLength());
                    b.add(l.id(), l.type(), l.compression(), enc, l.plainLength());
                }
            }
            PackFormat.Finished f = b.store(crypto);
            copies.addAll(f.entries());
            dev.cairn.internal.repo.IndexFormat.write(backend, copies, crypto);

            PruneResult r = repo.prune().run();
            assertThat(r.packsDeleted()).as("%s", r.messages()).isEqualTo(1);
            assertIntact(repo, h, "dedup");
            assertThat(repo.check().run().warnings()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ crash safety

    /** Every put and delete from the {@code failAt}-th on throws, as if the process died there. */
    private static class CrashingBackend extends dev.cairn.testing.ForwardingBackend {
        private final int failAt;
        final AtomicInteger mutations = new AtomicInteger();

        CrashingBackend(Backend inner, int failAt) {
            super(inner);
            this.failAt = failAt;
        }

        private void mutate(String op, String name) throws IOException {
            if (mutations.incrementAndGet() >= failAt) {
                throw new IOException("injected crash at " + op + " " + name);
            }
        }

        @Override
        public void put(String name, byte[] data, int off, int len) throws IOException {
            mutate("put", name);
            inner.put(name, data, off, len);
        }

        /** Packs go through {@link #put} whole, so that their store counts as one mutation. */
        @Override
        public Staged stage(String prefix, int sizeHint) {
            return new Staged.InMemory(this, sizeHint);
        }

        @Override
        public void delete(String name) throws IOException {
            mutate("delete", name);
            inner.delete(name);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    @Test
    void prune_crashAtEveryStep_repositoryStaysReadable_secondPruneCompletes() throws IOException {
        Path base = tmp.resolve("base");
        History h = scenarioIn(base);
        // How many puts and deletes a clean prune makes (the lock's included).
        int total;
        Path probe = tmp.resolve("probe");
        copy(base, probe);
        CrashingBackend counter = new CrashingBackend(new LocalBackend(probe), Integer.MAX_VALUE);
        try (Repository repo = small(TestRepos.fast(counter)).open()) {
            repo.prune().repackBelow(0.75).run();
            total = counter.mutations.get();
        }
        assertThat(total).isGreaterThan(6);
        int crashes = 0;
        // Crash at the first write after taking the lock, at the last, and at every one in between.
        for (int k = 2; k < total; k++) { // 1 is the lock; a failed release of it (the last) is ignored
            Path dir = tmp.resolve("crash-" + k);
            copy(base, dir);
            try (Repository repo = small(TestRepos.fast(new CrashingBackend(new LocalBackend(dir), k))).open()) {
                assertThatThrownBy(() -> repo.prune().repackBelow(0.75).run()).as("crash at mutation %d", k)
                        .isInstanceOf(BackupException.class);
                crashes++;
            }
            try (Repository repo = small(TestRepos.fast(dir)).open()) {
                repo.unlock(true); // the crashed prune's lock (same pid: not stale by itself)
                assertIntact(repo, h, "crash-" + k);
                PruneResult r = repo.prune().repackBelow(0.75).run();
                assertThat(r.messages()).isNotEmpty();
                assertIntact(repo, h, "crash-" + k + "-reprune");
                // Packs the crashed prune wrote but did not index wait for the grace period; with no
                // other lock, the operator may clear them at once.
                repo.prune().unindexedWithoutGrace(true).run();
                assertThat(repo.check().run().warnings()).as("crash at %d: nothing left over", k).isEmpty();
                assertIntact(repo, h, "crash-" + k + "-cleared");
            }
        }
        System.out.printf("prune crash safety: %d crash points of %d writes%n", crashes, total);
    }

    @Test
    void prune_onFaultyStorage_completesOrFailsSafely() throws IOException {
        Path base = tmp.resolve("base");
        History h = scenarioIn(base);
        int completed = 0;
        for (long seed = 1; seed <= 6; seed++) {
            Path dir = tmp.resolve("faulty-" + seed);
            copy(base, dir);
            dev.cairn.testing.FaultyBackend faulty = new dev.cairn.testing.FaultyBackend(new LocalBackend(dir), seed)
                    .failRate(0.05).flipRate(0.02).truncateRate(0.02);
            try (Repository repo = small(TestRepos.fast(faulty)).retries(3, 0).open()) {
                repo.prune().repackBelow(0.75).run();
                completed++;
            } catch (BackupException e) {
                // Retries ran out: the repository must still be whole.
            }
            try (Repository repo = small(TestRepos.fast(dir)).open()) {
                repo.unlock(true);
                assertIntact(repo, h, "faulty-" + seed);
                repo.prune().repackBelow(0.75).unindexedWithoutGrace(true).run();
                assertThat(repo.check().run().warnings()).as("seed %d", seed).isEmpty();
                assertIntact(repo, h, "faulty-" + seed + "-again");
            }
        }
        System.out.printf("prune on faulty storage: %d of 6 runs completed%n", completed);
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void backupAndPrune_concurrently20Times_everySnapshotRestores() throws Exception {
        Path dir = tmp.resolve("repo");
        small(TestRepos.fast(dir)).init().close();
        History h = new History(tmp.resolve("src"));
        for (int i = 0; i < 6; i++) {
            write(h.src, "f" + i, i);
        }
        CyclicBarrier round = new CyclicBarrier(2);
        ExecutorService two = Executors.newFixedThreadPool(2);
        long t0 = System.nanoTime();
        List<PruneResult> prunes = new ArrayList<>();
        try (Repository backups = small(TestRepos.fast(dir)).lockWait(Duration.ofMinutes(1)).open();
             Repository pruner = small(TestRepos.fast(dir)).lockWait(Duration.ofMinutes(1)).open()) {
            Future<?> a = two.submit(() -> breakingBarrierOnFailure(round, () -> {
                Random r = new Random(7);
                for (int i = 0; i < 20; i++) {
                    round.await(30, TimeUnit.SECONDS);
                    // One file changes per round, to one of a few contents: data that a prune removed
                    // comes back, and a backup that deduplicated against a stale index would break.
                    write(h.src, "f" + r.nextInt(6), 1000 + r.nextInt(3));
                    if (i % 3 == 0) {
                        write(h.src, "g" + i, 2000 + i); // and now and then one is added
                    }
                    h.backup(backups);
                }
            }));
            Future<?> b = two.submit(() -> breakingBarrierOnFailure(round, () -> {
                for (int i = 0; i < 20; i++) {
                    round.await(30, TimeUnit.SECONDS);
                    List<Snapshot> all = pruner.snapshots();
                    for (Snapshot s : all.subList(0, Math.max(0, all.size() - 3))) {
                        pruner.forget(s.id());
                        h.expected.remove(s.id());
                    }
                    synchronized (prunes) {
                        prunes.add(pruner.prune().gracePeriod(Duration.ZERO).run());
                    }
                }
            }));
            // The prune's failure first: a failed backup only breaks the barrier for the prune, and back.
            Throwable failure = null;
            for (Future<?> f : List.of(b, a)) {
                try {
                    f.get(2, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null && !(e.getCause() instanceof java.util.concurrent.BrokenBarrierException)) {
                        failure = e.getCause();
                    }
                }
            }
            if (failure != null) {
                throw new AssertionError("a round failed: " + failure, failure);
            }
        } finally {
            two.shutdownNow();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        int deleted = prunes.stream().mapToInt(PruneResult::packsDeleted).sum();
        int repacked = prunes.stream().mapToInt(PruneResult::packsRepacked).sum();
        System.out.printf("backup+prune x20 concurrently: %d ms, %d packs deleted, %d repacked%n", ms, deleted,
                repacked);
        assertThat(deleted).isPositive();
        try (Repository repo = small(TestRepos.fast(dir)).open()) {
            assertThat(repo.snapshots()).hasSizeGreaterThanOrEqualTo(3);
            assertIntact(repo, h, "concurrent");
        }
    }

    /** A round of the concurrency test. */
    private interface Round {
        void run() throws Exception;
    }

    /** Runs {@code body}; if it fails, breaks the barrier so that the other thread stops at once. */
    private static Void breakingBarrierOnFailure(CyclicBarrier barrier, Round body) throws Exception {
        try {
            body.run();
            return null;
        } catch (Exception | AssertionError e) {
            barrier.reset();
            throw e;
        }
    }

    @Test
    void lockWait_zero_failsAtOnce_positive_waitsForRelease() throws Exception {
        Path dir = tmp.resolve("repo");
        try (Repository a = small(TestRepos.fast(dir)).init();
             Repository b = small(TestRepos.fast(dir)).open()) {
            Locks locks = new Locks((Backend) a.internals().get("backend"), (Crypto) a.internals().get("crypto"),
                    Clock.systemUTC(), "other-host");
            Locks.Held shared = locks.acquire(false, "back up");
            assertThatThrownBy(() -> b.prune().run()).isInstanceOf(RepositoryLockedException.class)
                    .hasMessageContaining("other-host");
            ExecutorService one = Executors.newSingleThreadExecutor();
            try {
                Future<PruneResult> f = one.submit(() -> b.prune().waitForLock(Duration.ofMinutes(1)).run());
                assertThat(f.isDone()).isFalse();
                shared.close();
                assertThat(f.get(1, TimeUnit.MINUTES).dryRun()).isFalse();
            } finally {
                one.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ grace period and fossils

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Stores a pack that no index names, as a backup still running (or one that crashed) leaves it. */
    private static Id unindexedPack(Repository repo, long seed) throws IOException {
        Backend backend = (Backend) repo.internals().get("backend");
        Crypto crypto = (Crypto) repo.internals().get("crypto");
        byte[] plain = new byte[100_000];
        new Random(seed).nextBytes(plain);
        Id id = crypto.blobId(plain, 0, plain.length);
        byte[] enc = crypto.encrypt(plain, BlobLocation.associatedData(BlobLocation.DATA, 0, id));
        PackFormat.Builder b = PackFormat.Builder.of(backend, 200_000);
        b.add(id, BlobLocation.DATA, 0, enc, plain.length);
        return b.store(crypto).id();
    }

    private static boolean exists(Path dir, Id pack) {
        return Files.exists(dir.resolve(PackFormat.name(pack)));
    }

    /** Writes {@code bytes} zero bytes to {@code p}, last modified {@code age} ago. */
    private static Path temporary(Path p, int bytes, Duration age) throws IOException {
        Files.write(p, new byte[bytes]);
        if (!age.isZero()) {
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(Instant.now().minus(age)));
        }
        return p;
    }

    /**
     * A temporary file written moments ago (a starting backup's lock, before it is linked into
     * place) survives even a prune without a grace period; one left idle for hours does not.
     */
    @Test
    void pruneWithoutGrace_keepsTemporariesBeingWritten() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            h.backup(repo);
            Path idle = temporary(dir.resolve("locks/.killed.cairn-tmp"), 64, Duration.ofHours(2));
            Path writing = temporary(dir.resolve("locks/.starting.cairn-tmp"), 64, Duration.ZERO);
            PruneResult r = repo.prune().gracePeriod(Duration.ZERO).run();
            assertThat(writing).as("just written: a backup may be about to link it").exists();
            assertThat(idle).doesNotExist();
            assertThat(r.messages()).anyMatch(m -> m.contains("1 temporary file(s)"));
        }
    }

    /** A staged pack of a killed backup is deleted by prune once untouched for the grace period. */
    @Test
    void prune_removesStagedPacksOfKilledBackups_afterGrace() throws IOException {
        Path dir = tmp.resolve("repo");
        try (Repository repo = small(TestRepos.fast(dir)).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            h.backup(repo);
            Path old = temporary(dir.resolve("data/.staged.killed.cairn-tmp"), 4096, Duration.ofHours(25));
            Path recent = temporary(dir.resolve("data/.staged.running.cairn-tmp"), 4096, Duration.ZERO);
            PruneResult r = repo.prune().run();
            assertThat(old).doesNotExist();
            assertThat(recent).as("modified within the grace period: a backup may be writing it").exists();
            assertThat(r.messages()).anyMatch(m -> m.contains("1 temporary file(s)"));
            assertIntact(repo, h, "after removing temporaries");
        }
    }

    @Test
    void prune_unindexedPack_survivesGracePeriod_deletedAfter() throws IOException {
        Path dir = tmp.resolve("repo");
        TestClock clock = new TestClock(Instant.parse("2026-11-25T00:00:00Z"));
        try (Repository repo = small(TestRepos.fast(dir)).clock(clock).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            h.backup(repo);
            Id old = unindexedPack(repo, 10);

            PruneResult first = repo.prune().run();
            assertThat(first.packsTooYoung()).isEqualTo(1);
            assertThat(first.packsDeleted()).isZero();
            assertThat(exists(dir, old)).isTrue();

            clock.advance(Duration.ofHours(23));
            Id young = unindexedPack(repo, 11);
            PruneResult second = repo.prune().run();
            assertThat(second.packsTooYoung()).isEqualTo(2);
            assertThat(exists(dir, old)).as("23 h < 24 h grace").isTrue();

            clock.advance(Duration.ofHours(2));
            PruneResult third = repo.prune().run();
            assertThat(third.packsDeleted()).as("%s", third.messages()).isEqualTo(1);
            assertThat(third.packsTooYoung()).isEqualTo(1);
            assertThat(exists(dir, old)).as("seen 25 h ago").isFalse();
            assertThat(exists(dir, young)).as("seen 2 h ago").isTrue();

            // Opting in deletes a young one at once, but only while no other lock exists.
            Locks other = new Locks((Backend) repo.internals().get("backend"),
                    (Crypto) repo.internals().get("crypto"), Clock.offset(clock, Duration.ofHours(-1)), "zombie");
            Locks.Held stale = other.acquire(false, "back up");
            try {
                repo.prune().unindexedWithoutGrace(true).run();
                assertThat(exists(dir, young)).as("a stale lock exists").isTrue();
            } finally {
                stale.close();
            }
            PruneResult optedIn = repo.prune().unindexedWithoutGrace(true).run();
            assertThat(optedIn.packsDeleted()).isEqualTo(1);
            assertThat(exists(dir, young)).isFalse();
            assertIntact(repo, h, "grace");
        }
    }

    @Test
    void prune_withStaleLock_keepsFossils_resurrectsThemForALateSnapshot_deletesAfterGrace() throws IOException {
        Path dir = tmp.resolve("repo");
        TestClock clock = new TestClock(Instant.parse("2026-11-25T00:00:00Z"));
        try (Repository repo = small(TestRepos.fast(dir)).clock(clock).init()) {
            History h = new History(tmp.resolve("src"));
            write(h.src, "a", 1);
            Snapshot s1 = h.backup(repo);
            byte[] manifest = Files.readAllBytes(dir.resolve("snapshots/" + s1.id()));
            write(h.src, "a", 2);
            h.backup(repo);
            repo.forget(s1.id());
            List<String> s1Want = h.expected.remove(s1.id());

            // A backup whose lock went stale (it stopped refreshing an hour ago) may still be running.
            Locks other = new Locks((Backend) repo.internals().get("backend"),
                    (Crypto) repo.internals().get("crypto"), Clock.offset(clock, Duration.ofHours(-1)), "zombie");
            Locks.Held stale = other.acquire(false, "back up");
            long before = size(dir, "data/");
            PruneResult phase1 = repo.prune().run();
            assertThat(phase1.packsDeleted()).as("%s", phase1.messages()).isZero();
            assertThat(phase1.packsTooYoung()).isEqualTo(2); // s1's data and tree packs, now fossils
            assertThat(phase1.blobsRemoved()).isPositive();
            assertThat(size(dir, "data/")).isEqualTo(before);
            assertThat(listing(dir).keySet()).filteredOn(n -> n.startsWith("prune/")).hasSize(1);

            // The zombie finishes: it writes a snapshot that deduplicated against s1's blobs.
            Files.write(dir.resolve("snapshots/" + s1.id()), manifest);
            h.expected.put(s1.id(), s1Want);
            clock.advance(Duration.ofHours(25));
            stale.close();
            PruneResult phase2 = repo.prune().run();
            assertThat(phase2.packsDeleted()).as("%s", phase2.messages()).isZero();
            assertThat(phase2.messages()).anyMatch(m -> m.contains("index again 2 pack(s)"));
            assertThat(repo.snapshots()).hasSize(2);
            CheckReport c = repo.check().readData(true).run();
            assertThat(c.ok()).as("%s", c.errors()).isTrue();
            assertIntact(repo, h, "resurrected");

            // Once nothing uses them and no older lock remains, fossils go after the grace period.
            repo.forget(s1.id());
            Locks.Held stale2 = other.acquire(false, "back up");
            PruneResult again = repo.prune().run();
            assertThat(again.packsDeleted()).isZero();
            assertThat(again.packsTooYoung()).isEqualTo(2);
            clock.advance(Duration.ofHours(23));
            stale2.close();
            assertThat(repo.prune().run().packsDeleted()).as("23 h < grace").isZero();
            clock.advance(Duration.ofHours(2));
            PruneResult last = repo.prune().run();
            assertThat(last.packsDeleted()).as("%s", last.messages()).isEqualTo(2);
            assertThat(listing(dir).keySet()).filteredOn(n -> n.startsWith("prune/")).isEmpty();
            h.expected.remove(s1.id());
            assertIntact(repo, h, "fossils");
        }
    }

    /** Lists as the inner backend does, and runs {@code onFirstDataList} once, before the first data/ listing. */
    private static final class ListingHook extends CrashingBackend {
        private Runnable onFirstDataList;

        ListingHook(Backend inner, Runnable onFirstDataList) {
            super(inner, Integer.MAX_VALUE);
            this.onFirstDataList = onFirstDataList;
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            if (prefix.equals("data/") && onFirstDataList != null) {
                Runnable r = onFirstDataList;
                onFirstDataList = null;
                r.run();
            }
            return super.list(prefix);
        }
    }

    @Test
    void prune_lockWrittenAfterItsExclusiveLock_doesNotHoldBackDeletes() throws IOException {
        // CI saw this race: a backup started together with `prune --wait-lock` wrote its lock just
        // after the prune had locked; it then saw the exclusive lock and gave up, but the prune had
        // counted its lock and kept every pack as a fossil, freeing nothing.
        Path dir = tmp.resolve("repo");
        History h = scenarioIn(dir);
        LocalBackend local = new LocalBackend(dir);
        Crypto[] crypto = new Crypto[1];
        Locks.Held[] late = new Locks.Held[1];
        ListingHook hook = new ListingHook(local, () -> {
            try {
                // Written as a backup writes it; its check is blinded here (a real one would see the
                // prune's lock, delete its own and fail).
                Backend blind = new CrashingBackend(local, Integer.MAX_VALUE) {
                    @Override
                    public List<ObjectInfo> list(String prefix) throws IOException {
                        return prefix.startsWith("locks") ? List.of() : super.list(prefix);
                    }
                };
                late[0] = new Locks(blind, crypto[0], Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1)),
                        "late-backup").acquire(false, "back up");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Repository repo = small(TestRepos.fast(hook)).open()) {
            crypto[0] = (Crypto) repo.internals().get("crypto");
            PruneResult r = repo.prune().repackBelow(0.75).run();
            assertThat(late[0]).as("the hook ran during the prune").isNotNull();
            assertThat(r.packsDeleted()).as("%s", r.messages()).isPositive();
            assertThat(r.packsTooYoung()).as("%s", r.messages()).isZero();
            assertThat(r.bytesFreed()).isPositive();
            late[0].close();
            assertIntact(repo, h, "late lock");
        }
    }

    @Test
    void restoreInProgress_holdsPruneBack_noLockDoesNot() throws IOException {
        Path dir = tmp.resolve("repo");
        History h = scenarioIn(dir);
        try (Repository reader = small(TestRepos.fast(dir)).open();
             Repository pruner = small(TestRepos.fast(dir)).open()) {
            Snapshot s = reader.snapshots().get(0);
            List<Throwable> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            BackupListener pruneMidway = new BackupListener() { // called from restore's threads
                @Override
                public void entryDone(String path, long bytes) {
                    if (once.compareAndSet(false, true)) {
                        try {
                            pruner.prune().repackBelow(0.75).run();
                            seen.add(new AssertionError("prune ran beside the restore"));
                        } catch (RuntimeException e) {
                            seen.add(e);
                        }
                    }
                }
            };
            reader.restore(s).listener(pruneMidway).to(tmp.resolve("t1"));
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0)).isInstanceOf(RepositoryLockedException.class).hasMessageContaining("cannot prune");
            assertThat(TreeCompare.describe(tmp.resolve("t1").resolve(h.src.getFileName()), true))
                    .isEqualTo(h.expected.get(s.id()));
        }
        try (Repository reader = small(TestRepos.fast(dir)).noLock(true).open();
             Repository pruner = small(TestRepos.fast(dir)).open()) {
            Snapshot s = reader.snapshots().get(0);
            List<PruneResult> pruned = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            BackupListener pruneMidway = new BackupListener() {
                @Override
                public void entryDone(String path, long bytes) {
                    if (once.compareAndSet(false, true)) {
                        // Only packs no snapshot uses go (no repacking): the restore must still succeed.
                        pruned.add(pruner.prune().repackBelow(0).run());
                    }
                }
            };
            reader.restore(s).listener(pruneMidway).to(tmp.resolve("t2"));
            assertThat(pruned).as("without a lock nothing holds the prune back").hasSize(1);
            assertThat(pruned.get(0).packsDeleted()).isPositive();
            assertThat(TreeCompare.describe(tmp.resolve("t2").resolve(h.src.getFileName()), true))
                    .isEqualTo(h.expected.get(s.id()));
        }
    }
}
