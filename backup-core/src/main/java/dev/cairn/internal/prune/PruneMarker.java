package dev.cairn.internal.prune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.Hex;
import dev.cairn.internal.util.Id;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prune markers ({@code prune/<sha256>}, docs/format.md "Prune"): the packs that no index names
 * and that prune has seen, each with the time since which prune knows it and why it is not
 * indexed ({@link Kind}). Immutable.
 */
public record PruneMarker(Instant time, Map<Id, Entry> packs) {
    public static final String PREFIX = "prune/";
    static final byte[] AD = "cairn-prune-v1".getBytes(StandardCharsets.US_ASCII);

    /** Why a pack is not indexed. Names are stable (written into the repository). */
    public enum Kind {
        /** Prune dropped it from the index (no blob of it is used any more, or its live blobs were repacked). */
        FOSSIL("fossil"),
        /** Prune found it in {@code data/} without an index naming it (a running or crashed backup's pack). */
        UNINDEXED("unindexed");

        final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        static Kind of(String wire) {
            for (Kind k : values()) {
                if (k.wire.equals(wire)) {
                    return k;
                }
            }
            return UNINDEXED; // an unknown (newer) kind: the more cautious reading
        }
    }

    /** One pack: since when prune knows it (marked as a fossil, or first seen unindexed). */
    public record Entry(Instant since, Kind kind) {
    }

    public PruneMarker {
        packs = java.util.Collections.unmodifiableMap(new TreeMap<>(packs));
    }

    public byte[] encode(Crypto crypto) {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("version", 1);
        n.put("time", time.toString());
        ArrayNode a = n.putArray("packs");
        for (Map.Entry<Id, Entry> e : packs.entrySet()) {
            a.addObject().put("pack", e.getKey().hex()).put("kind", e.getValue().kind().wire)
                    .put("since", e.getValue().since().toString());
        }
        return crypto.encrypt(JsonTree.writeValueAsBytes(n), AD);
    }

    public static PruneMarker decode(byte[] enc, Crypto crypto, String what) {
        byte[] plain = crypto.decrypt(enc, AD, what);
        try {
            JsonNode n = JsonTree.readTree(plain);
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException(what + " has an unsupported version " + n.path("version"));
            }
            Map<Id, Entry> packs = new TreeMap<>();
            for (JsonNode p : n.path("packs")) {
                String hex = p.path("pack").asText();
                if (!Hex.isHex(hex, 64)) {
                    throw new IntegrityException(what + " names an invalid pack id");
                }
                packs.put(Id.parse(hex), new Entry(Instant.parse(p.path("since").asText()),
                        Kind.of(p.path("kind").asText())));
            }
            return new PruneMarker(Instant.parse(n.path("time").asText()), packs);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException(what + " is malformed: " + e.getMessage());
        }
    }
}
