package dev.cairn.mysql;

import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillReport;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A restore drill for MySQL snapshots: restores each database of a snapshot into a scratch
 * database ({@code cairn_drill_<random>}) on a configured server, compares every table's row
 * count and checksum with the facts {@link MySqlSource} recorded at the dump's consistent point,
 * measures the restore time (RTO) and the data's age (RPO: drill start − snapshot time), drops
 * the scratch databases (also when something failed), and returns the {@link DrillReport}; 
 * {@link #runAndRecord} also stores it in the repository (the CLI records what {@link #run}
 * returns itself, as the {@link Drill} contract says). A differing, missing or unexpected table
 * fails the drill, naming the table.
 * Restored events are created disabled, so that nothing changes the copy while it is checked.
 *
 * <pre>{@code
 * DrillReport r = MySqlDrill.builder().url("mysql://drill@scratch-db:3306").password(pw).build()
 *         .runAndRecord(repo, repo.snapshot("latest"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class MySqlDrill implements Drill {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Server server;
    private final java.nio.file.Path clientTool;
    private final String prefix;
    private final Clock clock;
    private final String reportHost;

    private MySqlDrill(Builder b) {
        this.server = b.server();
        this.clientTool = b.clientTool;
        this.prefix = b.prefix;
        this.clock = b.clock;
        this.reportHost = b.reportHost;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link MySqlDrill}. Each call validates at once. Not thread-safe. */
    public static final class Builder extends MySqlConnectionOptions<Builder> {
        private String prefix = "cairn_drill_";
        private Clock clock = Clock.systemUTC();
        private String reportHost = dev.cairn.internal.util.HostName.local();

        private Builder() {
        }

        @Override
        void urlDatabase(String name) {
            throw new IllegalArgumentException("a drill url names the server only (mysql://user@host:port): /" + name);
        }

        /** The scratch databases' name prefix (default {@code cairn_drill_}); a random suffix follows. */
        public Builder scratchPrefix(String p) {
            if (p == null || !p.matches("[A-Za-z0-9_]{1,40}")) {
                throw new IllegalArgumentException("scratchPrefix must be 1..40 letters, digits or '_': " + p);
            }
            this.prefix = p;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The host name recorded in the report (default: this machine's). */
        public Builder reportHost(String h) {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("reportHost must not be blank");
            }
            this.reportHost = h;
            return this;
        }

        public MySqlDrill build() {
            return new MySqlDrill(this);
        }
    }


    /** Drills {@code snapshot}, records the report in {@code repo} and returns it (with its id). */
    public DrillReport runAndRecord(Repository repo, Snapshot snapshot) {
        return repo.recordDrill(run(repo, snapshot));
    }

    /** Drills {@code snapshot} and returns the report (not recorded; see {@link #runAndRecord}). */
    @Override
    public DrillReport run(Repository repo, Snapshot snapshot) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(snapshot, "snapshot");
        if (!snapshot.sourceKind().equals("mysql")) {
            throw new ConfigurationException("Snapshot " + snapshot.shortId() + " is a '" + snapshot.sourceKind()
                    + "' backup; MySqlDrill drills MySQL snapshots.");
        }
        Instant start = clock.instant();
        Duration dataAge = Duration.between(snapshot.time(), start);
        List<String> dbs = new ArrayList<>();
        for (SnapshotEntry e : repo.list(snapshot, "", false)) {
            String db = MySqlSource.databaseOf(e.path());
            if (db != null) {
                dbs.add(db);
            }
        }
        String base = prefix + HexFormat.of().formatHex(randomBytes());
        Map<String, String> scratch = new LinkedHashMap<>();
        for (int i = 0; i < dbs.size(); i++) {
            scratch.put(dbs.get(i), dbs.size() == 1 ? base : base + "_" + (i + 1));
        }
        List<String> checks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        String algorithm = snapshot.facts().get("mysql.checksum.algorithm");
        if (dbs.isEmpty()) {
            failures.add("snapshot " + snapshot.shortId() + " holds no database dump");
        } else if (!Checksums.ALGORITHM.equals(algorithm)) {
            failures.add("snapshot " + snapshot.shortId() + " has checksums of algorithm '" + algorithm
                    + "', which this version cannot compare (it computes " + Checksums.ALGORITHM + ")");
        }
        Duration restoreTime = Duration.ZERO;
        try (Connection c = server.connect()) {
            try {
                if (failures.isEmpty()) {
                    // One restore for all databases: references between them follow them to their scratch names.
                    MySqlRestore.Builder rb = MySqlRestore.builder().disableEvents(true);
                    scratch.forEach(rb::database);
                    copyConnection(rb);
                    long t0 = System.nanoTime();
                    try {
                        MySqlRestore.Result r = rb.build().restore(repo, snapshot);
                        restoreTime = Duration.ofNanos(System.nanoTime() - t0);
                        scratch.forEach((db, s) -> checks.add("database " + db + ": restored into " + s));
                        checks.add(r.bytes() + " dump bytes restored in " + restoreTime.toMillis() + " ms");
                        for (Map.Entry<String, String> e : scratch.entrySet()) {
                            compare(c, snapshot, e.getKey(), e.getValue(), checks, failures);
                        }
                    } catch (BackupException ex) {
                        restoreTime = Duration.ofNanos(System.nanoTime() - t0);
                        failures.add("restore failed: " + ex.getMessage());
                    }
                }
            } finally {
                for (String s : scratch.values()) {
                    try {
                        MySqlRestore.exec(c, "DROP DATABASE IF EXISTS " + Checksums.quote(s));
                    } catch (SQLException ex) {
                        failures.add("scratch database " + s + " could not be dropped: " + ex.getMessage());
                    }
                }
            }
        } catch (SQLException e) {
            failures.add("drill server " + server.describe() + ": " + e.getMessage() + MySqlSource.hint(e));
        }
        String target = server.describe() + "/" + base + (scratch.size() > 1 ? "_*" : "");
        DrillReport report = new DrillReport("", snapshot.id(), snapshot.sourceKind(), target, reportHost, start,
                failures.isEmpty(), restoreTime, dataAge, checks, failures);
        return report;
    }

    private void copyConnection(MySqlRestore.Builder rb) {
        rb.server = server;
        if (clientTool != null) {
            rb.clientTool(clientTool);
        }
    }

    /** Compares the scratch copy of {@code db} with the snapshot's facts, table by table. */
    static void compare(Connection c, Snapshot snapshot, String db, String scratch, List<String> checks,
                        List<String> failures) throws SQLException {
        String prefix = "mysql.table." + db + ".";
        Map<String, String[]> expected = new TreeMap<>(); // table -> {rows, checksum, engine}
        for (Map.Entry<String, String> f : snapshot.facts().entrySet()) {
            String k = f.getKey();
            if (!k.startsWith(prefix)) {
                continue;
            }
            String rest = k.substring(prefix.length());
            int field = rest.endsWith(".rows") ? 0 : rest.endsWith(".checksum") ? 1 : rest.endsWith(".engine") ? 2 : -1;
            if (field < 0) {
                continue;
            }
            String table = rest.substring(0, rest.lastIndexOf('.'));
            expected.computeIfAbsent(table, t -> new String[3])[field] = f.getValue();
        }
        Map<String, Checksums.Table> restored = new TreeMap<>();
        for (Checksums.Table t : Checksums.tables(c, scratch)) {
            restored.put(t.name(), t);
        }
        for (Map.Entry<String, String[]> e : expected.entrySet()) {
            String name = db + "." + e.getKey();
            String[] x = e.getValue();
            Checksums.Table t = restored.get(e.getKey());
            if (t == null) {
                failures.add("table " + name + ": missing after restore");
                continue;
            }
            if (x[1] == null) {
                checks.add("table " + name + ": present, not compared (" + (x[2] == null ? "no checksum recorded" : x[2])
                        + ")");
                continue;
            }
            Checksums.Result r = Checksums.compute(c, scratch, t);
            long rows = Long.parseLong(x[0]);
            if (r.rows() == rows && r.checksum().equals(x[1])) {
                checks.add("table " + name + ": " + rows + " rows, checksum ok");
            } else {
                failures.add("table " + name + ": " + (r.rows() == rows ? rows + " rows" : r.rows() + " rows, expected "
                        + rows) + ", checksum " + (r.checksum().equals(x[1]) ? "ok" : "differs"));
            }
        }
        for (String t : restored.keySet()) {
            if (!expected.containsKey(t)) {
                failures.add("table " + db + "." + t + ": restored but not recorded in the snapshot's facts");
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return b;
    }
}
