package dev.cairn.mysql;

import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.restore.RestoreTarget;
import dev.cairn.restore.RestoreTargetProvider;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link RestoreTargetProvider} for {@code mysql://user@host:port/[db]} (and {@code mariadb://}):
 * {@code cairn restore latest --target mysql://root@db2/shop_restored}. With a database in the
 * path, the snapshot's one database (or the one chosen with {@code --include shop}) is restored
 * under that name; without, every (included) database under its own name. Credentials and query
 * parameters as for {@link MySqlSourceProvider}. Stateless and thread-safe.
 */
public final class MySqlRestoreTargetProvider implements RestoreTargetProvider {
    private final String scheme;

    public MySqlRestoreTargetProvider() {
        this("mysql");
    }

    MySqlRestoreTargetProvider(String scheme) {
        this.scheme = scheme;
    }

    /** The same for {@code mariadb://}. */
    public static final class MariaDb implements RestoreTargetProvider {
        private final MySqlRestoreTargetProvider p = new MySqlRestoreTargetProvider("mariadb");

        @Override
        public String scheme() {
            return p.scheme();
        }

        @Override
        public RestoreTarget create(URI uri, Map<String, String> env) {
            return p.create(uri, env);
        }
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public RestoreTarget create(URI uri, Map<String, String> env) {
        UriConfig c = UriConfig.parse(uri, Set.of());
        String target = c.path().isEmpty() ? null : c.path();
        if (target != null) {
            MySqlSource.validateDatabase(target);
        }
        MySqlRestore.Builder template = c.apply(MySqlRestore.builder(), env);
        Server server = template.server();
        java.nio.file.Path client = template.clientTool;
        return new RestoreTarget() {
            @Override
            public String descriptor() {
                return target == null ? server.describe() : server.describe(target);
            }

            @Override
            public RestoreResult restore(Repository repository, Snapshot snapshot, List<String> includes,
                                         boolean overwrite) {
                List<String> dbs = databases(repository, snapshot, includes);
                MySqlRestore.Builder b = MySqlRestore.builder().overwrite(overwrite);
                b.server = server;
                if (client != null) {
                    b.clientTool(client);
                }
                if (target != null) {
                    if (dbs.size() != 1) {
                        throw new ConfigurationException("Snapshot " + snapshot.shortId() + " holds " + dbs.size()
                                + " databases (" + String.join(", ", dbs) + "); choose one with --include to restore "
                                + "it as " + target + ", or leave the database out of the target URI.");
                    }
                    b.database(dbs.get(0), target);
                } else {
                    dbs.forEach(b::database);
                }
                MySqlRestore.Result r = b.build().restore(repository, snapshot);
                return new RestoreResult(r.databases().size(), 0, r.bytes(), r.time(), List.of());
            }
        };
    }

    private static List<String> databases(Repository repo, Snapshot snapshot, List<String> includes) {
        List<String> all = new ArrayList<>();
        for (SnapshotEntry e : repo.list(snapshot, "", false)) {
            String db = MySqlSource.databaseOf(e.path());
            if (db != null) {
                all.add(db);
            }
        }
        if (includes == null || includes.isEmpty()) {
            return all;
        }
        List<String> out = new ArrayList<>();
        for (String inc : includes) {
            String p = inc.replaceAll("^/+|/+$", "");
            String db = all.contains(p) ? p : MySqlSource.databaseOf(p);
            if (db == null || !all.contains(db)) {
                throw new ConfigurationException("Snapshot " + snapshot.shortId() + " has no database " + inc
                        + " (it has: " + String.join(", ", all) + ").");
            }
            if (!out.contains(db)) {
                out.add(db);
            }
        }
        return out;
    }
}
