package dev.cairn.internal.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON trees read and written with Jackson's streaming parser and generator: what the repository's
 * JSON objects (config, keys, snapshots, locks…) need of {@code ObjectMapper}, with the same bytes
 * ({@code JsonTreeTest} compares them), but without starting Jackson's data binding. That start (the
 * mapper's class initialisation, with its default date format's calendar and locale data, and the
 * serializer and deserializer lookups) cost ~0.1 s of CPU in every command, on two cores a sizeable
 * part of a short one such as an unchanged re-backup.
 */
public final class JsonTree {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {
    }

    public static ObjectNode createObjectNode() {
        return NODES.objectNode();
    }

    /**
     * The tree of a JSON document, as {@code ObjectMapper#readTree}: {@link MissingNode} for empty
     * input, integers as the smallest of int, long and big integer nodes, other numbers as doubles,
     * the last of repeated keys, anything after the first value ignored.
     */
    public static JsonNode readTree(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(p);
        }
    }

    public static JsonNode readTree(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(p);
        }
    }

    private static JsonNode read(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        return t == null ? MissingNode.getInstance() : value(p, t);
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = NODES.objectNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    o.set(name, value(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(value(p, e));
                }
                return a;
            }
            case VALUE_STRING:
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return NODES.numberNode(p.getIntValue());
                    case LONG:
                        return NODES.numberNode(p.getLongValue());
                    default:
                        return NODES.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected " + t);
        }
    }

    /** Compact JSON, as {@code ObjectMapper#writeValueAsBytes}. */
    public static byte[] writeValueAsBytes(JsonNode n) {
        return write(n, false, false);
    }

    /** Indented JSON, as {@code ObjectMapper#writerWithDefaultPrettyPrinter()}. */
    public static byte[] writePretty(JsonNode n) {
        return write(n, true, false);
    }

    /**
     * Compact JSON with every object's keys in order (String order), as a mapper with
     * {@code ORDER_MAP_ENTRIES_BY_KEYS} writes the tree converted to maps: the bytes a MAC covers.
     */
    public static byte[] canonical(JsonNode n) {
        return write(n, false, true);
    }

    private static byte[] write(JsonNode n, boolean pretty, boolean sorted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, n, sorted);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: not an I/O failure
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, JsonNode n, boolean sorted) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT: {
                g.writeStartObject();
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(n.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    fields.add(it.next());
                }
                if (sorted) {
                    fields.sort(Map.Entry.comparingByKey());
                }
                for (Map.Entry<String, JsonNode> f : fields) {
                    g.writeFieldName(f.getKey());
                    write(g, f.getValue(), sorted);
                }
                g.writeEndObject();
                break;
            }
            case ARRAY:
                g.writeStartArray();
                for (JsonNode e : n) {
                    write(g, e, sorted);
                }
                g.writeEndArray();
                break;
            case STRING:
                g.writeString(n.textValue());
                break;
            case NUMBER:
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    default -> g.writeNumber(n.doubleValue());
                }
                break;
            case BOOLEAN:
                g.writeBoolean(n.booleanValue());
                break;
            case NULL:
                g.writeNull();
                break;
            default:
                throw new IllegalArgumentException("cannot write a " + n.getNodeType() + " node");
        }
    }
}
