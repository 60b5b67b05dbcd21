package dev.cairn.mongo;

import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import dev.cairn.Adapters;
import dev.cairn.ConfigurationException;
import dev.cairn.Repository;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.source.DirectoryWriter;
import dev.cairn.source.EntryMetadata;
import dev.cairn.source.Source;
import dev.cairn.source.SourceSession;
import dev.cairn.testing.TestRepos;
import dev.cairn.verify.Drill;
import dev.cairn.verify.DrillReport;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Restore drills against the in-process wire-protocol server. */
class MongoDrillIT {
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

    private static MongoSource source(String... dbs) {
        MongoSource.Builder b = MongoSource.builder().connectionString(mongo.uri());
        for (String db : dbs) {
            b.database(db);
        }
        return b.build();
    }

    private static MongoDrill drill() {
        return MongoDrill.builder().connectionString(mongo.uri()).build();
    }

    private static List<String> scratchDatabases() {
        return mongo.client().listDatabaseNames().into(new ArrayList<>()).stream()
                .filter(n -> n.startsWith("cairn_drill_")).toList();
    }

    private static void fill(String db, String coll, int n) {
        List<RawBsonDocument> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(i)).append("v", new BsonString(db + i))));
        }
        mongo.client().getDatabase(db).getCollection(coll, RawBsonDocument.class).insertMany(docs);
    }

    @Test
    void drill_goodSnapshot_passesAndDropsScratch() {
        fill("dr_good", "orders", 500);
        fill("dr_good", "customers", 20);
        mongo.client().getDatabase("dr_good").getCollection("orders").createIndex(Indexes.ascending("v"),
                new IndexOptions().name("v_1"));
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source("dr_good")).run().snapshot();
            DrillReport r = drill().run(repo, s);

            assertThat(r.failures()).isEmpty();
            assertThat(r.passed()).isTrue();
            assertThat(r.sourceKind()).isEqualTo("mongodb");
            assertThat(r.target()).startsWith("mongodb://127.0.0.1:" + mongo.port() + "/cairn_drill_");
            assertThat(r.checks()).contains("collection dr_good.orders: 500 documents, hash matches",
                    "collection dr_good.customers: 20 documents, hash matches",
                    "collection dr_good.orders: all 2 index(es) of the snapshot present");
            assertThat(r.checks()).anyMatch(c -> c.startsWith("note: the snapshot is not point-in-time"));
            assertThat(r.restoreTime()).isPositive();
            assertThat(scratchDatabases()).isEmpty();

            DrillReport stored = repo.recordDrill(r);
            assertThat(repo.drills()).extracting(DrillReport::id).containsExactly(stored.id());
        }
    }

    @Test
    void drill_restoredDataDiffers_failsNamingCollection() {
        fill("dr_bad", "orders", 50);
        fill("dr_bad", "fine", 5);
        try (Repository repo = repo()) {
            // The snapshot's facts disagree with its data, as when a restore loses or alters documents.
            Snapshot s = repo.backup(new AlteredFacts(source("dr_bad"), Map.of(
                    "mongodb.coll.dr_bad.orders.hash", "f".repeat(64)))).run().snapshot();
            DrillReport r = drill().run(repo, s);

            assertThat(r.passed()).isFalse();
            assertThat(r.failures()).hasSize(1);
            assertThat(r.failures().get(0)).startsWith("collection dr_bad.orders: restored 50 documents with hash ")
                    .contains("the snapshot recorded 50 with ffffffffffffffff");
            assertThat(r.checks()).contains("collection dr_bad.fine: 5 documents, hash matches");
            assertThat(scratchDatabases()).isEmpty();

            Snapshot counted = repo.backup(new AlteredFacts(source("dr_bad"), Map.of(
                    "mongodb.coll.dr_bad.fine.count", "6"))).run().snapshot();
            assertThat(drill().run(repo, counted).failures()).singleElement().asString()
                    .startsWith("collection dr_bad.fine: restored 5 documents");
        }
    }

    @Test
    void drill_collectionMissingFromRestore_fails() {
        fill("dr_missing", "present", 3);
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(new AlteredFacts(source("dr_missing"), Map.of(
                    "mongodb.coll.dr_missing.gone.count", "3", "mongodb.coll.dr_missing.gone.hash", "0".repeat(64))))
                    .run().snapshot();
            DrillReport r = drill().run(repo, s);
            assertThat(r.passed()).isFalse();
            assertThat(r.failures()).containsExactly(
                    "collection dr_missing.gone: recorded in the snapshot's facts but not restored");
        }
    }

    @Test
    void drill_restoreFails_reportsItAndDropsScratch() {
        try (Repository repo = repo()) {
            // Two documents with one _id: the scratch database is created, then the insert fails.
            byte[] doc = BsonSamples.bytes(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(1))));
            ByteArrayOutputStream twice = new ByteArrayOutputStream();
            twice.writeBytes(doc);
            twice.writeBytes(doc);
            Snapshot s = repo.backup(new DumpSource(Map.of("dr_fail/dup.bson", twice.toByteArray(),
                    "dr_fail/dup.metadata.json", "{\"options\":{},\"indexes\":[]}".getBytes(StandardCharsets.UTF_8))))
                    .run().snapshot();
            DrillReport r = drill().run(repo, s);

            assertThat(r.passed()).isFalse();
            assertThat(r.failures()).singleElement().asString().startsWith("restore failed: Cannot insert into cairn_drill_")
                    .contains(".dup: 1 of 2 documents failed").contains("duplicate key");
            assertThat(scratchDatabases()).isEmpty();
        }
    }

    @Test
    void drill_severalDatabases_eachRestoredCheckedAndDropped() {
        fill("dr_multi_a", "x", 4);
        fill("dr_multi_b", "y", 6);
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source("dr_multi_a", "dr_multi_b")).run().snapshot();
            DrillReport r = drill().run(repo, s);
            assertThat(r.passed()).isTrue();
            assertThat(r.checks()).contains("collection dr_multi_a.x: 4 documents, hash matches",
                    "collection dr_multi_b.y: 6 documents, hash matches");
            assertThat(scratchDatabases()).isEmpty();
        }
    }

    @Test
    void drill_foundByKindThroughAdapters_runs() {
        fill("dr_adapters", "c", 2);
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(source("dr_adapters")).run().snapshot();
            Drill d = Adapters.drill(s.sourceKind(), "mongodb://127.0.0.1:" + mongo.port()
                    + "/?serverSelectionTimeoutMS=5000", Map.of());
            assertThat(d).isInstanceOf(MongoDrill.class);
            assertThat(d.run(repo, s).passed()).isTrue();
        }
    }

    @Test
    void drill_withoutScratchOrWithDatabase_refusedWithHint() {
        assertThatThrownBy(() -> Adapters.drill("mongodb", null, Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--scratch mongodb://");
        assertThatThrownBy(() -> Adapters.drill("mongodb", "mongodb://127.0.0.1/shop", Map.of()))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("names a server, not a database");
    }

    @Test
    void drill_fileSystemSnapshot_refused() throws IOException {
        java.nio.file.Files.writeString(dir.resolve("f.txt"), "x");
        try (Repository repo = repo()) {
            Snapshot s = repo.backup(dir.resolve("f.txt")).run().snapshot();
            assertThatThrownBy(() -> drill().run(repo, s)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("is a fs snapshot");
        }
    }

    /** A source whose recorded facts are replaced or added after the real backup recorded its own. */
    static final class AlteredFacts implements Source {
        private final Source delegate;
        private final Map<String, String> replaced;

        AlteredFacts(Source delegate, Map<String, String> replaced) {
            this.delegate = delegate;
            this.replaced = replaced;
        }

        @Override
        public String kind() {
            return delegate.kind();
        }

        @Override
        public String descriptor() {
            return delegate.descriptor();
        }

        @Override
        public String chunking() {
            return delegate.chunking();
        }

        @Override
        public void backup(SourceSession session) throws IOException {
            delegate.backup(new SourceSession() {
                @Override
                public DirectoryWriter root() {
                    return session.root();
                }

                @Override
                public void fact(String key, String value) {
                    session.fact(key, replaced.getOrDefault(key, value));
                }

                @Override
                public void warn(String path, String message) {
                    session.warn(path, message);
                }

                @Override
                public boolean isCancelled() {
                    return session.isCancelled();
                }
            });
            replaced.forEach(session::fact);
        }
    }

    /** A mongodb-kind source that stores given files ({@code db/name}) as they are. */
    static final class DumpSource implements Source {
        private final Map<String, byte[]> files;

        DumpSource(Map<String, byte[]> files) {
            this.files = new java.util.TreeMap<>(files);
        }

        @Override
        public String kind() {
            return "mongodb";
        }

        @Override
        public String descriptor() {
            return "test-dump";
        }

        @Override
        public void backup(SourceSession session) throws IOException {
            Map<String, Map<String, byte[]>> byDb = new java.util.TreeMap<>();
            files.forEach((p, b) -> byDb.computeIfAbsent(p.substring(0, p.indexOf('/')), k -> new java.util.TreeMap<>())
                    .put(p.substring(p.indexOf('/') + 1), b));
            for (var db : byDb.entrySet()) {
                try (DirectoryWriter d = session.root().directory(EntryMetadata.directory(db.getKey(), 0))) {
                    for (var f : db.getValue().entrySet()) {
                        d.file(EntryMetadata.stream(f.getKey(), 0), new ByteArrayInputStream(f.getValue()));
                    }
                }
            }
            session.root().close();
        }
    }
}
