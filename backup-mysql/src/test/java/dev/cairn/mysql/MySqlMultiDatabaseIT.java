package dev.cairn.mysql;

import dev.cairn.BackupResult;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Several databases by pattern: one entry and one consistent point each; restore and drill all. */
class MySqlMultiDatabaseIT {
    private static final String BASE = Db.unique("cairn_it_multi");
    private static final String A = BASE + "_a";
    private static final String B = BASE + "_b";
    private static final String ODD = BASE + "/odd%name";
    private static Connection db;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws SQLException {
        db = Db.root();
        for (String d : new String[] {A, B, ODD}) {
            Db.exec(db, "CREATE DATABASE `" + d + "`", "CREATE TABLE `" + d + "`.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO `" + d + "`.t VALUES (1, '" + d.substring(d.length() - 4) + "'), (2, NULL)");
        }
        // A view across databases keeps naming the other database: that is what it means.
        Db.exec(db, "CREATE VIEW `" + B + "`.both AS SELECT a.id FROM `" + A + "`.t a JOIN `" + B + "`.t b USING (id)");
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (db != null) {
            Db.drop(db, A, B, ODD, A + "_r", B + "_r", BASE + "_odd_r");
            db.close();
        }
    }

    @Test
    void patternBackup_restoreEach_andDrillAll() throws SQLException {
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            BackupResult r = repo.backup(Db.source().databasePattern(java.util.regex.Pattern.quote(BASE) + "_.*|"
                    + java.util.regex.Pattern.quote(ODD)).build()).run();
            assertThat(repo.list(r.snapshot(), "", false)).extracting(e -> e.path())
                    .containsExactlyInAnyOrder(A + ".sql", B + ".sql", BASE + "%2Fodd%25name.sql");
            assertThat(r.snapshot().facts()).containsKeys("mysql.db." + A + ".consistent.time",
                    "mysql.db." + B + ".consistent.time", "mysql.table." + ODD + ".t.checksum", "mysql.binlog.enabled");

            assertThatThrownBy(() -> Db.restore().allDatabases().build().restore(repo, r.snapshot()))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("not empty");
            Db.restore().database(A, A + "_r").database(B, B + "_r").database(ODD, BASE + "_odd_r").build()
                    .restore(repo, r.snapshot());
            assertThat(Db.checksums(db, A + "_r")).isEqualTo(Db.checksums(r.snapshot().facts(), A));
            assertThat(Db.checksums(db, BASE + "_odd_r")).isEqualTo(Db.checksums(r.snapshot().facts(), ODD));
            assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + B + "_r`.both")).isEqualTo(2);
            // Restored together, the view in B follows A to its new name.
            assertThat(Db.string(db, "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '"
                    + B + "_r'")).contains("`" + A + "_r`.").doesNotContain("`" + A + "`.");

            DrillReport d = Db.drill().scratchPrefix(Db.unique("cairn_drill_multi") + "_").build().run(repo, r.snapshot());
            assertThat(d.failures()).isEmpty();
            assertThat(d.checks()).filteredOn(c -> c.endsWith("checksum ok")).hasSize(3);
            assertThat(d.passed()).isTrue();
            assertThat(d.target()).endsWith("_*");
        }
    }
}
