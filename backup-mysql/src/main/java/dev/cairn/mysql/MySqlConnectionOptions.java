package dev.cairn.mysql;

import dev.cairn.Secret;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Connection settings shared by the MySQL builders ({@link MySqlSource.Builder},
 * {@link MySqlRestore.Builder}, {@link MySqlDrill.Builder}). Each call validates at once. Not
 * thread-safe; cannot be extended outside this package.
 *
 * @param <B> the concrete builder
 */
public abstract class MySqlConnectionOptions<B extends MySqlConnectionOptions<B>> {
    String host = "127.0.0.1";
    int port = 3306;
    String user;
    Secret password;
    MySqlTls tls;
    Path dumpTool;
    Path clientTool;
    /** Set by a drill that hands its own connection to a restore; overrides the fields above. */
    Server server;

    MySqlConnectionOptions() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Host, port, user and (for a source) database from {@code mysql://user@host:port/db}
     * ({@code mariadb://} is accepted too). A password in the URL is refused: give it with
     * {@link #password(Secret)}.
     */
    public B url(String url) {
        Objects.requireNonNull(url, "url");
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url is not a valid URI: " + redact(url), e);
        }
        String scheme = u.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("mysql") || scheme.equalsIgnoreCase("mariadb"))) {
            throw new IllegalArgumentException("url must start with mysql:// or mariadb://: " + redact(url));
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("url has no host: " + redact(url));
        }
        String info = u.getRawUserInfo();
        if (info != null) {
            if (info.contains(":")) {
                throw new IllegalArgumentException("url must not carry a password (" + redact(url)
                        + "): pass it with password(Secret), e.g. from CAIRN_MYSQL_PASSWORD");
            }
            user(java.net.URLDecoder.decode(info, java.nio.charset.StandardCharsets.UTF_8));
        }
        host(u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost());
        if (u.getPort() >= 0) {
            port(u.getPort());
        }
        String path = u.getPath() == null ? "" : u.getPath().replaceAll("^/+|/+$", "");
        if (!path.isEmpty()) {
            urlDatabase(path);
        }
        return self();
    }

    /** A database named in the URL's path; builders that take one override this. */
    void urlDatabase(String name) {
        throw new IllegalArgumentException("this url takes no database: /" + name);
    }

    static String redact(String url) {
        return url.replaceAll("//([^/@:]*):[^/@]*@", "//$1:***@");
    }

    /** The server's host name or address (default 127.0.0.1; always TCP, never the socket). */
    public B host(String host) {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
            throw new IllegalArgumentException("host must be a host name or address: " + host);
        }
        this.host = host;
        return self();
    }

    /** The server's TCP port (default 3306). */
    public B port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        this.port = port;
        return self();
    }

    /** The account name. */
    public B user(String user) {
        if (user == null || user.isEmpty() || user.indexOf('\n') >= 0 || user.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("user must be a non-empty account name: " + user);
        }
        this.user = user;
        return self();
    }

    /** The account's password; it reaches the tools through a private option file, never arguments. */
    public B password(Secret password) {
        this.password = Objects.requireNonNull(password, "password");
        return self();
    }

    /** TLS settings; by default none are passed (the tools' and driver's defaults apply). */
    public B tls(MySqlTls tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        return self();
    }

    /** The dump tool ({@code mariadb-dump} or {@code mysqldump}); default: the first of them on the PATH. */
    public B dumpTool(Path tool) {
        this.dumpTool = executable(tool, "dumpTool");
        return self();
    }

    /** The client ({@code mariadb} or {@code mysql}); default: the first of them on the PATH. */
    public B clientTool(Path tool) {
        this.clientTool = executable(tool, "clientTool");
        return self();
    }

    private static Path executable(Path tool, String what) {
        Objects.requireNonNull(tool, what);
        if (!Files.isExecutable(tool)) {
            throw new IllegalArgumentException(what + " is not an executable file: " + tool);
        }
        return tool;
    }

    Server server() {
        if (server != null) {
            return server;
        }
        if (user == null) {
            throw new IllegalArgumentException("user is required (call user() or url(\"mysql://user@host/db\"))");
        }
        return new Server(host, port, user, password, tls);
    }
}
