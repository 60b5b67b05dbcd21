package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.verify.DrillReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Drill reports as JSON (docs/format.md, "Drills"). */
public final class DrillCodec {
    public static final byte[] AD = "cairn-drill-v1".getBytes(StandardCharsets.US_ASCII);
    public static final String PREFIX = "drills/";

    private DrillCodec() {
    }

    public static byte[] encode(DrillReport d) {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("snapshot", d.snapshotId());
        n.put("sourceKind", d.sourceKind());
        n.put("target", d.target());
        n.put("host", d.host());
        n.put("time", d.time().toString());
        n.put("passed", d.passed());
        n.put("restoreMillis", d.restoreTime().toMillis());
        n.put("dataAgeMillis", d.dataAge().toMillis());
        ArrayNode c = n.putArray("checks");
        d.checks().forEach(c::add);
        ArrayNode f = n.putArray("failures");
        d.failures().forEach(f::add);
        return JsonTree.writeValueAsBytes(n);
    }

    public static DrillReport decode(String id, byte[] json) {
        try {
            JsonNode n = JsonTree.readTree(json);
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException("drill " + id + " has unsupported version " + n.path("version"));
            }
            return new DrillReport(id, n.path("snapshot").asText(), n.path("sourceKind").asText(),
                    n.path("target").asText(), n.path("host").asText(), Instant.parse(n.path("time").asText()),
                    n.path("passed").asBoolean(), Duration.ofMillis(n.path("restoreMillis").asLong()),
                    Duration.ofMillis(n.path("dataAgeMillis").asLong()), strings(n.path("checks")),
                    strings(n.path("failures")));
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException("drill " + id + " is malformed: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asText()));
        return out;
    }
}
