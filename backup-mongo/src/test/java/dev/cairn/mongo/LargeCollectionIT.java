package dev.cairn.mongo;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A collection of 1,000,000 small documents backs up in a JVM limited to {@value #HEAP} of heap
 * (the documents' BSON alone is larger), and a second, unchanged backup adds under 1 % new data.
 */
class LargeCollectionIT {
    private static final int DOCUMENTS = 1_000_000;
    private static final String HEAP = "96m";

    @TempDir
    Path dir;

    @Test
    void backup_millionSmallDocuments_flatMemoryAndUnchangedBackupAddsUnderOnePercent() throws Exception {
        try (InProcessMongo mongo = InProcessMongo.start()) {
            var coll = mongo.client().getDatabase("large").getCollection("big", RawBsonDocument.class);
            List<RawBsonDocument> batch = new ArrayList<>();
            for (int i = 0; i < DOCUMENTS; i++) {
                batch.add(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(i))
                        .append("name", new BsonString("customer " + i)).append("n", new BsonInt32(i % 1000))
                        .append("city", new BsonString(i % 3 == 0 ? "Zürich" : "Lyon"))));
                if (batch.size() == 10_000) {
                    coll.insertMany(batch);
                    batch.clear();
                }
            }
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + HEAP, "-cp", System.getProperty("java.class.path"), LargeBackupMain.class.getName(),
                    dir.resolve("repo").toString(), mongo.uri(), "large").redirectErrorStream(true).start();
            Map<String, String[]> lines = new HashMap<>();
            StringBuilder all = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    String[] f = line.split(" ");
                    lines.put(f[0] + (f[0].equals("backup") ? f[1] : ""), f);
                }
            }
            assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(all.toString()).isZero();
            String[] first = lines.get("backup1");
            String[] second = lines.get("backup2");
            long total = Long.parseLong(first[2]);
            assertThat(first[5]).isEqualTo(Integer.toString(DOCUMENTS));
            assertThat(total).as("BSON bytes").isGreaterThan(50L * 1024 * 1024);
            assertThat(Long.parseLong(second[3])).as("bytes added by the unchanged backup").isLessThan(total / 100);
            long peak = Long.parseLong(lines.get("peak")[1]);
            long live = Long.parseLong(lines.get("peak")[2]);
            System.out.printf("LargeCollectionIT: %d documents, %.1f MiB of BSON; backups %s ms and %s ms; second added "
                            + "%s bytes; peak heap %.1f MiB, at most %.1f MiB live after a GC (-Xmx%s)%n", DOCUMENTS,
                    total / 1048576.0, first[4], second[4], second[3], peak / 1048576.0, live / 1048576.0, HEAP);
        }
    }
}
