package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance: the real {@code target/cairn.jar} (shaded at package, so this runs under Failsafe)
 * started as a process, as an operator or cron would start it. Each process gets exactly the
 * environment the test gives it.
 */
class CliIT {
    private static final String PASSWORD = CairnProcess.throwawaySecret("password");
    private static final Path JAR = CairnProcess.JAR;

    @TempDir
    Path tmp;

    Path repo;
    Path data;
    Path passFile;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws IOException {
        assertThat(JAR).as("build the jar first: mvn package -pl backup-cli").isRegularFile();
        repo = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sub/deeper"));
        Files.writeString(data.resolve("hello.txt"), "hello, cairn\n");
        Files.write(data.resolve("sub/random.bin"), random(2 * 1024 * 1024 + 3, 7));
        Files.write(data.resolve("sub/deeper/small.bin"), random(999, 8));
        Files.createSymbolicLink(data.resolve("link"), Path.of("hello.txt"));
        passFile = tmp.resolve("pass");
        Files.writeString(passFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
        env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("CAIRN_REPOSITORY", repo.toString());
        env.put("CAIRN_PASSWORD_FILE", passFile.toString());
        env.put("CAIRN_KDF_MEMORY_KIB", "8192");
        env.put("CAIRN_KDF_ITERATIONS", "1");
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Runs {@code java -jar cairn.jar args…} with exactly {@code environment}, in {@code dir}, stdin closed. */
    private CairnProcess.Proc cairn(Map<String, String> environment, Path dir, String... args) {
        return CairnProcess.run(environment, dir, args);
    }

    private CairnProcess.Proc cairn(String... args) {
        return cairn(env, tmp, args);
    }

    private CairnProcess.Proc ok(String... args) {
        CairnProcess.Proc p = cairn(args);
        assertThat(p.code()).as("cairn %s: %s", String.join(" ", args), p).isZero();
        return p;
    }

    /** Regular files and symlinks below {@code dir}: content bytes as hex, or "-> target". */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    m.put(rel, java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }

    @Test
    void backupStdin_dumpPipedIn_comesBackByteForByte_unchangedAddsNothing() throws IOException {
        ok("init");
        StringBuilder sql = new StringBuilder();
        for (int i = 0; sql.length() < 3 << 20; i++) {
            sql.append("INSERT INTO orders VALUES (").append(i).append(", 'customer ").append(i % 313).append("');\n");
        }
        Path dump = tmp.resolve("shop.sql");
        Files.writeString(dump, sql);
        String[] backup = {"backup", "--json", "--stdin", "--stdin-filename", "shop.sql", "--chunking", "stream"};
        CairnProcess.Proc first = CairnProcess.run(env, tmp, dump.toFile(), backup);
        assertThat(first.code()).as("%s", first).isZero();
        assertThat(first.json().get("files").asLong()).isEqualTo(1);
        assertThat(first.json().get("bytesTotal").asLong()).isEqualTo(Files.size(dump));

        CairnProcess.Proc again = CairnProcess.run(env, tmp, dump.toFile(), backup);
        assertThat(again.code()).as("%s", again).isZero();
        // Only the new root tree (the entry's time is the backup's): no data.
        assertThat(again.json().get("dataBlobsAdded").asLong()).isZero();
        assertThat(again.json().get("treeBlobsAdded").asLong()).isEqualTo(1);

        assertThat(ok("dump", "latest", "shop.sql").out()).isEqualTo(sql.toString());
        assertThat(ok("ls", "latest").out()).contains("shop.sql");

        CairnProcess.Proc mixed = CairnProcess.run(env, tmp, dump.toFile(), "backup", "--stdin", data.toString());
        assertThat(mixed.code()).as("%s", mixed).isEqualTo(2);
        assertThat(mixed.err()).contains("--stdin backs up standard input alone");
    }

    @Test
    void roundTrip_initBackupSnapshotsDiffRestoreCheckDrillForgetStats() throws IOException {
        JsonNode init = ok("init", "--json").json();
        assertThat(init.get("id").asText()).hasSize(64);
        assertThat(init.get("location").asText()).isEqualTo(repo.toString());

        JsonNode first = ok("backup", "--json", "--tag", "first", data.toString()).json();
        String a = first.get("snapshot").asText();
        assertThat(first.get("files").asLong()).isEqualTo(3);
        assertThat(first.get("partial").asBoolean()).isFalse();

        Files.writeString(data.resolve("hello.txt"), "hello again, cairn\n");
        Files.writeString(data.resolve("new.txt"), "new\n");
        Files.delete(data.resolve("sub/deeper/small.bin"));
        JsonNode dry = ok("backup", "--dry-run", "--json", data.toString()).json();
        assertThat(dry.get("newFiles").asInt()).isEqualTo(1);
        assertThat(dry.get("changedFiles").asInt()).isEqualTo(1);
        assertThat(dry.get("unchangedFiles").asInt()).isEqualTo(1);
        String b = ok("backup", "--json", "--tag", "second", data.toString()).json().get("snapshot").asText();

        JsonNode snaps = ok("snapshots", "--json").json();
        assertThat(snaps).extracting(n -> n.get("id").asText()).containsExactly(a, b);
        assertThat(snaps.get(1).get("tags")).extracting(JsonNode::asText).containsExactly("second");

        JsonNode diff = ok("diff", "--json", a, b).json();
        assertThat(diff.get("added")).extracting(n -> n.get("path").asText()).containsExactly("/data/new.txt");
        assertThat(diff.get("removed")).extracting(n -> n.get("path").asText())
                .containsExactly("/data/sub/deeper/small.bin");
        assertThat(diff.get("modified")).extracting(n -> n.get("path").asText()).containsExactly("/data/hello.txt");

        Path target = tmp.resolve("restored");
        JsonNode restored = ok("restore", "latest", "--target", target.toString(), "--json").json();
        assertThat(restored.get("snapshot").asText()).isEqualTo(b);
        assertThat(restored.get("files").asLong()).isEqualTo(3);
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));

        JsonNode check = ok("check", "--read-data", "--json").json();
        assertThat(check.get("ok").asBoolean()).isTrue();
        assertThat(check.get("snapshots").asInt()).isEqualTo(2);
        assertThat(check.get("packsRead").asInt()).isEqualTo(check.get("packs").asInt()).isPositive();

        JsonNode drill = ok("drill", "latest", "--scratch", tmp.resolve("scratch").toString(), "--json").json();
        assertThat(drill.get("passed").asBoolean()).isTrue();
        assertThat(drill.get("snapshot").asText()).isEqualTo(b);
        assertThat(drill.get("failures")).isEmpty();

        assertThat(ok("forget", a.substring(0, 8), "--json").json()).extracting(JsonNode::asText).containsExactly(a);

        JsonNode stats = ok("stats", "--json").json();
        assertThat(stats.get("snapshots").asInt()).isEqualTo(1);
        assertThat(stats.get("files").asLong()).isEqualTo(3);
        assertThat(stats.get("bytesReferenced").asLong()).isEqualTo(19 + 4 + 2 * 1024 * 1024 + 3);
        assertThat(stats.get("packs").asLong()).isPositive();
        assertThat(stats.get("blobs").asLong()).isPositive();
        assertThat(stats.get("repositorySize").asLong()).isGreaterThan(stats.get("packBytes").asLong());

        // Documented exit codes, each with one actionable line.
        Map<String, String> wrong = new HashMap<>(env);
        wrong.put("CAIRN_PASSWORD_FILE", Files.writeString(tmp.resolve("wrong"), "nope\n").toString());
        CairnProcess.Proc p = cairn(wrong, tmp, "snapshots");
        assertThat(p.code()).isEqualTo(12);
        assertThat(p.err().lines()).hasSize(1).allMatch(l -> l.startsWith("cairn: "));
        Map<String, String> missing = new HashMap<>(env);
        missing.put("CAIRN_REPOSITORY", tmp.resolve("nothing-here").toString());
        assertThat(cairn(missing, tmp, "snapshots").code()).isEqualTo(10);
        assertThat(cairn("ls", "deadbeef").code()).isEqualTo(2);
        assertThat(cairn("init").code()).isEqualTo(13);
    }

    @Test
    void prune_afterForget_twoProcessesWithWaitLock_everySnapshotRestores() throws IOException {
        ok("init");
        String a = ok("backup", "--json", data.toString()).json().get("snapshot").asText();
        Files.write(data.resolve("sub/random.bin"), random(2 * 1024 * 1024 + 3, 9));
        ok("backup", data.toString());
        ok("forget", a.substring(0, 8));

        JsonNode dry = ok("prune", "--dry-run", "--json").json();
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("packsDeleted").asInt()).isPositive();
        // A backup and a prune started together: the prune waits for the backup's lock.
        Map<String, String> previous = tree(data);
        Files.writeString(data.resolve("hello.txt"), "hello once more\n");
        CompletableFuture<CairnProcess.Proc> backup = CompletableFuture.supplyAsync(() -> cairn("backup", "--json",
                data.toString()));
        CairnProcess.Proc prune = cairn("prune", "--wait-lock", "2m", "--json");
        CairnProcess.Proc b = backup.join();
        assertThat(prune.code()).as("%s", prune).isZero();
        assertThat(prune.json().get("bytesFreed").asLong()).isPositive();
        // The backup has no wait: if it started while the prune held its lock, it exits 11 and stores nothing.
        assertThat(b.code()).as("%s", b).isIn(0, 11);

        JsonNode check = ok("check", "--read-data", "--json").json();
        assertThat(check.get("ok").asBoolean()).isTrue();
        assertThat(check.get("warnings")).isEmpty();
        Path target = tmp.resolve("restored");
        ok("restore", "latest", "--target", target.toString());
        assertThat(tree(target.resolve("data"))).isEqualTo(b.code() == 0 ? tree(data) : previous);
    }

    @Test
    void config_literalPassword_refused_fileAndEnvReferencesWork() throws IOException {
        Path yaml = tmp.resolve("cairn.yaml");
        Files.writeString(yaml, """
                repositories:
                  local:
                    location: %s
                    password: %s
                """.formatted(repo, PASSWORD));
        Map<String, String> bare = Map.of("PATH", System.getenv("PATH"));

        CairnProcess.Proc refused = cairn(bare, tmp, "--config", yaml.toString(), "--repo", "local", "init");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains(yaml + ":4: repositories.local.password is written as a literal")
                .contains("${file:").contains("${env:").doesNotContain(PASSWORD);

        Files.writeString(yaml, """
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${file:%s}
                """.formatted(repo, passFile));
        Map<String, String> kdf = new HashMap<>(bare);
        kdf.put("CAIRN_KDF_MEMORY_KIB", "8192");
        kdf.put("CAIRN_KDF_ITERATIONS", "1");
        assertThat(cairn(kdf, tmp, "--config", yaml.toString(), "init").code()).isZero();
        assertThat(cairn(bare, tmp, "--config", yaml.toString(), "snapshots", "--json").out().strip()).isEqualTo("[]");

        Files.writeString(yaml, """
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${env:BACKUP_REPO_PASSWORD}
                """.formatted(repo));
        Map<String, String> withVar = new HashMap<>(bare);
        withVar.put("BACKUP_REPO_PASSWORD", PASSWORD);
        assertThat(cairn(withVar, tmp, "--config", yaml.toString(), "snapshots", "--json").code()).isZero();
        CairnProcess.Proc unset = cairn(bare, tmp, "--config", yaml.toString(), "snapshots");
        assertThat(unset.code()).isEqualTo(2);
        assertThat(unset.err()).contains("BACKUP_REPO_PASSWORD is not set");
    }

    @Test
    void run_fromCron_environmentHoldsOnlyPath() throws IOException {
        ok("init");
        Path yaml = tmp.resolve("etc/cairn.yaml");
        Files.createDirectories(yaml.getParent());
        Files.writeString(yaml, """
                repositories:
                  local:
                    location: %s
                    password: ${file:%s}
                sources:
                  data:
                    paths: [%s]
                    exclude: ["*.bin"]
                jobs:
                  nightly:
                    type: backup
                    repository: local
                    source: data
                    tags: [nightly]
                  weekly-check:
                    type: check
                    repository: local
                    read-data-subset: 50%%
                  drill:
                    type: drill
                    repository: local
                    source: data
                """.formatted(repo, passFile, data));
        Map<String, String> cron = Map.of("PATH", "/usr/bin:/bin");
        Path root = Path.of("/");

        CairnProcess.Proc backup = cairn(cron, root, "run", "nightly", "--config", yaml.toString());
        assertThat(backup.code()).as("%s", backup).isZero();
        assertThat(backup.out()).startsWith("Snapshot ").contains("Files:    1, dirs: 3").doesNotContain("\r");
        assertThat(backup.err()).isEmpty();
        JsonNode again = cairn(cron, root, "run", "nightly", "--json", "--config", yaml.toString()).json();
        assertThat(again.get("tags")).extracting(JsonNode::asText).containsExactly("nightly");
        assertThat(again.get("bytesRead").asLong()).isZero();

        CairnProcess.Proc check = cairn(cron, root, "run", "weekly-check", "--config", yaml.toString());
        assertThat(check.code()).as("%s", check).isZero();
        assertThat(check.out()).contains("No errors were found.");
        JsonNode drill = cairn(cron, root, "run", "drill", "--json", "--config", yaml.toString()).json();
        assertThat(drill.get("passed").asBoolean()).isTrue();
        assertThat(drill.get("snapshot").asText()).isEqualTo(again.get("snapshot").asText());

        CairnProcess.Proc unknown = cairn(cron, root, "run", "hourly", "--config", yaml.toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("No job 'hourly'").contains("nightly, weekly-check, drill");
    }

    @Test
    void spawnedProcesses_neverReceiveThePassword() throws IOException {
        ok("init");
        // The child prints its own command line, its parent's (the CLI's JVM) and its environment.
        String probe = "tr '\\0' ' ' < /proc/$$/cmdline; echo; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; env";

        CairnProcess.Proc viaEnv = ok("backup", "--command", "probe.txt", "--", "sh", "-c", probe);
        String seen = ok("dump", "latest", "probe.txt").out();
        assertThat(seen).contains("sh -c").contains("-jar " + JAR).contains("PATH=");
        assertThat(seen).doesNotContain(PASSWORD).doesNotContain("CAIRN_PASSWORD");
        assertThat(viaEnv.cmdline()).contains("-jar").doesNotContain(PASSWORD);

        // The same through the configuration file, with the password in a variable the file references.
        Path yaml = tmp.resolve("cairn.yaml");
        Files.writeString(yaml, """
                repositories:
                  local:
                    location: %s
                    password: ${env:REPO_PW}
                sources:
                  probe:
                    command: [sh, -c, "%s"]
                    name: probe2.txt
                jobs:
                  probe:
                    type: backup
                    repository: local
                    source: probe
                """.formatted(repo, probe.replace("\\", "\\\\")));
        Map<String, String> cron = Map.of("PATH", "/usr/bin:/bin", "REPO_PW", PASSWORD);
        CairnProcess.Proc viaConfig = cairn(cron, tmp, "run", "probe", "--config", yaml.toString());
        assertThat(viaConfig.code()).as("%s", viaConfig).isZero();
        assertThat(viaConfig.cmdline()).doesNotContain(PASSWORD);
        String seen2 = ok("dump", "latest", "probe2.txt").out();
        assertThat(seen2).contains("sh -c").contains("REPO_PW=\n").doesNotContain(PASSWORD);

        assertThat(List.of(viaEnv.out(), viaEnv.err(), viaConfig.out(), viaConfig.err()))
                .noneMatch(s -> s.contains(PASSWORD));
    }

    @Test
    void help_everyCommand_exit0_readsWell() {
        List<String> commands = new ArrayList<>(List.of("", "key list", "key add", "key remove", "key passwd",
                "repair index", "repair snapshots"));
        for (Class<?> c : CairnCommand.COMMANDS) {
            commands.add(c.getAnnotation(picocli.CommandLine.Command.class).name());
        }
        Map<String, String> bare = Map.of("PATH", System.getenv("PATH"));
        for (String c : commands) {
            List<String> args = new ArrayList<>(c.isEmpty() ? List.of() : List.of(c.split(" ")));
            args.add("--help");
            CairnProcess.Proc p = cairn(bare, tmp, args.toArray(String[]::new));
            String name = ("cairn " + c).strip();
            assertThat(p.code()).as("%s --help: %s", name, p).isZero();
            assertThat(p.err()).as("%s --help stderr", name).isEmpty();
            assertThat(p.out()).as(name).contains("Usage: " + name).contains("Exit codes:")
                    .doesNotContain("null");
            List<String> lines = p.out().lines().toList();
            assertThat(lines).as("%s --help fits 80 columns", name).allMatch(l -> l.length() <= 80);
            // The first line after the synopsis is a one-sentence summary (picocli's help command puts it first).
            String summary = lines.stream().filter(l -> !l.isEmpty() && !l.startsWith("Usage:") && !l.startsWith(" "))
                    .findFirst().orElseThrow();
            assertThat(summary).as("%s summary", name).endsWith(".").hasSizeLessThan(80);
        }
    }

    @Test
    void secretResolverPlugin_viaLauncherClassPath_resolvesStoreReference() throws IOException {
        Path launcher = JAR.resolveSibling("cairn");
        Path plugin = JAR.resolveSibling("test-classes"); // TestVaultResolver and its META-INF/services entry
        Path yaml = tmp.resolve("cairn.yaml");
        Files.writeString(yaml, """
                repository: vaulted
                repositories:
                  vaulted:
                    location: %s
                    password: ${testvault:secret/data/cairn#repo}
                """.formatted(repo));
        Map<String, String> e = new HashMap<>(env);
        e.remove("CAIRN_PASSWORD_FILE");
        e.remove("CAIRN_REPOSITORY");
        e.put("TESTVAULT_repo", PASSWORD);
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("CAIRN_CLASSPATH", plugin.toString());

        Launched init = launch(launcher, e, "--config", yaml.toString(), "init", "--json");
        assertThat(init.code()).as(init.out()).isZero();
        assertThat(init.out()).contains("\"location\":\"" + repo + "\"");

        // Without the plugin, the reference names what is missing.
        CairnProcess.Proc without = cairn(e, tmp, "--config", yaml.toString(), "snapshots");
        assertThat(without.code()).isEqualTo(2);
        assertThat(without.err()).contains("no secret resolver for 'testvault' (known: env, file)");
    }

    /**
     * A heap too small for the work (here the key derivation's 64 MiB, in Java under a 40 MiB heap:
     * the native derivation keeps its memory off the heap) ends with one line saying what to raise,
     * not a JVM stack trace; a CAIRN_HEAP that is not a size is refused before the JVM starts.
     */
    @Test
    void outOfMemory_namesTheHeapToRaise_throughTheLauncher() throws IOException {
        Path launcher = JAR.resolveSibling("cairn");
        Map<String, String> e = new HashMap<>(env);
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("CAIRN_REPOSITORY", tmp.resolve("small-heap").toString());
        e.put("CAIRN_JAVA_OPTS", "-XX:+UseSerialGC -Xmx40m -Dcairn.native.kdf=none");
        e.remove("CAIRN_KDF_MEMORY_KIB"); // the default key derivation: 64 MiB
        e.remove("CAIRN_KDF_ITERATIONS");
        Launched init = launch(launcher, e, "init");
        assertThat(init.code()).isEqualTo(1);
        assertThat(init.out()).startsWith("cairn: Out of memory").contains("CAIRN_HEAP=512m").doesNotContain("\tat ");
        assertThat(tmp.resolve("small-heap").resolve("config")).doesNotExist();

        e.remove("CAIRN_JAVA_OPTS");
        e.put("CAIRN_HEAP", "lots");
        Launched bad = launch(launcher, e, "snapshots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.out()).contains("CAIRN_HEAP must be a size such as 512m");
    }

    /**
     * zstd's native library loads from native/ beside the jar, where the build puts it: no run copies
     * it into the temporary directory, so a TMPDIR that cannot take it (here one that does not exist;
     * a noexec /tmp refuses it as well) does not matter. Round trip through the launcher.
     */
    @Test
    void zstdLibrary_loadsFromBesideTheJar_notTheTemporaryDirectory() throws IOException {
        assertThat(JAR.resolveSibling("native").resolve(dev.cairn.internal.util.ZstdLibrary.relativePath()))
                .isRegularFile();
        Path launcher = JAR.resolveSibling("cairn");
        Map<String, String> e = new HashMap<>(env);
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.put("TMPDIR", tmp.resolve("no-such-directory").toString());
        assertThat(launch(launcher, e, "init").code()).isZero();
        Launched backup = launch(launcher, e, "backup", "-q", data.toString());
        assertThat(backup.code()).as(backup.out()).isZero();
        Path target = tmp.resolve("restored");
        Launched restore = launch(launcher, e, "restore", "-q", "latest", "--target", target.toString());
        assertThat(restore.code()).as(restore.out()).isZero();
        assertThat(tree(target.resolve("data"))).isEqualTo(tree(data));
        assertThat(tmp.resolve("no-such-directory")).doesNotExist();
    }

    /**
     * Where the library cannot load (the jar copied without native/, a temporary directory zstd-jni
     * cannot copy it into), one line says what to change, and init writes nothing.
     */
    @Test
    void zstdLibrary_thatCannotLoad_isOneActionableLine_initWritesNothing() throws IOException, InterruptedException {
        Path alone = Files.createDirectories(tmp.resolve("alone")).resolve("cairn.jar");
        Files.copy(JAR, alone);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp.resolve("no-such-directory"), "-cp", alone.toString(), "dev.cairn.cli.Main",
                "init");
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = CairnProcess.read(p.getInputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).startsWith("cairn: Cannot load zstd's native library")
                .contains(tmp.resolve("no-such-directory").toString()).contains("-DZstdNativePath")
                .doesNotContain("\tat ");
        assertThat(repo).doesNotExist();
    }

    /**
     * The class-data sharing archive beside the jar maps under the build's JDK and holds picocli's
     * classes, which the build compiles from picocli's sources for this reason (its binary is Java 5
     * bytecode, which the archive cannot hold: every run loaded and verified them from the jar).
     */
    @Test
    void cdsArchive_maps_andHoldsPicocli() throws IOException, InterruptedException {
        Path jsa = JAR.resolveSibling("cairn.jsa");
        Assumptions.assumeTrue(Files.exists(jsa), "no cairn.jsa (built with -Dcairn.cds.skip=true)");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:SharedArchiveFile=" + jsa, "-Xshare:on", "-Xlog:class+load=info", "-Dpicocli.trace=INFO",
                "-cp", JAR.toString(), "dev.cairn.cli.Main", "--version").redirectErrorStream(true).start();
        String out = CairnProcess.read(p.getInputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("picocli.CommandLine source: shared objects file (top)")
                .contains("dev.cairn.cli.Main source: shared objects file (top)");
        // No search of the class path for Groovy's Closure (a miss that read the jar's directory).
        assertThat(out).contains("groovy Closures in annotations are disabled");
    }

    /**
     * A backup started as the launcher starts it (java -cp cairn.jar dev.cairn.cli.Main, the archive
     * mapped) loads none of Cairn's classes from the jar, the unchanged re-backup included: the
     * training ran its commands as a standalone process does (shutdown hook, deferred collection).
     */
    @Test
    void cdsArchive_holdsEveryCairnClassOfABackup() throws IOException, InterruptedException {
        Path jsa = JAR.resolveSibling("cairn.jsa");
        Assumptions.assumeTrue(Files.exists(jsa), "no cairn.jsa (built with -Dcairn.cds.skip=true)");
        ok("init");
        for (int run = 0; run < 2; run++) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:SharedArchiveFile=" + jsa, "-Xshare:on", "-Xlog:class+load=info", "-cp", JAR.toString(),
                    "dev.cairn.cli.Main", "backup", "-q", data.toString());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.redirectErrorStream(true).start();
            String out = CairnProcess.read(p.getInputStream());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("dev.cairn.internal.pipeline.BackupRun source: shared objects file");
            assertThat(out.lines().filter(l -> l.contains(" dev.cairn.") && l.contains("source: file:")))
                    .as("classes of Cairn read from the jar").isEmpty();
        }
    }

    /**
     * The S3 archive holds the AWS SDK's client: its training ran against the in-process endpoint.
     * A command on an S3 repository (here an endpoint that refuses the connection) loads the
     * client's classes from the archive, not from the jar.
     */
    @Test
    void s3CdsArchive_holdsTheSdksClient() throws IOException, InterruptedException {
        Path jsa = JAR.resolveSibling("cairn-s3.jsa");
        Assumptions.assumeTrue(Files.exists(jsa), "no cairn-s3.jsa (built with -Dcairn.cds.skip=true)");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:SharedArchiveFile=" + jsa, "-Xshare:on", "-Xlog:class+load=info", "-cp", JAR.toString(),
                "dev.cairn.cli.Main", "snapshots", "--repo",
                "s3://cds-check/repo?endpoint=http://127.0.0.1:1&region=us-east-1&maxAttempts=1");
        pb.environment().put("CAIRN_PASSWORD", PASSWORD);
        pb.environment().put("AWS_ACCESS_KEY_ID", "cds-check");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "cds-check-unused");
        pb.environment().put("CAIRN_CACHE_DIR", tmp.resolve("cache").toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = CairnProcess.read(p.getInputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("software.amazon.awssdk.services.s3.DefaultS3Client source: shared objects file")
                .contains("dev.cairn.s3.S3Backend source: shared objects file");
    }

    /**
     * The launcher maps cairn-s3.jsa when the command may reach S3 (s3: in the arguments, in
     * CAIRN_REPOSITORY or in the configuration file) and cairn.jsa otherwise; a stand-in java
     * (JAVA_HOME) prints the options it is given.
     */
    @Test
    void launcher_picksTheS3ArchiveForS3() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("install"));
        Files.copy(JAR.resolveSibling("cairn"), dir.resolve("cairn"));
        Files.writeString(dir.resolve("cairn.jar"), "");
        Files.writeString(dir.resolve("cairn.jsa"), "");
        Files.writeString(dir.resolve("cairn-s3.jsa"), "");
        Path bin = Files.createDirectories(tmp.resolve("fake-jdk/bin"));
        Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"$@\"\n");
        bin.resolve("java").toFile().setExecutable(true);
        Map<String, String> e = new HashMap<>();
        e.put("PATH", System.getenv("PATH"));
        e.put("JAVA_HOME", bin.getParent().toString());
        Path launcher = dir.resolve("cairn");

        String local = launch(launcher, e, "snapshots", "--repo", "/srv/backup").out();
        assertThat(local).contains("-XX:SharedArchiveFile=" + dir.resolve("cairn.jsa") + " ");
        // The main class named, not -jar (which reads the jar's central directory for its manifest).
        assertThat(local.strip()).endsWith(" -cp " + dir.resolve("cairn.jar") + " dev.cairn.cli.Main snapshots --repo /srv/backup")
                .doesNotContain("-jar");
        assertThat(launch(launcher, e, "snapshots", "--repo", "s3://bucket/repo").out())
                .contains("-XX:SharedArchiveFile=" + dir.resolve("cairn-s3.jsa") + " ");
        e.put("CAIRN_REPOSITORY", "s3://bucket/repo");
        assertThat(launch(launcher, e, "snapshots").out()).contains("cairn-s3.jsa");
        e.remove("CAIRN_REPOSITORY");
        Path yaml = tmp.resolve("remote.yaml");
        Files.writeString(yaml, "repository: s3://bucket/repo\n");
        assertThat(launch(launcher, e, "--config", yaml.toString(), "snapshots").out()).contains("cairn-s3.jsa");
        e.put("CAIRN_CONFIG", yaml.toString());
        assertThat(launch(launcher, e, "snapshots").out()).contains("cairn-s3.jsa");
        Files.writeString(yaml, "repository: /srv/backup\n");
        assertThat(launch(launcher, e, "snapshots").out()).doesNotContain("cairn-s3.jsa").contains("cairn.jsa");
    }

    /** A run of the launcher script: exit code, and stdout and stderr together. */
    private record Launched(int code, String out) {
    }

    private Launched launch(Path launcher, Map<String, String> environment, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = CairnProcess.read(p.getInputStream());
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
        return new Launched(p.exitValue(), out);
    }

    @Test
    void versionJson_andCompletion() {
        Map<String, String> bare = Map.of("PATH", System.getenv("PATH"));
        assertThat(cairn(bare, tmp, "version", "--json").json().get("version").asText()).isEqualTo("0.1.0");
        CairnProcess.Proc completion = cairn(bare, tmp, "completion", "bash");
        assertThat(completion.code()).isZero();
        assertThat(completion.out()).contains("complete -F").contains("stats").contains("--dry-run");
    }

    @Test
    void daemon_firesJobEverySecond_recordsRuns_servesMetrics_stopsOnSigterm() throws Exception {
        ok("init");
        Path yaml = tmp.resolve("cairn.yaml");
        Files.writeString(yaml, """
                repositories:
                  local:
                    location: %s
                    password: ${file:%s}
                sources:
                  data:
                    paths: [%s]
                    exclude: ["*.bin"]
                objectives: {rpo: 26h, rto: 30m, sizeChange: 30%%, slowerThan: 2x}
                jobs:
                  tick:
                    type: backup
                    repository: local
                    source: data
                    cron: "* * * * * ?"
                    timeout: 1m
                scheduler:
                  instance-id: it-daemon
                  shutdown-timeout: 20s
                """.formatted(repo, passFile, data));
        List<String> cmd = List.of(CairnProcess.JAVA, "-Xmx256m", "-jar", JAR.toString(), "daemon", "--config", yaml.toString(),
                "--metrics-port", "0", "--metrics-bind", "127.0.0.1");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(tmp.resolve("daemon.out").toFile()).redirectError(tmp.resolve("daemon.err").toFile());
        Process p = pb.start();
        try {
            Path runs = repo.resolve("runs");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.isDirectory(runs) && countFiles(runs) >= 2)) {
                assertThat(p.isAlive()).as("daemon alive: %s", Files.readString(tmp.resolve("daemon.err"))).isTrue();
                assertThat(System.nanoTime()).as("two run records within 60 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            String started = Files.readString(tmp.resolve("daemon.out"));
            assertThat(started).contains("cairn daemon: instance it-daemon, 1 job(s): tick (* * * * * ?)");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("metrics on (http://\\S+/metrics)")
                    .matcher(started);
            assertThat(m.find()).as(started).isTrue();
            String metrics = new String(java.net.URI.create(m.group(1)).toURL().openStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(metrics).contains("cairn_job_runs_total{").contains("job=\"tick\"")
                    .contains("cairn_job_last_success").contains("cairn_health_grade{");

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
            assertThat(Files.readString(tmp.resolve("daemon.out"))).contains("cairn daemon: stopped");
        } finally {
            p.destroyForcibly();
        }
        String err = Files.readString(tmp.resolve("daemon.err"));
        assertThat(err).doesNotContain(PASSWORD);

        CairnProcess.Proc status = cairn(Map.of("PATH", "/usr/bin:/bin"), tmp, "status", "--json", "--config", yaml.toString());
        assertThat(status.code()).as("%s", status).isZero();
        JsonNode tick = null;
        for (JsonNode s : status.json().get("subjects")) {
            if (s.get("kind").asText().equals("job")) {
                tick = s;
            }
        }
        assertThat(tick).isNotNull();
        assertThat(tick.get("name").asText()).isEqualTo("tick");
        // The daemon is stopped: an every-second backup is soon late (WARNING), never failed.
        assertThat(tick.get("grade").asText()).isIn("OK", "WARNING");
        assertThat(tick.get("lastSuccess").isNull()).isFalse();
    }

    private static long countFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(x -> x.getFileName().toString().matches("[0-9]{13}-[0-9a-f]{64}")).count();
        }
    }
}
