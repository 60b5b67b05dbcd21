package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.CliHarness.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The configuration's operations keys (schedules, retention jobs, objectives, scheduler), and {@code cairn status}. */
class OperationsConfigTest {
    private static final String PASSWORD = CliHarness.PASSWORD;

    @TempDir
    Path tmp;
    Path repo;
    Path data;
    Path config;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        repo = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("a.txt"), "alpha\n".repeat(500));
        Files.writeString(tmp.resolve("local.pass"), PASSWORD + "\n");
        config = tmp.resolve("cairn.yaml");
        cli = new CliHarness(repo).env("CAIRN_REPOSITORY", null).env("CAIRN_PASSWORD", null);
    }

    private void write(String jobs) throws IOException {
        Files.writeString(config, """
                repository: local
                repositories:
                  local:
                    location: %s
                    password: ${file:local.pass}
                sources:
                  data:
                    paths: [%s]
                objectives:
                  rpo: 26h
                  rto: 30m
                  sizeChange: 30%%
                  slowerThan: 2x
                """.formatted(repo, data) + jobs);
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

    private String fails(String... args) {
        Result r = run(args);
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(r.stderr().lines()).as("one line: %s", r).hasSize(1);
        return r.stderr();
    }

    private static final String JOBS = """
            jobs:
              nightly:
                type: backup
                source: data
                cron: "0 30 2 * * ?"
                zone: Europe/Berlin
                misfire: skip
                timeout: 4h
              rehearse:
                type: drill
                source: data
                cron: "0 0 5 * * ?"
              weekly-check:
                type: check
                read-data-budget: 2G
                cron: "0 0 4 ? * SUN"
              retention:
                type: forget-prune
                keep-daily: 7
                keep-weekly: 5
                keep-within: 2d
                keep-tag: [keep]
                prune-grace-period: 24h
                repack-below: 50%
                cron: "0 0 6 * * ?"
            """;

    @Test
    void config_scheduleRetentionObjectives_load() throws IOException {
        write(JOBS);

        ok("init");
        assertThat(ok("run", "nightly").out()).startsWith("Snapshot ");
    }

    @Test
    void config_badScheduleValues_failWithKeyAndLine() throws IOException {
        write(JOBS.replace("0 30 2 * * ?", "every night"));
        assertThat(fails("snapshots")).contains("cairn.yaml:").contains("jobs.nightly.cron")
                .contains("cron expression 'every night' is invalid");

        write(JOBS.replace("Europe/Berlin", "Mars/Olympus"));
        assertThat(fails("snapshots")).contains("jobs.nightly.zone").contains("Mars/Olympus");

        write(JOBS.replace("misfire: skip", "misfire: later"));
        assertThat(fails("snapshots")).contains("jobs.nightly.misfire").contains("fire-now or skip");

        write(JOBS.replace("timeout: 4h", "timeout: soon"));
        assertThat(fails("snapshots")).contains("jobs.nightly.timeout").contains("26h, 1h30m");

        write(JOBS.replace("read-data-budget: 2G", "read-data-budget: lots"));
        assertThat(fails("snapshots")).contains("read-data-budget").contains("500M");

        write("""
                jobs:
                  retention:
                    type: forget-prune
                    prune-grace-period: 24h
                """);
        assertThat(fails("snapshots")).contains("jobs.retention has no retention rule");

        write("""
                jobs:
                  nightly:
                    type: backup
                    source: data
                    zone: UTC
                """);
        assertThat(fails("snapshots")).contains("zone and misfire apply to a job with a cron expression");
    }

    @Test
    void config_operationsSecretsAsLiterals_refusedWithoutEchoingThem() throws IOException {
        write(JOBS + """
                scheduler:
                  jdbc:
                    url: jdbc:mariadb://127.0.0.1:3306/cairn
                    user: cairn
                    password: hunter2-db
                """);
        assertThat(fails("snapshots")).contains("scheduler.jdbc.password is written as a literal")
                .doesNotContain("hunter2-db");

        write(JOBS + """
                notifications:
                  webhook:
                    url: https://hooks.example/x
                    token: tok-literal-1
                """);
        assertThat(fails("snapshots")).contains("notifications.webhook.token is written as a literal")
                .doesNotContain("tok-literal-1");

        write(JOBS);
        Files.writeString(config, Files.readString(config).replace("sizeChange: 30%", "sizeChange: lots"));
        assertThat(fails("snapshots")).contains("objectives").contains("percentage");
    }

    @Test
    void daemon_withoutScheduledJobs_orInitSchemaWithoutJdbc_exit2() throws IOException {
        write("""
                jobs:
                  nightly:
                    type: backup
                    source: data
                """);
        assertThat(fails("daemon")).contains("no job has a schedule");
        assertThat(fails("daemon", "--init-schema")).contains("--init-schema needs scheduler.jdbc");
    }

    @Test
    void daemon_inProcess_firesJobEverySecond_recordsRuns_stops() throws IOException {
        write("""
                jobs:
                  tick:
                    type: backup
                    source: data
                    cron: "* * * * * ?"
                scheduler:
                  instance-id: test-daemon
                  health-interval: 1s
                """);
        ok("init");

        Result d = ok("daemon", "--run-for", "3s");

        assertThat(d.out()).contains("cairn daemon: instance test-daemon, 1 job(s): tick (* * * * * ?)")
                .contains("stopped");
        JsonNode status = run("status", "--json").json();
        JsonNode tick = find(status, "job", "tick");
        // Stopped now: an every-second backup is soon late or judged slow (WARNING), never failed.
        assertThat(tick.get("grade").asText()).isIn("OK", "WARNING");
        assertThat(tick.get("lastSuccess").isNull()).isFalse();
        assertThat(ok("snapshots", "--json").json().size()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void status_okThenFailedDrillHigh_thenUnbackedSourceDisaster() throws IOException {
        write(JOBS);
        ok("init");
        ok("run", "nightly");
        ok("run", "rehearse");

        Result okStatus = run("status");
        assertThat(okStatus.code()).as("%s", okStatus).isZero();
        assertThat(okStatus.lines().get(0)).startsWith("KIND").contains("GRADE").contains("REASONS");
        assertThat(okStatus.out()).contains("Overall: OK");
        JsonNode j = ok("status", "--json").json();
        assertThat(j.get("worst").asText()).isEqualTo("OK");
        assertThat(find(j, "source", "data").get("grade").asText()).isEqualTo("OK");
        assertThat(find(j, "job", "nightly").get("ageSeconds").asLong()).isBetween(0L, 600L);

        flipByteInEveryDataPack();
        assertThat(run("run", "rehearse").code()).isEqualTo(17);
        Result high = run("status", "--json");
        assertThat(high.code()).as("%s", high).isEqualTo(StatusCommand.EXIT_HIGH);
        assertThat(high.json().get("worst").asText()).isEqualTo("HIGH");
        assertThat(find(high.json(), "job", "rehearse").get("reasons").get(0).asText()).contains("drill");

        Files.writeString(config, Files.readString(config).replace("""
                jobs:
                """, """
                jobs:
                  other:
                    type: backup
                    source: elsewhere
                """).replace("""
                sources:
                """, """
                sources:
                  elsewhere:
                    paths: [%s]
                """.formatted(tmp)));
        Result disaster = run("status");
        assertThat(disaster.code()).as("%s", disaster).isEqualTo(StatusCommand.EXIT_DISASTER);
        assertThat(disaster.out()).contains("DISASTER").contains("never run");
    }

    @Test
    void status_unopenableRepository_disaster() throws IOException {
        write(JOBS);

        Result r = run("status", "--json");

        assertThat(r.code()).as("%s", r).isEqualTo(StatusCommand.EXIT_DISASTER);
        assertThat(find(r.json(), "repository", "local").get("reasons").get(0).asText()).contains("No repository");
        assertThat(cli.transcript).noneMatch(t -> t.contains(PASSWORD));
    }

    private static JsonNode find(JsonNode status, String kind, String name) {
        Stream<JsonNode> s = StreamSupport.stream(status.get("subjects").spliterator(), false);
        return s.filter(x -> x.get("kind").asText().equals(kind) && x.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(kind + " " + name + " in " + status));
    }

    private void flipByteInEveryDataPack() throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.seek(f.length() / 3);
                    int b = f.read();
                    f.seek(f.length() / 3);
                    f.write(b ^ 0x40);
                }
            }
        }
    }
}
