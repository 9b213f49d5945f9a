package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a stored span (its MLflow dictionary form) as the protobuf JSON of an OpenTelemetry
 * {@code Span}, which is how {@code traces/get} and {@code traces/batchGet} carry spans: bytes as
 * base64, attributes as {@code [{key, value: AnyValue}]} with each stored JSON text decoded again.
 */
public final class SpanJson {
    private SpanJson() {
    }

    static JsonNode parseLenient(String text) {
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            return n == null ? JsonNodeFactory.instance.textNode(text) : n;
        } catch (Exception e) {
            return JsonNodeFactory.instance.textNode(text);
        }
    }

    public static void writeOtel(JsonGenerator g, String content) throws IOException {
        JsonNode s = parseLenient(content);
        g.writeStartObject();
        str(g, "trace_id", s.get("trace_id"));
        str(g, "span_id", s.get("span_id"));
        str(g, "parent_span_id", s.get("parent_span_id"));
        str(g, "name", s.get("name"));
        num(g, "start_time_unix_nano", s.get("start_time_unix_nano"));
        num(g, "end_time_unix_nano", s.get("end_time_unix_nano"));
        JsonNode attrs = s.get("attributes");
        if (attrs != null && attrs.isObject() && !attrs.isEmpty()) {
            g.writeArrayFieldStart("attributes");
            for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                g.writeStartObject();
                g.writeStringField("key", e.getKey());
                g.writeFieldName("value");
                anyValue(g, v != null && v.isTextual() ? parseLenient(v.textValue()) : v);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        JsonNode events = s.get("events");
        if (events != null && events.isArray() && !events.isEmpty()) {
            g.writeArrayFieldStart("events");
            for (JsonNode e : events) {
                g.writeStartObject();
                num(g, "time_unix_nano", e.get("time_unix_nano"));
                str(g, "name", e.get("name"));
                JsonNode ea = e.get("attributes");
                if (ea != null && ea.isObject() && !ea.isEmpty()) {
                    g.writeArrayFieldStart("attributes");
                    for (Iterator<Map.Entry<String, JsonNode>> it = ea.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> kv = it.next();
                        g.writeStartObject();
                        g.writeStringField("key", kv.getKey());
                        g.writeFieldName("value");
                        anyValue(g, kv.getValue());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeObjectFieldStart("status");
        JsonNode st = s.get("status");
        if (st != null) {
            JsonNode msg = st.get("message");
            if (msg != null && msg.isTextual() && !msg.textValue().isEmpty()) {
                g.writeStringField("message", msg.textValue());
            }
            JsonNode code = st.get("code");
            if (code != null && code.isTextual() && !SpanRecord.STATUS_UNSET.equals(code.textValue())) {
                g.writeStringField("code", code.textValue());
            }
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** A decoded JSON value as an OTel AnyValue (protobuf JSON, snake_case); null leaves it unset. */
    static void anyValue(JsonGenerator g, JsonNode v) throws IOException {
        g.writeStartObject();
        if (v == null || v.isNull() || v.isMissingNode()) {
            // unset
        } else if (v.isTextual()) {
            g.writeStringField("string_value", v.textValue());
        } else if (v.isBoolean()) {
            g.writeBooleanField("bool_value", v.booleanValue());
        } else if (v.isIntegralNumber()) {
            if (v.canConvertToLong()) {
                g.writeNumberField("int_value", v.longValue());
            } else {
                g.writeNumberField("double_value", v.doubleValue());
            }
        } else if (v.isNumber()) {
            g.writeFieldName("double_value");
            Json.dbl(g, v.doubleValue());
        } else if (v.isArray()) {
            g.writeObjectFieldStart("array_value");
            g.writeArrayFieldStart("values");
            for (JsonNode e : v) {
                anyValue(g, e);
            }
            g.writeEndArray();
            g.writeEndObject();
        } else if (v.isObject()) {
            g.writeObjectFieldStart("kvlist_value");
            g.writeArrayFieldStart("values");
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                g.writeStartObject();
                g.writeStringField("key", e.getKey());
                g.writeFieldName("value");
                anyValue(g, e.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } else {
            g.writeStringField("string_value", v.asText());
        }
        g.writeEndObject();
    }

    private static void str(JsonGenerator g, String name, JsonNode v) throws IOException {
        if (v != null && !v.isNull() && !v.asText().isEmpty()) {
            g.writeStringField(name, v.asText());
        }
    }

    private static void num(JsonGenerator g, String name, JsonNode v) throws IOException {
        if (v != null && !v.isNull()) {
            long n = v.isNumber() ? v.longValue() : Long.parseLong(v.asText());
            if (n != 0) {
                g.writeNumberField(name, n);
            }
        }
    }
}
