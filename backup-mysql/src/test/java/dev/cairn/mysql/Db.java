package dev.cairn.mysql;

import org.junit.jupiter.api.Assumptions;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The machine's MariaDB (127.0.0.1:3306, root without password) for integration tests. */
final class Db {
    static final String HOST = "127.0.0.1";
    static final int PORT = 3306;
    static final String USER = "root";

    private Db() {
    }

    /** A root session; skips the test (with a notice) when no server answers. */
    static Connection root() {
        Properties p = new Properties();
        p.setProperty("user", USER);
        p.setProperty("connectTimeout", "5000");
        try {
            Connection c = new org.mariadb.jdbc.Driver().connect("jdbc:mariadb://" + HOST + ":" + PORT + "/", p);
            exec(c, "SET NAMES utf8mb4", "SET SESSION time_zone = '+00:00'");
            return c;
        } catch (SQLException e) {
            Assumptions.abort("MariaDB is not reachable on " + HOST + ":" + PORT + " (" + e.getMessage()
                    + "); start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
            throw new AssertionError(e);
        }
    }

    /** {@code prefix} and a random suffix: each test class has its own databases. */
    static String unique(String prefix) {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return prefix + "_" + HexFormat.of().formatHex(b);
    }

    static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static long longValue(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String string(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static void drop(Connection c, String... dbs) {
        for (String d : dbs) {
            try {
                exec(c, "DROP DATABASE IF EXISTS `" + d + "`");
            } catch (SQLException ignored) {
                // cleanup
            }
        }
    }

    /** Table → "rows/checksum" of every base table, computed now. */
    static Map<String, String> checksums(Connection c, String db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Checksums.Table t : Checksums.tables(c, db)) {
            Checksums.Result r = Checksums.compute(c, db, t);
            out.put(t.name(), r.rows() + "/" + r.checksum());
        }
        return out;
    }

    /** The same, from a snapshot's facts. */
    static Map<String, String> checksums(Map<String, String> facts, String db) {
        Map<String, String> out = new LinkedHashMap<>();
        String p = "mysql.table." + db + ".";
        new java.util.TreeMap<>(facts).forEach((k, v) -> {
            if (k.startsWith(p) && k.endsWith(".rows")) {
                String t = k.substring(p.length(), k.length() - ".rows".length());
                out.put(t, v + "/" + facts.get(p + t + ".checksum"));
            }
        });
        return out;
    }

    static MySqlSource.Builder source() {
        return MySqlSource.builder().host(HOST).port(PORT).user(USER);
    }

    static MySqlRestore.Builder restore() {
        return MySqlRestore.builder().host(HOST).port(PORT).user(USER);
    }

    static MySqlDrill.Builder drill() {
        return MySqlDrill.builder().host(HOST).port(PORT).user(USER);
    }
}
