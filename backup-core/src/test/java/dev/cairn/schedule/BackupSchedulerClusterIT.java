package dev.cairn.schedule;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance (issue 9): two runners in two JVMs on one JDBC job store (the machine's MariaDB, then
 * PostgreSQL) share a schedule firing every second: each firing runs exactly once; when one runner is
 * killed, the other takes over its firings.
 */
class BackupSchedulerClusterIT {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path tmp;

    /** One fired row. */
    record Fired(long scheduled, String instance, String outcome, long at) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"mariadb", "postgresql"})
    void twoRunners_shareOneSchedule_eachFiringOnce_survivorTakesOver(String db) throws Exception {
        String name = "cairn_qz_" + Long.toHexString(new Random().nextLong() & 0xffffffffffffL);
        String admin = db.equals("mariadb") ? "jdbc:mariadb://127.0.0.1:3306/" : "jdbc:postgresql://127.0.0.1:5432/postgres";
        String user = db.equals("mariadb") ? "root" : "postgres";
        String url = db.equals("mariadb") ? "jdbc:mariadb://127.0.0.1:3306/" + name
                : "jdbc:postgresql://127.0.0.1:5432/" + name;
        sql(admin, user, "CREATE DATABASE " + name);
        List<Process> nodes = new ArrayList<>();
        try {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(url);
            hc.setUsername(user);
            try (HikariDataSource ds = new HikariDataSource(hc)) {
                assertThat(BackupScheduler.createTables(ds)).as("tables created").isTrue();
                assertThat(BackupScheduler.createTables(ds)).as("second call: already there").isFalse();
            }
            sql(url, user, "CREATE TABLE fired (scheduled BIGINT NOT NULL, instance VARCHAR(100) NOT NULL, "
                    + "outcome VARCHAR(20) NOT NULL, at BIGINT NOT NULL)");
            Path repo = tmp.resolve("repo");
            TestRepos.fast(repo).init().close();

            nodes.add(start(url, user, repo, "node-a"));
            nodes.add(start(url, user, repo, "node-b"));

            // 20 firings (plus the first, which may come before the second runner is up).
            await(60_000, () -> distinct(fired(url, user)) >= 22, () -> "22 firings: " + fired(url, user));
            List<Fired> before = fired(url, user);
            assertNoDuplicates(before);
            List<Long> times = before.stream().map(Fired::scheduled).sorted().toList();
            assertThat(gaps(times)).as("gaps among %s", times).isEmpty();
            assertThat(before).allMatch(f -> f.outcome().equals("SUCCESS"));
            Map<String, Integer> byInstance = new TreeMap<>();
            before.forEach(f -> byInstance.merge(f.instance(), 1, Integer::sum));

            // Kill one runner (the one that ran the latest firing): the other takes over.
            String victim = before.stream().max(java.util.Comparator.comparingLong(Fired::scheduled)).orElseThrow()
                    .instance();
            Process dead = nodes.get(victim.equals("node-a") ? 0 : 1);
            String survivor = victim.equals("node-a") ? "node-b" : "node-a";
            long killedAt = System.currentTimeMillis();
            dead.destroyForcibly().waitFor();
            await(45_000, () -> fired(url, user).stream()
                            .filter(f -> f.instance().equals(survivor) && f.scheduled() > killedAt).count() >= 5,
                    () -> "5 firings by " + survivor + " after the kill: " + fired(url, user));
            List<Fired> all = fired(url, user);
            assertNoDuplicates(all);
            List<Fired> after = all.stream().filter(f -> f.scheduled() > killedAt).toList();
            assertThat(after).allMatch(f -> f.instance().equals(survivor));
            List<Long> afterTimes = all.stream().map(Fired::scheduled).sorted().toList();
            // At most the firing that was running in the killed runner is lost (runs are not repeated).
            assertThat(gaps(afterTimes)).as("gaps %s", afterTimes).hasSizeLessThanOrEqualTo(1);
            long takeover = after.stream().mapToLong(Fired::at).min().orElseThrow() - killedAt;
            long maxLate = after.stream().mapToLong(f -> f.at() - f.scheduled()).max().orElseThrow();

            // The run records in the shared repository agree: one per firing.
            try (Repository r = TestRepos.fast(repo).open()) {
                List<Long> recorded = r.runs().stream().map(x -> x.scheduledTime().toEpochMilli()).sorted().toList();
                assertThat(recorded).doesNotHaveDuplicates();
                assertThat(recorded).containsAll(before.stream().map(Fired::scheduled).toList());
            }
            System.out.printf("cluster IT %s: %d firings before the kill (%s), duplicates 0, gaps before 0; after "
                            + "killing %s: first survivor run %d ms after the kill, max lateness %d ms, gaps %d%n", db,
                    before.size(), byInstance, victim, takeover, maxLate, gaps(afterTimes).size());
        } finally {
            for (Process p : nodes) {
                p.destroy();
            }
            for (Process p : nodes) {
                if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            sql(admin, user, "DROP DATABASE " + name + (db.equals("postgresql") ? " WITH (FORCE)" : ""));
        }
    }

    private Process start(String url, String user, Path repo, String instance) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(JAVA, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ClusterNode.class.getName(), url, user, repo.toString(), instance);
        pb.environment().put("CLUSTER_REPO_PASSWORD", new String(passwordChars()));
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve(instance + ".log").toFile());
        return pb.start();
    }

    private static char[] passwordChars() {
        byte[] b = TestRepos.password().utf8();
        return new String(b, java.nio.charset.StandardCharsets.UTF_8).toCharArray();
    }

    private static void assertNoDuplicates(List<Fired> rows) {
        Map<Long, List<String>> by = new HashMap<>();
        rows.forEach(f -> by.computeIfAbsent(f.scheduled(), k -> new ArrayList<>()).add(f.instance()));
        assertThat(by.entrySet().stream().filter(e -> e.getValue().size() > 1).toList()).as("duplicate firings")
                .isEmpty();
    }

    /** Missing seconds between the first and the last scheduled time. */
    private static List<Long> gaps(List<Long> sorted) {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i < sorted.size(); i++) {
            for (long t = sorted.get(i - 1) + 1000; t < sorted.get(i); t += 1000) {
                out.add(t);
            }
        }
        return out;
    }

    private static long distinct(List<Fired> rows) {
        return rows.stream().map(Fired::scheduled).distinct().count();
    }

    private static List<Fired> fired(String url, String user) {
        try (Connection c = DriverManager.getConnection(url, user, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT scheduled, instance, outcome, at FROM fired ORDER BY scheduled")) {
            List<Fired> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Fired(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sql(String url, String user, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private void await(long millis, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                StringBuilder logs = new StringBuilder();
                for (String n : List.of("node-a", "node-b")) {
                    Path log = tmp.resolve(n + ".log");
                    if (Files.exists(log)) {
                        String t = Files.readString(log);
                        logs.append("\n--- ").append(n).append('\n').append(t.length() > 4000 ? t.substring(t.length() - 4000) : t);
                    }
                }
                throw new AssertionError("timed out waiting for " + what.get() + logs);
            }
            Thread.sleep(200);
        }
    }
}
