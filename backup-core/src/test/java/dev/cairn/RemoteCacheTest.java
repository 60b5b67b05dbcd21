package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.backend.local.LocalBackend;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.ForwardingBackend;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import dev.cairn.verify.CheckReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local cache of a remote repository ({@link Repository.Builder#cacheDirectory}): what it
 * saves in requests, that its copies are checked before use, that stale ones go, that it never
 * fails an operation, and that check reads past it.
 */
class RemoteCacheTest {
    @TempDir
    Path tmp;

    /** A "remote" repository: a local directory behind a backend that counts requests by kind. */
    private static final class Remote extends ForwardingBackend {
        final ConcurrentHashMap<String, AtomicInteger> requests = new ConcurrentHashMap<>();

        Remote(Path dir) {
            super(new LocalBackend(dir));
        }

        private void record(String what) {
            requests.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }

        int count(String what, String... more) {
            int n = requests.getOrDefault(what, new AtomicInteger()).get();
            for (String m : more) {
                n += requests.getOrDefault(m, new AtomicInteger()).get();
            }
            return n;
        }

        @Override
        public byte[] get(String name) throws IOException {
            record("get " + name.substring(0, name.indexOf('/') + 1));
            return inner.get(name);
        }

        @Override
        public byte[] get(String name, long offset, int length) throws IOException {
            record("range " + name.substring(0, name.indexOf('/') + 1));
            return inner.get(name, offset, length);
        }

        @Override
        public byte[] get(String name, long offset, int length, byte[] buf) throws IOException {
            record("range " + name.substring(0, name.indexOf('/') + 1));
            return inner.get(name, offset, length, buf);
        }
    }

    private Path tree(String name, int dirs) throws IOException {
        Path src = Files.createDirectories(tmp.resolve(name));
        for (int d = 0; d < dirs; d++) {
            Path dir = Files.createDirectories(src.resolve("d" + d).resolve("sub"));
            Files.writeString(dir.resolve("a.txt"), "file a of directory " + d);
            Files.writeString(dir.getParent().resolve("b.txt"), "file b of directory " + d + "\n".repeat(d));
        }
        return src;
    }

    private Repository.Builder cached(Backend b, Path cache) {
        return TestRepos.fast(b).cacheDirectory(cache);
    }

    /** A new, empty "remote" repository, created through the cache. */
    private void initCached(Path repoDir, Path cache) {
        cached(new Remote(repoDir), cache).init().close();
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    /** Restores {@code s} and compares it with {@code src}, byte for byte and metadata for metadata. */
    private void assertRestoresIdentical(Repository r, Snapshot s, Path src) throws IOException {
        Path target = Files.createTempDirectory(tmp, "restored");
        r.restore(s).to(target);
        assertThat(TreeCompare.describe(target.resolve(src.getFileName()), true)).isEqualTo(TreeCompare.describe(src, true));
    }

    @Test
    void reBackup_readsIndexSnapshotsAndTreesFromTheCache_restoreIsIdentical() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        Path src = tree("src", 40);
        try (Repository r = TestRepos.fast(repoDir).init()) {
            r.backup(src).run();
        }
        // The first open fills the cache: the index and snapshot whole, the trees' pack whole.
        Remote first = new Remote(repoDir);
        String repoId;
        try (Repository r = cached(first, cache).open()) {
            repoId = r.id();
            r.backup(src).run();
        }
        assertThat(first.count("range data/")).as("tree reads of the first cached backup").isLessThanOrEqualTo(2);
        Path mine = cache.resolve(repoId);
        assertThat(cache.resolve("CACHEDIR.TAG")).content().startsWith("Signature: 8a477f597d28d172789f06886806bc55");
        assertThat(files(mine.resolve("index"))).isNotEmpty();
        assertThat(files(mine.resolve("snapshots"))).hasSize(2); // the second written through
        assertThat(files(mine.resolve("data"))).isNotEmpty();

        // Without a cache: a request per directory of the parent snapshot (41 trees and more).
        Remote bare = new Remote(repoDir);
        try (Repository r = TestRepos.fast(bare).open()) {
            r.backup(src).run();
        }
        assertThat(bare.count("range data/")).isGreaterThan(40);
        assertThat(bare.count("get index/")).isPositive();

        Remote again = new Remote(repoDir);
        Snapshot last;
        try (Repository r = cached(again, cache).open()) {
            last = r.backup(src).run().snapshot();
            // Only the snapshot the uncached process wrote is fetched.
            assertThat(again.count("get index/", "range data/")).as("requests: %s", again.requests).isZero();
            assertThat(again.count("get snapshots/")).as("requests: %s", again.requests).isEqualTo(1);
            assertRestoresIdentical(r, last, src);
        }
    }

    @Test
    void treesABackupWrites_areKept_soTheNextBackupFetchesNone() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        Path src = tree("src", 30);
        try (Repository r = cached(new Remote(repoDir), cache).init()) {
            r.backup(src).run();
        }
        Remote remote = new Remote(repoDir);
        try (Repository r = cached(remote, cache).open()) {
            Files.writeString(src.resolve("d7").resolve("b.txt"), "changed");
            Snapshot s = r.backup(src).run().snapshot();
            assertThat(remote.count("get data/", "range data/", "get index/", "get snapshots/"))
                    .as("requests: %s", remote.requests).isZero();
            assertRestoresIdentical(r, s, src);
        }
        try (Stream<Path> s = Files.walk(cache)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void damagedCopies_areNoticed_fetchedAgain_andReplaced() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        Path src = tree("src", 10);
        String repoId;
        initCached(repoDir, cache);
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            repoId = r.id();
            r.backup(src).run();
            r.backup(src).run(); // fetches the trees' pack
        }
        Path mine = cache.resolve(repoId);
        List<Path> copies = new java.util.ArrayList<>();
        copies.addAll(files(mine.resolve("index")));
        copies.addAll(files(mine.resolve("snapshots")));
        copies.addAll(files(mine.resolve("data")));
        assertThat(copies).hasSizeGreaterThanOrEqualTo(4);
        java.util.Map<Path, byte[]> good = new java.util.HashMap<>();
        for (Path p : copies) {
            byte[] b = Files.readAllBytes(p);
            good.put(p, b.clone());
            b[b.length / 2] ^= 0x40;
            Files.write(p, b);
        }
        Remote remote = new Remote(repoDir);
        try (Repository r = cached(remote, cache).open()) {
            Snapshot s = r.backup(src).run().snapshot();
            assertRestoresIdentical(r, s, src);
        }
        assertThat(remote.count("get index/")).isPositive(); // the damaged copy was not used
        for (Path p : copies) {
            assertThat(p).as("copy %s fetched again", p.getFileName()).exists();
            assertThat(Files.readAllBytes(p)).isEqualTo(good.get(p));
        }
    }

    @Test
    void staleCopies_goWhenTheRepositoryNoLongerHasThem() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        Path src = tree("src", 5);
        Snapshot old;
        String repoId;
        try (Repository r = cached(new Remote(repoDir), cache).init()) {
            repoId = r.id();
        }
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            old = r.backup(src).run().snapshot();
            Files.writeString(src.resolve("d0").resolve("b.txt"), "changed: a new tree pack");
            r.backup(src).run();
        }
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            r.snapshots();
            r.restore(old).to(tmp.resolve("r1")); // the old trees' pack, cached
        }
        Path mine = cache.resolve(repoId);
        assertThat(mine.resolve("snapshots").resolve(old.id())).exists();
        List<Path> packsBefore = files(mine.resolve("data"));
        assertThat(packsBefore).isNotEmpty();

        // Another machine, without this cache, forgets the old snapshot and prunes.
        try (Repository r = TestRepos.fast(repoDir).open()) {
            r.forget(old.id());
            r.prune().gracePeriod(java.time.Duration.ZERO).repackBelow(1.0).run();
        }
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            assertThat(r.snapshots()).extracting(Snapshot::id).doesNotContain(old.id());
        }
        assertThat(mine.resolve("snapshots").resolve(old.id())).doesNotExist();
        for (Path p : packsBefore) {
            if (!Files.exists(repoDir.resolve("data").resolve(p.getParent().getFileName()).resolve(p.getFileName()))) {
                assertThat(p).as("copy of a pruned pack").doesNotExist();
            }
        }
    }

    @Test
    void unwritableCache_costsOnlySpeed() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache-is-a-file");
        Files.writeString(cache, "not a directory");
        Path src = tree("src", 5);
        initCached(repoDir, cache);
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            r.backup(src).run();
            Snapshot s = r.backup(src).run().snapshot();
            assertRestoresIdentical(r, s, src);
        }
        assertThat(cache).isRegularFile().hasContent("not a directory");
    }

    @Test
    void check_readsTheRepository_notTheCache() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        Path src = tree("src", 5);
        initCached(repoDir, cache);
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            r.backup(src).run();
            r.backup(src).run(); // the trees' pack is now cached, intact
        }
        // Damage the stored trees' pack (the one the cache holds a good copy of).
        List<Path> cachedPacks;
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            cachedPacks = files(cache.resolve(r.id()).resolve("data"));
        }
        assertThat(cachedPacks).isNotEmpty();
        Path stored = repoDir.resolve("data").resolve(cachedPacks.get(0).getParent().getFileName())
                .resolve(cachedPacks.get(0).getFileName());
        byte[] b = Files.readAllBytes(stored);
        b[10] ^= 1;
        Files.write(stored, b);
        try (Repository r = cached(new Remote(repoDir), cache).open()) {
            CheckReport structure = r.check().run();
            assertThat(structure.ok()).as("check without read-data: %s", structure.errors()).isFalse();
        }
    }
}
