package dev.cairn;

import dev.cairn.backend.Backend;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.repo.BlobIndex;
import dev.cairn.internal.repo.PackFormat;
import dev.cairn.internal.repo.RepoConfig;
import dev.cairn.internal.repo.SnapshotCodec;
import dev.cairn.internal.pipeline.BlobStore;
import dev.cairn.internal.util.BinWriter;
import dev.cairn.internal.util.Id;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotSummary;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshots crafted through the internal API to try to write outside the restore target. */
class RestoreSafetyTest {
    @TempDir
    Path tmp;

    /** Raw tree bytes with one node, bypassing all validation on the writing side. */
    private static byte[] rawTree(String name, int type, String linkTarget, Id subtree, List<Id> content, long size) {
        BinWriter w = new BinWriter(256);
        w.raw("CTREE001".getBytes(StandardCharsets.US_ASCII)).u32(1);
        w.str(name).u8(type).u32(0644).u32(0).u32(0).str("").str("").u64(0).u64(0).u64(0).u64(0).u32(1)
                .u64(size).str(linkTarget).u32(0).u32(content.size());
        content.forEach(id -> w.raw(id.bytes()));
        if (subtree != null) {
            w.u8(1).raw(subtree.bytes());
        } else {
            w.u8(0);
        }
        return w.toByteArray();
    }

    /** Writes tree blobs (the last is the root) and a snapshot naming it; returns the snapshot id. */
    private static String craft(Path repoDir, List<byte[]> trees, byte[] data) throws IOException, InterruptedException {
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            Map<String, Object> in = repo.internals();
            Backend backend = (Backend) in.get("backend");
            Crypto crypto = (Crypto) in.get("crypto");
            BlobIndex index = (BlobIndex) in.get("index");
            var pool = Executors.newFixedThreadPool(1);
            BlobStore store = new BlobStore(backend, crypto, (RepoConfig) in.get("config"), index, pool, 1 << 24);
            if (data != null) {
                BlobStore.await(store.submitData(data));
            }
            Id root = null;
            for (byte[] t : trees) {
                root = store.putTree(t);
            }
            store.flush();
            pool.shutdown();
            Snapshot s = new Snapshot("0".repeat(64), Instant.now(), "evil", "evil", List.of(), "fs", "/x",
                    List.of("/x"), root.hex(), Optional.empty(), "0", new SnapshotSummary(0, 0, 0, 0, 0, 0, 0, 0, 0,
                    false, List.of()), Map.of());
            byte[] enc = crypto.encrypt(SnapshotCodec.encode(s), SnapshotCodec.AD);
            String id = PackFormat.sha256(enc, 0, enc.length).hex();
            backend.put("snapshots/" + id, enc, 0, enc.length);
            return id;
        }
    }

    /** Every path below {@code dir} but the repository's locks (the restore's own lock comes and goes). */
    private static List<String> everything(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(dir::relativize).map(Path::toString).filter(p -> !p.startsWith("repo/locks")).sorted()
                    .toList();
        }
    }

    @Test
    void treeNamingParentDirectory_restoresNothingOutside() throws Exception {
        Path repoDir = tmp.resolve("repo");
        TestRepos.fast(repoDir).init().close();
        byte[] payload = "pwned\n".getBytes(StandardCharsets.UTF_8);
        for (String evil : List.of("../../escaped", "/abs-escaped", "a/../../escaped", "..", ".", "x\0y")) {
            Id dataId;
            try (Repository repo = TestRepos.fast(repoDir).open()) {
                Crypto crypto = (Crypto) repo.internals().get("crypto");
                dataId = crypto.blobId(payload, 0, payload.length);
            }
            String id = craft(repoDir, List.of(rawTree(evil, 1, "", null, List.of(dataId), payload.length)), payload);
            Path outer = Files.createDirectories(tmp.resolve("outer-" + Math.abs(evil.hashCode())));
            Path target = outer.resolve("a/b/target");
            Files.createDirectories(target);
            List<String> before = everything(tmp);
            try (Repository repo = TestRepos.fast(repoDir).open()) {
                Snapshot s = repo.snapshot(id);
                assertThatThrownBy(() -> repo.restore(s).to(target))
                        .as("name %s", evil)
                        .isInstanceOf(IntegrityException.class)
                        .hasMessageContaining("malformed");
            }
            assertThat(everything(tmp)).as("name %s", evil).isEqualTo(before);
            assertThat(Files.exists(Path.of("/abs-escaped"))).isFalse();
        }
    }

    @Test
    void symlinkPointingOutside_isRestoredAsLink_nothingWrittenThrough() throws Exception {
        Path repoDir = tmp.resolve("repo");
        TestRepos.fast(repoDir).init().close();
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        String id = craft(repoDir, List.of(rawTree("link", 3, outside.toString(), null, List.of(), 0)), null);
        Path target = tmp.resolve("target");
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            repo.restore(repo.snapshot(id)).to(target);
        }
        assertThat(Files.isSymbolicLink(target.resolve("link"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("link"))).isEqualTo(outside);
        assertThat(everything(outside)).containsExactly("");
    }

    @Test
    void existingSymlinkedDirectoryInTarget_isNotFollowed() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src/d"));
        Files.writeString(src.resolve("f.txt"), "data");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path target = Files.createDirectories(tmp.resolve("target"));
        Files.createSymbolicLink(target.resolve("src"), outside);
        try (Repository repo = TestRepos.fast(repoDir).init()) {
            Snapshot s = repo.backup(tmp.resolve("src")).run().snapshot();
            assertThatThrownBy(() -> repo.restore(s).to(target))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("symbolic link");
        }
        assertThat(everything(outside)).containsExactly("");
    }

    @Test
    void targetItselfASymlink_isRefused() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f.txt"), "data");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path target = tmp.resolve("target");
        Files.createSymbolicLink(target, outside);
        try (Repository repo = TestRepos.fast(repoDir).init()) {
            Snapshot s = repo.backup(src).run().snapshot();
            assertThatThrownBy(() -> repo.restore(s).to(target)).isInstanceOf(IntegrityException.class);
        }
        assertThat(everything(outside)).containsExactly("");
    }

    @Test
    void corruptedPack_isDetectedOnRestore() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("f.bin"), RepositoryRoundTripTest.random(100_000, 3));
        Snapshot s;
        try (Repository repo = TestRepos.fast(repoDir).init()) {
            s = repo.backup(src).run().snapshot();
        }
        try (Stream<Path> packs = Files.walk(repoDir.resolve("data"))) {
            for (Path p : packs.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                b[40] ^= 0x55;
                Files.delete(p);
                Files.write(p, b);
            }
        }
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            assertThatThrownBy(() -> repo.restore(s).to(tmp.resolve("t")))
                    .isInstanceOf(IntegrityException.class)
                    .hasMessageContaining("authentication");
        }
    }

    @Test
    void lockedExclusively_backupRefused_withHolder() throws IOException {
        Path repoDir = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src"));
        try (Repository repo = TestRepos.fast(repoDir).init()) {
            Map<String, Object> in = repo.internals();
            var locks = new dev.cairn.internal.repo.Locks((Backend) in.get("backend"), (Crypto) in.get("crypto"),
                    java.time.Clock.systemUTC(), "otherhost");
            try (var held = locks.acquire(true, "prune")) {
                assertThatThrownBy(() -> repo.backup(src).run())
                        .isInstanceOf(RepositoryLockedException.class)
                        .hasMessageContaining("otherhost")
                        .hasMessageContaining("cairn unlock");
                assertThat(repo.unlock(false)).isZero(); // live lock: not stale
            }
            assertThat(repo.backup(src).run().snapshot()).isNotNull();
        }
    }
}
