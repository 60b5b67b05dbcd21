package dev.cairn.mongo;

import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DumpLayoutTest {
    @Test
    void fileBase_specialCharacters_escapedAsMongodumpAndDecodedBack() {
        assertThat(DumpLayout.fileBase("orders")).isEqualTo("orders");
        assertThat(DumpLayout.fileBase("a/b")).isEqualTo("a%2Fb");
        assertThat(DumpLayout.fileBase("50%")).isEqualTo("50%25");
        assertThat(DumpLayout.fileBase("..")).isEqualTo("%2E%2E");
        for (String n : List.of("orders", "a/b", "50%", "%2F", "Grüße/日本", "..", "a.b.c", "x%y/z")) {
            assertThat(DumpLayout.collectionName(DumpLayout.fileBase(n))).isEqualTo(n);
        }
        assertThat(DumpLayout.collectionName("a%2fb")).isEqualTo("a/b");
        assertThat(DumpLayout.collectionName("odd%zz")).isEqualTo("odd%zz");
    }

    @Test
    void fileBase_longName_shortenedUniquelyWithinFileNameLimit() {
        String a = "ü".repeat(200) + "a";
        String b = "ü".repeat(200) + "b";
        String fa = DumpLayout.fileBase(a);
        assertThat((fa + DumpLayout.METADATA).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(fa).isNotEqualTo(DumpLayout.fileBase(b)).contains("%24");
    }

    @Test
    void metadataJson_collection_isCanonicalExtendedJsonInMongodumpFieldOrder() {
        BsonDocument options = new BsonDocument("validator", new BsonDocument("x", new BsonDocument("$gt",
                new BsonInt32(1))));
        List<BsonDocument> indexes = List.of(new BsonDocument("v", new BsonInt32(2)).append("key",
                new BsonDocument("_id", new BsonInt32(1))).append("name", new BsonString("_id_")));
        byte[] uuid = new byte[16];
        uuid[15] = 1;
        String json = DumpLayout.metadataJson("orders", "collection", options, indexes,
                new BsonBinary(BsonBinarySubType.UUID_STANDARD, uuid));
        assertThat(json).isEqualTo("{\"options\": {\"validator\": {\"x\": {\"$gt\": {\"$numberInt\": \"1\"}}}}, "
                + "\"indexes\": [{\"v\": {\"$numberInt\": \"2\"}, \"key\": {\"_id\": {\"$numberInt\": \"1\"}}, "
                + "\"name\": \"_id_\"}], \"uuid\": \"00000000000000000000000000000001\", \"collectionName\": \"orders\", "
                + "\"type\": \"collection\"}");
        DumpLayout.Metadata m = DumpLayout.parseMetadata(json, "ignored");
        assertThat(m.collectionName()).isEqualTo("orders");
        assertThat(m.options()).isEqualTo(options);
        assertThat(m.indexes()).isEqualTo(indexes);
        assertThat(m.uuid()).isEqualTo("00000000000000000000000000000001");
        assertThat(m.isView()).isFalse();
    }

    @Test
    void parseMetadata_olderRelaxedDumps_understood() {
        DumpLayout.Metadata m = DumpLayout.parseMetadata("{\"options\":{\"viewOn\":\"orders\",\"pipeline\":[]},"
                + "\"indexes\":[{\"v\":2,\"key\":{\"_id\":1},\"name\":\"_id_\",\"ns\":\"shop.cheap\"}]}", "che%2Fap");
        assertThat(m.collectionName()).isEqualTo("che/ap");
        assertThat(m.isView()).isTrue();
        assertThat(m.indexes()).hasSize(1);
        assertThat(DumpLayout.parseMetadata("{}", "c").options()).isEmpty();
        assertThatThrownBy(() -> DumpLayout.parseMetadata("not json", "c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DumpLayout.parseMetadata("{\"indexes\":[1]}", "c"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void facts_collectionNamesWithDots_parsedBack() {
        Map<String, String> facts = Map.of(Facts.count("shop", "a.b.c"), "3", Facts.hash("shop", "a.b.c"), "ab",
                Facts.count("crm", "x"), "1", "mongodb.pointInTime", "true", Facts.hash("crm", "y"), "cd");
        var c = Facts.collections(facts);
        assertThat(new ArrayList<>(c.keySet())).containsExactly("crm.x", "crm.y", "shop.a.b.c");
        assertThat(c.get("shop.a.b.c")).isEqualTo(new Facts.Recorded("shop", "a.b.c", 3L, "ab"));
        assertThat(c.get("crm.y").count()).isNull();
    }
}
