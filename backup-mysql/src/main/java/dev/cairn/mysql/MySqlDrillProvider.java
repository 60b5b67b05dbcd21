package dev.cairn.mysql;

import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillProvider;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * {@link DrillProvider} for {@code mysql} snapshots: {@code cairn drill latest --scratch
 * mysql://drill@scratch-db:3306}. The scratch server is required (a server where the account may
 * create and drop {@code cairn_drill_*} databases); credentials and query parameters as for
 * {@link MySqlSourceProvider}, plus {@code prefix} (the scratch databases' name prefix).
 * Stateless and thread-safe.
 */
public final class MySqlDrillProvider implements DrillProvider {
    @Override
    public String sourceKind() {
        return "mysql";
    }

    @Override
    public Drill create(String scratch, Map<String, String> env) {
        if (scratch == null || scratch.isBlank()) {
            throw new IllegalArgumentException("a MySQL drill needs a scratch server: --scratch mysql://user@host:port "
                    + "(the account must be able to create and drop cairn_drill_* databases there)");
        }
        URI u;
        try {
            u = new URI(scratch);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a mysql:// URI: " + e.getMessage(), e);
        }
        if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("mysql") || u.getScheme().equalsIgnoreCase("mariadb"))) {
            throw new IllegalArgumentException("a MySQL drill's scratch target is a mysql://user@host:port URI");
        }
        UriConfig c = UriConfig.parse(u, Set.of("prefix"));
        if (!c.path().isEmpty()) {
            throw new IllegalArgumentException("the scratch URI names a server, not a database (scratch databases are "
                    + "named cairn_drill_<random>): /" + c.path());
        }
        MySqlDrill.Builder b = c.apply(MySqlDrill.builder(), env);
        if (c.params().containsKey("prefix")) {
            b.scratchPrefix(c.params().get("prefix"));
        }
        return b.build();
    }
}
