package dev.cairn.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a server is, and where its binlog stands. Immutable. */
record ServerInfo(String version, String comment, boolean mariadb) {
    String flavour() {
        return mariadb ? "mariadb" : "mysql";
    }

    static ServerInfo read(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT VERSION(), @@version_comment")) {
            rs.next();
            String v = rs.getString(1);
            String comment = rs.getString(2) == null ? "" : rs.getString(2);
            return new ServerInfo(v, comment, v.contains("MariaDB") || comment.contains("MariaDB"));
        }
    }

    /**
     * A binlog position; {@code file} is null when the binlog is off, {@code unavailable} says why
     * it could not be read (the account lacks BINLOG MONITOR / REPLICATION CLIENT), else null.
     */
    record Position(String file, long position, String gtid, String unavailable) {
    }

    /** The binlog file, position and GTID set now (call it while commits are blocked). */
    static Position position(Connection c, ServerInfo info) throws SQLException {
        String file = null;
        long pos = 0;
        String unavailable = null;
        try (Statement s = c.createStatement()) {
            ResultSet first;
            try {
                first = s.executeQuery("SHOW MASTER STATUS");
            } catch (SQLException e) {
                if (e.getErrorCode() != 1064) {
                    throw e;
                }
                first = s.executeQuery("SHOW BINARY LOG STATUS"); // MySQL 8.4 dropped the old name
            }
            try (ResultSet rs = first) {
                if (rs.next()) {
                    file = rs.getString(1);
                    pos = rs.getLong(2);
                }
            }
        } catch (SQLException e) {
            if (e.getErrorCode() != 1227 && e.getErrorCode() != 1045) {
                throw e;
            }
            // The backup is still whole; only point-in-time recovery lacks its starting point.
            unavailable = e.getMessage();
        }
        String gtid = "";
        String q = info.mariadb() ? (file != null ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_current_pos")
                : "SELECT @@GLOBAL.gtid_executed";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
            if (rs.next() && rs.getString(1) != null) {
                gtid = rs.getString(1).replace("\n", "");
            }
        } catch (SQLException e) {
            // no GTIDs on this server (old MySQL): leave empty
        }
        return new Position(file, pos, gtid, unavailable);
    }

    /** The database's default character set and collation ({@code charset}, {@code collation}). */
    static Map<String, String> charset(Connection c, String db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                + "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    out.put("charset", rs.getString(1));
                    out.put("collation", rs.getString(2));
                }
            }
        }
        return out;
    }
}
