package dev.dmsmlflow.tracking.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * A response body written with Jackson's streaming generator. Endpoints write the whole object,
 * including the outer braces; {@link #EMPTY} writes {@code {}}.
 */
@FunctionalInterface
public interface JsonBody {
    void write(JsonGenerator g) throws IOException;

    JsonBody EMPTY = g -> {
        g.writeStartObject();
        g.writeEndObject();
    };

    /** A body from a prebuilt tree (convenient for small responses). */
    static JsonBody of(JsonNode node) {
        return g -> g.writeTree(node);
    }

    /** An object with one field whose value is written by {@code inner}. */
    static JsonBody field(String name, JsonBody inner) {
        return g -> {
            g.writeStartObject();
            g.writeFieldName(name);
            inner.write(g);
            g.writeEndObject();
        };
    }
}
