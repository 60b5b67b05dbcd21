package dev.cairn.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.schedule.JobRunner;
import dev.cairn.schedule.JobSpec;
import dev.cairn.schedule.RunOutcome;
import dev.cairn.schedule.Schedule;
import dev.cairn.source.fs.FileSystemSource;
import dev.cairn.testing.TestRepos;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance (issue 9): grades from real repositories, a webhook to a real HTTP server, metrics.
 */
class HealthSignalsTest {
    @TempDir
    Path tmp;
    Path repoDir;
    Path data;
    HttpServer server;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> auth = new CopyOnWriteArrayList<>();
    final AtomicInteger failFirst = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        repoDir = tmp.resolve("repo");
        data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("a.txt"), "alpha\n".repeat(2000));
        TestRepos.fast(repoDir).init().close();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int code = failFirst.getAndDecrement() > 0 ? 503 : 204;
            if (code == 204) {
                bodies.add(body);
                auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            }
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private Repository open() {
        return TestRepos.fast(repoDir).open();
    }

    private URI hook() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private JobSpec nightly() {
        return JobSpec.backup("nightly").repository("local", this::open).source("www", () -> FileSystemSource.of(data))
                .schedule(Schedule.cron("0 0 2 * * ?")).build();
    }

    @Test
    void failedDrill_raisesGradeToHigh_sendsExactlyOneWebhook() throws Exception {
        failFirst.set(1); // the first delivery gets a 503: the notifier retries
        JobSpec drill = JobSpec.drill("rehearse").repository("local", this::open)
                .source("www", () -> FileSystemSource.of(data)).schedule(Schedule.cron("0 0 4 * * ?")).build();
        WebhookNotifier webhook = WebhookNotifier.builder(hook()).token(Secret.of("hook-token-123".toCharArray()))
                .retries(3, Duration.ofMillis(50)).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HealthMetrics metrics = new HealthMetrics(registry);
        HealthMonitor monitor = HealthMonitor.builder().job(nightly()).job(drill)
                .objectives(Objectives.builder().rpo(Duration.ofHours(26)).build())
                .notifier(webhook).notifier(new LogNotifier()).reportListener(metrics).build();
        JobRunner runner = JobRunner.builder().listener(metrics).listener(monitor).build();

        assertThat(runner.run(nightly()).outcome()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(monitor.last().orElseThrow().worst()).as("%s", monitor.last()).isEqualTo(Grade.OK);
        flipByteInEveryDataPack();
        assertThat(runner.run(drill).outcome()).isEqualTo(RunOutcome.FAILED);
        HealthReport high = monitor.last().orElseThrow();
        monitor.check(); // nothing changed: no second notification
        webhook.close(); // waits for queued deliveries

        assertThat(high.worst()).isEqualTo(Grade.HIGH);
        assertThat(high.subject(SubjectHealth.Kind.JOB, "rehearse").orElseThrow().grade()).isEqualTo(Grade.HIGH);
        assertThat(high.subject(SubjectHealth.Kind.SOURCE, "www").orElseThrow().grade()).isEqualTo(Grade.HIGH);
        assertThat(bodies).hasSize(1);
        assertThat(auth).containsExactly("Bearer hook-token-123");
        JsonNode body = new ObjectMapper().readTree(bodies.get(0));
        assertThat(body.get("event").asText()).isEqualTo("grades-changed");
        assertThat(body.get("worst").asText()).isEqualTo("HIGH");
        assertThat(body.get("changes")).hasSize(2);
        JsonNode job = stream(body.get("changes")).filter(c -> c.get("kind").asText().equals("job")).findFirst()
                .orElseThrow();
        assertThat(job.get("subject").asText()).isEqualTo("rehearse");
        assertThat(job.get("repository").asText()).isEqualTo("local");
        assertThat(job.get("grade").asText()).isEqualTo("HIGH");
        assertThat(job.get("level").asInt()).isEqualTo(2);
        assertThat(job.get("previous").asText()).isEqualTo("OK");
        assertThat(job.get("reasons").get(0).asText()).contains("last drill").contains("failed");
        JsonNode source = stream(body.get("changes")).filter(c -> c.get("kind").asText().equals("source"))
                .findFirst().orElseThrow();
        assertThat(source.get("subject").asText()).isEqualTo("www");
        assertThat(source.get("previous").asText()).isEqualTo("OK");
        assertThat(registry.get("cairn.health.grade").tags("kind", "job", "name", "rehearse").gauge().value())
                .isEqualTo(2.0);
        assertThat(registry.get("cairn.job.last.bytes.added").tags("job", "nightly").gauge().value()).isPositive();
        assertThat(registry.get("cairn.job.runs").tags("job", "rehearse", "outcome", "FAILED").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void backupOlderThanRpo_disaster() {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        try (Repository r = open()) {
            r.backup(FileSystemSource.of(data)).time(now.minus(Duration.ofHours(30))).run();
        }
        HealthReport report = HealthMonitor.builder().repository("local", this::open)
                .objectives(Objectives.builder().rpo(Duration.ofHours(26)).build())
                .clock(Clock.fixed(now, ZoneOffset.UTC)).build().check();

        SubjectHealth source = report.subjects().stream().filter(s -> s.kind() == SubjectHealth.Kind.SOURCE)
                .findFirst().orElseThrow();
        assertThat(source.grade()).isEqualTo(Grade.DISASTER);
        assertThat(source.reasons()).singleElement().asString().contains("RPO of 26h").contains("30h old");
        assertThat(source.age()).contains(Duration.ofHours(30));
        assertThat(report.worst()).isEqualTo(Grade.DISASTER);
    }

    @Test
    void dump40PercentSmallerThanRecentMedian_warning() throws IOException {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        Path dump = data.resolve("a.txt");
        try (Repository r = open()) {
            for (int day = 4; day >= 1; day--) {
                Files.writeString(dump, ("row " + day + "\n").repeat(2000)); // 12,000 bytes
                r.backup(FileSystemSource.of(data)).time(now.minus(Duration.ofDays(day))).run();
            }
            Files.writeString(dump, "row 0\n".repeat(1200)); // 7,200 bytes: 40 % smaller
            r.backup(FileSystemSource.of(data)).time(now.minus(Duration.ofHours(1))).run();
        }
        HealthReport report = HealthMonitor.builder().repository("local", this::open)
                .objectives(Objectives.builder().sizeChange(0.30).build())
                .clock(Clock.fixed(now, ZoneOffset.UTC)).build().check();

        SubjectHealth source = report.subjects().stream().filter(s -> s.kind() == SubjectHealth.Kind.SOURCE)
                .findFirst().orElseThrow();
        assertThat(source.grade()).isEqualTo(Grade.WARNING);
        assertThat(source.reasons()).singleElement().asString().contains("-40%").contains("12000 → 7200")
                .contains("shrinking dump");
    }

    @Test
    void unopenableRepository_disaster_andNotifiedOnce() {
        List<List<GradeChange>> seen = new CopyOnWriteArrayList<>();
        HealthMonitor m = HealthMonitor.builder().repository("gone", () -> TestRepos.fast(tmp.resolve("none")).open())
                .notifier((report, changes) -> seen.add(changes)).build();

        assertThat(m.check().worst()).isEqualTo(Grade.DISASTER);
        m.check();

        assertThat(seen).singleElement().satisfies(c -> assertThat(c).singleElement().satisfies(x -> {
            assertThat(x.subject().kind()).isEqualTo(SubjectHealth.Kind.REPOSITORY);
            assertThat(x.subject().reasons().get(0)).contains("No repository");
            assertThat(x.worse()).isTrue();
        }));
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    private void flipByteInEveryDataPack() throws IOException {
        try (Stream<Path> s = Files.walk(repoDir.resolve("data"))) {
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
