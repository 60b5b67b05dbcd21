package dev.cairn.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import dev.cairn.Repository;
import dev.cairn.Secret;
import dev.cairn.SourceReadException;
import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.Source;
import dev.cairn.source.SourceProvider;
import dev.cairn.source.SourceSession;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Backs up MongoDB databases as raw BSON, without mongodump: every selected collection becomes
 * {@code <db>/<collection>.bson} (the documents exactly as the server returned them, concatenated,
 * streamed into the backup with constant memory) and {@code <db>/<collection>.metadata.json}
 * (options, validators, indexes, collection UUID; views as their definition), mongodump's
 * directory format, so an exported snapshot also restores with {@code mongorestore}.
 *
 * <pre>{@code
 * repo.backup(MongoSource.builder()
 *         .connectionString("mongodb://backup@db1:27017,db2:27017/?replicaSet=rs0&authSource=admin")
 *         .password(Secret.fromEnv("MONGO_PASSWORD"))
 *         .database("shop")
 *         .build()).run();
 * }</pre>
 *
 * <p>Consistency: on a replica set or sharded cluster (MongoDB 5.0+), all collections are read in
 * one snapshot session, at one cluster time, recorded with the oplog position as snapshot facts
 * ({@code mongodb.clusterTime}, {@code mongodb.oplog.ts}); the server keeps such a snapshot for
 * {@code minSnapshotHistoryWindowInSeconds} (300 s by default), so a longer backup needs that raised.
 * Collection lists, options and indexes are read just before, outside the snapshot; capped
 * collections refuse snapshot reads and are read as they are (fact
 * {@code mongodb.coll.<db>.<collection>.pointInTime=false}). On a
 * standalone server each collection is read as it is; the snapshot records
 * {@code mongodb.pointInTime=false}. Per collection the document count and a content hash are
 * recorded for drills ({@link ContentHash}).
 *
 * <p>Not backed up: the system databases {@code admin}, {@code local} and {@code config} unless named
 * with {@link Builder#database}; {@code system.*} collections other than {@code system.js} (users and
 * roles live in {@code admin.system.users}); time-series collections (reported as warnings, making
 * the backup partial).
 *
 * <p>Immutable and thread-safe; each {@link #backup} opens and closes its own client.
 */
public final class MongoSource implements Source {
    /** The source kind written into snapshots. */
    public static final String KIND = "mongodb";
    static final Set<String> SYSTEM_DATABASES = Set.of("admin", "local", "config");

    private final MongoConnection connection;
    /** Selected databases, each with its selected collections (empty: all of them); empty map: all databases. */
    private final Map<String, Set<String>> selection;
    private final boolean requirePointInTime;
    private final int batchSize;
    private final Clock clock;

    private MongoSource(Builder b) {
        this.connection = b.connection.build();
        Map<String, Set<String>> sel = new LinkedHashMap<>();
        b.selection.forEach((db, colls) -> sel.put(db, Collections.unmodifiableSet(new TreeSet<>(colls))));
        this.selection = Collections.unmodifiableMap(sel);
        this.requirePointInTime = b.requirePointInTime;
        this.batchSize = b.batchSize;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The deployment and selection without credentials, e.g. {@code mongodb://backup@db1:27017/ [shop]}. */
    @Override
    public String descriptor() {
        String d = connection.descriptor();
        if (selection.isEmpty()) {
            return d;
        }
        List<String> parts = new ArrayList<>();
        selection.forEach((db, colls) -> {
            if (colls.isEmpty()) {
                parts.add(db);
            } else {
                colls.forEach(c -> parts.add(db + "." + c));
            }
        });
        return d + " [" + String.join(", ", parts) + "]";
    }

    /** BSON streams are dump-like: the repository's finer {@code stream} chunking dedups them far better. */
    @Override
    public String chunking() {
        return Repository.STREAM_CHUNKING;
    }

    @Override
    public void backup(SourceSession session) throws IOException {
        long now = TimeUnit.MILLISECONDS.toNanos(clock.millis());
        try (MongoClient client = connection.open()) {
            ServerInfo server = ServerInfo.probe(client);
            session.fact(Facts.SERVER_VERSION, server.version());
            session.fact(Facts.TOPOLOGY, server.topology());
            if (server.replicaSet() != null) {
                session.fact(Facts.REPLICA_SET, server.replicaSet());
            }
            session.fact(Facts.HASH_ALGORITHM, ContentHash.ALGORITHM);
            Map<String, List<BsonDocument>> catalog = catalog(client, session);
            if (!server.supportsSnapshotReads() && requirePointInTime) {
                throw new SourceReadException("MongoDB at " + connection.descriptor() + " is a " + server.topology()
                        + " (version " + server.version() + ") and cannot read at one point in time (that needs a "
                        + "replica set or sharded cluster, MongoDB 5.0 or later). Back up a replica set member, or "
                        + "drop requirePointInTime to accept a copy that is not point-in-time.");
            }
            ClientSession snapshot = server.supportsSnapshotReads()
                    ? client.startSession(ClientSessionOptions.builder().snapshot(true).build()) : null;
            try {
                DirectoryWriter root = session.root();
                for (Map.Entry<String, List<BsonDocument>> db : catalog.entrySet()) {
                    try (DirectoryWriter dir = root.directory(EntryMetadata.directory(db.getKey(), now))) {
                        for (BsonDocument info : db.getValue()) {
                            backupCollection(client, snapshot, session, dir, db.getKey(), info, now);
                        }
                    }
                }
                root.close();
                session.fact(Facts.POINT_IN_TIME, Boolean.toString(snapshot != null));
                if (snapshot != null) {
                    recordTime(client, snapshot, server, session);
                }
            } finally {
                if (snapshot != null) {
                    snapshot.close();
                }
            }
        } catch (MongoException e) {
            throw Errors.sourceRead("Backup of " + connection.descriptor() + " failed", e, connection);
        }
    }

    /** Databases (sorted) and their collections' listCollections entries (sorted by name). */
    private Map<String, List<BsonDocument>> catalog(MongoClient client, SourceSession session) {
        Set<String> present = new TreeSet<>();
        for (BsonDocument d : client.listDatabases(BsonDocument.class).nameOnly(true).authorizedDatabasesOnly(true)) {
            present.add(d.getString("name").getValue());
        }
        Set<String> dbs = new TreeSet<>();
        if (selection.isEmpty()) {
            present.stream().filter(n -> !SYSTEM_DATABASES.contains(n)).forEach(dbs::add);
        } else {
            for (String db : selection.keySet()) {
                if (!present.contains(db)) {
                    throw new SourceReadException("Database " + db + " is not on " + connection.descriptor()
                            + " (it has: " + String.join(", ", present) + "). Check the name; nothing was backed up.");
                }
                dbs.add(db);
            }
        }
        Map<String, List<BsonDocument>> out = new TreeMap<>();
        for (String db : dbs) {
            Map<String, BsonDocument> colls = new TreeMap<>();
            for (BsonDocument c : client.getDatabase(db).listCollections(BsonDocument.class)) {
                colls.put(c.getString("name").getValue(), c);
            }
            Set<String> wanted = selection.getOrDefault(db, Set.of());
            for (String w : wanted) {
                if (!colls.containsKey(w)) {
                    throw new SourceReadException("Collection " + db + "." + w + " is not on " + connection.descriptor()
                            + " (" + db + " has: " + String.join(", ", colls.keySet()) + "). Check the name; nothing "
                            + "was backed up.");
                }
            }
            List<BsonDocument> list = new ArrayList<>();
            for (Map.Entry<String, BsonDocument> c : colls.entrySet()) {
                String name = c.getKey();
                String type = c.getValue().isString("type") ? c.getValue().getString("type").getValue()
                        : DumpLayout.TYPE_COLLECTION;
                if (!wanted.isEmpty() && !wanted.contains(name)) {
                    continue;
                }
                if (type.equals("timeseries")) {
                    session.warn(db + "/" + name, "time-series collections are not backed up (yet); it was skipped");
                    continue;
                }
                if (name.startsWith("system.") && !name.equals("system.js")) {
                    continue; // views are saved as definitions; users and roles are out of scope; buckets go with time series
                }
                if (!type.equals(DumpLayout.TYPE_COLLECTION) && !type.equals(DumpLayout.TYPE_VIEW)) {
                    session.warn(db + "/" + name, "collection type '" + type + "' is not backed up; it was skipped");
                    continue;
                }
                list.add(c.getValue());
            }
            out.put(db, list);
        }
        return out;
    }

    private void backupCollection(MongoClient client, ClientSession snapshot, SourceSession session,
                                  DirectoryWriter dir, String db, BsonDocument info, long now) throws IOException {
        String name = info.getString("name").getValue();
        String type = info.isString("type") ? info.getString("type").getValue() : DumpLayout.TYPE_COLLECTION;
        BsonDocument options = info.isDocument("options") ? info.getDocument("options") : new BsonDocument();
        BsonValue uuid = info.isDocument("info") ? info.getDocument("info").get("uuid") : null;
        String base = DumpLayout.fileBase(name);
        MongoDatabase database = client.getDatabase(db);
        List<BsonDocument> indexes = new ArrayList<>();
        if (type.equals(DumpLayout.TYPE_COLLECTION)) {
            database.getCollection(name).listIndexes(BsonDocument.class).forEach(indexes::add);
        }
        byte[] meta = DumpLayout.metadataJson(name, type, options, indexes, uuid).getBytes(StandardCharsets.UTF_8);
        dir.file(EntryMetadata.stream(base + DumpLayout.METADATA, now), new ByteArrayInputStream(meta));
        if (!type.equals(DumpLayout.TYPE_COLLECTION)) {
            return; // a view: its definition is all there is
        }
        var coll = database.getCollection(name, RawBsonDocument.class);
        MongoCursor<RawBsonDocument> cursor;
        boolean capped = options.isBoolean("capped") && options.getBoolean("capped").getValue();
        if (snapshot != null && capped) {
            // MongoDB refuses snapshot reads of capped collections (logs, queues): read as they are.
            session.fact(Facts.pointInTime(db, name), "false");
            cursor = batch(coll.find()).iterator();
        } else if (snapshot != null) {
            try {
                cursor = batch(coll.find(snapshot)).iterator();
            } catch (MongoCommandException e) {
                if (Errors.isSnapshotTooOld(e)) {
                    throw e;
                }
                session.warn(db + "/" + name + DumpLayout.BSON, "read outside the backup's point in time: the "
                        + "server refused a snapshot read of this collection (" + connection.scrub(e.getErrorMessage())
                        + ")");
                cursor = batch(coll.find()).iterator();
            }
        } else {
            cursor = batch(coll.find()).iterator();
        }
        try (MongoCursor<RawBsonDocument> c = cursor) {
            DocumentStream in = new DocumentStream(c, session::isCancelled);
            dir.file(EntryMetadata.stream(base + DumpLayout.BSON, now), in);
            session.fact(Facts.count(db, name), Long.toString(in.count()));
            session.fact(Facts.hash(db, name), in.hash());
        }
    }

    private FindIterable<RawBsonDocument> batch(FindIterable<RawBsonDocument> f) {
        return batchSize > 0 ? f.batchSize(batchSize) : f;
    }

    /** Records the snapshot's cluster time and the oplog entry at or before it. */
    private void recordTime(MongoClient client, ClientSession snapshot, ServerInfo server, SourceSession session) {
        BsonTimestamp at = snapshot.getSnapshotTimestamp();
        if (at == null) {
            return; // nothing was read
        }
        session.fact(Facts.CLUSTER_TIME, at.getTime() + ":" + at.getInc());
        if (!server.topology().equals(ServerInfo.REPLICA_SET)) {
            return;
        }
        try {
            BsonDocument last = client.getDatabase("local").getCollection("oplog.rs", BsonDocument.class)
                    .find(Filters.lte("ts", at)).sort(new BsonDocument("$natural", new BsonInt32(-1)))
                    .projection(new BsonDocument("ts", new BsonInt32(1)).append("t", new BsonInt32(1))).limit(1)
                    .first();
            if (last != null && last.isTimestamp("ts")) {
                BsonTimestamp ts = last.getTimestamp("ts");
                session.fact(Facts.OPLOG_TS, ts.getTime() + ":" + ts.getInc());
                if (last.isNumber("t")) {
                    session.fact(Facts.OPLOG_TERM, Long.toString(last.getNumber("t").longValue()));
                }
            }
        } catch (MongoException e) {
            session.fact(Facts.OPLOG_UNAVAILABLE, "cannot read local.oplog.rs: " + connection.scrub(e.getMessage()));
        }
    }

    /** Options of a {@link MongoSource}; each call validates at once. Not thread-safe. */
    public static final class Builder {
        private final ConnectionSpec connection = new ConnectionSpec();
        private final Map<String, Set<String>> selection = new LinkedHashMap<>();
        private boolean requirePointInTime;
        private int batchSize = 1000;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * The deployment, as a connection string without a password, e.g.
         * {@code mongodb://backup@db1:27017,db2:27017/?replicaSet=rs0&authSource=admin}.
         *
         * @throws IllegalArgumentException if it holds a password (never repeated in the message) or is invalid
         */
        public Builder connectionString(String connectionString) {
            connection.text(connectionString);
            return this;
        }

        /** The password of the connection string's user. */
        public Builder password(Secret password) {
            connection.password(password);
            return this;
        }

        /** The whole connection string, password included, from a secret (an environment variable, a file). */
        public Builder connectionString(Secret connectionString) {
            connection.whole(connectionString);
            return this;
        }

        /**
         * Backs up this database (repeatable). Without any, every database but {@code admin},
         * {@code local} and {@code config}; naming one of those includes it.
         */
        public Builder database(String database) {
            selection.putIfAbsent(Names.database(database, "database"), new LinkedHashSet<>());
            return this;
        }

        /** Backs up only the named collections of {@code database} (repeatable; implies {@link #database}). */
        public Builder collection(String database, String collection) {
            selection.computeIfAbsent(Names.database(database, "database"), k -> new LinkedHashSet<>())
                    .add(Names.collection(collection, "collection"));
            return this;
        }

        /** Fail instead of recording {@code mongodb.pointInTime=false} when the server cannot read at one point in time. */
        public Builder requirePointInTime(boolean require) {
            this.requirePointInTime = require;
            return this;
        }

        /**
         * Documents per cursor batch (default 1000; 0: the server's default). mongod also caps a batch
         * at 16 MiB; the document limit keeps memory flat on wire-compatible servers that do not.
         */
        public Builder batchSize(int documents) {
            if (documents < 0) {
                throw new IllegalArgumentException("batchSize must not be negative: " + documents);
            }
            this.batchSize = documents;
            return this;
        }

        /** The clock for entry times. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MongoSource build() {
            return new MongoSource(this);
        }
    }

    /**
     * ServiceLoader entry for {@code mongodb://[user@]host[:port][,host…]/[database][?options]}: the path
     * selects one database (none: all but admin, local, config; in the driver's terms it is also the
     * default authentication database: add {@code authSource=admin} for users defined there);
     * {@code collections=a,b} selects collections of it; {@code requirePointInTime=true} refuses
     * servers that cannot read at one point in time; other options go to the driver. The password
     * comes from {@code CAIRN_MONGODB_PASSWORD} or the file named by {@code CAIRN_MONGODB_PASSWORD_FILE},
     * never from the URI. Stateless.
     */
    public static class Provider implements SourceProvider {
        private static final Set<String> KEYS = Set.of("collections", "requirepointintime");

        @Override
        public String scheme() {
            return "mongodb";
        }

        @Override
        public Source create(URI uri, Map<String, String> env) {
            ProviderUri u = ProviderUri.parse(uri, env, KEYS);
            Builder b = builder();
            b.connection.connection(u.connection);
            List<String> colls = u.list("collections");
            if (!colls.isEmpty() && u.database == null) {
                throw new IllegalArgumentException("collections= needs a database in the path (mongodb://host/db?collections=a,b)");
            }
            if (u.database != null) {
                b.database(u.database);
                colls.forEach(c -> b.collection(u.database, c));
            }
            return b.requirePointInTime(u.flag("requirepointintime")).build();
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
