package dev.cairn.mysql;

import dev.cairn.Secret;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;

/**
 * Where a server is and how to log in. Immutable; never prints the password. Opens JDBC
 * sessions and writes the private option files that give the password to the command-line tools.
 */
final class Server {
    final String host;
    final int port;
    final String user;
    private final Secret password;
    final MySqlTls tls;

    Server(String host, int port, String user, Secret password, MySqlTls tls) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.tls = tls;
    }

    /** {@code mysql://user@host:port}, no credentials. */
    String describe() {
        return "mysql://" + user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    String describe(String database) {
        return describe() + "/" + database;
    }

    /** A JDBC session in UTC with utf8mb4, autocommit on. */
    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            byte[] b = password.utf8();
            try {
                p.setProperty("password", new String(b, StandardCharsets.UTF_8));
            } finally {
                Arrays.fill(b, (byte) 0);
            }
        }
        p.setProperty("connectTimeout", "10000");
        if (tls != null) {
            p.setProperty("sslMode", switch (tls.mode()) {
                case DISABLED -> "disable";
                case REQUIRED -> "trust";
                case VERIFY_CA -> "verify-ca";
                case VERIFY_IDENTITY -> "verify-full";
            });
            tls.caFile().ifPresent(ca -> p.setProperty("serverSslCert", ca.toString()));
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        Connection c = new org.mariadb.jdbc.Driver().connect("jdbc:mariadb://" + h + ":" + port + "/", p);
        if (c == null) {
            throw new SQLException("the MariaDB driver refused the URL for " + describe());
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET NAMES utf8mb4");
            s.execute("SET SESSION time_zone = '+00:00'");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Writes a {@code [client]} option file readable only by this user (0600) holding the
     * connection settings and the password; the caller deletes it. Values are quoted and escaped
     * as the client library's option-file parser expects.
     */
    Path writeOptionFile(Tool tool) throws IOException {
        Path f = Files.createTempFile("cairn-mysql-", ".cnf",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        f.toFile().deleteOnExit(); // callers delete it at once; this covers a JVM stopped in between
        try (OutputStream out = Files.newOutputStream(f)) {
            StringBuilder sb = new StringBuilder("[client]\n");
            sb.append("host=").append(quote(host)).append('\n');
            sb.append("port=").append(port).append('\n');
            sb.append("protocol=TCP\n");
            sb.append("user=").append(quote(user)).append('\n');
            if (tls != null) {
                tlsOptions(tool, sb);
            }
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            if (password != null) {
                byte[] pw = password.utf8();
                byte[] q = quote(pw);
                try {
                    out.write("password=".getBytes(StandardCharsets.US_ASCII));
                    out.write(q);
                    out.write('\n');
                } finally {
                    Arrays.fill(pw, (byte) 0);
                    Arrays.fill(q, (byte) 0);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
        return f;
    }

    private void tlsOptions(Tool tool, StringBuilder sb) {
        if (tool.mariadb()) {
            if (tls.mode() == MySqlTls.Mode.DISABLED) {
                sb.append("skip-ssl\n");
                return;
            }
            sb.append("ssl\n");
            if (tls.mode() == MySqlTls.Mode.VERIFY_IDENTITY || tls.mode() == MySqlTls.Mode.VERIFY_CA) {
                sb.append("ssl-verify-server-cert\n");
            } else {
                sb.append("disable-ssl-verify-server-cert\n");
            }
        } else {
            sb.append("ssl-mode=").append(switch (tls.mode()) {
                case DISABLED -> "DISABLED";
                case REQUIRED -> "REQUIRED";
                case VERIFY_CA -> "VERIFY_CA";
                case VERIFY_IDENTITY -> "VERIFY_IDENTITY";
            }).append('\n');
            if (tls.mode() == MySqlTls.Mode.DISABLED) {
                return;
            }
        }
        if (tls.ca() != null) {
            sb.append("ssl-ca=").append(quote(tls.ca().toString())).append('\n');
        }
        if (tls.certificate() != null) {
            sb.append("ssl-cert=").append(quote(tls.certificate().toString())).append('\n');
            sb.append("ssl-key=").append(quote(tls.key().toString())).append('\n');
        }
    }

    static String quote(String v) {
        return new String(quote(v.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /**
     * {@code "value"} with {@code \\ \" \n \r \t} escaped: the option-file parser strips matching
     * quotes (so '#' and trailing spaces survive) and decodes exactly these escapes.
     */
    static byte[] quote(byte[] v) {
        byte[] out = new byte[v.length * 2 + 2];
        int n = 0;
        out[n++] = '"';
        for (byte b : v) {
            switch (b) {
                case '\\' -> { out[n++] = '\\'; out[n++] = '\\'; }
                case '"' -> { out[n++] = '\\'; out[n++] = '"'; }
                case '\n' -> { out[n++] = '\\'; out[n++] = 'n'; }
                case '\r' -> { out[n++] = '\\'; out[n++] = 'r'; }
                case '\t' -> { out[n++] = '\\'; out[n++] = 't'; }
                default -> out[n++] = b;
            }
        }
        out[n++] = '"';
        byte[] r = Arrays.copyOf(out, n);
        Arrays.fill(out, (byte) 0);
        return r;
    }
}
