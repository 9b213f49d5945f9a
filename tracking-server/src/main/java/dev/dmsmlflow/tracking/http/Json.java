package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;

import java.io.IOException;

/** The JSON mapper used on the wire plus null-skipping write helpers (unset fields are omitted). */
public final class Json {
    /**
     * Accepts bare NaN/Infinity (Python's json.dumps emits them) and keeps big numbers exact; writes doubles with
     * Jackson's shortest-representation writer (Schubfach: the same values as Double.toString, at a fraction of its
     * cost, which showed in search pages of 1,000 metrics).
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    public static final JsonFactory FACTORY = MAPPER.getFactory();

    // field names of key-value lists (a search page writes ~1,600 of each): encoded once
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString VALUE = new SerializedString("value");

    private Json() {
    }

    public static void str(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    public static void num(JsonGenerator g, String name, Long value) throws IOException {
        if (value != null) {
            g.writeNumberField(name, value);
        }
    }

    public static void num(JsonGenerator g, String name, long value) throws IOException {
        g.writeNumberField(name, value);
    }

    /** Doubles as protobuf-JSON does: NaN and infinities as strings. */
    public static void dbl(JsonGenerator g, String name, double value) throws IOException {
        g.writeFieldName(name);
        dbl(g, value);
    }

    public static void dbl(JsonGenerator g, double value) throws IOException {
        if (Double.isNaN(value)) {
            g.writeString("NaN");
        } else if (Double.isInfinite(value)) {
            g.writeString(value > 0 ? "Infinity" : "-Infinity");
        } else {
            g.writeNumber(value);
        }
    }

    public static void bool(JsonGenerator g, String name, Boolean value) throws IOException {
        if (value != null) {
            g.writeBooleanField(name, value);
        }
    }

    /**
     * Writes {@code "name": json}, a JSON value already encoded (by the database), as it is. A {@link TokenBuffer}
     * (an in-process call whose answer is read back as a tree, GraphQL) gets the value's tokens instead.
     */
    public static void raw(JsonGenerator g, String name, String json) throws IOException {
        g.writeFieldName(name);
        if (g instanceof TokenBuffer) {
            try (JsonParser p = FACTORY.createParser(json)) {
                p.nextToken();
                g.copyCurrentStructure(p);
            }
        } else {
            g.writeRawValue(json);
        }
    }

    /** Writes {@code "name": [{"key": k, "value": v}, ...]} unless the map is empty. */
    public static void keyValues(JsonGenerator g, String name, java.util.Map<String, String> kv) throws IOException {
        if (kv == null || kv.isEmpty()) {
            return;
        }
        g.writeArrayFieldStart(name);
        for (var e : kv.entrySet()) {
            g.writeStartObject();
            g.writeFieldName(KEY);
            g.writeString(e.getKey());
            if (e.getValue() != null) {
                g.writeFieldName(VALUE);
                g.writeString(e.getValue());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
