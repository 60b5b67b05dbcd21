package dev.cairn.internal.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.internal.util.JsonTree;
import dev.cairn.IntegrityException;
import dev.cairn.internal.chunker.FastCdc;
import dev.cairn.internal.crypto.Crypto;
import dev.cairn.internal.util.Hex;

import java.io.IOException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;

/** The repository's {@code config} object (docs/format.md, "config"). Immutable. */
public record RepoConfig(String id, Instant created, Map<String, Chunking> chunkers, int packSize, String compression,
                         int compressionLevel) {
    /** The parameter set every source uses unless it asks for another. */
    public static final String DEFAULT_CHUNKING = "default";

    /** One named chunker parameter set; never changed once written. */
    public record Chunking(String algorithm, int min, int avg, int max, int normalization) {
        public Chunking {
            if (!FastCdc.ALGORITHM.equals(algorithm)) {
                throw new IntegrityException("config names unknown chunker '" + algorithm
                        + "': this repository needs a newer Cairn");
            }
            try {
                FastCdc.validate(min, avg, max, normalization);
            } catch (IllegalArgumentException e) {
                throw new IntegrityException("config chunker parameters are invalid: " + e.getMessage());
            }
        }
    }

    public static final String NAME = "config";

    public RepoConfig {
        if (!Hex.isHex(id, 64)) {
            throw new IntegrityException("config has an invalid repository id");
        }
        chunkers = Map.copyOf(chunkers);
        if (!chunkers.containsKey(DEFAULT_CHUNKING)) {
            throw new IntegrityException("config has no '" + DEFAULT_CHUNKING + "' chunker parameter set");
        }
        if (packSize < 1024 * 1024 || packSize > 512 * 1024 * 1024) {
            throw new IntegrityException("config pack size " + packSize + " is out of range (1 MiB to 512 MiB)");
        }
        if (!"zstd".equals(compression) && !"none".equals(compression)) {
            throw new IntegrityException("config names unknown compression '" + compression + "'");
        }
        if (compressionLevel < -7 || compressionLevel > 22) {
            throw new IntegrityException("config zstd level " + compressionLevel + " is out of range");
        }
    }

    private ObjectNode body() {
        ObjectNode n = JsonTree.createObjectNode();
        n.put("format", "cairn");
        n.put("version", 1);
        n.put("id", id);
        n.put("created", created.toString());
        ObjectNode all = n.putObject("chunkers");
        for (String name : new java.util.TreeSet<>(chunkers.keySet())) {
            Chunking k = chunkers.get(name);
            ObjectNode c = all.putObject(name);
            c.put("algorithm", k.algorithm());
            c.put("min", k.min());
            c.put("avg", k.avg());
            c.put("max", k.max());
            c.put("normalization", k.normalization());
        }
        n.put("packSize", packSize);
        ObjectNode z = n.putObject("compression");
        z.put("algorithm", compression);
        z.put("level", compressionLevel);
        return n;
    }

    /** The bytes the MAC covers: compact, keys in order. */
    private static byte[] canonical(JsonNode body) {
        return JsonTree.canonical(body);
    }

    /** The largest chunk any parameter set can cut. */
    public int maxChunk() {
        return chunkers.values().stream().mapToInt(Chunking::max).max().orElse(0);
    }

    public byte[] encode(Crypto crypto) {
        ObjectNode n = body();
        n.put("mac", Hex.encode(crypto.mac(canonical(n))));
        return JsonTree.writePretty(n);
    }

    /** Parses without verifying the MAC (the keys are needed for that: see {@link #verify}). */
    public static RepoConfig parse(byte[] bytes) {
        try {
            JsonNode n = JsonTree.readTree(bytes);
            if (n == null || !"cairn".equals(n.path("format").asText())) {
                throw new IntegrityException("config is not a Cairn repository config");
            }
            if (n.path("version").asInt() != 1) {
                throw new IntegrityException("repository format version " + n.path("version")
                        + " is not supported by this Cairn (it reads version 1)");
            }
            JsonNode z = n.path("compression");
            Map<String, Chunking> sets = new java.util.HashMap<>();
            java.util.Iterator<Map.Entry<String, JsonNode>> it = n.path("chunkers").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode c = e.getValue();
                sets.put(e.getKey(), new Chunking(c.path("algorithm").asText(), c.path("min").asInt(),
                        c.path("avg").asInt(), c.path("max").asInt(), c.path("normalization").asInt()));
            }
            return new RepoConfig(n.path("id").asText(), Instant.parse(n.path("created").asText()), sets,
                    n.path("packSize").asInt(), z.path("algorithm").asText(), z.path("level").asInt());
        } catch (IOException | RuntimeException e) {
            if (e instanceof IntegrityException ie) {
                throw ie;
            }
            throw new IntegrityException("config is malformed: " + e.getMessage(), e);
        }
    }

    /** Checks the stored MAC against the master key's MAC key. */
    public static void verify(byte[] bytes, Crypto crypto) {
        try {
            JsonNode n = JsonTree.readTree(bytes);
            String mac = n.path("mac").asText();
            ObjectNode body = ((ObjectNode) n).deepCopy();
            body.remove("mac");
            byte[] expect = crypto.mac(canonical(body));
            if (!Hex.isHex(mac, 64) || !MessageDigest.isEqual(expect, Hex.decode(mac))) {
                throw new IntegrityException("config MAC does not verify: the config was modified (chunker or format"
                        + " parameters changed) or belongs to another repository");
            }
        } catch (IOException | ClassCastException e) {
            throw new IntegrityException("config is malformed: " + e.getMessage(), e);
        }
    }
}
