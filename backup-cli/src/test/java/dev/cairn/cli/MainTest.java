package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CliHarness.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class MainTest {
    @TempDir
    Path tmp;

    Path repo;
    Path data;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        repo = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sub/deeper"));
        Files.writeString(data.resolve("hello.txt"), "hello, cairn\n");
        Files.write(data.resolve("sub/random.bin"), random(3 * 1024 * 1024 + 17, 1));
        Files.write(data.resolve("sub/deeper/small.bin"), random(1000, 2));
        Files.createFile(data.resolve("empty"));
        Files.createSymbolicLink(data.resolve("link"), Path.of("hello.txt"));
        Files.setPosixFilePermissions(data.resolve("hello.txt"), PosixFilePermissions.fromString("rw-r-----"));
        cli = new CliHarness(repo);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Result ok(String... args) {
        Result r = cli.run(args);
        assertThat(r.code()).as("%s", r).isZero();
        return r;
    }

    private String backup(String... extra) {
        List<String> args = new ArrayList<>(List.of("backup", "--json"));
        args.addAll(List.of(extra));
        if (extra.length == 0) {
            args.add(data.toString());
        }
        return ok(args.toArray(String[]::new)).json().get("snapshot").asText();
    }

    /** Every regular file and symlink below {@code dir}, by relative path: content, or "-> target". */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    m.put(rel, java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } else if (Files.isDirectory(p)) {
                    m.put(rel + "/", "dir");
                }
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    @Test
    void backupRestore_roundTrip_sameBytes() throws IOException {
        ok("init");
        backup();

        Result list = ok("snapshots", "--json");
        JsonNode snaps = list.json();
        assertThat(snaps).hasSize(1);
        String id = snaps.get(0).get("id").asText();
        Path target = tmp.resolve("restored");
        Result restored = ok("restore", id.substring(0, 10), "--target", target.toString());

        assertThat(restored.out()).contains("Restored snapshot " + id.substring(0, 8));
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));
        assertThat(Files.readAllBytes(target.resolve("data/sub/random.bin")))
                .isEqualTo(Files.readAllBytes(data.resolve("sub/random.bin")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("data/hello.txt"))))
                .isEqualTo("rw-r-----");
    }

    @Test
    void restore_include_restoresOnlyThatPath() throws IOException {
        ok("init");
        backup();
        Path target = tmp.resolve("part");

        ok("restore", "latest", "--target", target.toString(), "--include", "data/sub/deeper");

        assertThat(tree(target)).containsOnlyKeys("/", "data/", "data/sub/", "data/sub/deeper/",
                "data/sub/deeper/small.bin");
    }

    @Test
    void snapshotsJson_describesEachSnapshot() {
        ok("init");
        String first = backup("--tag", "nightly", "--tag", "db", "--host", "db1", data.toString());
        String second = backup("--host", "db1", data.toString());

        JsonNode all = ok("snapshots", "--json").json();

        assertThat(all).hasSize(2);
        JsonNode s1 = all.get(0);
        JsonNode s2 = all.get(1);
        assertThat(s1.get("id").asText()).isEqualTo(first).hasSize(64);
        assertThat(s1.get("shortId").asText()).isEqualTo(first.substring(0, 8));
        assertThat(s1.get("host").asText()).isEqualTo("db1");
        assertThat(s1.get("tags")).extracting(JsonNode::asText).containsExactly("nightly", "db");
        assertThat(s1.get("paths")).extracting(JsonNode::asText).containsExactly(data.toString());
        assertThat(s1.get("sourceKind").asText()).isEqualTo("fs");
        assertThat(s1.get("tree").asText()).hasSize(64);
        assertThat(s1.get("parent").isNull()).isTrue();
        assertThat(s1.get("time").asText()).isNotBlank();
        JsonNode sum = s1.get("summary");
        assertThat(sum.get("files").asLong()).isEqualTo(4);
        assertThat(sum.get("dirs").asLong()).isEqualTo(3);
        assertThat(sum.get("bytesTotal").asLong()).isEqualTo(13 + 3 * 1024 * 1024 + 17 + 1000);
        assertThat(sum.get("partial").asBoolean()).isFalse();
        assertThat(sum.get("errors")).isEmpty();
        for (String f : List.of("bytesRead", "dataBlobsAdded", "treeBlobsAdded", "bytesAdded", "bytesStored",
                "durationMillis")) {
            assertThat(sum.has(f)).as(f).isTrue();
        }
        assertThat(s2.get("id").asText()).isEqualTo(second);
        assertThat(s2.get("parent").asText()).isEqualTo(first);
        assertThat(s2.get("summary").get("bytesRead").asLong()).as("unchanged files are not read").isZero();
    }

    @Test
    void snapshots_table_showsColumns() {
        ok("init");
        String id = backup("--tag", "t1", "--host", "h1", data.toString());

        List<String> lines = ok("snapshots").lines();

        assertThat(lines.get(0)).matches("ID\\s+TIME\\s+HOST\\s+TAGS\\s+PATHS\\s+FILES\\s+SIZE");
        assertThat(lines).anyMatch(l -> l.matches(id.substring(0, 8)
                + "\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+h1\\s+t1\\s+" + Pattern.quote(data.toString())
                + "\\s+4\\s+3\\.0 MiB"));
        assertThat(lines.get(lines.size() - 1)).isEqualTo("1 snapshot");
    }

    @Test
    void backup_json_isOneObject() {
        ok("init");

        Result r = ok("backup", "--json", data.toString());

        assertThat(r.lines()).hasSize(1);
        JsonNode n = r.json();
        assertThat(n.get("snapshot").asText()).hasSize(64);
        assertThat(n.get("partial").asBoolean()).isFalse();
        assertThat(n.get("warnings")).isEmpty();
        assertThat(n.get("files").asLong()).isEqualTo(4);
        assertThat(n.get("dirs").asLong()).isEqualTo(3);
        assertThat(n.get("bytesTotal").asLong()).isEqualTo(n.get("bytesRead").asLong());
        assertThat(n.get("bytesStored").asLong()).isPositive();
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void backup_human_printsSummary() {
        ok("init");

        Result r = ok("backup", data.toString());

        assertThat(r.out()).containsPattern("Snapshot [0-9a-f]{8} saved")
                .contains("Files:    4, dirs: 3")
                .containsPattern("Bytes:    total 3\\.0 MiB, read 3\\.0 MiB, added .+, stored .+")
                .contains("Duration:");
        assertThat(ok("--quiet", "backup", data.toString()).out()).isEmpty();
    }

    @Test
    void backup_timeAndExclude_applied() {
        ok("init");
        backup("--time", "2021-02-03 04:05:06", "--exclude", "*.bin", data.toString());

        JsonNode s = ok("snapshots", "--json").json().get(0);
        List<String> ls = ok("ls", "latest", "-r").lines();

        assertThat(s.get("time").asText()).isEqualTo(
                LocalDateTime.of(2021, 2, 3, 4, 5, 6).atZone(ZoneId.systemDefault()).toInstant().toString());
        assertThat(ls).noneMatch(l -> l.endsWith(".bin")).anyMatch(l -> l.endsWith("/data/hello.txt"));
    }

    @Test
    void backup_badArguments_exit2() {
        ok("init");

        assertThat(cli.run("backup", "--time", "yesterday", data.toString()).code()).isEqualTo(2);
        assertThat(cli.run("backup", "--tag", "a,b", data.toString()).code()).isEqualTo(2);
        assertThat(cli.run("backup", tmp.resolve("missing").toString()).code()).isEqualTo(2);
        assertThat(cli.run("backup").code()).isEqualTo(2);
        assertThat(ok("snapshots", "--json").json()).isEmpty();
    }

    @Test
    void backup_unreadableFile_partialExit3() throws IOException {
        Path secret = data.resolve("sub/locked.txt");
        Files.writeString(secret, "no");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        assumeThat(Files.isReadable(secret)).as("running as root: every file is readable").isFalse();
        ok("init");

        Result r = cli.run("backup", data.toString());

        assertThat(r.code()).as("%s", r).isEqualTo(3);
        assertThat(r.out()).contains("warning: ").contains("locked.txt");
        assertThat(r.stderr().lines()).hasSize(1);
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void backupCommand_storesOutput_andFailingCommandExit15() {
        ok("init");

        Result saved = ok("backup", "--command", "dump.sql", "--", "sh", "-c",
                "printf 'CREATE TABLE t;\\n'; printf 'password=%s' \"$CAIRN_PASSWORD\"");
        Result failed = cli.run("backup", "--command", "dump.sql", "--", "sh", "-c", "echo boom >&2; exit 7");

        assertThat(saved.out()).containsPattern("Snapshot [0-9a-f]{8} saved");
        assertThat(ok("dump", "latest", "dump.sql").out())
                .as("the command does not see the repository password").isEqualTo("CREATE TABLE t;\npassword=");
        assertThat(failed.code()).as("%s", failed).isEqualTo(15);
        assertThat(failed.stderr()).startsWith("cairn: ").contains("exited with status 7").contains("boom");
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void ls_listsLikeLsL() {
        ok("init");
        backup();

        List<String> top = ok("ls", "latest").lines();
        List<String> all = ok("ls", "latest", "--recursive").lines();
        List<String> sub = ok("ls", "latest", "/data/sub", "-r").lines();

        assertThat(top).hasSize(1);
        assertThat(top.get(0)).matches("drwx[-r][-w][-x][-r][-w][-x]\\s+\\S+\\s+\\S+\\s+0\\s+"
                + "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+/data");
        assertThat(all).hasSize(8);
        assertThat(all).anyMatch(l -> l.matches("-rw-r-----\\s+\\S+\\s+\\S+\\s+13\\s+\\S+ \\S+\\s+/data/hello\\.txt"));
        assertThat(all).anyMatch(l -> l.matches("lrwxrwxrwx\\s+.*\\s+/data/link -> hello\\.txt"));
        assertThat(all).anyMatch(l -> l.matches("-.*\\s+3145745\\s+.*\\s+/data/sub/random\\.bin"));
        assertThat(sub).hasSize(4).allMatch(l -> l.contains("/data/sub"));
    }

    @Test
    void ls_json_listsEntries() {
        ok("init");
        backup();

        JsonNode entries = ok("ls", "latest", "data", "--json").json();

        assertThat(entries).hasSize(5);
        JsonNode link = null;
        for (JsonNode e : entries) {
            if (e.get("path").asText().equals("/data/link")) {
                link = e;
            }
        }
        assertThat(link).isNotNull();
        assertThat(link.get("type").asText()).isEqualTo("symlink");
        assertThat(link.get("target").asText()).isEqualTo("hello.txt");
        assertThat(entries.get(0).get("permissions").asText()).startsWith("d");
    }

    @Test
    void dump_writesFileByteForByte() throws IOException {
        ok("init");
        backup();

        Result big = ok("dump", "latest", "/data/sub/random.bin");
        Result empty = ok("dump", "latest", "data/empty");
        Result dir = cli.run("dump", "latest", "data/sub");

        assertThat(big.stdout()).isEqualTo(Files.readAllBytes(data.resolve("sub/random.bin")));
        assertThat(empty.stdout()).isEmpty();
        assertThat(dir.code()).isEqualTo(2);
        assertThat(dir.stdout()).isEmpty();
    }

    @Test
    void exportTar_gnuTarListsIt() throws Exception {
        ok("init");
        backup();
        Path file = tmp.resolve("snap.tar");

        Result toFile = ok("export-tar", "latest", "--output", file.toString());
        Result toStdout = ok("export-tar", "latest");
        Files.write(tmp.resolve("stdout.tar"), toStdout.stdout());

        assertThat(toFile.out()).contains("Wrote snapshot");
        for (Path tar : List.of(file, tmp.resolve("stdout.tar"))) {
            assertThat(tarList(tar)).containsExactlyInAnyOrder("data/", "data/hello.txt", "data/empty", "data/link",
                    "data/sub/", "data/sub/random.bin", "data/sub/deeper/", "data/sub/deeper/small.bin");
        }
        assertThat(toStdout.stdout()).isEqualTo(Files.readAllBytes(file));
    }

    private static List<String> tarList(Path tar) throws Exception {
        Process p = new ProcessBuilder("tar", "-tf", tar.toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(listing).isZero();
        return listing.lines().toList();
    }

    @Test
    void forget_removesSnapshots() {
        ok("init");
        String a = backup();
        String b = backup();
        String c = backup();

        Result r = ok("forget", a.substring(0, 8), c);
        Result typo = cli.run("forget", b, "ffffffffff");

        assertThat(r.out()).contains("Removed snapshot " + a.substring(0, 8)).contains(c.substring(0, 8));
        assertThat(typo.code()).isEqualTo(2);
        JsonNode left = ok("snapshots", "--json").json();
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("id").asText()).as("a failed argument removes nothing").isEqualTo(b);
    }

    @Test
    void forget_policy_dryRunShowsGroupsAndReasons_thenRemovesLosers() {
        ok("init");
        for (String t : List.of("2025-11-01 10:00:00", "2025-11-02 10:00:00", "2025-11-02 12:00:00",
                "2025-11-03 10:00:00")) {
            backup("--host", "a", "--time", t, data.toString());
        }
        String b = backup("--host", "b", "--time", "2025-11-01 09:00:00", data.toString());

        Result dry = ok("forget", "--keep-daily", "2", "--dry-run");
        JsonNode json = ok("forget", "--keep-daily", "2", "--keep-tag", "never", "--dry-run", "--json").json();

        assertThat(dry.out()).contains("Applying policy: keep-daily 2 (dry run).")
                .containsPattern("Group host=a source=fs:\\S+:\nkeep 2 snapshots:")
                .containsPattern("Group host=b source=fs:\\S+:\nkeep 1 snapshot:")
                .contains("would remove 2 snapshots:")
                .contains("Would remove 2 snapshots, kept 3.");
        assertThat(dry.lines()).filteredOn(l -> l.contains("2025-11-03 10:00:00")).singleElement().asString()
                .endsWith("daily snapshot");
        assertThat(dry.lines()).filteredOn(l -> l.contains(b.substring(0, 8))).singleElement().asString()
                .contains("daily snapshot");
        assertThat(ok("snapshots", "--json").json()).as("a dry run removes nothing").hasSize(5);
        assertThat(json.get("dryRun").asBoolean()).isTrue();
        assertThat(json.get("policy").asText()).isEqualTo("keep-daily 2, keep-tag never");
        assertThat(json.get("decisions")).hasSize(5);
        assertThat(json.get("removed").asInt()).isEqualTo(2);
        List<String> removedTimes = new ArrayList<>();
        for (JsonNode d : json.get("decisions")) {
            if (!d.get("keep").asBoolean()) {
                assertThat(d.get("reasons")).isEmpty();
                removedTimes.add(d.get("time").asText());
            } else {
                assertThat(d.get("reasons").get(0).asText()).isEqualTo("daily snapshot");
                assertThat(d.get("group").asText()).startsWith("host=" + d.get("snapshot").get("host").asText() + " ");
            }
        }
        assertThat(removedTimes).containsExactly(
                LocalDateTime.of(2025, 11, 1, 10, 0).atZone(ZoneId.systemDefault()).toInstant().toString(),
                LocalDateTime.of(2025, 11, 2, 10, 0).atZone(ZoneId.systemDefault()).toInstant().toString());

        Result real = ok("forget", "--keep-daily", "2");

        assertThat(real.out()).contains("Removed 2 snapshots, kept 3.").contains("cairn prune")
                .doesNotContain("would remove");
        JsonNode left = ok("snapshots", "--json").json();
        assertThat(left).hasSize(3);
        List<String> leftTimes = new ArrayList<>();
        left.forEach(n -> leftTimes.add(n.get("time").asText()));
        assertThat(leftTimes).doesNotContainAnyElementsOf(removedTimes);
        assertThat(ok("forget", "--keep-last", "1", "--group-by", "", "--json").json().get("removed").asInt())
                .as("one group for all").isEqualTo(2);
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void forget_policyMisuse_exit2_emptyPolicyRemovesNothing() {
        ok("init");
        String a = backup();

        Result both = cli.run("forget", a, "--keep-last", "1");
        Result negative = cli.run("forget", "--keep-daily", "-1");
        Result within = cli.run("forget", "--keep-within", "30 days");
        Result group = cli.run("forget", "--keep-last", "1", "--group-by", "host,paths");
        Result none = cli.run("forget");
        Result zero = ok("forget", "--keep-daily", "0");

        assertThat(both.code()).isEqualTo(2);
        assertThat(both.stderr()).contains("either snapshot ids or --keep-* options");
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.stderr()).contains("keepDaily must not be negative: -1").hasLineCount(1);
        assertThat(within.code()).isEqualTo(2);
        assertThat(group.code()).isEqualTo(2);
        assertThat(group.stderr()).contains("host, source or tags");
        assertThat(none.code()).as("%s", none).isZero();
        assertThat(none.stderr()).contains("no snapshots will be removed");
        assertThat(zero.out()).contains("policy is empty").contains("Removed 0 snapshots, kept 1.");
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
        assertThat(ok("forget", "--dry-run", a).out()).contains("Would remove snapshot " + a.substring(0, 8));
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void checkReadDataOldest_readsWithinBudget_badSizeOrWithSubset_exit2() {
        ok("init");
        backup();

        JsonNode one = ok("check", "--read-data-oldest", "1", "--json").json();
        JsonNode all = ok("check", "--read-data-oldest", "1T", "--json").json();

        assertThat(one.get("packsRead").asInt()).as("at least one pack").isEqualTo(1);
        assertThat(all.get("packsRead").asInt()).isEqualTo(all.get("packs").asInt()).isGreaterThan(1);
        assertThat(ok("check", "--read-data-oldest", "2G").out()).contains("No errors were found.");
        assertThat(cli.run("check", "--read-data-oldest", "lots").code()).isEqualTo(2);
        assertThat(cli.run("check", "--read-data-oldest", "0").code()).isEqualTo(2);
        Result both = cli.run("check", "--read-data-oldest", "1G", "--read-data-subset", "10%");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.stderr()).contains("mutually exclusive");
        assertThat(ok("check", "--help").out()).contains("--read-data-oldest");
    }

    @Test
    void prune_afterForget_dryRunChangesNothing_thenFreesSpace() throws IOException {
        ok("init");
        String a = backup();
        Files.write(data.resolve("sub/random.bin"), random(3 * 1024 * 1024 + 17, 3));
        backup();
        ok("forget", a.substring(0, 8));

        JsonNode dry = ok("prune", "--dry-run", "--json").json();
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("packsDeleted").asInt()).isPositive();
        assertThat(ok("prune", "--dry-run").out()).contains("Would delete");
        long before = dataBytes();
        JsonNode r = ok("prune", "--grace", "1h", "--repack-below", "0.3", "--json").json();
        assertThat(r.get("dryRun").asBoolean()).isFalse();
        assertThat(r.get("packsDeleted").asInt()).isEqualTo(dry.get("packsDeleted").asInt());
        assertThat(r.get("bytesFreed").asLong()).isPositive();
        assertThat(r.get("packsRepacked").asInt()).as("the first pack holds little but the small files").isPositive();
        assertThat(before - dataBytes()).isPositive().isLessThanOrEqualTo(r.get("bytesFreed").asLong());
        assertThat(ok("prune").out()).contains("Deleted 0 pack(s)");
        assertThat(ok("check", "--read-data", "--json").json().get("ok").asBoolean()).isTrue();
        Path target = tmp.resolve("restored");
        ok("restore", "latest", "--target", target.toString());
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));
    }

    private long dataBytes() throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void prune_badArguments_exit2() {
        ok("init");
        assertThat(cli.run("prune", "--grace", "soon").code()).isEqualTo(2);
        assertThat(cli.run("prune", "--repack-below", "1.5").code()).isEqualTo(2);
        assertThat(cli.run("prune", "--wait-lock", "PT-1M").code()).isEqualTo(2);
        assertThat(cli.run("prune", "--help").out()).contains("--repack-below").contains("--grace");
    }

    @Test
    void wrongPassword_exit12_oneLine() {
        ok("init");

        Result r = cli.env("CAIRN_PASSWORD", "not-the-password").run("snapshots");

        assertThat(r.code()).isEqualTo(12);
        assertThat(r.stderr().lines()).hasSize(1);
        assertThat(r.stderr()).startsWith("cairn: ").contains("password").doesNotContain("Exception");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void missingRepository_exit10() {
        Result r = cli.run("snapshots");

        assertThat(r.code()).isEqualTo(10);
        assertThat(r.stderr()).startsWith("cairn: No repository at " + repo).hasLineCount(1);
    }

    @Test
    void initTwice_exit13() {
        ok("init");

        Result r = cli.run("init");

        assertThat(r.code()).isEqualTo(13);
        assertThat(r.stderr()).startsWith("cairn: ").hasLineCount(1);
    }

    @Test
    void missingPasswordOrRepository_exit2() {
        ok("init");

        Result noPassword = cli.env("CAIRN_PASSWORD", null).run("snapshots");
        Result noRepo = new CliHarness(repo).env("CAIRN_REPOSITORY", null).run("snapshots");

        assertThat(noPassword.code()).isEqualTo(2);
        assertThat(noPassword.stderr()).contains("CAIRN_PASSWORD").hasLineCount(1);
        assertThat(noRepo.code()).isEqualTo(2);
        assertThat(noRepo.stderr()).contains("--repo").contains("CAIRN_REPOSITORY");
    }

    @Test
    void passwordFile_opensRepository() throws IOException {
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, "from-a-file\n");
        cli.env("CAIRN_PASSWORD", null).env("CAIRN_PASSWORD_FILE", pw.toString());
        ok("init");

        assertThat(ok("snapshots", "--json").json()).isEmpty();
        assertThat(cli.env("CAIRN_PASSWORD_FILE", null).env("CAIRN_PASSWORD", "from-a-file").run("snapshots").code())
                .isZero();
        assertThat(cli.env("CAIRN_PASSWORD_FILE", pw.toString()).run("snapshots").code())
                .as("both set is ambiguous").isEqualTo(2);
    }

    @Test
    void repoOption_anywhere_overridesEnvironment() {
        Path other = tmp.resolve("other");
        ok("--repo", other.toString(), "init");
        cli.env("CAIRN_REPOSITORY", tmp.resolve("nowhere").toString());

        assertThat(ok("snapshots", "--repo", other.toString()).out()).contains("0 snapshots");
        assertThat(ok("--repo=" + other, "key", "list").out()).contains("*");
        assertThat(cli.run("snapshots").code()).isEqualTo(10);
    }

    @Test
    void keyAdd_newPasswordOpens() {
        ok("init");
        cli.env("CAIRN_NEW_PASSWORD", "second-password-42");

        Result added = ok("key", "add");
        Result list = ok("key", "list");
        Result withNew = cli.run(Map.of("CAIRN_REPOSITORY", repo.toString(), "CAIRN_PASSWORD", "second-password-42"),
                "key", "list");

        assertThat(added.out()).containsPattern("Added key [0-9a-f]{8}\\.");
        assertThat(list.lines()).hasSize(3);
        assertThat(withNew.code()).as("%s", withNew).isZero();
        assertThat(withNew.lines()).filteredOn(l -> l.startsWith("*")).hasSize(1);
        String newKey = added.out().replaceAll("(?s).*Added key ([0-9a-f]{8}).*", "$1");
        assertThat(withNew.out()).contains("*" + newKey);
    }

    @Test
    void keyAdd_withoutNewPassword_exit2() {
        ok("init");

        Result r = cli.run("key", "add");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr()).contains("CAIRN_NEW_PASSWORD");
        assertThat(ok("key", "list").lines()).hasSize(2);
    }

    @Test
    void keyRemove_otherKey_removed_currentKeyRefused() {
        ok("init");
        String current = ok("key", "list").lines().get(1).substring(1, 9);
        cli.env("CAIRN_NEW_PASSWORD", "k1-password");
        Result added = ok("key", "add", "--quiet");
        cli.env("CAIRN_NEW_PASSWORD", "k2-password");
        String second = ok("key", "add").out().replaceAll("(?s).*Added key ([0-9a-f]{8}).*", "$1");

        Result self = cli.run("key", "remove", current);
        ok("key", "remove", second);

        assertThat(added.out()).isEmpty();
        assertThat(self.code()).isEqualTo(2);
        assertThat(ok("key", "list").out()).doesNotContain(second).contains(current);
    }

    @Test
    void keyPasswd_oldPasswordStopsWorking() {
        ok("init");
        backup();
        cli.env("CAIRN_NEW_PASSWORD", "changed-password-7");

        Result changed = ok("key", "passwd");
        Result old = cli.run("snapshots");
        Result fresh = cli.env("CAIRN_PASSWORD", "changed-password-7").run("snapshots", "--json");

        assertThat(changed.out()).contains("Changed the password");
        assertThat(old.code()).isEqualTo(12);
        assertThat(fresh.code()).isZero();
        assertThat(fresh.json()).hasSize(1);
        assertThat(ok("key", "list").lines()).hasSize(2);
    }

    @Test
    void unlock_removesLocks() {
        ok("init");

        assertThat(ok("unlock").out()).contains("Removed 0 locks.");
        assertThat(ok("unlock", "--remove-all").out()).contains("Removed 0 locks.");
    }

    @Test
    void usageErrors_exit2_oneLine() {
        Result unknown = cli.run("snapshotz");
        Result noCommand = cli.run();
        Result badOption = cli.run("snapshots", "--bogus");
        Result missingTarget = cli.run("restore", "latest");
        Result noKeyCommand = cli.run("key");

        for (Result r : List.of(unknown, noCommand, badOption, missingTarget, noKeyCommand)) {
            assertThat(r.code()).as("%s", r).isEqualTo(2);
            assertThat(r.stderr()).startsWith("cairn: ").hasLineCount(1);
        }
        assertThat(unknown.stderr()).contains("snapshots");
    }

    @Test
    void verbose_printsStackTrace() {
        Result quiet = cli.run("snapshots");
        Result verbose = cli.run("--verbose", "snapshots");

        assertThat(quiet.stderr()).doesNotContain("\tat ");
        assertThat(verbose.code()).isEqualTo(10);
        assertThat(verbose.stderr()).startsWith("cairn: No repository").contains("RepositoryNotFoundException")
                .contains("\tat ");
    }

    @Test
    void versionAndHelp_exit0() {
        assertThat(ok("version").out()).startsWith("cairn 0.1.0");
        assertThat(ok("--version").out()).startsWith("cairn 0.1.0");
        assertThat(ok("--help").out()).contains("backup").contains("export-tar").contains("Exit codes");
        assertThat(ok("backup", "--help").out()).contains("--exclude").contains("--one-file-system");
    }

    @Test
    void password_neverPrinted() throws IOException {
        cli.env("CAIRN_NEW_PASSWORD", "N3w-" + CliHarness.PASSWORD);
        String[][] runs = {
            {"init"}, {"-v", "init"}, {"backup", data.toString()}, {"backup", "--json", data.toString()},
            {"snapshots"}, {"snapshots", "--json"}, {"ls", "latest", "-r"}, {"ls", "latest", "--json", "-r"},
            {"key", "add"}, {"key", "list"}, {"-v", "key", "remove", "0"}, {"unlock"},
            {"-v", "backup", "--command", "x", "--", "sh", "-c", "echo \"$CAIRN_PASSWORD\" >&2; exit 1"},
            {"restore", "latest", "--target", tmp.resolve("r").toString()}, {"forget", "latest"},
            {"-v", "dump", "latest", "nope"}, {"-v", "export-tar", "nope"}, {"--help"},
        };
        for (String[] args : runs) {
            cli.run(args);
        }
        cli.run(Map.of("CAIRN_REPOSITORY", repo.toString(), "CAIRN_PASSWORD", "x" + CliHarness.PASSWORD), "-v",
                "snapshots");
        Map<String, String> both = new HashMap<>(cli.env());
        both.put("CAIRN_PASSWORD_FILE", tmp.resolve("pw").toString());
        cli.run(both, "-v", "snapshots");
        Files.writeString(tmp.resolve("pw"), CliHarness.PASSWORD);
        cli.env("CAIRN_PASSWORD", null).env("CAIRN_PASSWORD_FILE", tmp.resolve("pw").toString());
        cli.run("key", "passwd");

        assertThat(cli.transcript).hasSizeGreaterThan(40)
                .noneMatch(s -> s.contains(CliHarness.PASSWORD))
                .noneMatch(s -> s.contains("Tr0ub4dor"));
    }

    @Test
    void quickstart_createsRepository_backsUp_listsSnapshot_thenReusesIt() throws IOException {
        Path home = tmp.resolve("qs");
        Map<String, String> noSecrets = new java.util.HashMap<>(cli.env());
        noSecrets.remove("CAIRN_PASSWORD");
        noSecrets.remove("CAIRN_REPOSITORY");
        Result first = cli.run(noSecrets, "quickstart", "--home", home.toString(), data.toString());
        assertThat(first.code()).as("%s", first).isZero();
        assertThat(first.out()).contains("Created repository").contains("1 snapshot");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("password"))))
                .isEqualTo("rw-------");
        String password = Files.readString(home.resolve("password")).strip();
        assertThat(first.out() + first.stderr()).doesNotContain(password);

        Result second = cli.run(noSecrets, "quickstart", "--home", home.toString(), data.toString());
        assertThat(second.code()).as("%s", second).isZero();
        assertThat(second.out()).doesNotContain("Created repository").contains("2 snapshots").contains("0 B read");

        CliHarness again = new CliHarness(home.resolve("repo")).env("CAIRN_PASSWORD", null)
                .env("CAIRN_PASSWORD_FILE", home.resolve("password").toString());
        Path target = tmp.resolve("qs-restored");
        assertThat(again.run("restore", "latest", "--target", target.toString()).code()).isZero();
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));
    }

    @Test
    void drill_passesOnGoodSnapshot_failsWithExit17OnCorruptPack() throws IOException {
        ok("init");
        String id = backup();
        Result good = ok("drill", "latest", "--json", "--scratch", tmp.resolve("scratch").toString());
        assertThat(good.json().get("passed").asBoolean()).isTrue();
        assertThat(good.json().get("snapshot").asText()).isEqualTo(id);
        try (Stream<Path> left = Files.list(tmp.resolve("scratch"))) {
            assertThat(left).as("scratch directory cleaned up").isEmpty();
        }
        try (Stream<Path> packs = Files.walk(repo.resolve("data"))) {
            for (Path p : packs.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                b[100] ^= 1;
                Files.delete(p);
                Files.write(p, b);
            }
        }
        Result bad = cli.run("drill", id.substring(0, 8));
        assertThat(bad.code()).as("%s", bad).isEqualTo(17);
        assertThat(bad.out()).contains("FAILED");
        assertThat(bad.stderr()).startsWith("cairn: drill of snapshot").hasLineCount(1);
        try (Stream<Path> drills = Files.list(repo.resolve("drills"))) {
            assertThat(drills).hasSize(2);
        }
    }

    @Test
    void sourceUri_unknownScheme_exit2_listsKnownSchemes() {
        ok("init");
        Result r = cli.run("backup", "postgres://db1/shop");
        assertThat(r.code()).isEqualTo(2);
        // Every adapter module is in the jar: the error lists their schemes.
        assertThat(r.stderr()).contains("No source for 'postgres'").contains("mongodb").contains("mysql").contains("s3");
        Result withPassword = cli.run("restore", "latest", "--target", "mysql://root:hunter2@db/x");
        assertThat(withPassword.code()).isEqualTo(2);
        assertThat(withPassword.stderr()).doesNotContain("hunter2");
    }

    @Test
    void check_clean_exit0_flippedByte_exit14_namesPackAndFile_repairDropsIt() throws IOException {
        ok("init");
        backup();
        assertThat(ok("check").out()).contains("No errors were found.");
        assertThat(ok("check", "--read-data", "--json").json().get("ok").asBoolean()).isTrue();
        Path pack;
        try (Stream<Path> packs = Files.walk(repo.resolve("data"))) {
            pack = packs.filter(Files::isRegularFile)
                    .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        b[20] ^= 1;
        Files.delete(pack);
        Files.write(pack, b);
        assertThat(ok("check").out()).as("structure only").contains("No errors");
        Result bad = cli.run("check", "--read-data");
        assertThat(bad.code()).as("%s", bad).isEqualTo(14);
        assertThat(bad.out()).contains(pack.getFileName().toString().substring(0, 8)).contains("affects 1 file(s)");
        assertThat(bad.stderr()).hasLineCount(1);
        Result json = cli.run("check", "--read-data", "--json");
        String file = json.json().get("damagedPacks").get(0).get("files").get(0).asText();
        String path = file.substring(file.indexOf(':') + 1);
        assertThat(Files.isRegularFile(tmp.resolve(path))).as(path).isTrue();
        assertThat(bad.out()).contains(path);

        Result repaired = ok("repair", "snapshots", "--read-data");
        assertThat(repaired.out()).contains("lost: ").contains(path);
        assertThat(ok("check", "--read-data").out()).as("damaged pack is no longer referenced").contains(
                "No errors");
    }

    @Test
    void repairIndex_afterIndexLoss_restoresAgain() throws IOException {
        ok("init");
        backup();
        try (Stream<Path> idx = Files.list(repo.resolve("index"))) {
            for (Path p : idx.toList()) {
                Files.delete(p);
            }
        }
        assertThat(cli.run("check").code()).isEqualTo(14);
        assertThat(ok("repair", "index").out()).contains("indexed");
        Path target = tmp.resolve("after-repair");
        ok("restore", "latest", "--target", target.toString());
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));
        assertThat(cli.run("repair").code()).isEqualTo(2);
        assertThat(cli.run("check", "--read-data-subset", "nonsense").code()).isEqualTo(2);
    }
}
