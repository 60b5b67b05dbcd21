package dev.cairn.mongo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The snapshot facts a {@link MongoSource} records. Names are stored in repositories: add new
 * ones, never rename.
 *
 * <ul>
 * <li>{@code mongodb.serverVersion}, {@code mongodb.topology} ({@code standalone}, {@code replicaSet},
 *     {@code sharded}), {@code mongodb.replicaSet} (the set's name)</li>
 * <li>{@code mongodb.pointInTime}: {@code true} when every collection was read at one cluster time
 *     (a snapshot session), {@code false} otherwise (a standalone server, or an older one)</li>
 * <li>{@code mongodb.clusterTime}: that time, {@code <seconds>:<increment>} (the format of
 *     mongorestore's {@code --oplogLimit})</li>
 * <li>{@code mongodb.oplog.ts} / {@code mongodb.oplog.term}: the newest oplog entry at or before it
 *     (replica sets), where point-in-time recovery by oplog replay starts</li>
 * <li>{@code mongodb.hashAlgorithm}: {@value ContentHash#ALGORITHM} (see {@link ContentHash})</li>
 * <li>{@code mongodb.coll.<db>.<collection>.count} and {@code .hash}: per collection; {@code .pointInTime=false}
 *     for a collection read outside the snapshot (capped collections refuse snapshot reads)</li>
 * </ul>
 */
final class Facts {
    static final String SERVER_VERSION = "mongodb.serverVersion";
    static final String TOPOLOGY = "mongodb.topology";
    static final String REPLICA_SET = "mongodb.replicaSet";
    static final String POINT_IN_TIME = "mongodb.pointInTime";
    static final String CLUSTER_TIME = "mongodb.clusterTime";
    static final String OPLOG_TS = "mongodb.oplog.ts";
    static final String OPLOG_TERM = "mongodb.oplog.term";
    static final String OPLOG_UNAVAILABLE = "mongodb.oplog.unavailable";
    static final String HASH_ALGORITHM = "mongodb.hashAlgorithm";
    private static final String COLL = "mongodb.coll.";
    private static final String COUNT = ".count";
    private static final String HASH = ".hash";

    private Facts() {
    }

    static String count(String db, String collection) {
        return COLL + db + "." + collection + COUNT;
    }

    static String hash(String db, String collection) {
        return COLL + db + "." + collection + HASH;
    }

    /** Set to {@code false} for a collection read outside the snapshot (capped collections refuse snapshot reads). */
    static String pointInTime(String db, String collection) {
        return COLL + db + "." + collection + ".pointInTime";
    }

    /** What the snapshot recorded for one collection; either part may be null if missing. */
    record Recorded(String db, String collection, Long count, String hash) {
    }

    /**
     * The per-collection facts of a snapshot, by {@code db.collection} (database names hold no dots,
     * so the first dot after the prefix ends the database name; collection names may hold dots).
     */
    static Map<String, Recorded> collections(Map<String, String> facts) {
        Map<String, String[]> parts = new TreeMap<>();
        for (Map.Entry<String, String> e : facts.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(COLL)) {
                continue;
            }
            boolean isCount = k.endsWith(COUNT);
            if (!isCount && !k.endsWith(HASH)) {
                continue;
            }
            String ns = k.substring(COLL.length(), k.length() - (isCount ? COUNT.length() : HASH.length()));
            int dot = ns.indexOf('.');
            if (dot <= 0 || dot == ns.length() - 1) {
                continue;
            }
            String[] p = parts.computeIfAbsent(ns, x -> new String[2]);
            p[isCount ? 0 : 1] = e.getValue();
        }
        Map<String, Recorded> out = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : parts.entrySet()) {
            String ns = e.getKey();
            int dot = ns.indexOf('.');
            Long count = null;
            try {
                count = e.getValue()[0] == null ? null : Long.valueOf(e.getValue()[0]);
            } catch (NumberFormatException ignored) {
                // reported as missing
            }
            out.put(ns, new Recorded(ns.substring(0, dot), ns.substring(dot + 1), count, e.getValue()[1]));
        }
        return out;
    }
}
