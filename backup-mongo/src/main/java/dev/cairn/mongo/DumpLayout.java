package dev.cairn.mongo;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonWriterSettings;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * mongodump's directory format, which snapshots of {@link MongoSource} follow so that an exported
 * snapshot restores with {@code mongorestore} too: one directory per database, and per collection
 * {@code <name>.bson} (the documents' raw BSON, concatenated) and {@code <name>.metadata.json}
 * (canonical Extended JSON v2: {@code options}, {@code indexes}, {@code uuid}, {@code collectionName},
 * {@code type}). Views have only the metadata file ({@code type} "view", options holding
 * {@code viewOn} and {@code pipeline}). In file names, {@code %} and {@code /} are percent-escaped as
 * mongodump does (TOOLS-1163); names too long for a file system are shortened with a hash, and
 * the metadata's {@code collectionName} keeps the real name. Stateless.
 */
final class DumpLayout {
    static final String BSON = ".bson";
    static final String METADATA = ".metadata.json";
    static final String TYPE_COLLECTION = "collection";
    static final String TYPE_VIEW = "view";
    /** Longest file name most file systems accept, in bytes. */
    private static final int MAX_FILE_NAME = 255;
    private static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED)
            .build();

    private DumpLayout() {
    }

    /** The collection's metadata, as read from a dump. */
    record Metadata(String collectionName, String type, BsonDocument options, List<BsonDocument> indexes,
                    String uuid) {
        boolean isView() {
            return TYPE_VIEW.equals(type) || options.containsKey("viewOn");
        }
    }

    /** The file base name of a collection ({@code base + ".bson"}, {@code base + ".metadata.json"}). */
    static String fileBase(String collection) {
        String e = collection.replace("%", "%25").replace("/", "%2F");
        if (e.equals(".") || e.equals("..")) {
            e = e.replace(".", "%2E");
        }
        if ((e + METADATA).getBytes(StandardCharsets.UTF_8).length > MAX_FILE_NAME) {
            e = utf8Prefix(e, 200) + "%24" + HexFormat.of().formatHex(sha256(collection), 0, 8);
        }
        return e;
    }

    /** The collection name a file base stands for (percent-decoded); metadata's collectionName wins when present. */
    static String collectionName(String fileBase) {
        if (fileBase.indexOf('%') < 0) {
            return fileBase;
        }
        byte[] b = fileBase.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '%' && i + 2 < b.length && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
                out.write(hex(b[i + 1]) << 4 | hex(b[i + 2]));
                i += 2;
            } else {
                out.write(b[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(byte c) {
        return Character.digit((char) c, 16);
    }

    private static String utf8Prefix(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > maxBytes) {
                break;
            }
            bytes += n;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The metadata JSON of a collection or view, field for field as mongodump writes it. */
    static String metadataJson(String name, String type, BsonDocument options, List<BsonDocument> indexes,
                               BsonValue uuid) {
        BsonDocument d = new BsonDocument();
        d.put("options", options);
        d.put("indexes", new BsonArray(new ArrayList<>(indexes)));
        d.put("uuid", new BsonString(uuidHex(uuid)));
        d.put("collectionName", new BsonString(name));
        d.put("type", new BsonString(type));
        return d.toJson(CANONICAL);
    }

    /** A collection UUID (binary subtype 4) as 32 lower-case hex characters, as mongodump writes it; "" if none. */
    static String uuidHex(BsonValue uuid) {
        if (uuid instanceof BsonBinary && ((BsonBinary) uuid).getType() == BsonBinarySubType.UUID_STANDARD.getValue()) {
            return HexFormat.of().formatHex(((BsonBinary) uuid).getData());
        }
        return "";
    }

    /**
     * Parses a metadata file (canonical or relaxed Extended JSON).
     *
     * @param fileBase the file's base name, for the collection name when the file has none
     * @throws IllegalArgumentException if it is not such a document
     */
    static Metadata parseMetadata(String json, String fileBase) {
        BsonDocument d;
        try {
            d = BsonDocument.parse(json);
        } catch (JsonParseException | org.bson.BsonInvalidOperationException e) {
            throw new IllegalArgumentException("not an Extended JSON document: " + e.getMessage(), e);
        }
        BsonDocument options = d.isDocument("options") ? d.getDocument("options") : new BsonDocument();
        List<BsonDocument> indexes = new ArrayList<>();
        if (d.isArray("indexes")) {
            for (BsonValue v : d.getArray("indexes")) {
                if (!v.isDocument()) {
                    throw new IllegalArgumentException("indexes must hold documents");
                }
                indexes.add(v.asDocument());
            }
        }
        String name = d.isString("collectionName") ? d.getString("collectionName").getValue() : collectionName(fileBase);
        String type = d.isString("type") ? d.getString("type").getValue()
                : options.containsKey("viewOn") ? TYPE_VIEW : TYPE_COLLECTION;
        String uuid = d.isString("uuid") ? d.getString("uuid").getValue() : "";
        return new Metadata(name, type, options, indexes, uuid);
    }
}
