package dev.cairn.cli;

import dev.cairn.cli.CliHarness.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cairn daemon} on the machine's MariaDB job store, in-process: {@code --init-schema} creates
 * Quartz's tables once, and the clustered daemon fires a job and records its runs.
 */
class DaemonJdbcIT {
    @TempDir
    Path tmp;

    @Test
    void initSchema_createsTablesOnce_thenClusteredDaemonRunsJobs() throws Exception {
        String db = "cairn_qz_" + Long.toHexString(new Random().nextLong() & 0xffffffffffL);
        sql("jdbc:mariadb://127.0.0.1:3306/", "CREATE DATABASE " + db);
        try {
            Path repo = tmp.resolve("repo");
            Path data = Files.createDirectories(tmp.resolve("data"));
            Files.writeString(data.resolve("a.txt"), "alpha\n");
            Files.writeString(tmp.resolve("local.pass"), CliHarness.PASSWORD + "\n");
            Path config = tmp.resolve("cairn.yaml");
            Files.writeString(config, """
                    repository: local
                    repositories:
                      local:
                        location: %s
                        password: ${file:local.pass}
                    sources:
                      data:
                        paths: [%s]
                    jobs:
                      tick:
                        type: backup
                        source: data
                        cron: "* * * * * ?"
                    scheduler:
                      name: it-cluster
                      instance-id: it-node-1
                      cluster-checkin-interval: 1s
                      jdbc:
                        url: jdbc:mariadb://127.0.0.1:3306/%s
                        user: root
                    """.formatted(repo, data, db));
            CliHarness cli = new CliHarness(repo).env("CAIRN_REPOSITORY", null).env("CAIRN_PASSWORD", null);
            assertThat(cli.run("--config", config.toString(), "init").code()).isZero();

            Result first = cli.run("--config", config.toString(), "daemon", "--init-schema");
            Result second = cli.run("--config", config.toString(), "daemon", "--init-schema");
            Result daemon = cli.run("--config", config.toString(), "daemon", "--run-for", "4s");

            assertThat(first.code()).as("%s", first).isZero();
            assertThat(first.out()).contains("Created the job store's tables (QRTZ_*)");
            assertThat(second.out()).contains("already exist").contains("nothing changed");
            assertThat(daemon.code()).as("%s", daemon).isZero();
            assertThat(daemon.out()).contains("clustered on jdbc:mariadb://127.0.0.1:3306/" + db).contains("stopped");
            assertThat(count("jdbc:mariadb://127.0.0.1:3306/" + db,
                    "SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = 'tick'")).isEqualTo(1);
            try (Stream<Path> runs = Files.list(repo.resolve("runs"))) {
                assertThat(runs.count()).isGreaterThanOrEqualTo(1);
            }
        } finally {
            sql("jdbc:mariadb://127.0.0.1:3306/", "DROP DATABASE " + db);
        }
    }

    private static void sql(String url, String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", null); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static long count(String url, String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "root", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

}
