package dev.cairn.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillProvider;
import dev.cairn.verify.DrillReport;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The restore drill for {@code mongodb} snapshots: restores the snapshot into scratch databases
 * ({@code cairn_drill_<random>}, one per snapshot database, suffixed {@code _1}, {@code _2}… when
 * there are several) on a scratch server, reads every restored collection back and compares its
 * document count and content hash ({@link ContentHash}) with the facts recorded at backup time,
 * checks that every index and view came back, measures the restore time, and drops the scratch
 * databases, also when a check or the restore fails. The caller records the report
 * ({@link Repository#recordDrill}). Immutable and thread-safe.
 */
public final class MongoDrill implements Drill {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final MongoConnection connection;
    private final Clock clock;

    private MongoDrill(Builder b) {
        this.connection = b.connection.build();
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public DrillReport run(Repository repository, Snapshot snapshot) {
        Objects.requireNonNull(repository, "repository");
        if (!MongoSource.KIND.equals(snapshot.sourceKind())) {
            throw new ConfigurationException("Snapshot " + snapshot.shortId() + " is a " + snapshot.sourceKind()
                    + " snapshot; the MongoDB drill checks mongodb snapshots only.");
        }
        Instant start = clock.instant();
        List<String> checks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Duration restoreTime = Duration.ZERO;
        String prefix = "cairn_drill_" + HexFormat.of().formatHex(randomBytes());
        Map<String, String> scratch = new LinkedHashMap<>();
        try {
            SnapshotPlan plan = SnapshotPlan.read(repository, snapshot, List.of());
            int i = 0;
            for (SnapshotPlan.Db db : plan.databases) {
                scratch.put(db.name(), plan.databases.size() == 1 ? prefix : prefix + "_" + (++i));
            }
            MongoRestore.Builder rb = MongoRestore.builder().connection(connection);
            scratch.forEach(rb::mapDatabase);
            MongoRestore.Outcome outcome;
            try {
                outcome = rb.build().run(repository, snapshot, plan, false);
                restoreTime = outcome.result().duration();
            } catch (BackupException e) {
                failures.add("restore failed: " + e.getMessage());
                outcome = null;
            }
            if (outcome != null) {
                checks.add("restored " + outcome.restored().size() + " collections and views of " + scratch.size()
                        + " database(s) in " + restoreTime.toMillis() + " ms, " + outcome.result().bytes()
                        + " bytes of BSON" + (scratch.size() == 1 ? " into " + prefix : ""));
                outcome.result().warnings().forEach(w -> checks.add("warning: " + w));
                verify(snapshot, outcome, checks, failures);
            }
        } catch (BackupException e) {
            failures.add("drill failed: " + e.getMessage());
        } finally {
            drop(scratch.values(), checks);
        }
        String pit = snapshot.facts().get(Facts.POINT_IN_TIME);
        if ("false".equals(pit)) {
            checks.add("note: the snapshot is not point-in-time (standalone server): collections were read one by one");
        } else if (snapshot.facts().containsKey(Facts.CLUSTER_TIME)) {
            checks.add("point in time: cluster time " + snapshot.facts().get(Facts.CLUSTER_TIME));
        }
        Duration age = Duration.between(snapshot.time(), start);
        return new DrillReport("", snapshot.id(), snapshot.sourceKind(), connection.descriptor(prefix), snapshot.host(),
                start, failures.isEmpty(), restoreTime, age.isNegative() ? Duration.ZERO : age, checks, failures);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Reads every restored collection back and compares it with the snapshot's facts. */
    private void verify(Snapshot snapshot, MongoRestore.Outcome outcome, List<String> checks, List<String> failures) {
        Map<String, Facts.Recorded> recorded = Facts.collections(snapshot.facts());
        Set<String> seen = new TreeSet<>();
        try (MongoClient client = connection.open()) {
            for (MongoRestore.Restored r : outcome.restored()) {
                String ns = r.sourceDb() + "." + r.name();
                MongoDatabase db = client.getDatabase(r.targetDb());
                Set<String> present = new TreeSet<>();
                db.listCollectionNames().forEach(present::add);
                if (!present.contains(r.name())) {
                    failures.add((r.view() ? "view " : "collection ") + ns + ": missing after the restore");
                    continue;
                }
                if (r.view()) {
                    checks.add("view " + ns + ": restored");
                    continue;
                }
                seen.add(ns);
                ContentHash hash = new ContentHash();
                try (MongoCursor<RawBsonDocument> c = db.getCollection(r.name(), RawBsonDocument.class).find()
                        .iterator()) {
                    while (c.hasNext()) {
                        RawBsonDocument d = c.next();
                        hash.add(d.getBackingArray(), d.getByteOffset(), d.getByteLength());
                    }
                }
                Facts.Recorded f = recorded.get(ns);
                if (f == null || f.count() == null || f.hash() == null) {
                    failures.add("collection " + ns + ": the snapshot recorded no count and hash for it");
                } else if (f.count() != hash.count() || !f.hash().equals(hash.hex())) {
                    failures.add("collection " + ns + ": restored " + hash.count() + " documents with hash "
                            + hash.hex().substring(0, 16) + "…, the snapshot recorded " + f.count() + " with "
                            + f.hash().substring(0, Math.min(16, f.hash().length())) + "…");
                } else {
                    checks.add("collection " + ns + ": " + hash.count() + " documents, hash matches");
                }
                Set<String> indexes = new TreeSet<>();
                for (BsonDocument spec : db.getCollection(r.name()).listIndexes(BsonDocument.class)) {
                    if (spec.isString("name")) {
                        indexes.add(spec.getString("name").getValue());
                    }
                }
                List<String> missing = r.indexNames().stream().filter(n -> !indexes.contains(n)).toList();
                if (!missing.isEmpty()) {
                    failures.add("collection " + ns + ": indexes missing after the restore: " + String.join(", ", missing));
                } else if (!r.indexNames().isEmpty()) {
                    checks.add("collection " + ns + ": all " + r.indexNames().size()
                            + " index(es) of the snapshot present");
                }
            }
        } catch (MongoException e) {
            failures.add("reading the restored data failed: " + connection.scrub(e.getMessage()));
            return;
        }
        for (Facts.Recorded f : recorded.values()) {
            String ns = f.db() + "." + f.collection();
            if (!seen.contains(ns)) {
                failures.add("collection " + ns + ": recorded in the snapshot's facts but not restored");
            }
        }
    }

    private void drop(Iterable<String> databases, List<String> checks) {
        List<String> names = new ArrayList<>();
        databases.forEach(names::add);
        if (names.isEmpty()) {
            return;
        }
        try (MongoClient client = connection.open()) {
            for (String n : names) {
                try {
                    client.getDatabase(n).drop();
                } catch (MongoException e) {
                    checks.add("warning: could not drop scratch database " + n + ": " + connection.scrub(e.getMessage()));
                }
            }
        } catch (MongoException e) {
            checks.add("warning: could not drop scratch databases " + names + ": " + connection.scrub(e.getMessage()));
        }
    }

    /** Options of a {@link MongoDrill}; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final ConnectionSpec connection = new ConnectionSpec();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The scratch server, as a connection string without a password; its user needs readWrite on cairn_drill_*. */
        public Builder connectionString(String connectionString) {
            connection.text(connectionString);
            return this;
        }

        public Builder password(Secret password) {
            connection.password(password);
            return this;
        }

        /** The whole scratch connection string, password included, from a secret. */
        public Builder connectionString(Secret connectionString) {
            connection.whole(connectionString);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MongoDrill build() {
            return new MongoDrill(this);
        }

        Builder connection(MongoConnection c) {
            connection.connection(c);
            return this;
        }
    }

    /**
     * ServiceLoader entry for kind {@code mongodb}: {@code cairn drill latest --scratch mongodb://[user@]host[:port]/[?options]}.
     * The scratch URI names a server (no database: the drill makes its own); the password comes
     * from {@code CAIRN_MONGODB_PASSWORD} or {@code CAIRN_MONGODB_PASSWORD_FILE}. Stateless.
     */
    public static final class Provider implements DrillProvider {
        @Override
        public String sourceKind() {
            return MongoSource.KIND;
        }

        @Override
        public Drill create(String scratch, Map<String, String> env) {
            if (scratch == null || scratch.isBlank()) {
                throw new IllegalArgumentException("a MongoDB drill needs a scratch server: --scratch "
                        + "mongodb://host:27017/ (it creates and drops cairn_drill_* databases there)");
            }
            // Failures are thrown as ConfigurationException, not IllegalArgumentException: the caller
            // (Adapters.drill) would quote the scratch text, and it may hold a password by mistake.
            String shown = scratch.replaceAll("(://[^/?#@:]*):[^/?#@]*@", "$1:***@");
            try {
                ProviderUri u = ProviderUri.parse(new URI(scratch), env, Set.of());
                if (u.database != null && !u.database.equals("admin")) {
                    throw new IllegalArgumentException("the scratch URI names a server, not a database (the drill "
                            + "creates cairn_drill_* databases): drop /" + u.database
                            + " (use authSource= for the user's database)");
                }
                return builder().connection(u.connection).build();
            } catch (java.net.URISyntaxException e) {
                throw new ConfigurationException("Invalid drill scratch target " + shown + ": not a URI.");
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("Invalid drill scratch target " + shown + ": " + e.getMessage(), e);
            }
        }
    }
}
