package dev.cairn.mongo;

import com.mongodb.client.MongoCollection;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test documents covering the BSON types, and helpers to compare raw bytes. */
final class BsonSamples {
    private BsonSamples() {
    }

    /**
     * Documents with every BSON type mongo-java-server stores faithfully: ObjectId, strings
     * (UTF-8, NUL inside), int32/int64/double edge values (NaN, -0.0, ±Infinity, extremes),
     * Decimal128 (incl. NaN, -Infinity, -0), booleans, dates (before 1970, extremes), null,
     * regexes with options, timestamps, min/max keys, JavaScript code, binary subtypes 0, 3 and 4,
     * nested arrays and documents, empty ones.
     */
    static List<RawBsonDocument> keptByInProcessServer() {
        List<RawBsonDocument> out = new ArrayList<>();
        out.add(raw(base(1)));
        out.add(raw(numbers(2)));
        out.add(raw(nested(3)));
        out.add(raw(binaries(4, false)));
        return out;
    }

    /** Every type the driver can write, including deprecated ones and all binary subtypes mongod accepts. */
    static List<RawBsonDocument> everyType() {
        List<RawBsonDocument> out = new ArrayList<>(keptByInProcessServer());
        BsonDocument d = new BsonDocument("_id", oid(5))
                .append("undefined", new BsonUndefined())
                .append("symbol", new BsonSymbol("sym"))
                .append("dbPointer", new BsonDbPointer("db.coll", new ObjectId("5f0000000000000000000001")))
                .append("codeWithScope", new BsonJavaScriptWithScope("function() { return x; }",
                        new BsonDocument("x", new BsonInt32(1))));
        out.add(raw(d));
        out.add(raw(binaries(6, true)));
        return out;
    }

    private static BsonObjectId oid(int i) {
        return new BsonObjectId(new ObjectId(String.format("65%022x", i)));
    }

    private static BsonDocument base(int i) {
        return new BsonDocument("_id", oid(i))
                .append("empty", new BsonString(""))
                .append("ascii", new BsonString("hello"))
                .append("utf8", new BsonString("Grüße, 日本語, emoji 🎉, RTL שלום"))
                .append("nulInside", new BsonString("a\u0000b"))
                .append("true", BsonBoolean.TRUE)
                .append("false", BsonBoolean.FALSE)
                .append("null", BsonNull.VALUE)
                .append("epoch", new BsonDateTime(0))
                .append("before1970", new BsonDateTime(-62135596800000L))
                .append("dateMax", new BsonDateTime(Long.MAX_VALUE))
                .append("dateMin", new BsonDateTime(Long.MIN_VALUE))
                .append("regex", new BsonRegularExpression("^a.*b$", "imsx"))
                .append("regexNoOptions", new BsonRegularExpression("[0-9]+"))
                .append("timestamp", new BsonTimestamp(1700000000, 7))
                .append("timestampMax", new BsonTimestamp(-1L))
                .append("minKey", new BsonMinKey())
                .append("maxKey", new BsonMaxKey())
                .append("code", new BsonJavaScript("function () { return 42; }"))
                .append("utf8 ключ", new BsonInt32(1));
    }

    private static BsonDocument numbers(int i) {
        return new BsonDocument("_id", oid(i))
                .append("int32Min", new BsonInt32(Integer.MIN_VALUE))
                .append("int32Max", new BsonInt32(Integer.MAX_VALUE))
                .append("int32Zero", new BsonInt32(0))
                .append("int64Min", new BsonInt64(Long.MIN_VALUE))
                .append("int64Max", new BsonInt64(Long.MAX_VALUE))
                .append("nan", new BsonDouble(Double.NaN))
                .append("negativeZero", new BsonDouble(-0.0))
                .append("positiveZero", new BsonDouble(0.0))
                .append("infinity", new BsonDouble(Double.POSITIVE_INFINITY))
                .append("negativeInfinity", new BsonDouble(Double.NEGATIVE_INFINITY))
                .append("doubleMin", new BsonDouble(Double.MIN_VALUE))
                .append("doubleMax", new BsonDouble(Double.MAX_VALUE))
                .append("tenth", new BsonDouble(0.1))
                .append("decimal", new BsonDecimal128(new Decimal128(new BigDecimal("1.000000000000000000000000000000001"))))
                .append("decimalNaN", new BsonDecimal128(Decimal128.NaN))
                .append("decimalNegInf", new BsonDecimal128(Decimal128.NEGATIVE_INFINITY))
                .append("decimalNegZero", new BsonDecimal128(Decimal128.NEGATIVE_ZERO))
                .append("decimalMax", new BsonDecimal128(Decimal128.parse("9.999999999999999999999999999999999E+6144")));
    }

    private static BsonDocument nested(int i) {
        BsonDocument deep = new BsonDocument("level", new BsonInt32(5));
        for (int l = 4; l >= 0; l--) {
            deep = new BsonDocument("level", new BsonInt32(l)).append("child", deep);
        }
        return new BsonDocument("_id", oid(i))
                .append("deep", deep)
                .append("arrays", new BsonArray(List.of(new BsonInt32(1),
                        new BsonArray(List.of(new BsonInt32(2), new BsonArray(List.of(new BsonInt32(3))))),
                        new BsonDocument(), new BsonArray(), new BsonString("mixed"), BsonNull.VALUE,
                        new BsonDocument("inArray", new BsonArray(List.of(new BsonDouble(-0.0)))))))
                .append("emptyDoc", new BsonDocument())
                .append("emptyArray", new BsonArray())
                .append("fieldOrder", new BsonDocument("z", new BsonInt32(1)).append("a", new BsonInt32(2))
                        .append("m", new BsonInt32(3)));
    }

    private static BsonDocument binaries(int i, boolean all) {
        byte[] bytes = new byte[256];
        for (int b = 0; b < 256; b++) {
            bytes[b] = (byte) b;
        }
        UUID u = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
        byte[] uuid = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits()).array();
        BsonDocument d = new BsonDocument("_id", oid(i))
                .append("generic", new BsonBinary(bytes))
                .append("emptyGeneric", new BsonBinary(new byte[0]))
                .append("uuidStandard", new BsonBinary(BsonBinarySubType.UUID_STANDARD, uuid))
                .append("uuidLegacy", new BsonBinary(BsonBinarySubType.UUID_LEGACY, uuid));
        if (all) {
            d.append("function", new BsonBinary(BsonBinarySubType.FUNCTION, bytes))
                    .append("oldBinary", new BsonBinary(BsonBinarySubType.OLD_BINARY, bytes))
                    .append("md5", new BsonBinary(BsonBinarySubType.MD5, Arrays.copyOf(bytes, 16)))
                    .append("sensitive", new BsonBinary(BsonBinarySubType.SENSITIVE, bytes))
                    .append("userDefined", new BsonBinary((byte) 0x80, bytes));
        }
        return d;
    }

    static RawBsonDocument raw(BsonDocument d) {
        return new RawBsonDocument(d, new BsonDocumentCodec());
    }

    static byte[] bytes(RawBsonDocument d) {
        return Arrays.copyOfRange(d.getBackingArray(), d.getByteOffset(), d.getByteOffset() + d.getByteLength());
    }

    /** Raw bytes of every document by {@code _id} (as JSON), in the server's order. */
    static Map<String, byte[]> byId(MongoCollection<RawBsonDocument> c) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (RawBsonDocument d : c.find()) {
            out.put(d.get("_id").toString(), bytes(d));
        }
        return out;
    }

    /** The documents' bytes concatenated, in the server's order. */
    static byte[] concatenated(MongoCollection<RawBsonDocument> c) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (RawBsonDocument d : c.find()) {
            out.writeBytes(bytes(d));
        }
        return out.toByteArray();
    }
}
