package dev.cairn.internal.quartz;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Quartz's own DDL for the JDBC job store, read from the quartz jar
 * ({@code org/quartz/impl/jdbcjobstore/tables_mysql_innodb.sql}, {@code tables_postgres.sql}), applied
 * without its {@code DROP TABLE} statements, only when the tables are missing. Stateless.
 */
public final class JobStoreSchema {
    private JobStoreSchema() {
    }

    /** The database kinds the job store supports. */
    public enum Dialect {
        MYSQL("tables_mysql_innodb.sql", "org.quartz.impl.jdbcjobstore.StdJDBCDelegate"),
        POSTGRESQL("tables_postgres.sql", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");

        final String script;
        public final String delegate;

        Dialect(String script, String delegate) {
            this.script = script;
            this.delegate = delegate;
        }
    }

    /** The dialect of the database {@code c} is connected to. */
    public static Dialect dialect(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("mysql") || product.contains("mariadb")) {
            return Dialect.MYSQL;
        }
        if (product.contains("postgres")) {
            return Dialect.POSTGRESQL;
        }
        throw new IllegalArgumentException("The job store needs MariaDB/MySQL or PostgreSQL, not "
                + c.getMetaData().getDatabaseProductName());
    }

    /** Whether the job store's tables exist (its lock table is looked up). */
    public static boolean exists(Connection c, String prefix) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        for (String name : List.of(prefix + "LOCKS", (prefix + "LOCKS").toLowerCase(Locale.ROOT))) {
            try (ResultSet rs = md.getTables(c.getCatalog(), null, name, new String[] {"TABLE"})) {
                if (rs.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Creates the tables when missing; returns true when it created them. */
    public static boolean createIfMissing(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (exists(c, prefix)) {
                return false;
            }
            Dialect d = dialect(c);
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String sql : statements(d, prefix)) {
                    st.execute(sql);
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
            return true;
        }
    }

    /** The script's CREATE statements, with {@code QRTZ_} replaced by {@code prefix}. */
    public static List<String> statements(Dialect d, String prefix) {
        String text;
        try (InputStream in = JobStoreSchema.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/" + d.script)) {
            if (in == null) {
                throw new IllegalStateException("The quartz jar has no " + d.script);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + d.script + ": " + e.getMessage(), e);
        }
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (t.startsWith("#") || t.startsWith("--")) {
                continue;
            }
            body.append(line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String s : body.toString().split(";")) {
            String sql = s.strip();
            String upper = sql.toUpperCase(Locale.ROOT);
            if (sql.isEmpty() || upper.startsWith("DROP ") || upper.equals("COMMIT")) {
                continue;
            }
            out.add(sql.replace("QRTZ_", prefix));
        }
        return out;
    }
}
