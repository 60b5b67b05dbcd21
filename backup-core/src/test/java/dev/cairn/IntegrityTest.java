package dev.cairn;

import dev.cairn.backend.local.LocalBackend;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.FaultyBackend;
import dev.cairn.testing.TestRepos;
import dev.cairn.testing.TreeCompare;
import dev.cairn.verify.CheckReport;
import dev.cairn.verify.RepairReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntegrityTest {
    @TempDir
    Path tmp;

    private Path twoFiles() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("a.bin"), RepositoryRoundTripTest.random(3 * 1024 * 1024, 1));
        Files.write(src.resolve("b.bin"), RepositoryRoundTripTest.random(3 * 1024 * 1024, 2));
        Files.writeString(src.resolve("c.txt"), "small\n");
        return src;
    }

    private static List<Path> packs(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** A repository of 1 MiB packs at {@code repoDir} holding one snapshot of {@code src}. */
    private static Snapshot backUp(Path src, Path repoDir) {
        try (Repository repo = TestRepos.fast(repoDir).packSize(1 << 20).init()) {
            return repo.backup(src).run().snapshot();
        }
    }

    /** The largest pack: a data pack of a.bin or b.bin. */
    private static Path largestPack(Path repoDir) throws IOException {
        return packs(repoDir).stream().max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length()))
                .orElseThrow();
    }

    private static void flipByte(Path p, long at) throws IOException {
        byte[] b = Files.readAllBytes(p);
        b[(int) at] ^= 0x40;
        Files.delete(p);
        Files.write(p, b);
    }

    @Test
    void check_cleanRepository_ok_withAndWithoutReadData() throws IOException {
        Path src = twoFiles();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).packSize(1 << 20).init()) {
            repo.backup(src).run();
            repo.backup(src).run();
            CheckReport quick = repo.check().run();
            assertThat(quick.ok()).as("%s", quick).isTrue();
            assertThat(quick.snapshots()).isEqualTo(2);
            assertThat(quick.packsRead()).isZero();
            CheckReport full = repo.check().readData(true).run();
            assertThat(full.ok()).as("%s", full).isTrue();
            assertThat(full.packsRead()).isEqualTo(full.packs()).isGreaterThan(3);
            CheckReport half = repo.check().subset("1/2").run();
            assertThat(half.packsRead()).isEqualTo((full.packs() + 1) / 2);
            assertThat(repo.check().subset("1M").seed(1).run().packsRead()).isBetween(1, 2);
        }
    }

    /**
     * The structural check on a compact index (no object per blob): it counts each tree and blob
     * once however many snapshots hold it, names an index entry its pack's header does not list and
     * a blob indexed twice with different sizes, and warns of a pack no index names.
     */
    @Test
    void check_countsOnce_andNamesIndexEntriesThePacksDoNotHold() throws IOException {
        Path src = twoFiles();
        try (Repository repo = TestRepos.fast(tmp.resolve("repo")).packSize(1 << 20).init()) {
            repo.backup(src).run();
            repo.backup(src).run();
            var internals = repo.internals();
            var index = (dev.cairn.internal.repo.BlobIndex) internals.get("index");
            long data = index.all().stream().filter(l -> l.type() == dev.cairn.internal.repo.BlobLocation.DATA)
                    .count();
            CheckReport clean = repo.check().run();
            assertThat(clean.ok()).as("%s", clean).isTrue();
            assertThat(clean.blobs()).isEqualTo(data);
            assertThat(clean.trees()).isEqualTo(2); // the root (holding src) and src: the same in both snapshots

            var backend = (dev.cairn.backend.Backend) internals.get("backend");
            var crypto = (dev.cairn.internal.crypto.Crypto) internals.get("crypto");
            var l = index.all().stream().filter(x -> x.type() == dev.cairn.internal.repo.BlobLocation.DATA)
                    .findFirst().orElseThrow();
            var moved = new dev.cairn.internal.repo.BlobLocation(l.id(), l.pack(), l.offset() + 1, l.storedLength(),
                    l.plainLength() + 1, l.type(), l.compression());
            dev.cairn.internal.repo.IndexFormat.write(backend, List.of(moved), crypto);
            try (var b = dev.cairn.internal.repo.PackFormat.Builder.of(backend, 1000)) {
                byte[] enc = crypto.encrypt(new byte[]{1, 2, 3}, new byte[0]);
                b.add(dev.cairn.internal.util.Id.of(new byte[32]), dev.cairn.internal.repo.BlobLocation.DATA, 0, enc, 3);
                b.store(crypto);
            }
            CheckReport bad = repo.check().run();
            assertThat(bad.ok()).isFalse();
            String sizes = l.plainLength() + " and " + (l.plainLength() + 1); // either order: index files are unordered
            String reversed = (l.plainLength() + 1) + " and " + l.plainLength();
            assertThat(bad.errors()).anyMatch(e -> e.contains("blob " + l.id().shortHex()
                    + " is indexed twice with different sizes (") && (e.contains(sizes) || e.contains(reversed)));
            assertThat(bad.errors()).anyMatch(e -> e.contains("header does not list blob " + l.id().shortHex()));
            assertThat(bad.warnings()).anyMatch(w -> w.contains("is not in any index"));
            assertThat(bad.blobs()).isEqualTo(data);
        }
    }

    /**
     * A disk that fills during a backup: the backup fails naming the cause and saying nothing is
     * lost, leaves no staged pack behind, the repository checks clean; once there is room the next
     * backup completes and restores byte for byte.
     */
    @Test
    void diskFullDuringBackup_failsClearly_leavesNoStagedPack_nextBackupRestores() throws IOException {
        // 40 files of 100 kB, a blob each: two 1 MiB packs are stored before the disk fills.
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 40; i++) {
            Files.write(src.resolve("f" + i), RepositoryRoundTripTest.random(100_000, i));
        }
        Path dir = tmp.resolve("repo");
        FaultyBackend disk = new FaultyBackend(new LocalBackend(dir), 1);
        try (Repository repo = TestRepos.fast(disk).packSize(1 << 20).init()) {
            disk.spaceLeft(2500 << 10);
            assertThatThrownBy(() -> repo.backup(src).run())
                    .isInstanceOf(BackendException.class)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining("Nothing is lost");
            try (Stream<Path> s = Files.walk(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".cairn-tmp"));
            }
            assertThat(repo.snapshots()).isEmpty();
            disk.spaceLeft(Long.MAX_VALUE);
            CheckReport c = repo.check().readData(true).run();
            assertThat(c.errors()).as("%s", c).isEmpty();

            repo.backup(src).run();
            repo.restore(repo.snapshot("latest")).to(tmp.resolve("out"));
            assertThat(TreeCompare.describe(tmp.resolve("out").resolve("src"), false))
                    .isEqualTo(TreeCompare.describe(src, false));
        }
        // Read as another process would: every blob of the snapshot is in an index file (packs the
        // failed backup stored without an index file are no base for the next one in this process).
        try (Repository again = TestRepos.fast(dir).open()) {
            CheckReport c = again.check().run();
            assertThat(c.errors()).as("%s", c).isEmpty();
            again.restore(again.snapshot("latest")).to(tmp.resolve("again"));
            assertThat(TreeCompare.describe(tmp.resolve("again").resolve("src"), false))
                    .isEqualTo(TreeCompare.describe(src, false));
        }
    }

    @Test
    void flippedByteInPack_readDataNamesPackAndFiles_unaffectedFileStillRestores() throws IOException {
        Path src = twoFiles();
        Path repoDir = tmp.resolve("repo");
        Snapshot s = backUp(src, repoDir);
        // Damage the first byte of the largest pack's first blob (a data pack of a.bin or b.bin).
        Path victim = largestPack(repoDir);
        flipByte(victim, 10);
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            CheckReport quick = repo.check().run();
            assertThat(quick.ok()).as("structure check does not read blobs: %s", quick).isTrue();
            CheckReport full = repo.check().readData(true).run();
            assertThat(full.ok()).isFalse();
            assertThat(full.damagedPacks()).singleElement().satisfies(d -> {
                assertThat(victim.getFileName().toString()).isEqualTo(d.pack());
                // Only the first blob of the pack was hit: exactly one file holds it.
                assertThat(d.files()).hasSize(1);
                assertThat(d.files().get(0)).matches(s.shortId() + ":src/[ab]\\.bin");
                assertThat(d.problem()).contains("1 of");
            });
            String damagedFile = full.damagedPacks().get(0).files().get(0).replaceAll(".*:src/", "");
            Path out = tmp.resolve("partial");
            repo.restore(s).include("src/c.txt").to(out);
            assertThat(Files.readString(out.resolve("src/c.txt"))).isEqualTo("small\n");

            // Repair drops only the damaged file.
            RepairReport r = repo.repairSnapshots(true);
            assertThat(r.lost()).singleElement().asString().contains(damagedFile);
            Snapshot repaired = repo.snapshot("latest");
            assertThat(repaired.tags()).contains("repaired");
            Path again = tmp.resolve("repaired");
            repo.restore(repaired).to(again);
            assertThat(Files.exists(again.resolve("src/" + damagedFile))).isFalse();
            String other = damagedFile.equals("a.bin") ? "b.bin" : "a.bin";
            assertThat(Files.readAllBytes(again.resolve("src/" + other))).isEqualTo(Files.readAllBytes(src.resolve(other)));

            // The damaged blob left the index: the next backup stores the file again, whole.
            Snapshot fresh = repo.backup(src).run().snapshot();
            assertThat(fresh.summary().dataBlobsAdded()).isGreaterThanOrEqualTo(1);
            Path third = tmp.resolve("third");
            repo.restore(fresh).to(third);
            assertThat(Files.readAllBytes(third.resolve("src/" + damagedFile)))
                    .isEqualTo(Files.readAllBytes(src.resolve(damagedFile)));
            assertThat(repo.snapshots()).hasSize(2);
        }
    }

    /**
     * Read-data reads each pack into a reused array, which may hold a longer pack's bytes after
     * this one's: every pack of many sizes verifies on its own bytes, and a byte flipped in the
     * smallest data pack (read after larger ones, in their arrays) names that pack alone.
     */
    @Test
    void readData_packsOfManySizes_eachVerifiedOnItsOwnBytes() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("sizes"));
        for (int i = 0; i < 12; i++) {
            Files.write(src.resolve("f" + i), RepositoryRoundTripTest.random(100_000 + i * 150_000, 20 + i));
        }
        Path repoDir = tmp.resolve("repo");
        backUp(src, repoDir);
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            CheckReport clean = repo.check().readData(true).run();
            assertThat(clean.ok()).as("%s", clean).isTrue();
            assertThat(clean.packsRead()).isGreaterThan(4);
        }
        Path smallest = packs(repoDir).stream().filter(p -> p.toFile().length() > 60_000)
                .min((x, y) -> Long.compare(x.toFile().length(), y.toFile().length())).orElseThrow();
        flipByte(smallest, 10);
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            CheckReport full = repo.check().readData(true).run();
            assertThat(full.damagedPacks()).singleElement()
                    .satisfies(d -> assertThat(d.pack()).isEqualTo(smallest.getFileName().toString()));
        }
    }

    /**
     * A blob with a damaged copy in one pack and a good one in another (the file was backed up
     * again after a repair dropped it): `repair index` indexes the good copy and says so, `repair
     * snapshots --read-data` keeps the files that need it, and once every copy is damaged the blob
     * leaves the index and the next backup stores it again. Before, the index kept either copy (by
     * pack name), and a read-data repair dropped every file holding a blob damaged anywhere.
     */
    @Test
    void blobDamagedInOnePackGoodInAnother_repairsKeepTheGoodCopy_andItsFiles() throws IOException {
        Path src = twoFiles();
        Path repoDir = tmp.resolve("repo");
        backUp(src, repoDir);
        List<Path> before = packs(repoDir);
        Path damaged = largestPack(repoDir);
        flipByte(damaged, 10); // the pack's first blob, a chunk of a.bin or b.bin
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            assertThat(repo.repairSnapshots(true).lost()).singleElement().asString().contains("data missing");
            Snapshot again = repo.backup(src).run().snapshot(); // stores the dropped blob anew, in another pack
            assertThat(again.summary().dataBlobsAdded()).isEqualTo(1);

            RepairReport index = repo.repairIndex();
            assertThat(index.lost()).isEmpty();
            assertThat(index.changed()).anyMatch(c -> c.contains("its copy in pack "
                    + damaged.getFileName().toString().substring(0, 8)) && c.contains("is damaged"));
            Path out = tmp.resolve("out");
            repo.restore(again).to(out);
            assertThat(TreeCompare.describe(out.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));

            RepairReport snapshots = repo.repairSnapshots(true);
            assertThat(snapshots.lost()).as("%s", snapshots).isEmpty();
            assertThat(repo.snapshot("latest").id()).isEqualTo(again.id()); // not rewritten
            Path out2 = tmp.resolve("out2");
            repo.restore(again).to(out2);
            assertThat(TreeCompare.describe(out2.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
        }
        // Now the new copy is damaged too: no copy verifies, the blob leaves the index, and the next
        // backup reads the file again (the parent's entry names a blob the index no longer has).
        Path second = packs(repoDir).stream().filter(p -> !before.contains(p))
                .filter(p -> p.toFile().length() > 100_000).findFirst().orElseThrow();
        flipByte(second, 10);
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            RepairReport index = repo.repairIndex();
            assertThat(index.lost()).singleElement().asString().contains("every copy is damaged");
            Snapshot third = repo.backup(src).run().snapshot();
            assertThat(third.summary().dataBlobsAdded()).isEqualTo(1);
            Path out = tmp.resolve("out3");
            repo.restore(third).to(out);
            assertThat(TreeCompare.describe(out.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
        }
    }

    @Test
    void deletedIndexFiles_repairIndex_everySnapshotRestoresIdentically() throws IOException {
        Path src = RepositoryRoundTripTest.fixture(tmp);
        Path repoDir = tmp.resolve("repo");
        try (Repository repo = TestRepos.fast(repoDir).init()) {
            repo.backup(src).run();
            Files.writeString(src.resolve("new.txt"), "second snapshot\n");
            repo.backup(src).run();
        }
        try (Stream<Path> idx = Files.list(repoDir.resolve("index"))) {
            for (Path p : idx.toList()) {
                Files.delete(p);
            }
        }
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            assertThat(repo.check().run().ok()).isFalse();
            RepairReport r = repo.repairIndex();
            assertThat(r.lost()).isEmpty();
            assertThat(repo.check().readData(true).run().ok()).isTrue();
        }
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            Path out = tmp.resolve("out");
            repo.restore(repo.snapshot("latest")).to(out);
            assertThat(TreeCompare.describe(out.resolve("src"), true)).isEqualTo(TreeCompare.describe(src, true));
        }
    }

    @Test
    void missingPack_checkNamesIt_repairSnapshotsDropsOnlyItsFiles() throws IOException {
        Path src = twoFiles();
        Path repoDir = tmp.resolve("repo");
        backUp(src, repoDir);
        Path victim = largestPack(repoDir);
        Files.delete(victim);
        try (Repository repo = TestRepos.fast(repoDir).open()) {
            CheckReport c = repo.check().run();
            assertThat(c.errors()).anyMatch(e -> e.contains(victim.getFileName().toString().substring(0, 8))
                    && e.contains("missing"));
            List<String> affected = c.damagedPacks().stream().flatMap(d -> d.files().stream())
                    .map(f -> f.substring(f.indexOf(':') + 1)).toList();
            assertThat(affected).isNotEmpty();
            RepairReport r = repo.repairSnapshots(false);
            // Exactly the files the check named are dropped.
            assertThat(r.lost()).hasSameSizeAs(affected);
            affected.forEach(f -> assertThat(r.lost()).anyMatch(l -> l.contains(f + ": data missing")));
            repo.repairIndex();
            assertThat(repo.check().readData(true).run().ok()).isTrue();
            repo.restore(repo.snapshot("latest")).to(tmp.resolve("out"));
            for (String f : List.of("src/a.bin", "src/b.bin", "src/c.txt")) {
                assertThat(Files.exists(tmp.resolve("out").resolve(f))).isEqualTo(!affected.contains(f));
            }
        }
    }

    @Test
    void faultyBackend_tenPercentFailures_backupCompletes_checkPasses() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("big"));
        for (int i = 0; i < 28; i++) { // 224 MiB
            byte[] b = RepositoryRoundTripTest.random(8 * 1024 * 1024, i);
            for (int k = 0; k < b.length; k += 4) {
                b[k] = 0; // compressible, unlike pure noise
            }
            Files.write(src.resolve("f" + i), b);
        }
        FaultyBackend faulty = new FaultyBackend(new LocalBackend(tmp.resolve("repo")), 42)
                .failRate(0.10).truncateRate(0.05).flipRate(0.02).delay(0.05, 2);
        try (Repository repo = TestRepos.fast(faulty).retries(10, 1).init()) {
            Snapshot s = repo.backup(src).run().snapshot();
            CheckReport c = repo.check().readData(true).run();
            assertThat(c.ok()).as("%s", c).isTrue();
            assertThat(c.packsRead()).isGreaterThan(5);
            repo.restore(s).to(tmp.resolve("out"));
        }
        assertThat(faulty.injected()).isGreaterThan(10);
        assertThat(TreeCompare.describe(tmp.resolve("out/big"), true)).isEqualTo(TreeCompare.describe(src, true));
    }
}
