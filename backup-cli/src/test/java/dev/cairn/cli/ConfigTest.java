package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CliHarness.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The configuration file, secret references, the option table and {@code run}, in-process. */
class ConfigTest {
    private static final String PASSWORD = CliHarness.PASSWORD;

    @TempDir
    Path tmp;

    Path repo;
    Path data;
    Path passFile;
    Path config;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        repo = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("a.txt"), "alpha\n");
        Files.writeString(data.resolve("sub/b.txt"), "bravo\n");
        Files.writeString(data.resolve("skip.tmp"), "excluded\n");
        passFile = tmp.resolve("local.pass");
        Files.writeString(passFile, PASSWORD + "\n");
        config = tmp.resolve("cairn.yaml");
        // No CAIRN_REPOSITORY / CAIRN_PASSWORD: everything comes from the file unless a test adds it.
        cli = new CliHarness(repo).env("CAIRN_REPOSITORY", null).env("CAIRN_PASSWORD", null);
    }

    private void write(String yaml) throws IOException {
        Files.writeString(config, yaml);
    }

    private String standard() {
        return """
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${file:local.pass}
                sources:
                  data:
                    paths: [%s]
                    exclude: ["*.tmp"]
                jobs:
                  nightly:
                    type: backup
                    repository: local
                    source: data
                    tags: [nightly, cron]
                  verify:
                    type: check
                    read-data-subset: 100%%
                  rehearse:
                    type: drill
                    source: data
                """.formatted(repo, data);
    }

    private Result run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--config";
        all[1] = config.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.run(all);
    }

    private Result ok(String... args) {
        Result r = run(args);
        assertThat(r.code()).as("%s", r).isZero();
        return r;
    }

    private Result fails(int code, String... args) {
        Result r = run(args);
        assertThat(r.code()).as("%s", r).isEqualTo(code);
        assertThat(r.stderr().lines()).as("one line: %s", r).hasSize(1);
        return r;
    }

    // ------------------------------------------------------------------ secrets

    @Test
    void literalPassword_refused_namesLineAndHowToReference() throws IOException {
        write("""
                repositories:
                  local:
                    location: /srv/backup
                    password: Hunter2-literal
                """);

        Result r = fails(2, "snapshots");

        assertThat(r.stderr()).contains(config + ":4: repositories.local.password is written as a literal")
                .contains("${file:/etc/cairn/local.pass}").contains("${env:LOCAL_PASSWORD}")
                .doesNotContain("Hunter2");
    }

    @Test
    void literalSecretInSourceEnvironment_refused_otherVariablesMayBeLiteral() throws IOException {
        write("""
                sources:
                  db:
                    command: [pg_dump, shop]
                    name: shop.sql
                    environment:
                      PGHOST: db1
                      PGPASSWORD: s3cret-literal
                """);

        Result r = fails(2, "snapshots");

        assertThat(r.stderr()).contains(":7: sources.db.environment.PGPASSWORD is written as a literal")
                .contains("${env:PGPASSWORD}").doesNotContain("s3cret");
    }

    @Test
    void fileReference_relativeToConfigFile_opensRepository() throws IOException {
        write(standard());

        ok("init");
        ok("backup", data.toString());

        assertThat(ok("snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void envReference_opensRepository_unsetVariableNamed() throws IOException {
        write("""
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${env:LOCAL_REPO_PW}
                """.formatted(repo));

        Result missing = fails(2, "init");
        assertThat(missing.stderr()).contains(config + ":5: repositories.local.password (${env:LOCAL_REPO_PW})")
                .contains("LOCAL_REPO_PW is not set");

        cli.env("LOCAL_REPO_PW", PASSWORD);
        ok("init");
        assertThat(ok("snapshots", "--json").json()).isEmpty();
    }

    @Test
    void secretResolverSpi_customSchemeResolved_failuresExplained() throws IOException {
        write("""
                repositories:
                  local:
                    location: %s
                    password: ${testvault:secret/cairn#pw}
                  down:
                    location: %s
                    password: ${testvault:down#pw}
                  other:
                    location: %s
                    password: ${nosuch:x}
                """.formatted(repo, tmp.resolve("r2"), tmp.resolve("r3")));
        cli.env("TESTVAULT_pw", PASSWORD);

        ok("--repo", "local", "init");
        assertThat(ok("--repo", "local", "snapshots", "--json").json()).isEmpty();
        assertThat(fails(2, "--repo", "down", "init").stderr())
                .contains("repositories.down.password (${testvault:down#pw}): the testvault secret store failed: "
                        + "connection refused");
        assertThat(fails(2, "--repo", "other", "init").stderr())
                .contains("no secret resolver for 'nosuch' (known: env, file, testvault)");
    }

    @Test
    void environmentPassword_overridesFileReference() throws IOException {
        write(standard());
        ok("init");
        cli.env("CAIRN_PASSWORD", "not-" + PASSWORD);

        assertThat(run("snapshots").code()).isEqualTo(12);
    }

    // ------------------------------------------------------------------ validation

    @Test
    void unknownKey_failsWithKeyPathAndLine() throws IOException {
        write("""
                repositories:
                  local:
                    location: /srv/backup
                sources:
                  www:
                    paths: [/srv/www]
                    exlude: ["*.tmp"]
                """);

        Result r = fails(2, "snapshots");

        assertThat(r.stderr()).contains(config + ":7: unknown key 'exlude' in sources.www")
                .contains("exclude, include, name, one-file-system, paths, uri");
    }

    @Test
    void wrongForms_failWithPathAndLine() throws IOException {
        write("""
                sources:
                  www:
                    paths: [/srv/www]
                    one-file-system: maybe
                """);
        assertThat(fails(2, "snapshots").stderr()).contains(":4: sources.www.one-file-system has the wrong form: "
                + "expected true or false");

        write("""
                repositories:
                  a: {location: /a}
                  a: {location: /b}
                """);
        assertThat(fails(2, "snapshots").stderr()).contains(":3: repositories: duplicate key 'a'");

        write("""
                jobs:
                  nightly:
                    type: bakup
                """);
        assertThat(fails(2, "snapshots").stderr()).contains(":3: jobs.nightly has type 'bakup'; a job's type is one "
                + "of backup, forget-prune, check, drill");

        write("""
                repositories:
                  r: {location: /r, password: "${env:P}"}
                jobs:
                  weekly:
                    type: check
                    repository: r
                    tags: [x]
                """);
        assertThat(fails(2, "snapshots").stderr()).contains(":7: unknown key 'tags' in jobs.weekly");
    }

    @Test
    void danglingNames_fail() throws IOException {
        write("""
                repositories:
                  r: {location: /r, password: "${env:P}"}
                jobs:
                  nightly:
                    type: backup
                    repository: r
                    source: www
                """);
        assertThat(fails(2, "snapshots").stderr()).contains(":4: jobs.nightly: source 'www' is not defined under "
                + "sources (defined: none)");

        write("""
                jobs:
                  nightly:
                    type: check
                    repository: offsite
                """);
        assertThat(fails(2, "snapshots").stderr()).contains("repository 'offsite' is not defined under repositories");
    }

    @Test
    void emptyFile_isEmptyConfiguration() throws IOException {
        write("# nothing configured yet\n");

        assertThat(fails(2, "snapshots").stderr()).contains("No repository given");
    }

    @Test
    void missingConfigFile_exit2() {
        assertThat(fails(2, "snapshots").stderr()).contains("Configuration file " + config + " does not exist");
    }

    // ------------------------------------------------------------------ option table

    @Test
    void repository_cliOverEnvironmentOverFile() throws IOException {
        write("""
                repository: %s
                """.formatted(tmp.resolve("from-file")));
        cli.env("CAIRN_PASSWORD", PASSWORD);

        assertThat(ok("init", "--json").json().get("location").asText()).endsWith("from-file");
        cli.env("CAIRN_REPOSITORY", tmp.resolve("from-env").toString());
        assertThat(ok("init", "--json").json().get("location").asText()).endsWith("from-env");
        assertThat(ok("init", "--json", "--repo", tmp.resolve("from-cli").toString()).json().get("location").asText())
                .endsWith("from-cli");
    }

    @Test
    void configFromEnvironment_andRepositoryByName() throws IOException {
        write(standard());
        cli.env("CAIRN_CONFIG", config.toString());

        assertThat(cli.run("--repo", "local", "init").code()).isZero();
        assertThat(cli.run("--repo", repo.toString(), "snapshots", "--json").code()).isZero();
    }

    @Test
    void quietAndHost_fromFile() throws IOException {
        write(standard() + "quiet: true\nhost: file-host\n");
        ok("init");

        Result r = ok("backup", data.toString());
        assertThat(r.out()).isEmpty();
        assertThat(ok("snapshots", "--json").json().get(0).get("host").asText()).isEqualTo("file-host");
        cli.env("CAIRN_HOST", "env-host");
        ok("backup", data.toString());
        ok("backup", "--host", "cli-host", data.toString());
        JsonNode all = ok("snapshots", "--json").json();
        assertThat(all.get(1).get("host").asText()).isEqualTo("env-host");
        assertThat(all.get(2).get("host").asText()).isEqualTo("cli-host");
    }

    // ------------------------------------------------------------------ run

    @Test
    void run_backupCheckDrillJobs_summaryAndJson() throws IOException {
        write(standard());
        ok("init");

        Result b = ok("run", "nightly");
        assertThat(b.out()).startsWith("Snapshot ").contains("Files:    2, dirs: 2");
        JsonNode j = ok("run", "nightly", "--json").json();
        assertThat(j.get("tags")).extracting(JsonNode::asText).containsExactly("nightly", "cron");
        assertThat(j.get("files").asLong()).isEqualTo(2);
        JsonNode c = ok("run", "verify", "--json").json();
        assertThat(c.get("ok").asBoolean()).isTrue();
        assertThat(c.get("packsRead").asInt()).isPositive();
        JsonNode d = ok("run", "rehearse", "--json").json();
        assertThat(d.get("passed").asBoolean()).isTrue();
        assertThat(d.get("snapshot").asText()).isEqualTo(j.get("snapshot").asText());
    }

    @Test
    void run_usageErrors_exit2() throws IOException {
        write(standard());

        assertThat(fails(2, "run", "weekly").stderr()).contains("No job 'weekly'").contains("nightly, verify, rehearse");
        assertThat(fails(2, "--repo", "/x", "run", "nightly").stderr()).contains("--repo does not apply to run");
        assertThat(cli.run("run", "nightly").stderr()).contains("No configuration file");
    }

    @Test
    void run_ignoresCairnPasswordAndRepositoryOfTheEnvironment() throws IOException {
        write(standard());
        ok("init");
        cli.env("CAIRN_PASSWORD", "wrong").env("CAIRN_REPOSITORY", tmp.resolve("elsewhere").toString());

        ok("run", "nightly");
    }

    @Test
    void run_commandSource_getsItsEnvironment_notTheRepositorySecret() throws IOException {
        write("""
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${env:REPO_SECRET}
                sources:
                  dump:
                    command: [sh, -c, 'echo "app=$APP_TOKEN"; echo "repo=$REPO_SECRET"']
                    name: dump.txt
                    environment:
                      APP_TOKEN: ${file:token}
                jobs:
                  dump:
                    type: backup
                    source: dump
                """.formatted(repo));
        Files.writeString(tmp.resolve("token"), "tok-123\n");
        cli.env("REPO_SECRET", PASSWORD);
        ok("init");

        ok("run", "dump");

        assertThat(ok("dump", "latest", "dump.txt").out()).isEqualTo("app=tok-123\nrepo=\n");
    }

    // ------------------------------------------------------------------ diff, stats, dry run

    @Test
    void diff_listsAddedRemovedModified() throws IOException {
        write(standard());
        ok("init");
        String a = ok("run", "nightly", "--json").json().get("snapshot").asText();
        Files.writeString(data.resolve("a.txt"), "alpha, longer\n");
        Files.delete(data.resolve("sub/b.txt"));
        Files.writeString(data.resolve("c.txt"), "charlie\n");
        String b = ok("run", "nightly", "--json").json().get("snapshot").asText();

        JsonNode d = ok("diff", "--json", a.substring(0, 8), "latest").json();
        assertThat(d.get("a").asText()).isEqualTo(a);
        assertThat(d.get("b").asText()).isEqualTo(b);
        assertThat(d.get("added")).extracting(n -> n.get("path").asText()).containsExactly("/data/c.txt");
        assertThat(d.get("removed")).extracting(n -> n.get("path").asText()).containsExactly("/data/sub/b.txt");
        assertThat(d.get("modified")).extracting(n -> n.get("path").asText()).containsExactly("/data/a.txt");
        assertThat(d.get("modified").get(0).get("changed")).extracting(JsonNode::asText).contains("size");
        assertThat(d.get("counts").get("added").asInt()).isEqualTo(1);

        Result human = ok("diff", a, b);
        assertThat(human.lines()).contains("+ /data/c.txt", "- /data/sub/b.txt").anyMatch(l -> l.startsWith(
                "M /data/a.txt  (size 6 -> 14"));
        assertThat(human.out()).contains("1 added (8 B), 1 removed (6 B), 1 modified.");
        assertThat(ok("diff", "--json", b, b).json().get("counts").get("modified").asInt()).isZero();
    }

    @Test
    void stats_figuresFromSummariesAndBackend() throws IOException {
        write(standard());
        ok("init");
        ok("run", "nightly");
        ok("run", "nightly");

        JsonNode s = ok("stats", "--json").json();

        assertThat(s.get("snapshots").asInt()).isEqualTo(2);
        assertThat(s.get("files").asLong()).isEqualTo(4);
        assertThat(s.get("bytesReferenced").asLong()).isEqualTo(2 * 12);
        assertThat(s.get("packs").asLong()).isPositive();
        assertThat(s.get("blobs").asLong()).isPositive();
        assertThat(s.get("repositorySize").asLong()).isGreaterThan(s.get("packBytes").asLong());
        assertThat(s.get("dedupRatio").isNumber()).isTrue();
        assertThat(s.get("compressionRatio").isNumber()).isTrue();
        assertThat(ok("stats").out()).contains("Dedup ratio:").contains("Compression ratio:").contains("Packs:");
    }

    @Test
    void dryRun_reportsWhatWouldBeRead_storesNothing() throws IOException {
        write(standard());
        ok("init");
        Result first = ok("backup", "--dry-run", "--exclude", "*.tmp", data.toString());
        assertThat(first.out()).contains("would back up 2 files, 2 dirs").contains("No parent snapshot");
        assertThat(ok("snapshots", "--json").json()).isEmpty();
        long size = ok("stats", "--json").json().get("repositorySize").asLong();

        ok("backup", "--exclude", "*.tmp", data.toString());
        Files.writeString(data.resolve("c.txt"), "charlie\n");
        Files.writeString(data.resolve("a.txt"), "alpha, longer\n");
        JsonNode j = ok("backup", "--dry-run", "--json", "--exclude", "*.tmp", data.toString()).json();

        assertThat(j.get("dryRun").asBoolean()).isTrue();
        assertThat(j.get("newFiles").asInt()).isEqualTo(1);
        assertThat(j.get("changedFiles").asInt()).isEqualTo(1);
        assertThat(j.get("unchangedFiles").asInt()).isEqualTo(1);
        assertThat(j.get("bytesToRead").asLong()).isEqualTo(8 + 14);
        assertThat(j.get("toRead")).extracting(JsonNode::asText)
                .containsExactly("changed /data/a.txt", "new     /data/c.txt");
        assertThat(ok("snapshots", "--json").json()).hasSize(1);
        assertThat(size).isPositive();
    }

    @Test
    void dryRun_commandSource_notStarted() throws IOException {
        write(standard());
        ok("init");

        JsonNode j = ok("backup", "--dry-run", "--json", "--command", "x", "--", "sh", "-c", "exit 1").json();

        assertThat(j.get("walked").asBoolean()).isFalse();
        assertThat(j.get("sourceKind").asText()).isEqualTo("command");
    }

    // ------------------------------------------------------------------ help, completion, json

    @Test
    void help_everyCommand_exit0() {
        Map<String, String> none = new HashMap<>();
        for (Class<?> c : CairnCommand.COMMANDS) {
            String name = c.getAnnotation(picocli.CommandLine.Command.class).name();
            Result r = cli.run(none, name, "--help");
            assertThat(r.code()).as("%s --help: %s", name, r).isZero();
            // picocli's help command prints its description before the synopsis.
            assertThat(r.out()).as(name).contains("Usage: cairn " + name);
            assertThat(r.stderr()).as(name).isEmpty();
        }
    }

    @Test
    void completion_bash_coversCommandsAndOptions() {
        Result r = cli.run(Map.of(), "completion", "bash");

        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F").contains("diff")
                .contains("--dry-run").contains("--read-data-subset");
    }

    @Test
    void versionAndKeyList_json() throws IOException {
        write(standard());
        ok("init");

        assertThat(ok("version", "--json").json().get("version").asText()).isEqualTo("0.1.0");
        JsonNode keys = ok("key", "list", "--json").json();
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("current").asBoolean()).isTrue();
    }

    @Test
    void progressLine_showsBytesFilesRateEta() {
        String line = Progress.line(10_000_000_000L, 50, 512L * 1024 * 1024, 100, 1024L * 1024 * 1024, "read");

        assertThat(line).isEqualTo("[0:10] 50/100 files  512.0 MiB/1.0 GiB read  [############------------] 50%  "
                + "51.2 MiB/s  ETA 0:10");
        assertThat(Progress.line(3_000_000_000L, 7, 3000, -1, -1, "read")).isEqualTo("[0:03] 7 files  2.9 KiB read  "
                + "1000 B/s");
    }
}
