package dev.cairn.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import dev.cairn.BackupException;
import dev.cairn.ConfigurationException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.Secret;
import dev.cairn.restore.RestoreTarget;
import dev.cairn.restore.RestoreTargetProvider;
import dev.cairn.snapshot.Snapshot;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Restores a snapshot in mongodump's layout (a {@link MongoSource} snapshot, or a backed-up
 * mongodump directory) into a MongoDB server: the same or another one, under the same database
 * names or mapped ones. Per collection: create it with its options (capped, validator, collation…),
 * insert the raw documents in batched unordered inserts (bypassing document validation where the
 * collection has a validator, so documents older than the validator come back too), then build its
 * indexes; views are created last from their definitions. Collection UUIDs are
 * not kept (the server assigns new ones); {@code system.*} collections other than {@code system.js}
 * are skipped.
 *
 * <p>A target database that already holds collections is refused unless {@code overwrite} is set;
 * then each collection being restored is dropped first (others in the database are left alone).
 *
 * <pre>{@code
 * MongoRestore.builder().connectionString("mongodb://restore@db2:27017/?authSource=admin")
 *         .password(secret).mapDatabase("shop", "shop_restored").build()
 *         .restore(repo, repo.snapshot("latest"), List.of(), false);
 * }</pre>
 *
 * Immutable and thread-safe; each restore opens and closes its own client.
 */
public final class MongoRestore implements RestoreTarget {
    private final MongoConnection connection;
    private final Map<String, String> mapping;
    private final String database;
    private final boolean overwrite;
    private final int batchDocuments;
    private final int batchBytes;

    private MongoRestore(Builder b) {
        this.connection = b.connection.build();
        this.mapping = Collections.unmodifiableMap(new LinkedHashMap<>(b.mapping));
        this.database = b.database;
        this.overwrite = b.overwrite;
        this.batchDocuments = b.batchDocuments;
        this.batchBytes = b.batchBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The server without credentials, plus the target database or mapping. */
    @Override
    public String descriptor() {
        if (database != null) {
            return connection.descriptor(database);
        }
        if (mapping.isEmpty()) {
            return connection.descriptor();
        }
        List<String> m = new ArrayList<>();
        mapping.forEach((f, t) -> m.add(f + "=" + t));
        return connection.descriptor() + " [" + String.join(", ", m) + "]";
    }

    @Override
    public RestoreResult restore(Repository repository, Snapshot snapshot, List<String> includes, boolean overwrite) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(snapshot, "snapshot");
        return run(repository, snapshot, SnapshotPlan.read(repository, snapshot, includes), overwrite || this.overwrite)
                .result();
    }

    /** One restored collection or view. */
    record Restored(String sourceDb, String targetDb, String name, boolean view, List<String> indexNames,
                    long documents) {
    }

    record Outcome(RestoreResult result, List<Restored> restored) {
    }

    /** The target database of a snapshot database. */
    String target(SnapshotPlan plan, String sourceDb) {
        String t = mapping.get(sourceDb);
        if (t != null) {
            return t;
        }
        if (database != null) {
            if (plan.databases.size() != 1) {
                List<String> names = plan.databases.stream().map(SnapshotPlan.Db::name).toList();
                throw new ConfigurationException("Target " + connection.descriptor(database) + " names one database, "
                        + "but the snapshot holds " + names.size() + " (" + String.join(", ", names) + "). Restore one "
                        + "with --include DB, or map each (map=" + names.get(0) + "=" + names.get(0) + "_restored,…).");
            }
            return database;
        }
        return sourceDb;
    }

    Outcome run(Repository repository, Snapshot snapshot, SnapshotPlan plan, boolean replace) {
        long t0 = System.nanoTime();
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, String> namespaces = new HashMap<>();
        for (SnapshotPlan.Db db : plan.databases) {
            String t;
            try {
                t = Names.database(target(plan, db.name()), "target database");
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("Cannot restore database " + db.name() + " of snapshot "
                        + snapshot.shortId() + ": " + e.getMessage() + ". Map it to a valid name (map=" + db.name()
                        + "=newname).");
            }
            targets.put(db.name(), t);
            for (SnapshotPlan.Coll c : db.collections()) {
                String prev = namespaces.put(t + "." + c.name(), db.name() + "." + c.name());
                if (prev != null) {
                    throw new ConfigurationException("Both " + prev + " and " + db.name() + "." + c.name() + " would be "
                            + "restored as " + t + "." + c.name() + ". Map the databases to different names.");
                }
            }
        }
        List<String> warnings = new ArrayList<>(plan.skipped);
        List<Restored> restored = new ArrayList<>();
        long bytes = 0;
        try (MongoClient client = connection.open()) {
            checkEmpty(client, plan, targets, replace);
            for (SnapshotPlan.Db db : plan.databases) {
                MongoDatabase target = client.getDatabase(targets.get(db.name()));
                for (SnapshotPlan.Coll c : db.collections()) {
                    if (!c.isView()) {
                        long[] n = restoreCollection(repository, snapshot, target, c, replace);
                        bytes += n[1];
                        restored.add(new Restored(db.name(), target.getName(), c.name(), false, indexNames(c), n[0]));
                    }
                }
                for (SnapshotPlan.Coll c : db.collections()) {
                    if (c.isView()) {
                        createView(target, c, replace);
                        restored.add(new Restored(db.name(), target.getName(), c.name(), true, List.of(), 0));
                    }
                }
            }
        } catch (MongoException e) {
            throw Errors.failed("Restore of snapshot " + snapshot.shortId() + " into " + descriptor() + " failed", e,
                    connection);
        }
        return new Outcome(new RestoreResult(restored.size(), plan.databases.size(), bytes,
                Duration.ofNanos(System.nanoTime() - t0), warnings), restored);
    }

    private void checkEmpty(MongoClient client, SnapshotPlan plan, Map<String, String> targets, boolean replace) {
        if (replace) {
            return;
        }
        for (SnapshotPlan.Db db : plan.databases) {
            String t = targets.get(db.name());
            Set<String> existing = new TreeSet<>();
            for (String n : client.getDatabase(t).listCollectionNames()) {
                if (!n.startsWith("system.")) {
                    existing.add(n);
                }
            }
            if (!existing.isEmpty()) {
                List<String> some = new ArrayList<>(existing).subList(0, Math.min(5, existing.size()));
                throw new ConfigurationException("Database " + t + " on " + connection.descriptor(t) + " is not empty "
                        + "(it has " + existing.size() + " collection" + (existing.size() == 1 ? "" : "s") + ": "
                        + String.join(", ", some) + (existing.size() > some.size() ? ", …" : "") + "). Restore into a "
                        + "new database (map=" + db.name() + "=" + t + "_restored), or pass --overwrite (overwrite=true) "
                        + "to drop the collections being restored first. Nothing was restored.");
            }
        }
    }

    /** Creates, fills and indexes one collection; returns {documents, bytes}. */
    private long[] restoreCollection(Repository repository, Snapshot snapshot, MongoDatabase target,
                                     SnapshotPlan.Coll c, boolean replace) {
        String ns = target.getName() + "." + c.name();
        if (replace) {
            target.getCollection(c.name()).drop();
        }
        BsonDocument create = new BsonDocument("create", new BsonString(c.name()));
        c.meta().options().forEach(create::put);
        command(target, create, "create collection " + ns);
        long docs = 0;
        long bytes = 0;
        if (c.bsonPath() != null) {
            MongoCollection<RawBsonDocument> coll = target.getCollection(c.name(), RawBsonDocument.class);
            // Documents stored before a validator changed must come back too; bypassing needs the
            // bypassDocumentValidation privilege (the restore role), so it is asked only where a validator is.
            InsertManyOptions opts = new InsertManyOptions().ordered(false)
                    .bypassDocumentValidation(c.meta().options().containsKey("validator") ? Boolean.TRUE : null);
            try (InputStream in = repository.openFile(snapshot, c.bsonPath())) {
                DocumentReader reader = new DocumentReader(in, c.bsonPath());
                List<RawBsonDocument> batch = new ArrayList<>();
                int batchLen = 0;
                for (RawBsonDocument d = reader.next(); d != null; d = reader.next()) {
                    batch.add(d);
                    batchLen += d.getByteLength();
                    if (batch.size() >= batchDocuments || batchLen >= batchBytes) {
                        insert(coll, batch, opts, ns);
                        docs += batch.size();
                        bytes += batchLen;
                        batch.clear();
                        batchLen = 0;
                    }
                }
                if (!batch.isEmpty()) {
                    insert(coll, batch, opts, ns);
                    docs += batch.size();
                    bytes += batchLen;
                }
            } catch (IOException e) {
                throw new BackupException(ErrorCode.FAILED, "Cannot read " + c.bsonPath() + " of snapshot "
                        + snapshot.shortId() + ": " + e.getMessage(), e);
            }
        }
        BsonArray specs = new BsonArray();
        for (BsonDocument spec : c.meta().indexes()) {
            if (isIdIndex(spec) || spec.getBoolean("clustered", org.bson.BsonBoolean.FALSE).getValue()) {
                continue; // created with the collection
            }
            BsonDocument s = spec.clone();
            s.remove("ns");
            specs.add(s);
        }
        if (!specs.isEmpty()) {
            command(target, new BsonDocument("createIndexes", new BsonString(c.name())).append("indexes", specs),
                    "create the indexes of " + ns);
        }
        return new long[] {docs, bytes};
    }

    private void insert(MongoCollection<RawBsonDocument> coll, List<RawBsonDocument> batch, InsertManyOptions opts,
                        String ns) {
        try {
            coll.insertMany(batch, opts);
        } catch (MongoBulkWriteException e) {
            String first = e.getWriteErrors().isEmpty() ? e.getMessage() : e.getWriteErrors().get(0).getMessage();
            throw new BackupException(ErrorCode.FAILED, "Cannot insert into " + ns + ": " + e.getWriteErrors().size()
                    + " of " + batch.size() + " documents failed (first: " + connection.scrub(first) + ").", null);
        }
    }

    private void createView(MongoDatabase target, SnapshotPlan.Coll c, boolean replace) {
        if (replace) {
            target.getCollection(c.name()).drop();
        }
        BsonDocument create = new BsonDocument("create", new BsonString(c.name()));
        c.meta().options().forEach(create::put);
        command(target, create, "create view " + target.getName() + "." + c.name());
    }

    private void command(MongoDatabase db, BsonDocument command, String what) {
        try {
            db.runCommand(command, BsonDocument.class);
        } catch (MongoException e) {
            throw Errors.failed("Cannot " + what + " on " + connection.descriptor(db.getName()), e, connection);
        }
    }

    private static boolean isIdIndex(BsonDocument spec) {
        if (spec.isString("name") && spec.getString("name").getValue().equals("_id_")) {
            return true;
        }
        BsonValue key = spec.get("key");
        return key != null && key.isDocument() && key.asDocument().size() == 1 && key.asDocument().containsKey("_id");
    }

    static List<String> indexNames(SnapshotPlan.Coll c) {
        List<String> out = new ArrayList<>();
        for (BsonDocument spec : c.meta().indexes()) {
            if (spec.isString("name")) {
                out.add(spec.getString("name").getValue());
            }
        }
        return out;
    }

    /** Options of a {@link MongoRestore}; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final ConnectionSpec connection = new ConnectionSpec();
        private final Map<String, String> mapping = new LinkedHashMap<>();
        private String database;
        private boolean overwrite;
        private int batchDocuments = 1000;
        private int batchBytes = 8 * 1024 * 1024;

        private Builder() {
        }

        /** The target server, as a connection string without a password. */
        public Builder connectionString(String connectionString) {
            connection.text(connectionString);
            return this;
        }

        public Builder password(Secret password) {
            connection.password(password);
            return this;
        }

        /** The whole connection string, password included, from a secret. */
        public Builder connectionString(Secret connectionString) {
            connection.whole(connectionString);
            return this;
        }

        /** Restores the snapshot's database {@code from} as {@code to} (repeatable). */
        public Builder mapDatabase(String from, String to) {
            mapping.put(Names.database(from, "from"), Names.database(to, "to"));
            return this;
        }

        /** Restores the snapshot's only database (or the one selected by includes) as {@code database}. */
        public Builder database(String database) {
            this.database = Names.database(database, "database");
            return this;
        }

        /** Drop the collections being restored when the target database is not empty (default: refuse). */
        public Builder overwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /** Documents and bytes per insert batch (default 1000 documents, 8 MiB). */
        public Builder batch(int documents, int bytes) {
            if (documents < 1 || documents > 100_000) {
                throw new IllegalArgumentException("batch documents must be 1..100000: " + documents);
            }
            if (bytes < 1 || bytes > 48 * 1024 * 1024) {
                throw new IllegalArgumentException("batch bytes must be 1..50331648: " + bytes);
            }
            this.batchDocuments = documents;
            this.batchBytes = bytes;
            return this;
        }

        public MongoRestore build() {
            return new MongoRestore(this);
        }

        Builder connection(MongoConnection c) {
            connection.connection(c);
            return this;
        }
    }

    /**
     * ServiceLoader entry for {@code --target mongodb://[user@]host[:port]/[database][?options]}: the path
     * names the database the snapshot's one database is restored as (none: the snapshot's names);
     * {@code map=shop=shop2,crm=crm2} maps several; {@code overwrite=true} allows a non-empty target
     * (as {@code --overwrite} does); other options go to the driver. The path is also the driver's
     * default authentication database: add {@code authSource=admin} for users defined there. The
     * password comes from {@code CAIRN_MONGODB_PASSWORD} or {@code CAIRN_MONGODB_PASSWORD_FILE}.
     * Stateless.
     */
    public static class Provider implements RestoreTargetProvider {
        private static final Set<String> KEYS = Set.of("overwrite", "map");

        @Override
        public String scheme() {
            return "mongodb";
        }

        @Override
        public RestoreTarget create(URI uri, Map<String, String> env) {
            ProviderUri u = ProviderUri.parse(uri, env, KEYS);
            Builder b = builder().connection(u.connection).overwrite(u.flag("overwrite"));
            for (String m : u.list("map")) {
                int eq = m.indexOf('=');
                if (eq <= 0 || eq == m.length() - 1) {
                    throw new IllegalArgumentException("map entries are from=to: " + m);
                }
                b.mapDatabase(m.substring(0, eq), m.substring(eq + 1));
            }
            if (u.database != null) {
                b.database(u.database);
            }
            return b.build();
        }
    }

    /** The same provider for DNS seed lists, {@code mongodb+srv://}. */
    public static final class SrvProvider extends Provider {
        @Override
        public String scheme() {
            return "mongodb+srv";
        }
    }
}
