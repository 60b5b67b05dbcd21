package dev.cairn;

import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The decoded snapshots a repository keeps in its cache directory
 * ({@link dev.cairn.internal.repo.SnapshotSummaries}), here for a repository in a local directory:
 * listings equal the repository's own, snapshots added or forgotten elsewhere are seen, a damaged
 * or foreign file is ignored and rewritten, and check still reads the repository itself.
 */
class SnapshotSummariesTest {
    @TempDir
    Path tmp;

    private Path src(String content) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f.txt"), content);
        return src;
    }

    /** {@code n} snapshots of a changing file, the first tagged "nightly" (the file is kept from {@code SUMMARIES_FROM} on). */
    private List<Snapshot> backUps(Repository r, int n) throws IOException {
        r.backup(src("0")).tags("nightly").run();
        for (int i = 1; i < n; i++) {
            r.backup(src(Integer.toString(i))).run();
        }
        return r.snapshots();
    }

    private static void flipByte(Path p, int at) throws IOException {
        byte[] b = Files.readAllBytes(p);
        b[at] ^= 0x40;
        Files.delete(p);
        Files.write(p, b);
    }

    private static Path snapshotObject(Path repoDir, Snapshot s) {
        return repoDir.resolve("snapshots").resolve(s.id());
    }

    @Test
    void listingsEqualTheRepositorysOwn_andComeFromTheCacheOnceRead() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        List<Snapshot> made;
        String id;
        try (Repository r = TestRepos.fast(repoDir).init()) {
            id = r.id();
            made = backUps(r, Repository.SUMMARIES_FROM + 2);
        }
        Path file = cache.resolve(id).resolve("snapshots.cache");
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).open()) {
            assertThat(r.snapshots()).isEqualTo(made); // read from the repository, then kept
        }
        assertThat(file).isRegularFile();
        assertThat(cache.resolve("CACHEDIR.TAG")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.resolve(id)))).isEqualTo("rwx------");
        assertThat(Files.readAllBytes(file)).asString().doesNotContain("nightly"); // encrypted

        // A damaged snapshot object: the repository's own reading fails, the kept decode (verified
        // when it was read) still lists it, and check names the damage.
        flipByte(snapshotObject(repoDir, made.get(1)), 40);
        try (Repository r = TestRepos.fast(repoDir).open()) {
            assertThatThrownBy(r::snapshots).isInstanceOf(IntegrityException.class);
        }
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).open()) {
            assertThat(r.snapshots()).isEqualTo(made);
            assertThat(r.check().run().ok()).isFalse();
        }
    }

    @Test
    void snapshotsAddedAndForgottenElsewhere_areSeen_andADamagedFileIsRebuilt() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        String id;
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).init()) {
            id = r.id();
            assertThat(backUps(r, Repository.SUMMARIES_FROM)).hasSize(Repository.SUMMARIES_FROM);
        }
        Path file = cache.resolve(id).resolve("snapshots.cache");
        Snapshot third;
        try (Repository r = TestRepos.fast(repoDir).open()) { // another machine, without this cache
            third = r.backup(src("three")).run().snapshot();
            r.forget(r.snapshots().get(0).id());
        }
        List<Snapshot> truth;
        try (Repository r = TestRepos.fast(repoDir).open()) {
            truth = r.snapshots();
        }
        assertThat(truth).hasSize(Repository.SUMMARIES_FROM).contains(third);
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).open()) {
            assertThat(r.snapshots()).isEqualTo(truth);
        }

        // A damaged cache file (or one from another key or version) is ignored and written anew.
        flipByte(file, 20);
        byte[] damaged = Files.readAllBytes(file);
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).open()) {
            assertThat(r.snapshots()).isEqualTo(truth);
        }
        assertThat(Files.readAllBytes(file)).isNotEqualTo(damaged);
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("snapshots.cache"); // no temporaries
        }
        // Each of them is found by id prefix, and latest is the newest.
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).open()) {
            assertThat(r.snapshot("latest")).isEqualTo(third);
            assertThat(r.snapshot(truth.get(0).id().substring(0, 10))).isEqualTo(truth.get(0));
        }
    }

    /** A cache that cannot be written costs speed, never the listing. */
    @Test
    void unwritableCache_listsFromTheRepository() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path blocker = Files.writeString(tmp.resolve("not-a-directory"), "x");
        try (Repository r = TestRepos.fast(repoDir).init()) {
            backUps(r, Repository.SUMMARIES_FROM);
        }
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(blocker.resolve("cache")).open()) {
            assertThat(r.snapshots()).hasSize(Repository.SUMMARIES_FROM);
        }
    }

    /** Below {@code SUMMARIES_FROM} snapshots decoding them costs less than the file: none is made. */
    @Test
    void fewSnapshots_areReadFromTheRepository_withoutAFile() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path cache = tmp.resolve("cache");
        try (Repository r = TestRepos.fast(repoDir).cacheDirectory(cache).init()) {
            assertThat(backUps(r, Repository.SUMMARIES_FROM - 1)).hasSize(Repository.SUMMARIES_FROM - 1);
            assertThat(cache.resolve(r.id()).resolve("snapshots.cache")).doesNotExist();
            r.backup(src("one more")).run();
            assertThat(r.snapshots()).hasSize(Repository.SUMMARIES_FROM);
            assertThat(cache.resolve(r.id()).resolve("snapshots.cache")).isRegularFile();
        }
    }
}
