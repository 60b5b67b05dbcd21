package dev.cairn.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Per-table row counts and content checksums, computed by the server in one scan.
 *
 * <p>The checksum ({@value #ALGORITHM}) is order-independent and does not depend on how a row is
 * stored, only on its values: each column value becomes {@code MD5(CAST(col AS BINARY))}
 * ({@code '-'} for NULL), a row is the MD5 of its columns' digests in column order, and the table's
 * checksum is the pair of sums of the rows' digests' two 64-bit halves (exact DECIMAL sums, so
 * duplicate rows count and swapped values between rows are detected, unlike an XOR of CRC32s).
 * {@code CAST(col AS BINARY)} is the value's canonical text for numbers and dates (TIMESTAMP in
 * UTC: the session's time zone is UTC) and its bytes for strings and binary data. FLOAT columns
 * are therefore compared at the six significant digits that the server prints and the dump tool
 * writes (the rest of a FLOAT's bits do not survive a logical dump). {@code CHECKSUM TABLE} is not
 * used: it reads the latest committed data, not the transaction's snapshot, and depends on the row
 * format.
 */
final class Checksums {
    static final String ALGORITHM = "cairn-md5sum-v1";
    private static final Set<String> TRANSACTIONAL = Set.of("INNODB", "ROCKSDB", "TOKUDB", "XTRADB");

    private Checksums() {
    }

    /** A base table and its columns in order. */
    record Table(String name, String engine, List<String> columns) {
        boolean transactional() {
            return engine != null && TRANSACTIONAL.contains(engine.toUpperCase(Locale.ROOT));
        }
    }

    /** A table's row count and checksum. */
    record Result(long rows, String checksum) {
    }

    /** The base tables of {@code db} (views and sequences excluded), by name. */
    static List<Table> tables(Connection c, String db) throws SQLException {
        Map<String, String> engines = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES "
                + "WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    engines.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        Map<String, List<String>> cols = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                + "WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        List<Table> out = new ArrayList<>();
        engines.forEach((t, e) -> out.add(new Table(t, e, List.copyOf(cols.getOrDefault(t, List.of())))));
        return out;
    }

    /** Counts and checksums one table in the connection's current transaction (or now, outside one). */
    static Result compute(Connection c, String db, Table t) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql(db, t))) {
            rs.next();
            return new Result(rs.getLong(1), rs.getString(2) + ":" + rs.getString(3));
        }
    }

    static String sql(String db, Table t) {
        StringBuilder row = new StringBuilder("MD5(CONCAT(");
        for (int i = 0; i < t.columns().size(); i++) {
            if (i > 0) {
                row.append(", ");
            }
            row.append("COALESCE(MD5(CAST(").append(quote(t.columns().get(i))).append(" AS BINARY)), '-')");
        }
        if (t.columns().isEmpty()) {
            row.append("''");
        }
        row.append("))");
        return "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), 0), "
                + "COALESCE(SUM(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED)), 0) FROM (SELECT " + row + " AS h FROM "
                + quote(db) + "." + quote(t.name()) + ") AS cairn_rows";
    }

    static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }
}
