package dev.cairn.mysql;

import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Restores databases from a {@link MySqlSource} snapshot into a server (the same or another),
 * under the same name or a new one, by streaming each {@code <db>.sql} entry into the client
 * ({@code mariadb} or {@code mysql}). The password reaches the client through a private option
 * file. Nothing is staged on disk.
 *
 * <pre>{@code
 * MySqlRestore.builder().url("mysql://root@db2:3306").password(pw)
 *         .database("shop", "shop_restored").build()
 *         .restore(repo, repo.snapshot("latest"));
 * }</pre>
 *
 * <p>Restoring under a new name never touches the original database: the dump carries no
 * {@code USE} or {@code CREATE DATABASE} (it is written without {@code --databases}), views are
 * written unqualified by the dump tool, and names that triggers, routines and events qualify with
 * the source database are rewritten on the way ({@code SchemaRewriter}). Databases restored
 * together under new names keep referring to each other (a view in {@code b} over {@code a.t}
 * follows {@code a} to its new name); references to databases outside the restore stay. A target that exists and
 * holds anything (tables, views, routines, events) is refused unless {@link Builder#overwrite}, which
 * drops and re-creates it. A target created by a restore that then fails is dropped again. The
 * target is created with the source's character set and collation when the snapshot recorded them.
 *
 * <p>Immutable and thread-safe.
 */
public final class MySqlRestore {
    private final Server server;
    private final Map<String, String> mapping;
    private final boolean all;
    private final boolean overwrite;
    private final boolean disableEvents;
    private final Path clientTool;

    private MySqlRestore(Builder b) {
        this.server = b.server();
        // In the order given: a database whose views name another is restored after it.
        this.mapping = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.mapping));
        this.all = b.all;
        this.overwrite = b.overwrite;
        this.disableEvents = b.disableEvents;
        this.clientTool = b.clientTool;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link MySqlRestore}. Each call validates at once. Not thread-safe. */
    public static final class Builder extends MySqlConnectionOptions<Builder> {
        private final Map<String, String> mapping = new LinkedHashMap<>();
        private boolean all;
        private boolean overwrite;
        private boolean disableEvents;

        private Builder() {
        }

        @Override
        void urlDatabase(String name) {
            throw new IllegalArgumentException("a restore url names the server only (mysql://user@host:port); give "
                    + "databases with database(source, target): /" + name);
        }

        /** Restores {@code source} under its own name. */
        public Builder database(String source) {
            return database(source, source);
        }

        /** Restores the snapshot's database {@code source} as {@code target}. */
        public Builder database(String source, String target) {
            MySqlSource.validateDatabase(source);
            MySqlSource.validateDatabase(target);
            if (MySqlSource.SYSTEM_SCHEMAS.contains(target.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("target must not be a system schema: " + target);
            }
            if (mapping.containsValue(target) && !target.equals(mapping.get(source))) {
                throw new IllegalArgumentException("target " + target + " is given twice");
            }
            mapping.put(source, target);
            return this;
        }

        /** Restores every database of the snapshot under its own name. */
        public Builder allDatabases() {
            this.all = true;
            return this;
        }

        /** Replace a target database that is not empty (drop and re-create it). Default false. */
        public Builder overwrite(boolean v) {
            this.overwrite = v;
            return this;
        }

        /** Create the restored events disabled, so that a copy does not run its schedule (drills). */
        public Builder disableEvents(boolean v) {
            this.disableEvents = v;
            return this;
        }

        public MySqlRestore build() {
            if (mapping.isEmpty() == !all) {
                throw new IllegalArgumentException("give either database(source[, target]) or allDatabases()");
            }
            return new MySqlRestore(this);
        }
    }

    /**
     * What a restore did. Immutable.
     *
     * @param databases source database → target database, in order
     * @param bytes     dump bytes read from the snapshot and streamed into the client
     * @param time      how long the restore took
     */
    public record Result(Map<String, String> databases, long bytes, Duration time) {
        public Result {
            databases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(databases));
        }
    }

    /** Restores the configured databases of {@code snapshot}. */
    public Result restore(Repository repo, Snapshot snapshot) {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(snapshot, "snapshot");
        long t0 = System.nanoTime();
        Map<String, String> plan = plan(repo, snapshot);
        Tool tool = Tool.find(clientTool, Tool.CLIENT_TOOLS);
        long bytes = 0;
        try (Connection admin = server.connect()) {
            // Databases restored together under new names keep referring to each other.
            Map<String, String> renames = new LinkedHashMap<>();
            plan.forEach((s, t) -> {
                if (!s.equals(t)) {
                    renames.put(s, t);
                }
            });
            for (Map.Entry<String, String> e : plan.entrySet()) {
                bytes += restoreOne(repo, snapshot, admin, tool, e.getKey(), e.getValue(), renames);
            }
        } catch (SQLException e) {
            throw new BackupException(ErrorCode.FAILED, "Restore into " + server.describe() + " failed: "
                    + e.getMessage() + MySqlSource.hint(e), e);
        }
        return new Result(plan, bytes, Duration.ofNanos(System.nanoTime() - t0));
    }

    private Map<String, String> plan(Repository repo, Snapshot snapshot) {
        List<String> present = new ArrayList<>();
        for (SnapshotEntry e : repo.list(snapshot, "", false)) {
            String db = MySqlSource.databaseOf(e.path());
            if (db != null) {
                present.add(db);
            }
        }
        if (!snapshot.sourceKind().equals("mysql")) {
            throw new ConfigurationException("Snapshot " + snapshot.shortId() + " is a '" + snapshot.sourceKind()
                    + "' backup, not a MySQL one.");
        }
        Map<String, String> plan = new LinkedHashMap<>();
        if (all) {
            present.forEach(d -> plan.put(d, d));
        } else {
            for (Map.Entry<String, String> e : mapping.entrySet()) {
                if (!present.contains(e.getKey())) {
                    throw new ConfigurationException("Snapshot " + snapshot.shortId() + " has no database "
                            + e.getKey() + " (it has: " + String.join(", ", present) + ").");
                }
                plan.put(e.getKey(), e.getValue());
            }
        }
        return plan;
    }

    private long restoreOne(Repository repo, Snapshot snapshot, Connection admin, Tool tool, String source,
                            String target, Map<String, String> renames) throws SQLException {
        boolean exists = exists(admin, target);
        if (exists) {
            int objects = objects(admin, target);
            if (objects > 0 && !overwrite) {
                throw new ConfigurationException("Database " + target + " on " + server.describe() + " is not empty ("
                        + objects + " tables, views, routines or events). Restore under another name, or pass "
                        + "overwrite (--overwrite) to drop and replace it.");
            }
            if (objects > 0) {
                exec(admin, "DROP DATABASE " + Checksums.quote(target));
                exists = false;
            }
        }
        boolean created = false;
        if (!exists) {
            String cs = snapshot.facts().get("mysql.db." + source + ".charset");
            String coll = snapshot.facts().get("mysql.db." + source + ".collation");
            String spec = cs != null && cs.matches("\\w+") ? " CHARACTER SET " + cs : "";
            spec += coll != null && coll.matches("\\w+") ? " COLLATE " + coll : "";
            exec(admin, "CREATE DATABASE " + Checksums.quote(target) + spec);
            created = true;
        }
        try {
            return stream(repo, snapshot, tool, source, target, renames);
        } catch (RuntimeException e) {
            if (created) {
                try {
                    exec(admin, "DROP DATABASE IF EXISTS " + Checksums.quote(target));
                } catch (SQLException ignored) {
                    // the restore's failure is what matters
                }
            }
            throw e;
        }
    }

    private long stream(Repository repo, Snapshot snapshot, Tool tool, String source, String target,
                        Map<String, String> renames) {
        Path opt = null;
        Process p = null;
        long n = 0;
        String where = server.describe(target);
        try {
            opt = server.writeOptionFile(tool);
            List<String> args = new ArrayList<>(List.of("--default-character-set=utf8mb4", "--batch", "--silent",
                    "--database=" + target));
            p = Tool.start(Tool.command(tool, opt, args));
            Tool.ErrorTail err = new Tool.ErrorTail(p.getErrorStream(), "cairn-mysql-client-stderr");
            Thread drainOut = drain(p.getInputStream());
            IOException writeFailure = null;
            long[] read = {0};
            InputStream raw = new java.io.FilterInputStream(repo.openFile(snapshot, MySqlSource.entryName(source))) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int r = super.read(b, off, len);
                    read[0] += Math.max(r, 0);
                    return r;
                }
            };
            InputStream feed = tool.mariadb() ? raw : withoutSandboxLine(raw);
            try (InputStream in = renames.isEmpty() && !disableEvents ? feed
                    : new SchemaRewriter(feed, renames, disableEvents);
                 OutputStream out = p.getOutputStream()) {
                byte[] buf = new byte[256 * 1024];
                int r;
                while ((r = in.read(buf)) > 0) {
                    try {
                        out.write(buf, 0, r);
                    } catch (IOException e) { // the client stopped reading: its error says why
                        writeFailure = e;
                        break;
                    }
                }
            } catch (IOException e) {
                if (writeFailure == null) {
                    writeFailure = e;
                }
            }
            n = read[0];
            int status = p.waitFor();
            drainOut.join(10_000);
            String stderr = err.text();
            if (status != 0) {
                throw new BackupException(ErrorCode.FAILED, tool.path().getFileName() + " " + Tool.exitText(status)
                        + " while restoring " + source + " from snapshot " + snapshot.shortId() + " into " + where
                        + " after " + n + " bytes." + (stderr.isEmpty() ? "" : " Its error output: " + stderr));
            }
            if (writeFailure != null) {
                throw new BackupException(ErrorCode.FAILED, "Restore of " + source + " into " + where + " failed after "
                        + n + " bytes: " + writeFailure.getMessage(), writeFailure);
            }
            return n;
        } catch (IOException e) {
            throw new BackupException(ErrorCode.FAILED, "Cannot run " + tool.path() + " to restore into " + where + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupException(ErrorCode.CANCELLED, "Restore into " + where + " was interrupted.", e);
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (opt != null) {
                try {
                    Files.deleteIfExists(opt);
                } catch (IOException ignored) {
                    // a temp file in a private mode; nothing more to do
                }
            }
        }
    }

    private static final byte[] SANDBOX = "/*M!999999\\- enable the sandbox mode */".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The dump without the first line that mariadb-dump (10.5.25, 10.6.18, 10.11.8 and later)
     * writes to put the MariaDB client in sandbox mode: MySQL's client reads its {@code \-} as an
     * unknown command and stops.
     */
    static InputStream withoutSandboxLine(InputStream in) throws IOException {
        java.io.PushbackInputStream p = new java.io.PushbackInputStream(in, 128);
        byte[] head = new byte[128];
        int n = 0;
        int r;
        while (n < head.length && (r = p.read()) >= 0) {
            head[n++] = (byte) r;
            if (r == '\n') {
                break;
            }
        }
        boolean sandbox = n >= SANDBOX.length && java.util.Arrays.equals(head, 0, SANDBOX.length, SANDBOX, 0,
                SANDBOX.length) && head[n - 1] == '\n';
        if (!sandbox) {
            p.unread(head, 0, n);
        }
        return p;
    }

    private static Thread drain(InputStream in) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the process ended
            }
        }, "cairn-mysql-client-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static boolean exists(Connection c, String db) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    static int objects(Connection c, String db) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                + "TABLE_SCHEMA = ?) + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) + "
                + "(SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?)")) {
            ps.setString(1, db);
            ps.setString(2, db);
            ps.setString(3, db);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
