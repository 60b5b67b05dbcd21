package dev.cairn.internal.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JsonTree reads the trees and writes the bytes that Jackson's ObjectMapper did: repositories written
 * before hold those bytes (the config's MAC covers its canonical form).
 */
class JsonTreeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private static final List<String> DOCUMENTS = List.of(
            "{}", "[]", "\"text\"", "0", "-1", "2147483647", "2147483648", "-9223372036854775808",
            "123456789012345678901234567890", "1.5", "-0.0", "1e300", "true", "false", "null",
            "{\"format\":\"cairn\",\"version\":1,\"id\":\"ab\",\"chunkers\":{\"stream\":{\"min\":8192,"
                    + "\"algorithm\":\"fastcdc-2016\"},\"default\":{\"max\":8388608,\"avg\":1048576}},"
                    + "\"packSize\":16777216,\"compression\":{\"level\":3,\"algorithm\":\"zstd\"}}",
            "{\"b\":1,\"a\":[3,{\"z\":null,\"y\":[true,false]},\"\\u00e9\\n\\\"x\\\"\"],\"B\":{},\"\":\"\"}",
            "{\"dup\":1,\"dup\":2}",
            "{\"paths\":[\"/srv/d\u00e9j\u00e0\",\"tab\\there\"],\"size\":9007199254740993,\"ratio\":0.1}");

    @Test
    void readTree_sameTreeAsObjectMapper() throws Exception {
        for (String d : DOCUMENTS) {
            JsonNode expected = MAPPER.readTree(d);
            assertThat(JsonTree.readTree(d)).as(d).isEqualTo(expected);
            assertThat(JsonTree.readTree(d.getBytes(StandardCharsets.UTF_8))).as(d).isEqualTo(expected);
        }
        assertThat(JsonTree.readTree(new byte[0]).isMissingNode()).isTrue();
        assertThat(JsonTree.readTree("{\"a\":1} trailing").path("a").intValue()).isEqualTo(1);
    }

    @Test
    void write_sameBytesAsObjectMapper_compactPrettyAndCanonical() throws Exception {
        for (String d : DOCUMENTS) {
            JsonNode n = MAPPER.readTree(d);
            assertThat(new String(JsonTree.writeValueAsBytes(n), StandardCharsets.UTF_8)).as(d)
                    .isEqualTo(new String(MAPPER.writeValueAsBytes(n), StandardCharsets.UTF_8));
            assertThat(new String(JsonTree.writePretty(n), StandardCharsets.UTF_8)).as(d)
                    .isEqualTo(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            Object plain = CANONICAL.treeToValue(n, Object.class);
            assertThat(new String(JsonTree.canonical(n), StandardCharsets.UTF_8)).as(d)
                    .isEqualTo(CANONICAL.writeValueAsString(plain));
        }
    }

    @Test
    void malformedJson_isAnIOException() {
        for (String bad : List.of("{", "{\"a\":}", "[1,", "{\"a\" 1}", "nul", "\"open")) {
            assertThatThrownBy(() -> JsonTree.readTree(bad)).as(bad).isInstanceOf(java.io.IOException.class);
        }
    }
}
