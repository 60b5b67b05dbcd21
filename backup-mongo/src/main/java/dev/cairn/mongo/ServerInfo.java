package dev.cairn.mongo;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonDocument;
import org.bson.BsonInt32;

/**
 * What a deployment is: version, topology and whether it can read at one point in time
 * (snapshot sessions need a replica set or sharded cluster with wire version 13, MongoDB 5.0, and
 * logical sessions). Immutable.
 */
record ServerInfo(String version, String topology, String replicaSet, int maxWireVersion, boolean sessions) {
    static final String STANDALONE = "standalone";
    static final String REPLICA_SET = "replicaSet";
    static final String SHARDED = "sharded";
    /** MongoDB 5.0: snapshot read concern outside transactions. */
    private static final int SNAPSHOT_READS_WIRE_VERSION = 13;

    static ServerInfo probe(MongoClient client) {
        MongoDatabase admin = client.getDatabase("admin");
        BsonDocument hello;
        try {
            hello = admin.runCommand(new BsonDocument("hello", new BsonInt32(1)), BsonDocument.class);
        } catch (MongoCommandException e) {
            hello = admin.runCommand(new BsonDocument("isMaster", new BsonInt32(1)), BsonDocument.class);
        }
        String version = "unknown";
        try {
            BsonDocument build = admin.runCommand(new BsonDocument("buildInfo", new BsonInt32(1)), BsonDocument.class);
            if (build.isString("version")) {
                version = build.getString("version").getValue();
            }
        } catch (MongoCommandException e) {
            // Some managed services refuse buildInfo; the version is informative only.
        }
        String setName = hello.isString("setName") ? hello.getString("setName").getValue() : null;
        boolean mongos = hello.isString("msg") && hello.getString("msg").getValue().equals("isdbgrid");
        String topology = mongos ? SHARDED : setName != null ? REPLICA_SET : STANDALONE;
        int wire = hello.isNumber("maxWireVersion") ? hello.getNumber("maxWireVersion").intValue() : 0;
        return new ServerInfo(version, topology, setName, wire, hello.containsKey("logicalSessionTimeoutMinutes")
                && !hello.isNull("logicalSessionTimeoutMinutes"));
    }

    boolean supportsSnapshotReads() {
        return !topology.equals(STANDALONE) && maxWireVersion >= SNAPSHOT_READS_WIRE_VERSION && sessions;
    }
}
