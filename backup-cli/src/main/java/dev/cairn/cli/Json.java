package dev.cairn.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.BackupResult;
import dev.cairn.snapshot.Snapshot;
import dev.cairn.snapshot.SnapshotEntry;
import dev.cairn.snapshot.SnapshotSummary;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The CLI's JSON output: one document per command, on one line, fields in a fixed order. Field
 * names are part of the scripting interface: add new ones, never rename. Thread-safe.
 */
final class Json {
    /** Non-ASCII characters are escaped: the output is valid JSON whatever the terminal's encoding. */
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private Json() {
    }

    static void print(PrintStream out, JsonNode n) {
        try {
            out.println(MAPPER.writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    static ObjectNode snapshot(Snapshot s) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", s.id());
        n.put("shortId", s.shortId());
        n.put("time", s.time().toString());
        n.put("host", s.host());
        n.put("username", s.username());
        strings(n.putArray("tags"), s.tags());
        strings(n.putArray("paths"), s.paths());
        n.put("sourceKind", s.sourceKind());
        n.put("source", s.source());
        n.put("tree", s.tree());
        if (s.parent().isPresent()) {
            n.put("parent", s.parent().get());
        } else {
            n.putNull("parent");
        }
        n.put("programVersion", s.programVersion());
        summary(n.putObject("summary"), s.summary());
        ObjectNode facts = n.putObject("facts");
        s.facts().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> facts.put(e.getKey(), e.getValue()));
        return n;
    }

    private static ObjectNode summary(ObjectNode n, SnapshotSummary m) {
        counts(n, m);
        n.put("partial", m.partial());
        strings(n.putArray("errors"), m.errors());
        return n;
    }

    private static void counts(ObjectNode n, SnapshotSummary m) {
        n.put("files", m.files());
        n.put("dirs", m.dirs());
        n.put("bytesTotal", m.bytesTotal());
        n.put("bytesRead", m.bytesRead());
        n.put("dataBlobsAdded", m.dataBlobsAdded());
        n.put("treeBlobsAdded", m.treeBlobsAdded());
        n.put("bytesAdded", m.bytesAdded());
        n.put("bytesStored", m.bytesStored());
        n.put("durationMillis", m.durationMillis());
    }

    /** A backup's outcome: the snapshot, partial, warnings, then the summary's figures. */
    static ObjectNode backup(BackupResult r) {
        ObjectNode n = MAPPER.createObjectNode();
        Snapshot s = r.snapshot();
        n.put("snapshot", s.id());
        n.put("shortId", s.shortId());
        n.put("time", s.time().toString());
        n.put("host", s.host());
        strings(n.putArray("tags"), s.tags());
        strings(n.putArray("paths"), s.paths());
        n.put("partial", r.partial());
        strings(n.putArray("warnings"), r.warnings());
        counts(n, s.summary());
        return n;
    }

    static ObjectNode entry(SnapshotEntry e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("path", "/" + e.path());
        n.put("type", e.type());
        n.put("mode", e.mode());
        n.put("permissions", Format.mode(e.type(), e.mode()));
        n.put("uid", e.uid());
        n.put("gid", e.gid());
        n.put("user", e.user());
        n.put("group", e.group());
        n.put("size", e.size());
        n.put("mtime", e.mtime().toString());
        if (e.type().equals("symlink")) {
            n.put("target", e.target());
        }
        return n;
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }
}
