package dev.cairn.mysql;

import dev.cairn.Adapters;
import dev.cairn.BackupResult;
import dev.cairn.RestoreResult;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every common column type, a view, a trigger, a procedure, a function and an event: backup →
 * restore under a new name → identical checksums; the original untouched; drills.
 */
class MySqlRoundTripIT {
    private static final String SRC = Db.unique("cairn_it_rt");
    private static final String DST = SRC + "_restored";
    private static final String DRILL_PREFIX = Db.unique("cairn_drill_rt") + "_";
    private static Connection db;

    @TempDir
    static Path dir;
    private static Repository repo;
    private static BackupResult backup;

    @BeforeAll
    static void setUp() throws Exception {
        db = Db.root();
        Db.exec(db, "CREATE DATABASE `" + SRC + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", "USE `" + SRC + "`",
                "CREATE TABLE types (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, big BIGINT UNSIGNED, i INT, "
                        + "amount DECIMAL(20,6), f FLOAT, d DOUBLE, day DATE, moment DATETIME(6), ts TIMESTAMP NULL DEFAULT NULL, "
                        + "doc JSON, bl BLOB, vb VARBINARY(16), fb BINARY(4), txt TEXT, color ENUM('red','green','blue'), "
                        + "flags SET('a','b','c'), bits BIT(7), "
                        + "doubled DECIMAL(21,6) AS (amount * 2) VIRTUAL, shout VARCHAR(200) AS (UPPER(txt)) STORED)",
                "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(200))",
                "CREATE TABLE empty_one (k VARCHAR(10) PRIMARY KEY)",
                "CREATE TABLE legacy (k INT PRIMARY KEY, v VARCHAR(10)) ENGINE=MyISAM",
                "INSERT INTO legacy VALUES (1, 'old')",
                "CREATE VIEW v_types AS SELECT t.id, t.txt FROM `" + SRC + "`.types t WHERE t.id > 1",
                "CREATE TRIGGER types_ai AFTER INSERT ON types FOR EACH ROW INSERT INTO " + SRC
                        + ".audit(msg) VALUES (CONCAT('" + SRC + ".types ', NEW.id))",
                "CREATE PROCEDURE add_audit(IN m VARCHAR(100)) BEGIN INSERT INTO `" + SRC + "`.audit(msg) VALUES (m); END",
                "CREATE FUNCTION count_types() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM " + SRC + ".types)",
                "CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DO DELETE FROM " + SRC + ".audit WHERE id < 0",
                "INSERT INTO types (big, i, amount, f, d, day, moment, ts, doc, bl, vb, fb, txt, color, flags, bits) VALUES "
                        + "(18446744073709551615, -2147483648, -12345678901234.123456, 3.14159274, 0.1e0, '2024-02-29', "
                        + "'2024-02-29 23:59:59.999999', '2038-01-19 03:14:07', '{\"k\": \"v\", \"n\": [1, 2.5, null]}', "
                        + "X'00FF000000', X'000102', X'00', 'Grüße 😀 漢字 tamper-me', 'green', 'a,c', b'1010101'),"
                        + "(0, 0, 0, 16777217, 1e300, '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01', "
                        + "'[]', X'', X'', X'00000000', '', 'red', '', b'0'),"
                        + "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
                        + "(1, 2, 3.5, -0.0, -1.5e-300, '9999-12-31', '9999-12-31 23:59:59.000001', NULL, '\"s\"', "
                        + "X'5C0A0D1A27', X'FF', NULL, CONCAT('line1\\nline2 \\'quoted\\' \\\\ back `x` ', DATABASE(), '.types'), "
                        + "'blue', 'a,b,c', b'1111111')");
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + SRC + "`.audit")).isEqualTo(4);
        repo = TestRepos.fast(dir.resolve("repo")).init();
        backup = repo.backup(Db.source().database(SRC).build()).run();
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (db != null) {
            Db.drop(db, SRC, DST, SRC + "_again", SRC + "_uri");
            db.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    @Test
    void backup_recordsFacts_andOneEntryPerDatabase() {
        Snapshot s = backup.snapshot();
        assertThat(s.sourceKind()).isEqualTo("mysql");
        assertThat(s.source()).isEqualTo("mysql://root@127.0.0.1:3306/" + SRC);
        assertThat(repo.list(s, "", false)).extracting(e -> e.path()).containsExactly(SRC + ".sql");
        Map<String, String> f = s.facts();
        assertThat(f.get("mysql.server.version")).contains("MariaDB");
        assertThat(f.get("mysql.server.flavour")).isEqualTo("mariadb");
        assertThat(f.get("mysql.dump.tool")).contains("mariadb-dump");
        assertThat(f).containsKeys("mysql.binlog.enabled", "mysql.consistent.time", "mysql.db." + SRC + ".binlog.enabled");
        assertThat(f.get("mysql.db." + SRC + ".collation")).isEqualTo("utf8mb4_unicode_ci");
        assertThat(Long.parseLong(f.get("mysql.db." + SRC + ".lock.millis"))).isBetween(0L, 10_000L);
        assertThat(f.get("mysql.checksum.algorithm")).isEqualTo("cairn-md5sum-v1");
        assertThat(f.get("mysql.table." + SRC + ".types.rows")).isEqualTo("4");
        assertThat(f.get("mysql.table." + SRC + ".empty_one.rows")).isEqualTo("0");
        assertThat(f.get("mysql.table." + SRC + ".legacy.engine")).startsWith("MyISAM");
        assertThat(f).doesNotContainKey("mysql.table." + SRC + ".v_types.rows");
        assertThat(backup.partial()).isFalse();
    }

    @Test
    void checksums_matchTheSourceAtBackupTime() throws SQLException {
        Map<String, String> now = Db.checksums(db, SRC);
        now.remove("legacy");
        assertThat(Db.checksums(backup.snapshot().facts(), SRC)).isEqualTo(now).containsKeys("types", "audit");
    }

    @Test
    void restoreUnderNewName_isIdentical_andNeverTouchesTheOriginal() throws Exception {
        Map<String, String> before = Db.checksums(db, SRC);
        MySqlRestore.Result r = Db.restore().database(SRC, DST).build().restore(repo, backup.snapshot());
        assertThat(r.databases()).containsEntry(SRC, DST);
        assertThat(r.bytes()).isEqualTo(backup.snapshot().summary().bytesTotal());

        Map<String, String> restored = Db.checksums(db, DST);
        assertThat(restored).containsAllEntriesOf(Db.checksums(backup.snapshot().facts(), SRC));
        assertThat(restored.get("legacy")).isEqualTo(before.get("legacy"));
        assertThat(Db.string(db, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '"
                + DST + "'")).isEqualTo("utf8mb4_unicode_ci");

        // The restored trigger, procedure, function, event and view act on the copy only.
        Db.exec(db, "INSERT INTO `" + DST + "`.types (txt) VALUES ('new')", "CALL `" + DST + "`.add_audit('called')");
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + DST + "`.audit")).isEqualTo(6);
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + SRC + "`.audit")).isEqualTo(4);
        assertThat(Db.longValue(db, "SELECT `" + DST + "`.count_types()")).isEqualTo(5);
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + DST + "`.v_types")).isEqualTo(4);
        assertThat(Db.string(db, "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '" + DST
                + "'")).contains("`" + DST + "`.audit").doesNotContain(SRC + ".audit");
        assertThat(Db.string(db, "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '" + DST + "'"))
                .isEqualTo("ENABLED");
        assertThat(Db.string(db, "SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '"
                + DST + "'")).contains("`" + DST + "`.audit").contains("'" + SRC + ".types '");
        assertThat(Db.string(db, "SELECT txt FROM `" + DST + "`.types WHERE id = 4")).endsWith(SRC + ".types");
        assertThat(Db.checksums(db, SRC)).isEqualTo(before);

        // A non-empty target is refused, unless overwrite.
        assertThatThrownBy(() -> Db.restore().database(SRC, DST).build().restore(repo, backup.snapshot()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not empty").hasMessageContaining(DST);
        Db.restore().database(SRC, DST).overwrite(true).build().restore(repo, backup.snapshot());
        assertThat(Db.checksums(db, DST)).containsAllEntriesOf(Db.checksums(backup.snapshot().facts(), SRC));
        assertThat(Db.checksums(db, SRC)).isEqualTo(before);
    }

    @Test
    void restore_ofAMissingDatabase_namesWhatTheSnapshotHas() {
        assertThatThrownBy(() -> Db.restore().database("nope", SRC + "_again").build().restore(repo, backup.snapshot()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(SRC);
    }

    @Test
    void drill_passesOnAGoodSnapshot_andCleansUp() throws SQLException {
        DrillReport r = Db.drill().scratchPrefix(DRILL_PREFIX).build().runAndRecord(repo, backup.snapshot());
        assertThat(r.failures()).isEmpty();
        assertThat(r.passed()).isTrue();
        assertThat(r.id()).hasSize(64);
        assertThat(r.checks()).anyMatch(c -> c.equals("table " + SRC + ".types: 4 rows, checksum ok"))
                .anyMatch(c -> c.startsWith("table " + SRC + ".legacy: present, not compared"));
        assertThat(r.target()).startsWith("mysql://root@127.0.0.1:3306/" + DRILL_PREFIX);
        assertThat(r.restoreTime()).isPositive();
        assertThat(r.dataAge()).isPositive();
        assertThat(repo.drills()).extracting(DrillReport::id).contains(r.id());
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '"
                + DRILL_PREFIX + "%'")).isZero();
    }

    @Test
    void drill_failsNamingTheTable_whenTheRestoredDataDiffers() throws SQLException {
        BackupResult tampered = repo.backup(new TamperingSource(Db.source().database(SRC).build(), "tamper-me",
                "tampered!")).run();
        DrillReport r = Db.drill().scratchPrefix(DRILL_PREFIX).build().runAndRecord(repo, tampered.snapshot());
        assertThat(r.passed()).isFalse();
        assertThat(r.failures()).containsExactly("table " + SRC + ".types: 4 rows, checksum differs");
        assertThat(r.checks()).anyMatch(c -> c.startsWith("table " + SRC + ".audit: ") && c.endsWith("checksum ok"));
        assertThat(repo.drills()).extracting(DrillReport::id).contains(r.id());
        assertThat(Db.longValue(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '"
                + DRILL_PREFIX + "%'")).isZero();
    }

    @Test
    void optionFiles_areDeleted() throws IOException {
        repo.backup(Db.source().database(SRC).build()).run();
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.filter(p -> p.getFileName().toString().matches("cairn-mysql-.*\\.cnf"))).isEmpty();
        }
    }

    @Test
    void adapters_backUpRestoreAndDrill_byUri() throws SQLException {
        String server = "mysql://root@127.0.0.1:3306";
        BackupResult b = repo.backup(Adapters.source(server + "/" + SRC, Map.of())).run();
        assertThat(b.snapshot().sourceKind()).isEqualTo("mysql");
        RestoreResult r = Adapters.restoreTarget(server + "/" + SRC + "_uri", Map.of())
                .restore(repo, b.snapshot(), List.of(SRC), false);
        assertThat(r.files()).isEqualTo(1);
        assertThat(Db.checksums(db, SRC + "_uri")).containsAllEntriesOf(Db.checksums(b.snapshot().facts(), SRC));
        assertThatThrownBy(() -> Adapters.restoreTarget(server + "/" + SRC + "_uri", Map.of())
                .restore(repo, b.snapshot(), List.of(), false)).hasMessageContaining("not empty");
        DrillReport d = Adapters.drill("mysql", server + "?prefix=" + DRILL_PREFIX, Map.of()).run(repo, b.snapshot());
        assertThat(d.passed()).isTrue();
        assertThat(d.id()).isEmpty(); // the caller records it
    }
}
