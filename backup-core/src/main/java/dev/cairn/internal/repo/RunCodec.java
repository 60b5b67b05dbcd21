package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.schedule.JobKind;
import dev.cairn.schedule.JobRun;
import dev.cairn.schedule.RunOutcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Job run records as JSON (docs/format.md, "Job runs"). */
public final class RunCodec {
    public static final byte[] AD = "cairn-run-v1".getBytes(StandardCharsets.US_ASCII);
    public static final String PREFIX = "runs/";

    private RunCodec() {
    }

    /** {@code runs/<start, epoch millis, 13 digits>-<sha256 of the object>}: listing tells the start time. */
    public static String name(Instant start, String id) {
        return PREFIX + String.format("%013d", Math.max(0, start.toEpochMilli())) + "-" + id;
    }

    /** The start time (epoch millis) a run record's name (after {@code runs/}) carries, or -1 if not one. */
    public static long startMillis(String tail) {
        if (tail.length() != 13 + 1 + 64 || tail.charAt(13) != '-') {
            return -1;
        }
        for (int i = 0; i < 13; i++) {
            if (tail.charAt(i) < '0' || tail.charAt(i) > '9') {
                return -1;
            }
        }
        String id = tail.substring(14);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return -1;
            }
        }
        return Long.parseLong(tail.substring(0, 13));
    }

    public static byte[] encode(JobRun r) {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("job", r.job());
        n.put("kind", r.kind().id());
        n.put("repository", r.repository());
        n.put("source", r.source());
        n.put("host", r.host());
        n.put("instance", r.instance());
        n.put("scheduled", r.scheduledTime().toString());
        n.put("start", r.start().toString());
        n.put("end", r.end().toString());
        n.put("outcome", r.outcome().name());
        n.put("errorCode", r.errorCode());
        n.put("message", r.message());
        n.put("snapshot", r.snapshotId());
        n.put("bytesRead", r.bytesRead());
        n.put("bytesAdded", r.bytesAdded());
        return JsonTree.writeValueAsBytes(n);
    }

    public static JobRun decode(String id, byte[] json) {
        try {
            JsonNode n = JsonTree.readTree(json);
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException("run " + id + " has unsupported version " + n.path("version"));
            }
            return new JobRun(id, n.path("job").asText(), JobKind.of(n.path("kind").asText()),
                    n.path("repository").asText(), n.path("source").asText(), n.path("host").asText(),
                    n.path("instance").asText(), Instant.parse(n.path("scheduled").asText()),
                    Instant.parse(n.path("start").asText()), Instant.parse(n.path("end").asText()),
                    RunOutcome.valueOf(n.path("outcome").asText()), n.path("errorCode").asText(),
                    n.path("message").asText(), n.path("snapshot").asText(), n.path("bytesRead").asLong(),
                    n.path("bytesAdded").asLong());
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException("run " + id + " is malformed: " + e.getMessage(), e);
        }
    }
}
