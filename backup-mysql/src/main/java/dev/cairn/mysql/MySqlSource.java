package dev.cairn.mysql;

import dev.cairn.Repository;
import dev.cairn.SourceReadException;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Backs up MySQL or MariaDB databases through the server's dump tool ({@code mariadb-dump} or
 * {@code mysqldump}): one stream entry {@code <db>.sql} per database, uncompressed (the
 * repository compresses after chunking, which keeps deduplication working), cut with the
 * repository's {@link Repository#STREAM_CHUNKING stream} chunker parameters.
 *
 * <pre>{@code
 * repo.backup(MySqlSource.builder().url("mysql://backup@db1:3306/shop")
 *         .password(Secret.fromEnv("CAIRN_MYSQL_PASSWORD")).build()).run();
 * }</pre>
 *
 * <h2>Consistency</h2>
 * Each database is dumped with {@code --single-transaction} and recorded with facts taken at the
 * very point the dump's snapshot sees:
 * <ol>
 * <li>a JDBC session takes {@code FLUSH TABLES WITH READ LOCK}: no transaction can commit;</li>
 * <li>a second session opens {@code START TRANSACTION WITH CONSISTENT SNAPSHOT} (the checksum
 *     transaction), and the first reads the binlog file and position and the GTID set;</li>
 * <li>the dump tool starts and opens its own consistent snapshot; because nothing committed in
 *     between, it sees exactly what the checksum transaction sees;</li>
 * <li>{@code UNLOCK TABLES} as soon as the dump's output shows a line the tool only writes after
 *     its snapshot is open (see {@code DumpStream}); writers were blocked for that long only;</li>
 * <li>while the dump streams into the repository, the checksum transaction counts and checksums
 *     every table (MVCC: it reads the snapshot, whatever commits meanwhile).</li>
 * </ol>
 * Databases are dumped one after another, each with its own consistent point (facts
 * {@code mysql.db.<db>.*}); the top-level {@code mysql.binlog.*}/{@code mysql.gtid} facts hold the
 * first database's, which is the earliest. (Starting every database's dump under one lock would
 * give one point for all, but the dumps waiting for their turn would stall the server's writes to
 * them past {@code net_write_timeout} and fail.) Tables of non-transactional engines (MyISAM,
 * Aria) cannot be read consistently by a dump; they are dumped but not checksummed, and fact
 * {@code mysql.table.<db>.<table>.engine} says why. The account needs {@code RELOAD} (for the
 * lock), {@code SELECT}, {@code SHOW VIEW}, {@code TRIGGER}, {@code EVENT}, and
 * {@code REPLICATION CLIENT} or {@code BINLOG MONITOR} for the binlog position.
 *
 * <h2>Failures</h2>
 * The tool's exit status and standard error are checked, and so is its trailer line: a failed,
 * killed or truncated dump throws {@link SourceReadException} quoting the tool and writes no
 * snapshot. The password reaches the tool only through a private option file
 * ({@code --defaults-extra-file}, mode 0600, deleted afterwards).
 *
 * <p>Immutable and thread-safe; each {@link #backup} opens its own sessions.
 */
public final class MySqlSource implements Source {
    /** Schemas never backed up by {@link Builder#allDatabases()} or a pattern. */
    public static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "sys", "information_schema",
            "performance_schema");

    private final Server server;
    private final List<String> databases;
    private final Pattern pattern;
    private final Path dumpTool;
    private final Duration lockWaitTimeout;
    private final Clock clock;

    private MySqlSource(Builder b) {
        this.server = b.server();
        this.databases = List.copyOf(b.databases);
        this.pattern = b.pattern;
        this.dumpTool = b.dumpTool;
        this.lockWaitTimeout = b.lockWaitTimeout;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link MySqlSource}. Each call validates at once. Not thread-safe. */
    public static final class Builder extends MySqlConnectionOptions<Builder> {
        private final List<String> databases = new ArrayList<>();
        private Pattern pattern;
        private boolean all;
        private Duration lockWaitTimeout = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        @Override
        void urlDatabase(String name) {
            database(name);
        }

        /** Adds a database to back up. */
        public Builder database(String name) {
            validateDatabase(name);
            if (!databases.contains(name)) {
                databases.add(name);
            }
            return this;
        }

        /** Adds databases to back up. */
        public Builder databases(List<String> names) {
            Objects.requireNonNull(names, "names").forEach(this::database);
            return this;
        }

        /** Backs up every database whose whole name matches {@code regex} (system schemas excluded). */
        public Builder databasePattern(String regex) {
            try {
                this.pattern = Pattern.compile(Objects.requireNonNull(regex, "regex"));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("databasePattern is not a regular expression: " + regex, e);
            }
            return this;
        }

        /** Backs up every database except the system schemas ({@link #SYSTEM_SCHEMAS}). */
        public Builder allDatabases() {
            this.all = true;
            return this;
        }

        /**
         * How long {@code FLUSH TABLES WITH READ LOCK} may wait for running statements before the
         * backup gives up (default 60 s); while it waits, new writes queue behind it.
         */
        public Builder lockWaitTimeout(Duration d) {
            if (d == null || d.isNegative() || d.isZero() || d.toSeconds() > 31_536_000) {
                throw new IllegalArgumentException("lockWaitTimeout must be 1 s to 1 year: " + d);
            }
            this.lockWaitTimeout = d;
            return this;
        }

        /** The clock for entry times and {@code mysql.consistent.time}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MySqlSource build() {
            int ways = (databases.isEmpty() ? 0 : 1) + (pattern == null ? 0 : 1) + (all ? 1 : 0);
            if (ways != 1) {
                throw new IllegalArgumentException("give exactly one of database(s), databasePattern or allDatabases"
                        + " (given: " + ways + ")");
            }
            if (all) {
                pattern = Pattern.compile(".*");
            }
            return new MySqlSource(this);
        }
    }

    static void validateDatabase(String name) {
        if (name == null || name.isEmpty() || name.length() > 64 || name.startsWith("-")
                || name.chars().anyMatch(c -> c < ' ')) {
            throw new IllegalArgumentException("database must be a name of 1..64 characters, without control "
                    + "characters, not starting with '-': " + name);
        }
    }

    /** The entry name of a database's dump: {@code <db>.sql}, with '%' and '/' percent-encoded. */
    public static String entryName(String database) {
        return database.replace("%", "%25").replace("/", "%2F") + ".sql";
    }

    /** The database an entry name stands for, or null if it is not a dump entry. */
    public static String databaseOf(String entryName) {
        if (!entryName.endsWith(".sql") || entryName.length() == 4) {
            return null;
        }
        return entryName.substring(0, entryName.length() - 4).replace("%2F", "/").replace("%25", "%");
    }

    @Override
    public String kind() {
        return "mysql";
    }

    @Override
    public String descriptor() {
        if (pattern != null) {
            return server.describe() + (pattern.pattern().equals(".*") ? "/*" : "/~" + pattern.pattern());
        }
        return server.describe() + "/" + String.join(",", databases);
    }

    @Override
    public String chunking() {
        return Repository.STREAM_CHUNKING;
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        Tool tool = Tool.find(dumpTool, Tool.DUMP_TOOLS);
        ExecutorService checksummer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-mysql-checksums");
            t.setDaemon(true);
            return t;
        });
        Path optionFile = null;
        try (Connection admin = connect("connect to")) {
            ServerInfo info = ServerInfo.read(admin);
            session.fact("mysql.server.version", info.version());
            session.fact("mysql.server.flavour", info.flavour());
            if (!info.comment().isEmpty()) {
                session.fact("mysql.server.versionComment", info.comment());
            }
            session.fact("mysql.dump.tool", tool.version());
            session.fact("mysql.checksum.algorithm", Checksums.ALGORITHM);
            List<String> dbs = resolve(admin);
            optionFile = server.writeOptionFile(tool);
            for (int i = 0; i < dbs.size(); i++) {
                if (session.isCancelled()) {
                    throw new SourceReadException("Backup of " + descriptor() + " was cancelled.");
                }
                dumpDatabase(session, admin, info, tool, optionFile, dbs.get(i), i == 0, checksummer);
            }
        } catch (SQLException e) {
            throw new SourceReadException("MySQL backup of " + descriptor() + " failed: " + e.getMessage()
                    + hint(e), e);
        } finally {
            checksummer.shutdownNow();
            if (optionFile != null) {
                Files.deleteIfExists(optionFile);
            }
        }
        session.root().close();
    }

    private Connection connect(String what) {
        try {
            return server.connect();
        } catch (SQLException e) {
            throw new SourceReadException("Cannot " + what + " " + server.describe() + ": " + e.getMessage()
                    + hint(e), e);
        }
    }

    static String hint(SQLException e) {
        return switch (e.getErrorCode()) {
            case 1045 -> ". Check the user and password (CAIRN_MYSQL_PASSWORD or CAIRN_MYSQL_PASSWORD_FILE).";
            case 1227 -> ". The account lacks a privilege; backups need RELOAD, SELECT, SHOW VIEW, TRIGGER, EVENT and "
                    + "REPLICATION CLIENT (BINLOG MONITOR on MariaDB).";
            case 1205 -> ". FLUSH TABLES WITH READ LOCK waited too long for running statements; retry when no long "
                    + "query runs, or raise lockWaitTimeout.";
            default -> "";
        };
    }

    private List<String> resolve(Connection admin) throws SQLException {
        List<String> present = new ArrayList<>();
        try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW DATABASES")) {
            while (rs.next()) {
                present.add(rs.getString(1));
            }
        }
        if (pattern == null) {
            List<String> missing = databases.stream().filter(d -> !present.contains(d)).toList();
            if (!missing.isEmpty()) {
                throw new SourceReadException("Database " + String.join(", ", missing) + " does not exist on "
                        + server.describe() + " (or the account cannot see it); no snapshot was written.");
            }
            return databases;
        }
        List<String> out = present.stream().filter(d -> !SYSTEM_SCHEMAS.contains(d.toLowerCase(java.util.Locale.ROOT)))
                .filter(d -> pattern.matcher(d).matches()).sorted().toList();
        if (out.isEmpty()) {
            throw new SourceReadException("No database on " + server.describe() + " matches " + descriptor()
                    + "; no snapshot was written.");
        }
        out.forEach(MySqlSource::validateDatabase);
        return out;
    }

    /** One database: lock, open both snapshots, start the dump, unlock, stream, checksum, check. */
    private void dumpDatabase(SourceSession session, Connection admin, ServerInfo info, Tool tool, Path optionFile,
                              String db, boolean first, ExecutorService checksummer) throws SQLException, IOException {
        Connection ck = connect("open the checksum session on");
        Process proc = null;
        Future<Map<String, Checksums.Result>> sums = null;
        boolean[] locked = {false};
        long[] lockNanos = {0, 0}; // taken, held
        DumpStream.Callback unlock = () -> {
            if (locked[0]) {
                locked[0] = false;
                lockNanos[1] = System.nanoTime() - lockNanos[0];
                try (Statement s = admin.createStatement()) {
                    s.execute("UNLOCK TABLES");
                } catch (SQLException e) {
                    throw new IOException("UNLOCK TABLES failed: " + e.getMessage(), e);
                }
            }
        };
        long ckId = -1;
        try {
            try (Statement s = ck.createStatement()) {
                s.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
                try (ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
                    rs.next();
                    ckId = rs.getLong(1);
                }
            }
            List<Checksums.Table> tables;
            ServerInfo.Position pos;
            long consistentAt;
            Tool.ErrorTail err;
            try (Statement s = admin.createStatement()) {
                s.execute("SET SESSION lock_wait_timeout = " + Math.max(1, lockWaitTimeout.toSeconds()));
                s.execute("FLUSH TABLES WITH READ LOCK");
                lockNanos[0] = System.nanoTime();
                locked[0] = true;
                try (Statement c = ck.createStatement()) {
                    c.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                }
                consistentAt = clock.millis();
                pos = ServerInfo.position(admin, info);
                // Under the lock no DDL runs either: the table list is the one the dump sees.
                tables = Checksums.tables(admin, db);
                Map<String, String> charset = ServerInfo.charset(admin, db);
                charset.forEach((k, v) -> session.fact("mysql.db." + db + "." + k, v));
                proc = Tool.start(Tool.command(tool, optionFile, dumpArgs(tool, info, db)));
                proc.getOutputStream().close();
                err = new Tool.ErrorTail(proc.getErrorStream(), "cairn-mysql-dump-stderr");
            } catch (SQLException | IOException | RuntimeException e) {
                unlock.run();
                throw e;
            }
            recordPosition(session, "mysql.db." + db + ".", pos, consistentAt);
            if (first) {
                recordPosition(session, "mysql.", pos, consistentAt);
            }
            List<Checksums.Table> checked = tables.stream().filter(Checksums.Table::transactional).toList();
            sums = checksummer.submit(() -> {
                Map<String, Checksums.Result> out = new LinkedHashMap<>();
                for (Checksums.Table t : checked) {
                    out.put(t.name(), Checksums.compute(ck, db, t));
                }
                return out;
            });
            DumpStream out = new DumpStream(proc.getInputStream(), unlock);
            long now = TimeUnit.MILLISECONDS.toNanos(clock.millis());
            try (out) {
                session.root().file(EntryMetadata.stream(entryName(db), now), out);
            }
            unlock.run();
            int status = waitFor(proc);
            String stderr = err.text();
            if (status != 0) {
                throw new SourceReadException(tool.path().getFileName() + " " + Tool.exitText(status) + " while dumping "
                        + server.describe(db) + "; no snapshot was written." + (stderr.isEmpty() ? ""
                        : " Its error output: " + stderr));
            }
            if (!out.completed()) {
                throw new SourceReadException(tool.path().getFileName() + " output for " + server.describe(db)
                        + " ended after " + out.count() + " bytes without its '-- Dump completed' line: the dump is "
                        + "truncated; no snapshot was written." + (stderr.isEmpty() ? "" : " Its error output: " + stderr));
            }
            Map<String, Checksums.Result> results = await(sums, db);
            for (Checksums.Table t : tables) {
                String k = "mysql.table." + db + "." + t.name() + ".";
                Checksums.Result r = results.get(t.name());
                if (r == null) {
                    session.fact(k + "engine", t.engine() + " (not transactional: not checksummed)");
                } else {
                    session.fact(k + "rows", Long.toString(r.rows()));
                    session.fact(k + "checksum", r.checksum());
                }
            }
            session.fact("mysql.db." + db + ".tables", Integer.toString(tables.size()));
            // How long writers waited: from the global read lock to the dump's snapshot being seen open.
            session.fact("mysql.db." + db + ".lock.millis", Long.toString(TimeUnit.NANOSECONDS.toMillis(lockNanos[1])));
            session.fact("mysql.db." + db + ".entry", entryName(db));
            try (Statement c = ck.createStatement()) {
                c.execute("COMMIT");
            }
        } catch (IOException | SQLException | RuntimeException e) {
            if (proc != null) {
                proc.destroyForcibly();
            }
            if (sums != null && !sums.isDone()) {
                killQuietly(admin, ckId);
                sums.cancel(true);
            }
            try {
                unlock.run();
            } catch (IOException ignored) {
                // the original failure matters
            }
            throw e;
        } finally {
            closeQuietly(ck);
        }
    }

    private static void killQuietly(Connection admin, long connectionId) {
        try (Statement s = admin.createStatement()) {
            s.execute("KILL QUERY " + connectionId);
        } catch (SQLException | RuntimeException ignored) {
            // best effort: closing the session ends the query too
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing to do
        }
    }

    private Map<String, Checksums.Result> await(Future<Map<String, Checksums.Result>> f, String db)
            throws SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceReadException("Interrupted while checksumming " + server.describe(db), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException se) {
                throw se;
            }
            throw new SourceReadException("Checksumming " + server.describe(db) + " failed: " + e.getCause(),
                    e.getCause());
        }
    }

    private static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SourceReadException("Interrupted while waiting for the dump tool", e);
        }
    }

    private static void recordPosition(SourceSession s, String prefix, ServerInfo.Position p, long at) {
        s.fact(prefix + "consistent.time", java.time.Instant.ofEpochMilli(at).toString());
        s.fact(prefix + "binlog.enabled", p.unavailable() != null ? "unknown" : Boolean.toString(p.file() != null));
        if (p.unavailable() != null) {
            s.fact(prefix + "binlog.unavailable", p.unavailable());
        } else if (p.file() != null) {
            s.fact(prefix + "binlog.file", p.file());
            s.fact(prefix + "binlog.pos", Long.toString(p.position()));
        }
        if (!p.gtid().isEmpty()) {
            s.fact(prefix + "gtid", p.gtid());
        }
    }

    static List<String> dumpArgs(Tool tool, ServerInfo server, String db) {
        List<String> a = new ArrayList<>(List.of("--single-transaction", "--skip-lock-tables", "--routines",
                "--triggers", "--events", "--hex-blob", "--default-character-set=utf8mb4", "--tz-utc", "--quick",
                // Rows in primary-key order: free on InnoDB, stable dumps (better deduplication) elsewhere.
                "--order-by-primary",
                // The trailer and the structure comments are how truncation and the snapshot are detected.
                "--comments", "--no-tablespaces"));
        if (!tool.mariadb()) {
            // mysqldump would otherwise write SET @@GLOBAL.GTID_PURGED, which fails on a server with history.
            a.add("--set-gtid-purged=OFF");
            if (server.mariadb()) {
                a.add("--column-statistics=0"); // MariaDB has no COLUMN_STATISTICS table for mysqldump 8 to read
            }
        }
        a.add(db);
        return a;
    }
}
