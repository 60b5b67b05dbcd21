package dev.cairn.mongo;

import dev.cairn.BackupException;
import dev.cairn.ErrorCode;
import dev.cairn.IntegrityException;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DocumentStreamTest {
    private static List<RawBsonDocument> docs(int n) {
        List<RawBsonDocument> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(BsonSamples.raw(new BsonDocument("_id", new BsonInt32(i)).append("s", new BsonString("x".repeat(i % 97)))));
        }
        return out;
    }

    private static byte[] concat(List<RawBsonDocument> docs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        docs.forEach(d -> out.writeBytes(BsonSamples.bytes(d)));
        return out.toByteArray();
    }

    @Test
    void stream_anyReadSizes_yieldsDocumentsConcatenated() throws IOException {
        List<RawBsonDocument> docs = docs(300);
        for (int size : new int[] {1, 7, 64, 8192}) {
            DocumentStream in = new DocumentStream(docs.iterator(), () -> false);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[size];
            for (int n; (n = in.read(buf, 0, size)) > 0; ) {
                out.write(buf, 0, n);
            }
            assertThat(out.toByteArray()).isEqualTo(concat(docs));
            assertThat(in.count()).isEqualTo(300);
            assertThat(in.bytes()).isEqualTo(concat(docs).length);
            assertThat(in.read()).isEqualTo(-1);
        }
        DocumentStream single = new DocumentStream(docs.iterator(), () -> false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c; (c = single.read()) >= 0; ) {
            out.write(c);
        }
        assertThat(out.toByteArray()).isEqualTo(concat(docs));
    }

    @Test
    void stream_hash_matchesContentHashOfTheDocuments() throws IOException {
        List<RawBsonDocument> docs = docs(50);
        DocumentStream in = new DocumentStream(docs.iterator(), () -> false);
        in.readAllBytes();
        ContentHash h = new ContentHash();
        docs.forEach(d -> h.add(d.getBackingArray(), d.getByteOffset(), d.getByteLength()));
        assertThat(in.hash()).isEqualTo(h.hex());
    }

    @Test
    void stream_cancelled_throwsCancelled() {
        Iterator<RawBsonDocument> endless = IntStream.iterate(0, i -> i + 1)
                .mapToObj(i -> BsonSamples.raw(new BsonDocument("_id", new BsonInt32(i)))).iterator();
        DocumentStream in = new DocumentStream(endless, () -> true);
        assertThatThrownBy(in::readAllBytes).isInstanceOf(BackupException.class)
                .extracting(e -> ((BackupException) e).code()).isEqualTo(ErrorCode.CANCELLED);
    }

    @Test
    void reader_concatenatedDocuments_readsEachBack() throws IOException {
        List<RawBsonDocument> docs = docs(120);
        DocumentReader r = new DocumentReader(new ByteArrayInputStream(concat(docs)), "db/c.bson");
        List<byte[]> back = new ArrayList<>();
        for (RawBsonDocument d = r.next(); d != null; d = r.next()) {
            back.add(BsonSamples.bytes(d));
        }
        assertThat(back).hasSize(120);
        for (int i = 0; i < 120; i++) {
            assertThat(back.get(i)).isEqualTo(BsonSamples.bytes(docs.get(i)));
        }
        assertThat(new DocumentReader(new ByteArrayInputStream(new byte[0]), "e").next()).isNull();
    }

    @Test
    void reader_damagedStreams_throwIntegrityNamingTheFile() {
        byte[] all = concat(docs(3));
        byte[] truncated = Arrays.copyOf(all, all.length - 3);
        assertThatThrownBy(() -> readAll(truncated)).isInstanceOf(IntegrityException.class)
                .hasMessageContaining("db/c.bson ends inside a document");
        assertThatThrownBy(() -> readAll(Arrays.copyOf(all, 2))).isInstanceOf(IntegrityException.class)
                .hasMessageContaining("truncated");
        byte[] huge = all.clone();
        huge[3] = 0x7f;
        assertThatThrownBy(() -> readAll(huge)).isInstanceOf(IntegrityException.class)
                .hasMessageContaining("claims").hasMessageContaining("at byte 0");
        byte[] noNul = all.clone();
        int first = (all[0] & 0xff) | (all[1] & 0xff) << 8;
        noNul[first - 1] = 1;
        assertThatThrownBy(() -> readAll(noNul)).isInstanceOf(IntegrityException.class)
                .hasMessageContaining("does not end with a NUL");
    }

    private static void readAll(byte[] b) throws IOException {
        DocumentReader r = new DocumentReader(new ByteArrayInputStream(b), "db/c.bson");
        while (r.next() != null) {
            // consume
        }
    }
}
