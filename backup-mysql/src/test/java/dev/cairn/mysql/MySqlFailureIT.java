package dev.cairn.mysql;

import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.SourceReadException;
import dev.cairn.testing.TestRepos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A dump that fails in any way writes no snapshot, quotes the tool, and leaves the server unlocked. */
class MySqlFailureIT {
    private static final String DB = Db.unique("cairn_it_fail");
    private static final String USER = Db.unique("cairn_it");
    /** Like USER, without BINLOG MONITOR. */
    private static final String NO_BINLOG = USER + "_nb";
    /** Every character the option file must escape or keep: quotes, backslash, '#', spaces. */
    private static final String PASSWORD = "p\"a\\ss#w'rd x ;=";
    private static Connection db;

    @TempDir
    Path dir;
    private Repository repo;

    @BeforeAll
    static void setUp() throws SQLException {
        db = Db.root();
        Db.exec(db, "CREATE DATABASE `" + DB + "`", "USE `" + DB + "`",
                "CREATE TABLE `" + DB + "`.t (id INT PRIMARY KEY, pad VARCHAR(200))",
                "INSERT INTO `" + DB + "`.t SELECT seq, REPEAT('x', 150) FROM seq_1_to_2000");
        for (String host : new String[] {"localhost", "127.0.0.1"}) {
            String u = "'" + USER + "'@'" + host + "'";
            Db.exec(db, "CREATE USER " + u + " IDENTIFIED BY '" + PASSWORD.replace("\\", "\\\\").replace("'", "\\'") + "'",
                    "GRANT RELOAD, BINLOG MONITOR ON *.* TO " + u, "GRANT ALL ON `" + DB + "`.* TO " + u);
            String nb = "'" + NO_BINLOG + "'@'" + host + "'";
            Db.exec(db, "CREATE USER " + nb + " IDENTIFIED BY 'nb-password'", "GRANT RELOAD ON *.* TO " + nb,
                    "GRANT ALL ON `" + DB + "`.* TO " + nb);
        }
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (db != null) {
            Db.drop(db, DB);
            for (String host : new String[] {"localhost", "127.0.0.1"}) {
                Db.exec(db, "DROP USER IF EXISTS '" + USER + "'@'" + host + "'",
                        "DROP USER IF EXISTS '" + NO_BINLOG + "'@'" + host + "'");
            }
            db.close();
        }
    }

    @BeforeEach
    void openRepo() {
        repo = TestRepos.fast(dir.resolve("repo")).init();
    }

    @AfterEach
    void checkNothingLeft() throws SQLException, IOException {
        repo.close();
        // No global read lock left behind: a write goes through at once.
        Db.exec(db, "SET SESSION lock_wait_timeout = 5", "UPDATE `" + DB + "`.t SET pad = pad WHERE id = 1");
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.filter(p -> p.getFileName().toString().matches("cairn-mysql-.*\\.cnf"))).isEmpty();
        }
    }

    private MySqlSource.Builder asUser(String password) {
        return MySqlSource.builder().host(Db.HOST).port(Db.PORT).user(USER).password(Secret.of(password.toCharArray()))
                .database(DB);
    }

    /** A dump tool that runs the real one and then misbehaves as {@code script} says. */
    private Path tool(String script) throws IOException {
        Path t = dir.resolve("fake-dump");
        Files.writeString(t, "#!/bin/sh\ncase \"$1\" in --version) exec mariadb-dump --version;; esac\n" + script + "\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwx------"));
        return t;
    }

    @Test
    void password_withSpecialCharacters_reachesTheToolThroughTheOptionFile() {
        var r = repo.backup(asUser(PASSWORD).build()).run();
        assertThat(r.snapshot().facts()).containsEntry("mysql.table." + DB + ".t.rows", "2000");
        assertThat(repo.snapshots()).hasSize(1);
    }

    @Test
    void wrongPassword_writesNoSnapshot() {
        assertThatThrownBy(() -> repo.backup(asUser("wrong").build()).run())
                .isInstanceOf(SourceReadException.class).hasMessageContaining("Access denied")
                .hasMessageContaining(USER).hasMessageNotContaining("wrong").hasMessageContaining("CAIRN_MYSQL_PASSWORD");
        assertThat(repo.snapshots()).isEmpty();
    }

    @Test
    void missingDatabase_writesNoSnapshot() {
        assertThatThrownBy(() -> repo.backup(Db.source().database(DB + "_missing").build()).run())
                .isInstanceOf(SourceReadException.class).hasMessageContaining(DB + "_missing")
                .hasMessageContaining("does not exist");
        assertThat(repo.snapshots()).isEmpty();
    }

    @Test
    void toolKilledHalfway_writesNoSnapshot() throws IOException {
        Path t = tool("mariadb-dump \"$@\" | head -c 20000\nkill -9 $$");
        assertThatThrownBy(() -> repo.backup(Db.source().database(DB).dumpTool(t).build()).run())
                .isInstanceOf(SourceReadException.class).hasMessageContaining("killed by signal 9")
                .hasMessageContaining("no snapshot was written");
        assertThat(repo.snapshots()).isEmpty();
    }

    @Test
    void toolFailing_isQuoted() throws IOException {
        Path t = tool("mariadb-dump \"$@\" | head -c 20000\necho 'mariadb-dump: Got error: 2013: \"Lost connection to "
                + "server during query\" when dumping table `t` at row: 130' >&2\nexit 2");
        assertThatThrownBy(() -> repo.backup(Db.source().database(DB).dumpTool(t).build()).run())
                .isInstanceOf(SourceReadException.class).hasMessageContaining("exited with status 2")
                .hasMessageContaining("Lost connection to server during query");
        assertThat(repo.snapshots()).isEmpty();
    }

    @Test
    void truncatedOutput_withStatusZero_writesNoSnapshot() throws IOException {
        Path t = tool("mariadb-dump \"$@\" | head -c 20000\nexit 0");
        assertThatThrownBy(() -> repo.backup(Db.source().database(DB).dumpTool(t).build()).run())
                .isInstanceOf(SourceReadException.class).hasMessageContaining("truncated")
                .hasMessageContaining("20000 bytes");
        assertThat(repo.snapshots()).isEmpty();
    }

    @Test
    void failedBackup_thenGoodOne_reusesData() throws IOException {
        Path t = tool("mariadb-dump \"$@\" | head -c 20000\nexit 3");
        assertThatThrownBy(() -> repo.backup(Db.source().database(DB).dumpTool(t).build()).run())
                .isInstanceOf(SourceReadException.class);
        var ok = repo.backup(Db.source().database(DB).build()).run();
        assertThat(repo.snapshots()).hasSize(1);
        assertThat(ok.snapshot().summary().bytesTotal()).isGreaterThan(200_000);
    }

    @Test
    void withoutBinlogPrivilege_theBackupIsWhole_andSaysWhyThePositionIsMissing() {
        var r = repo.backup(MySqlSource.builder().host(Db.HOST).port(Db.PORT).user(NO_BINLOG)
                .password(Secret.of("nb-password".toCharArray())).database(DB).build()).run();
        assertThat(r.snapshot().facts()).containsEntry("mysql.binlog.enabled", "unknown")
                .containsEntry("mysql.table." + DB + ".t.rows", "2000");
        assertThat(r.snapshot().facts().get("mysql.binlog.unavailable")).contains("BINLOG MONITOR");
    }
}
