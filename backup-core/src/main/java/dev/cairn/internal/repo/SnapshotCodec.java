package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotSummary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Snapshot manifests as JSON (docs/format.md, "Snapshots"). */
public final class SnapshotCodec {
    public static final byte[] AD = "cairn-snapshot-v1".getBytes(StandardCharsets.US_ASCII);

    private SnapshotCodec() {
    }

    public static byte[] encode(Snapshot s) {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("time", s.time().toString());
        n.put("host", s.host());
        n.put("username", s.username());
        ArrayNode tags = n.putArray("tags");
        s.tags().forEach(tags::add);
        n.put("sourceKind", s.sourceKind());
        n.put("source", s.source());
        ArrayNode paths = n.putArray("paths");
        s.paths().forEach(paths::add);
        n.put("tree", s.tree());
        if (s.parent().isPresent()) {
            n.put("parent", s.parent().get());
        } else {
            n.putNull("parent");
        }
        n.put("programVersion", s.programVersion());
        SnapshotSummary m = s.summary();
        ObjectNode sum = n.putObject("summary");
        sum.put("files", m.files());
        sum.put("dirs", m.dirs());
        sum.put("bytesTotal", m.bytesTotal());
        sum.put("bytesRead", m.bytesRead());
        sum.put("dataBlobsAdded", m.dataBlobsAdded());
        sum.put("treeBlobsAdded", m.treeBlobsAdded());
        sum.put("bytesAdded", m.bytesAdded());
        sum.put("bytesStored", m.bytesStored());
        sum.put("durationMillis", m.durationMillis());
        sum.put("partial", m.partial());
        ArrayNode errs = sum.putArray("errors");
        m.errors().forEach(errs::add);
        ObjectNode facts = n.putObject("facts");
        s.facts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> facts.put(e.getKey(), e.getValue()));
        return JsonTree.writeValueAsBytes(n);
    }

    public static Snapshot decode(String id, byte[] json) {
        try {
            JsonNode n = JsonTree.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IntegrityException("snapshot " + id + " is not a JSON object");
            }
            if (n.path("version").asInt(0) != 1) {
                throw new IntegrityException("snapshot " + id + " has unsupported version " + n.path("version"));
            }
            JsonNode sum = n.path("summary");
            List<String> errors = strings(sum.path("errors"));
            SnapshotSummary summary = new SnapshotSummary(sum.path("files").asLong(), sum.path("dirs").asLong(),
                    sum.path("bytesTotal").asLong(), sum.path("bytesRead").asLong(),
                    sum.path("dataBlobsAdded").asLong(), sum.path("treeBlobsAdded").asLong(),
                    sum.path("bytesAdded").asLong(), sum.path("bytesStored").asLong(),
                    sum.path("durationMillis").asLong(), sum.path("partial").asBoolean(), errors);
            Map<String, String> facts = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.path("facts").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                facts.put(e.getKey(), e.getValue().asText());
            }
            String tree = n.path("tree").asText();
            if (!dev.cairn.internal.util.Hex.isHex(tree, 64)) {
                throw new IntegrityException("snapshot " + id + " names an invalid tree id");
            }
            JsonNode parent = n.path("parent");
            return new Snapshot(id, Instant.parse(n.path("time").asText()), n.path("host").asText(),
                    n.path("username").asText(), strings(n.path("tags")), n.path("sourceKind").asText(),
                    n.path("source").asText(), strings(n.path("paths")), tree,
                    parent.isTextual() ? Optional.of(parent.asText()) : Optional.empty(),
                    n.path("programVersion").asText(), summary, facts);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException("snapshot " + id + " is malformed: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        if (arr.isArray()) {
            arr.forEach(x -> out.add(x.asText()));
        }
        return out;
    }
}
