package dev.cairn.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import dev.cairn.Adapters;
import dev.cairn.BackupResult;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.RestoreResult;
import dev.cairn.SourceReadException;
import dev.cairn.restore.RestoreTarget;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.testing.TestRepos;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Backup → restore → compare round trips against the in-process wire-protocol server (a standalone). */
class MongoRoundTripIT {
    private static InProcessMongo mongo;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        mongo = InProcessMongo.start();
    }

    @AfterAll
    static void stop() {
        mongo.close();
    }

    private Repository repo() {
        return TestRepos.fast(dir.resolve("repo")).init();
    }

    private static MongoSource.Builder source() {
        return MongoSource.builder().connectionString(mongo.uri());
    }

    private static MongoRestore.Builder target() {
        return MongoRestore.builder().connectionString(mongo.uri());
    }

    private static MongoCollection<RawBsonDocument> raw(String db, String coll) {
        return mongo.client().getDatabase(db).getCollection(coll, RawBsonDocument.class);
    }

    private static byte[] file(Repository repo, Snapshot s, String path) throws IOException {
        try (InputStream in = repo.openFile(s, path)) {
            return in.readAllBytes();
        }
    }

    @Test
    void backup_everyTypeTheServerKeeps_restoresByteIdentical() throws IOException {
        List<RawBsonDocument> samples = BsonSamples.keptByInProcessServer();
        raw("rt_types", "everything").insertMany(samples);
        Map<String, byte[]> onServer = BsonSamples.byId(raw("rt_types", "everything"));
        for (RawBsonDocument d : samples) {
            assertThat(onServer.get(d.get("_id").toString())).as("server kept %s", d.get("_id"))
                    .isEqualTo(BsonSamples.bytes(d));
        }
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_types").build()).run().snapshot();
            assertThat(file(repo, s, "rt_types/everything.bson")).isEqualTo(BsonSamples.concatenated(raw("rt_types",
                    "everything")));

            target().mapDatabase("rt_types", "rt_types_copy").build().restore(repo, s, List.of(), false);
        }
        Map<String, byte[]> restored = BsonSamples.byId(raw("rt_types_copy", "everything"));
        assertThat(restored.keySet()).isEqualTo(onServer.keySet());
        onServer.forEach((id, bytes) -> assertThat(restored.get(id)).as("document %s", id).isEqualTo(bytes));
    }

    @Test
    void backup_standalone_recordsNotPointInTimeWithCountsAndHashes() {
        MongoDatabase db = mongo.client().getDatabase("rt_facts");
        raw("rt_facts", "a").insertMany(BsonSamples.keptByInProcessServer().subList(0, 3));
        db.createCollection("empty");
        ContentHash expected = new ContentHash();
        for (RawBsonDocument d : raw("rt_facts", "a").find()) {
            expected.add(d.getBackingArray(), d.getByteOffset(), d.getByteLength());
        }
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_facts").build()).run().snapshot();
            Map<String, String> f = s.facts();
            assertThat(s.sourceKind()).isEqualTo("mongodb");
            assertThat(f).containsEntry("mongodb.pointInTime", "false")
                    .containsEntry("mongodb.topology", "standalone")
                    .containsEntry("mongodb.hashAlgorithm", "sha256-sum")
                    .containsEntry("mongodb.coll.rt_facts.a.count", "3")
                    .containsEntry("mongodb.coll.rt_facts.a.hash", expected.hex())
                    .containsEntry("mongodb.coll.rt_facts.empty.count", "0")
                    .containsEntry("mongodb.coll.rt_facts.empty.hash", "0".repeat(64))
                    .containsKey("mongodb.serverVersion")
                    .doesNotContainKey("mongodb.clusterTime");
        }
    }

    @Test
    void backup_requirePointInTimeOnStandalone_failsWithoutSnapshot() {
        raw("rt_pit", "c").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        try (Repository repo = repo()) {
            assertThatThrownBy(() -> repo.backup(source().database("rt_pit").requirePointInTime(true).build()).run())
                    .isInstanceOf(SourceReadException.class)
                    .hasMessageContaining("is a standalone")
                    .hasMessageContaining("cannot read at one point in time");
            assertThat(repo.snapshots()).isEmpty();
        }
    }

    @Test
    void backup_layout_followsMongodumpDirectoryFormat() throws IOException {
        raw("rt_layout", "orders").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        mongo.client().getDatabase("rt_layout").getCollection("orders").createIndex(Indexes.ascending("sku"),
                new IndexOptions().name("sku_1").unique(true));
        raw("rt_layout", "with/slash").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(2))));
        raw("rt_layout", "50%off").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(3))));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_layout").build()).run().snapshot();
            List<String> paths = repo.list(s, "", true).stream().map(SnapshotEntry::path).toList();
            assertThat(paths).containsExactly("rt_layout", "rt_layout/50%25off.bson",
                    "rt_layout/50%25off.metadata.json", "rt_layout/orders.bson", "rt_layout/orders.metadata.json",
                    "rt_layout/with%2Fslash.bson", "rt_layout/with%2Fslash.metadata.json");

            String json = new String(file(repo, s, "rt_layout/orders.metadata.json"), StandardCharsets.UTF_8);
            BsonDocument meta = BsonDocument.parse(json);
            assertThat(new ArrayList<>(meta.keySet())).containsExactly("options", "indexes", "uuid", "collectionName",
                    "type");
            assertThat(json).contains("\"$numberInt\""); // canonical Extended JSON, as mongodump writes it
            assertThat(meta.getString("collectionName").getValue()).isEqualTo("orders");
            assertThat(meta.getString("type").getValue()).isEqualTo("collection");
            assertThat(meta.getArray("indexes").stream().map(i -> i.asDocument().getString("name").getValue()))
                    .contains("_id_", "sku_1");

            target().mapDatabase("rt_layout", "rt_layout_copy").build().restore(repo, s, List.of(), false);
        }
        assertThat(new TreeSet<>(mongo.client().getDatabase("rt_layout_copy").listCollectionNames().into(new ArrayList<>())))
                .containsExactly("50%off", "orders", "with/slash");
    }

    @Test
    void restore_newDatabaseName_leavesOriginalUntouched() {
        raw("rt_orig", "items").insertMany(BsonSamples.keptByInProcessServer());
        raw("rt_orig", "more").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonString("x"))));
        byte[] itemsBefore = BsonSamples.concatenated(raw("rt_orig", "items"));
        byte[] moreBefore = BsonSamples.concatenated(raw("rt_orig", "more"));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_orig").build()).run().snapshot();
            RestoreResult r = target().database("rt_orig_restored").build().restore(repo, s, List.of(), false);
            assertThat(r.files()).isEqualTo(2);
            assertThat(r.dirs()).isEqualTo(1);
        }
        assertThat(BsonSamples.concatenated(raw("rt_orig", "items"))).isEqualTo(itemsBefore);
        assertThat(BsonSamples.concatenated(raw("rt_orig", "more"))).isEqualTo(moreBefore);
        assertThat(mongo.client().getDatabase("rt_orig").listCollectionNames().into(new TreeSet<>()))
                .containsExactly("items", "more");
        assertThat(BsonSamples.concatenated(raw("rt_orig_restored", "items"))).isEqualTo(itemsBefore);
        assertThat(BsonSamples.concatenated(raw("rt_orig_restored", "more"))).isEqualTo(moreBefore);
    }

    @Test
    void restore_nonEmptyTarget_refusedUnlessOverwrite() {
        raw("rt_ne", "orders").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        raw("rt_ne_target", "orders").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(99))));
        raw("rt_ne_target", "unrelated").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(7))));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_ne").build()).run().snapshot();
            MongoRestore t = target().database("rt_ne_target").build();

            assertThatThrownBy(() -> t.restore(repo, s, List.of(), false))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("rt_ne_target")
                    .hasMessageContaining("not empty")
                    .hasMessageContaining("orders, unrelated")
                    .hasMessageContaining("--overwrite");
            assertThat(raw("rt_ne_target", "orders").find().first().get("_id")).isEqualTo(new BsonInt32(99));

            t.restore(repo, s, List.of(), true);
        }
        assertThat(raw("rt_ne_target", "orders").find().into(new ArrayList<>())).extracting(d -> d.get("_id"))
                .containsExactly(new BsonInt32(1));
        assertThat(raw("rt_ne_target", "unrelated").countDocuments()).isEqualTo(1);
    }

    @Test
    void restore_indexes_recreated() {
        MongoCollection<Document> users = mongo.client().getDatabase("rt_idx").getCollection("users");
        users.insertOne(new Document("_id", 1).append("email", "a@example.org").append("a", 1).append("b", 2));
        users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_unique"));
        users.createIndex(Indexes.compoundIndex(Indexes.ascending("a"), Indexes.descending("b")),
                new IndexOptions().name("a_b"));
        users.createIndex(Indexes.ascending("nick"), new IndexOptions().sparse(true));
        users.createIndex(Indexes.ascending("createdAt"), new IndexOptions().expireAfter(3600L, TimeUnit.SECONDS));
        List<BsonDocument> before = indexes("rt_idx", "users");
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_idx").build()).run().snapshot();
            target().mapDatabase("rt_idx", "rt_idx_copy").build().restore(repo, s, List.of(), false);
        }
        assertThat(indexes("rt_idx_copy", "users")).isEqualTo(before);
        assertThat(before).hasSize(5);
        assertThat(mongo.commands("rt_idx_copy", "createIndexes")).hasSize(1);
        assertThatThrownBy(() -> mongo.client().getDatabase("rt_idx_copy").getCollection("users")
                .insertOne(new Document("_id", 2).append("email", "a@example.org")))
                .hasMessageContaining("duplicate key");
    }

    private static List<BsonDocument> indexes(String db, String coll) {
        List<BsonDocument> out = new ArrayList<>();
        for (BsonDocument d : mongo.client().getDatabase(db).getCollection(coll).listIndexes(BsonDocument.class)) {
            d.remove("ns");
            out.add(d);
        }
        out.sort((x, y) -> x.getString("name").getValue().compareTo(y.getString("name").getValue()));
        return out;
    }

    /**
     * The in-process server accepts collection options without listing them back (and refuses
     * capped collections: MongoReplicaSetIT covers those), so this test
     * restores a mongodump-style directory (options, validator, a view) backed up as plain files,
     * and checks the create commands the server received.
     */
    @Test
    void restore_mongodumpDirectoryWithOptionsAndView_createsThem() throws IOException {
        Path db = Files.createDirectories(dir.resolve("dump/rt_opts"));
        Files.writeString(db.resolve("orders.metadata.json"), "{\"options\":{\"collation\":{\"locale\":\"fr\","
                + "\"strength\":{\"$numberInt\":\"2\"}},\"validator\":{\"price\":{\"$gte\":"
                + "{\"$numberInt\":\"0\"}}},\"validationLevel\":\"moderate\",\"validationAction\":\"warn\"},"
                + "\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"},"
                + "{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"sku\":{\"$numberInt\":\"1\"}},\"name\":\"sku_1\","
                + "\"ns\":\"rt_opts.orders\"}],\"uuid\":\"0123456789abcdef0123456789abcdef\","
                + "\"collectionName\":\"orders\",\"type\":\"collection\"}");
        List<RawBsonDocument> docs = BsonSamples.keptByInProcessServer();
        try (var out = Files.newOutputStream(db.resolve("orders.bson"))) {
            for (RawBsonDocument d : docs) {
                out.write(BsonSamples.bytes(d));
            }
        }
        Files.writeString(db.resolve("cheap.metadata.json"), "{\"options\":{\"viewOn\":\"orders\",\"pipeline\":"
                + "[{\"$match\":{\"price\":{\"$lt\":{\"$numberInt\":\"10\"}}}}]},\"indexes\":[],\"uuid\":\"\","
                + "\"collectionName\":\"cheap\",\"type\":\"view\"}");
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(db).run().snapshot(); // a file-system snapshot whose root holds rt_opts/
            RestoreResult r = target().mapDatabase("rt_opts", "rt_opts_copy").build().restore(repo, s, List.of(), false);
            assertThat(r.files()).isEqualTo(2);
        }
        var creates = mongo.commands("rt_opts_copy", "create");
        assertThat(creates).hasSize(2);
        var orders = creates.get(0).body();
        assertThat(orders.get("create")).isEqualTo("orders");
        assertThat(orders.get("collation").toString()).contains("\"locale\" : \"fr\"").contains("\"strength\" : 2");
        assertThat(orders.get("validator").toString()).contains("price").contains("$gte");
        assertThat(orders.get("validationLevel")).isEqualTo("moderate");
        assertThat(orders.get("validationAction")).isEqualTo("warn");
        var view = creates.get(1).body();
        assertThat(view.get("create")).isEqualTo("cheap");
        assertThat(view.get("viewOn")).isEqualTo("orders");
        assertThat(view.get("pipeline").toString()).contains("$match");
        var createIndexes = mongo.commands("rt_opts_copy", "createIndexes");
        assertThat(createIndexes).hasSize(1);
        assertThat(createIndexes.get(0).body().get("indexes").toString()).contains("sku_1").doesNotContain("_id_")
                .doesNotContain("rt_opts.orders");
        assertThat(BsonSamples.byId(raw("rt_opts_copy", "orders"))).hasSize(docs.size());
    }

    @Test
    void backup_noSelection_excludesSystemDatabasesButNamedOnesAreIncluded() {
        try (InProcessMongo own = InProcessMongo.start(); Repository repo = repo()) {
            own.client().getDatabase("rt_sys_app").getCollection("a").insertOne(new Document("_id", 1));
            own.client().getDatabase("config").getCollection("settings").insertOne(new Document("_id", 1));
            own.client().getDatabase("local").getCollection("startup_log").insertOne(new Document("_id", 1));
            Snapshot all = repo.backup(MongoSource.builder().connectionString(own.uri()).build()).run().snapshot();
            assertThat(repo.list(all, "", false)).extracting(SnapshotEntry::path).containsExactly("rt_sys_app");

            Snapshot named = repo.backup(MongoSource.builder().connectionString(own.uri()).database("config")
                    .build()).run().snapshot();
            assertThat(repo.list(named, "", true)).extracting(SnapshotEntry::path)
                    .containsExactly("config", "config/settings.bson", "config/settings.metadata.json");
        }
    }

    @Test
    void backup_selectedCollections_backsUpOnlyThose() {
        raw("rt_sel", "keep").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        raw("rt_sel", "skip").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(2))));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().collection("rt_sel", "keep").build()).run().snapshot();
            assertThat(repo.list(s, "", true)).extracting(SnapshotEntry::path)
                    .containsExactly("rt_sel", "rt_sel/keep.bson", "rt_sel/keep.metadata.json");
            assertThat(s.source()).endsWith("[rt_sel.keep]");
        }
    }

    @Test
    void backup_unknownDatabaseOrCollection_failsNamingIt() {
        raw("rt_known", "c").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        try (Repository repo = repo()) {
            assertThatThrownBy(() -> repo.backup(source().database("rt_no_such_db").build()).run())
                    .isInstanceOf(SourceReadException.class).hasMessageContaining("Database rt_no_such_db is not on");
            assertThatThrownBy(() -> repo.backup(source().collection("rt_known", "nope").build()).run())
                    .isInstanceOf(SourceReadException.class).hasMessageContaining("Collection rt_known.nope is not on")
                    .hasMessageContaining("rt_known has: c");
            assertThat(repo.snapshots()).isEmpty();
        }
    }

    @Test
    void backup_secondUnchangedBackup_addsUnderOnePercent() {
        List<RawBsonDocument> batch = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            batch.add(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(i)).append("name",
                    new BsonString("customer " + i)).append("n", new BsonInt32(i * 7))));
            if (batch.size() == 5000) {
                raw("rt_dedup", "customers").insertMany(batch);
                batch.clear();
            }
        }
        try (Repository repo = repo()) {
            BackupResult first = repo.backup(source().database("rt_dedup").build()).run();
            BackupResult second = repo.backup(source().database("rt_dedup").build()).run();
            long total = second.snapshot().summary().bytesTotal();
            assertThat(total).isGreaterThan(500_000);
            assertThat(second.snapshot().summary().bytesAdded()).as("bytes added by an unchanged backup of %d", total)
                    .isLessThan(total / 100);
            assertThat(second.snapshot().parent()).contains(first.snapshot().id());
        }
    }

    @Test
    void providers_uriSourceAndTarget_roundTrip() {
        raw("rt_cli", "a").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        raw("rt_cli", "b").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(2))));
        String server = "mongodb://127.0.0.1:" + mongo.port();
        try (Repository repo = repo()) {
            var src = Adapters.source(server + "/rt_cli?collections=a&serverSelectionTimeoutMS=5000", Map.of());
            assertThat(src).isInstanceOf(MongoSource.class);
            Snapshot s = repo.backup(src).run().snapshot();
            assertThat(s.source()).isEqualTo(server + "/rt_cli [rt_cli.a]");

            RestoreTarget t = Adapters.restoreTarget(server + "/rt_cli_uri?overwrite=false", Map.of());
            assertThat(t.descriptor()).isEqualTo(server + "/rt_cli_uri");
            t.restore(repo, s, List.of(), false);
        }
        assertThat(mongo.client().getDatabase("rt_cli_uri").listCollectionNames().into(new TreeSet<>()))
                .containsExactly("a");
    }

    @Test
    void restore_includes_restoreOnlyThosePaths() {
        raw("rt_inc", "a").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
        raw("rt_inc", "b").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(2))));
        raw("rt_inc2", "c").insertOne(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(3))));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source().database("rt_inc").database("rt_inc2").build()).run().snapshot();
            MongoRestore t = target().database("rt_inc_only_b").build();
            assertThatThrownBy(() -> t.restore(repo, s, List.of(), false)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("holds 2 (rt_inc, rt_inc2)");
            t.restore(repo, s, List.of("rt_inc/b"), false);
            assertThatThrownBy(() -> t.restore(repo, s, List.of("rt_inc/zzz"), true))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("rt_inc/zzz");
        }
        Set<String> names = mongo.client().getDatabase("rt_inc_only_b").listCollectionNames().into(new TreeSet<>());
        assertThat(names).containsExactly("b");
    }
}
