package dev.cairn.mysql;

import dev.cairn.source.Source;
import dev.cairn.source.SourceProvider;

import java.net.URI;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * {@link SourceProvider} for {@code mysql://user@host:port/db} (and {@code mariadb://}): the path
 * is one database, several separated by commas, {@code *} or nothing for all (system schemas
 * excluded), or {@code ~regex}. The password comes from {@code CAIRN_MYSQL_PASSWORD} or
 * {@code CAIRN_MYSQL_PASSWORD_FILE}. Query parameters: {@code tls} (disabled, required,
 * verify-ca, verify-identity), {@code tls-ca}, {@code tls-cert}, {@code tls-key}, {@code dump-tool},
 * {@code lock-wait-timeout} (seconds). Stateless and thread-safe.
 */
public final class MySqlSourceProvider implements SourceProvider {
    private final String scheme;

    public MySqlSourceProvider() {
        this("mysql");
    }

    MySqlSourceProvider(String scheme) {
        this.scheme = scheme;
    }

    /** The same for {@code mariadb://}. */
    public static final class MariaDb implements SourceProvider {
        private final MySqlSourceProvider p = new MySqlSourceProvider("mariadb");

        @Override
        public String scheme() {
            return p.scheme();
        }

        @Override
        public Source create(URI uri, Map<String, String> env) {
            return p.create(uri, env);
        }
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public Source create(URI uri, Map<String, String> env) {
        UriConfig c = UriConfig.parse(uri, Set.of("lock-wait-timeout"));
        MySqlSource.Builder b = c.apply(MySqlSource.builder(), env);
        String path = c.path();
        if (path.isEmpty() || path.equals("*")) {
            b.allDatabases();
        } else if (path.startsWith("~")) {
            b.databasePattern(path.substring(1));
        } else {
            b.databases(Arrays.stream(path.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList());
        }
        if (c.params().containsKey("lock-wait-timeout")) {
            b.lockWaitTimeout(c.seconds("lock-wait-timeout", null));
        }
        return b.build();
    }
}
