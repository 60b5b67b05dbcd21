package dev.cairn.mysql;

import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A backup taken while money moves between accounts is one consistent point, facts included. */
class MySqlConsistencyIT {
    private static final String BANK = Db.unique("cairn_it_bank");
    private static final String RESTORED = BANK + "_restored";
    private static final int ACCOUNTS = 2000;
    private static final long TOTAL = ACCOUNTS * 1000L;
    private static Connection db;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws SQLException {
        db = Db.root();
        Db.exec(db, "CREATE DATABASE `" + BANK + "`", "USE `" + BANK + "`",
                "CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL, note CHAR(100) NOT NULL DEFAULT '')",
                "CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, src INT, dst INT, amount BIGINT, "
                        + "at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6))",
                // Bulk that makes the dump take a while, so that transfers commit while it runs.
                "CREATE TABLE filler (id INT PRIMARY KEY, pad VARCHAR(255))",
                "INSERT INTO accounts (id, balance) SELECT seq, 1000 FROM seq_1_to_" + ACCOUNTS,
                "INSERT INTO filler SELECT seq, REPEAT(MD5(seq), 7) FROM seq_1_to_150000");
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (db != null) {
            Db.drop(db, BANK, RESTORED);
            db.close();
        }
    }

    @Test
    void transfersDuringBackup_keepTheTotalExact_andFactsMatchTheDump() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong transfers = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread mover = new Thread(() -> {
            Random rnd = new Random(42);
            try (Connection c = Db.root()) {
                c.setAutoCommit(false);
                PreparedStatement take = c.prepareStatement("UPDATE `" + BANK + "`.accounts SET balance = balance - ? WHERE id = ?");
                PreparedStatement give = c.prepareStatement("UPDATE `" + BANK + "`.accounts SET balance = balance + ? WHERE id = ?");
                PreparedStatement log = c.prepareStatement("INSERT INTO `" + BANK + "`.ledger (src, dst, amount) VALUES (?, ?, ?)");
                while (!stop.get()) {
                    int a = 1 + rnd.nextInt(ACCOUNTS);
                    int b = 1 + rnd.nextInt(ACCOUNTS);
                    long amount = 1 + rnd.nextInt(500);
                    take.setLong(1, amount);
                    take.setInt(2, a);
                    take.executeUpdate();
                    give.setLong(1, amount);
                    give.setInt(2, b);
                    give.executeUpdate();
                    log.setInt(1, a);
                    log.setInt(2, b);
                    log.setLong(3, amount);
                    log.executeUpdate();
                    c.commit();
                    transfers.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "mover");
        mover.start();
        try (Repository repo = TestRepos.fast(dir.resolve("repo")).init()) {
            while (transfers.get() < 200) {
                Thread.sleep(5);
            }
            long before = transfers.get();
            BackupResult r = repo.backup(Db.source().database(BANK).build()).run();
            long after = transfers.get();
            Thread.sleep(200);
            stop.set(true);
            mover.join();
            assertThat(failure.get()).isNull();
            assertThat(after - before).as("transfers committed while the backup ran").isGreaterThan(10);

            Db.restore().database(BANK, RESTORED).build().restore(repo, r.snapshot());
            assertThat(Db.longValue(db, "SELECT SUM(balance) FROM `" + RESTORED + "`.accounts")).isEqualTo(TOTAL);
            long ledger = Db.longValue(db, "SELECT COUNT(*) FROM `" + RESTORED + "`.ledger");
            assertThat(ledger).isBetween(before, after);
            // The facts were taken at the dump's own point: they equal the restored copy exactly.
            assertThat(Db.checksums(db, RESTORED)).isEqualTo(Db.checksums(r.snapshot().facts(), BANK));
            assertThat(r.snapshot().facts()).containsEntry("mysql.table." + BANK + ".ledger.rows", Long.toString(ledger));
            // The live database moved on.
            assertThat(Db.longValue(db, "SELECT COUNT(*) FROM `" + BANK + "`.ledger")).isGreaterThan(ledger);
            assertThat(Db.longValue(db, "SELECT SUM(balance) FROM `" + BANK + "`.accounts")).isEqualTo(TOTAL);

            DrillReport d = Db.drill().scratchPrefix(Db.unique("cairn_drill_bank") + "_").build().runAndRecord(repo, r.snapshot());
            assertThat(d.failures()).isEmpty();
            assertThat(d.passed()).isTrue();
        } finally {
            stop.set(true);
            mover.join();
        }
    }
}
