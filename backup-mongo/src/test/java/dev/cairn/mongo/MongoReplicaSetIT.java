package dev.cairn.mongo;

import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Collation;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ValidationAction;
import com.mongodb.client.model.ValidationLevel;
import com.mongodb.client.model.ValidationOptions;
import dev.cairn.BackupResult;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.DrillReport;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.MongoDBContainer;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against a real single-node {@code mongod} replica set in Docker: snapshot reads at one cluster
 * time while writes go on, every BSON type, options/validators/indexes/views, and mongorestore /
 * mongodump compatibility. Skipped (reported as such) where Docker is not available.
 */
@Testcontainers(disabledWithoutDocker = true)
class MongoReplicaSetIT {
    private static final MongoDBContainer MONGO = new MongoDBContainer(DockerImageName.parse("mongo:7.0"));
    private static MongoClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        MONGO.start();
        client = MongoClients.create(MONGO.getConnectionString());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        MONGO.stop();
    }

    private static String uri() {
        return MONGO.getConnectionString() + "/?serverSelectionTimeoutMS=10000";
    }

    private Repository repo() {
        return TestRepos.fast(dir.resolve("repo")).init();
    }

    private static MongoCollection<RawBsonDocument> raw(String db, String coll) {
        return client.getDatabase(db).getCollection(coll, RawBsonDocument.class);
    }

    @Test
    void backup_concurrentTransactions_readsEveryCollectionAtOnePointInTime() throws Exception {
        MongoDatabase db = client.getDatabase("tc_pit");
        db.createCollection("left");
        db.createCollection("right");
        String pad = "p".repeat(2000);
        List<Document> seed = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            seed.add(new Document("_id", -1 - i).append("pad", pad));
        }
        db.getCollection("left").insertMany(seed);
        db.getCollection("right").insertMany(seed);

        // Each transaction inserts the same _id into both collections: any one point in time sees equal sets.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (ClientSession s = client.startSession()) {
                for (int i = 0; !stop.get(); i++) {
                    int id = i;
                    s.withTransaction(() -> {
                        db.getCollection("left").insertOne(s, new Document("_id", id).append("pad", pad));
                        db.getCollection("right").insertOne(s, new Document("_id", id).append("pad", pad));
                        return null;
                    });
                    written.incrementAndGet();
                }
            }
        });
        writer.start();
        Snapshot s;
        try (Repository repo = repo()) {
            while (written.get() < 50) {
                Thread.sleep(10);
            }
            BackupResult r = repo.backup(MongoSource.builder().connectionString(uri()).database("tc_pit")
                    .batchSize(50).requirePointInTime(true).build()).run();
            int duringBackup = written.get();
            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));
            s = r.snapshot();
            assertThat(r.partial()).isFalse();
            assertThat(s.facts()).containsEntry("mongodb.pointInTime", "true")
                    .containsEntry("mongodb.topology", "replicaSet")
                    .containsKeys("mongodb.clusterTime", "mongodb.oplog.ts", "mongodb.oplog.term", "mongodb.replicaSet");
            assertThat(compareTs(s.facts().get("mongodb.oplog.ts"), s.facts().get("mongodb.clusterTime")))
                    .isLessThanOrEqualTo(0);
            assertThat(s.facts().get("mongodb.coll.tc_pit.left.count"))
                    .isEqualTo(s.facts().get("mongodb.coll.tc_pit.right.count"));
            assertThat(duringBackup).as("writes went on during the backup").isGreaterThan(50);

            MongoRestore.builder().connectionString(uri()).mapDatabase("tc_pit", "tc_pit_restored").build()
                    .restore(repo, s, List.of(), false);
            Set<Object> left = ids("tc_pit_restored", "left");
            Set<Object> right = ids("tc_pit_restored", "right");
            assertThat(left).isEqualTo(right);
            assertThat(left.size()).isLessThan((int) db.getCollection("left").countDocuments());

            DrillReport drill = MongoDrill.builder().connectionString(uri()).build().run(repo, s);
            assertThat(drill.failures()).isEmpty();
            assertThat(drill.checks()).anyMatch(c -> c.startsWith("point in time: cluster time "));
        }
    }

    private static int compareTs(String a, String b) {
        String[] x = a.split(":");
        String[] y = b.split(":");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    private static Set<Object> ids(String db, String coll) {
        Set<Object> out = new TreeSet<>();
        for (Document d : client.getDatabase(db).getCollection(coll).find().projection(new Document("_id", 1))) {
            out.add(d.getInteger("_id"));
        }
        return out;
    }

    @Test
    void backup_everyBsonType_restoresByteIdentical() {
        List<RawBsonDocument> samples = BsonSamples.everyType();
        raw("tc_types", "everything").insertMany(samples);
        Map<String, byte[]> onServer = BsonSamples.byId(raw("tc_types", "everything"));
        for (RawBsonDocument d : samples) {
            assertThat(onServer.get(d.get("_id").toString())).isEqualTo(BsonSamples.bytes(d));
        }
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(MongoSource.builder().connectionString(uri()).database("tc_types").build()).run()
                    .snapshot();
            MongoRestore.builder().connectionString(uri()).mapDatabase("tc_types", "tc_types_copy").build()
                    .restore(repo, s, List.of(), false);
        }
        Map<String, byte[]> restored = BsonSamples.byId(raw("tc_types_copy", "everything"));
        assertThat(restored.keySet()).isEqualTo(onServer.keySet());
        onServer.forEach((id, b) -> assertThat(restored.get(id)).as("document %s", id).isEqualTo(b));
    }

    @Test
    void restore_optionsValidatorsIndexesAndViews_comeBack() {
        MongoDatabase db = client.getDatabase("tc_opts");
        db.createCollection("log", new CreateCollectionOptions().capped(true).sizeInBytes(1 << 20).maxDocuments(500));
        db.createCollection("orders", new CreateCollectionOptions().validationOptions(new ValidationOptions()
                .validator(Filters.gte("price", 0)).validationLevel(ValidationLevel.MODERATE)
                .validationAction(ValidationAction.WARN)));
        db.createCollection("names", new CreateCollectionOptions().collation(Collation.builder().locale("fr")
                .build()));
        db.getCollection("orders").insertOne(new Document("_id", 1).append("price", 5).append("sku", "a")
                .append("loc", new Document("type", "Point").append("coordinates", List.of(1.0, 2.0))));
        db.getCollection("log").insertOne(new Document("_id", 1).append("msg", "hello"));
        db.getCollection("orders").createIndex(Indexes.ascending("sku"), new IndexOptions().unique(true)
                .partialFilterExpression(Filters.gt("price", 1)));
        db.getCollection("orders").createIndex(Indexes.ascending("createdAt"), new IndexOptions()
                .expireAfter(60L, TimeUnit.SECONDS));
        db.getCollection("orders").createIndex(Indexes.text("sku"));
        db.getCollection("orders").createIndex(Indexes.geo2dsphere("loc"));
        db.getCollection("orders").createIndex(Indexes.hashed("price"));
        db.createView("cheap", "orders", List.of(new Document("$match", new Document("price", new Document("$lt", 10)))));
        try (Repository repo = repo()) {
            BackupResult r = repo.backup(MongoSource.builder().connectionString(uri()).database("tc_opts").build()).run();
            assertThat(r.partial()).isFalse();
            assertThat(r.snapshot().facts()).containsEntry("mongodb.coll.tc_opts.log.pointInTime", "false");
            MongoRestore.builder().connectionString(uri()).mapDatabase("tc_opts", "tc_opts_copy").build()
                    .restore(repo, r.snapshot(), List.of(), false);
            DrillReport drill = MongoDrill.builder().connectionString(uri()).build().run(repo, r.snapshot());
            assertThat(drill.failures()).isEmpty();
            assertThat(drill.checks()).contains("view tc_opts.cheap: restored");
        }
        assertThat(collections("tc_opts_copy")).isEqualTo(collections("tc_opts"));
        for (String c : List.of("log", "orders", "names")) {
            assertThat(indexes("tc_opts_copy", c)).as(c).isEqualTo(indexes("tc_opts", c));
        }
        assertThat(client.getDatabase("tc_opts_copy").getCollection("cheap").countDocuments()).isEqualTo(1);
    }

    /** listCollections entries without the UUIDs (a restore gets new ones). */
    private static Map<String, BsonDocument> collections(String db) {
        Map<String, BsonDocument> out = new java.util.TreeMap<>();
        for (BsonDocument d : client.getDatabase(db).listCollections(BsonDocument.class)) {
            d.remove("info");
            out.put(d.getString("name").getValue(), d);
        }
        return out;
    }

    private static List<BsonDocument> indexes(String db, String coll) {
        List<BsonDocument> out = new ArrayList<>();
        client.getDatabase(db).getCollection(coll).listIndexes(BsonDocument.class).forEach(out::add);
        out.sort((x, y) -> x.getString("name").getValue().compareTo(y.getString("name").getValue()));
        return out;
    }

    @Test
    void export_snapshotDirectory_restoresWithMongorestore() throws Exception {
        assumeTrue(MONGO.execInContainer("sh", "-c", "command -v mongorestore").getExitCode() == 0,
                "this mongo image has no mongorestore; skipping the compatibility check");
        raw("tc_mr", "everything").insertMany(BsonSamples.everyType());
        raw("tc_mr", "slash/name").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonString("s"))));
        client.getDatabase("tc_mr").getCollection("everything").createIndex(Indexes.ascending("utf8"),
                new IndexOptions().name("utf8_1"));
        Path export = dir.resolve("export");
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(MongoSource.builder().connectionString(uri()).database("tc_mr").build()).run()
                    .snapshot();
            repo.restore(s).owners(false).to(export);
        }
        MONGO.copyFileToContainer(MountableFile.forHostPath(export), "/tmp/cairn-export");
        Container.ExecResult r = MONGO.execInContainer("mongorestore", "--quiet", "--nsFrom", "tc_mr.*", "--nsTo",
                "tc_mr_tools.*", "--dir", "/tmp/cairn-export");
        assertThat(r.getExitCode()).as(r.getStderr()).isZero();
        assertThat(BsonSamples.byId(raw("tc_mr_tools", "everything"))).containsOnlyKeys(
                BsonSamples.byId(raw("tc_mr", "everything")).keySet());
        BsonSamples.byId(raw("tc_mr", "everything")).forEach((id, b) ->
                assertThat(BsonSamples.byId(raw("tc_mr_tools", "everything")).get(id)).isEqualTo(b));
        assertThat(raw("tc_mr_tools", "slash/name").countDocuments()).isEqualTo(1);
        assertThat(indexes("tc_mr_tools", "everything")).extracting(d -> d.getString("name").getValue())
                .contains("utf8_1");
    }

    @Test
    void restore_mongodumpOutput_restoresByteIdentical() throws Exception {
        assumeTrue(MONGO.execInContainer("sh", "-c", "command -v mongodump").getExitCode() == 0,
                "this mongo image has no mongodump; skipping the compatibility check");
        raw("tc_md", "everything").insertMany(BsonSamples.everyType());
        Container.ExecResult r = MONGO.execInContainer("mongodump", "--quiet", "--db", "tc_md", "--out", "/tmp/md");
        assertThat(r.getExitCode()).as(r.getStderr()).isZero();
        Path dump = Files.createDirectories(dir.resolve("md/tc_md"));
        for (String f : List.of("everything.bson", "everything.metadata.json")) {
            MONGO.copyFileFromContainer("/tmp/md/tc_md/" + f, dump.resolve(f).toString());
        }
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(dump).run().snapshot();
            MongoRestore.builder().connectionString(uri()).mapDatabase("tc_md", "tc_md_copy").build()
                    .restore(repo, s, List.of(), false);
        }
        BsonSamples.byId(raw("tc_md", "everything")).forEach((id, b) ->
                assertThat(BsonSamples.byId(raw("tc_md_copy", "everything")).get(id)).isEqualTo(b));
    }

    @Test
    void backup_requirePointInTimeOnReplicaSet_recordsTime() {
        raw("tc_req", "c").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(MongoSource.builder().connectionString(uri()).database("tc_req")
                    .requirePointInTime(true).build()).run().snapshot();
            assertThat(s.facts()).containsEntry("mongodb.pointInTime", "true").containsKey("mongodb.clusterTime");
        }
    }
}
