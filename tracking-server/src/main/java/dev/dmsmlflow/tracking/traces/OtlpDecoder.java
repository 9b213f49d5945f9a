package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an OTLP/HTTP trace export request (binary protobuf, or the OTLP JSON encoding with hex ids)
 * into {@link SpanRecord}s. Attribute values are decoded to JSON values and kept as their JSON text,
 * the way MLflow stores span attributes.
 */
public final class OtlpDecoder {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();

    private OtlpDecoder() {
    }

    public static List<SpanRecord> fromProtobuf(byte[] body) {
        ExportTraceServiceRequest req;
        try {
            req = ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: " + e.getMessage());
        }
        if (req.getResourceSpansCount() == 0) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format - no spans found");
        }
        List<SpanRecord> out = new ArrayList<>();
        for (ResourceSpans rs : req.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    out.add(fromProto(s));
                }
            }
        }
        return out;
    }

    private static SpanRecord fromProto(Span s) {
        String traceId = id(s.getTraceId(), 16, "trace_id");
        String spanId = id(s.getSpanId(), 8, "span_id");
        String parent = s.getParentSpanId().isEmpty() ? null : id(s.getParentSpanId(), 8, "parent_span_id");
        Map<String, String> attrs = new LinkedHashMap<>();
        for (KeyValue kv : s.getAttributesList()) {
            attrs.put(kv.getKey(), PyJson.dump(value(kv.getValue())));
        }
        List<SpanRecord.Event> events = new ArrayList<>(s.getEventsCount());
        for (Span.Event e : s.getEventsList()) {
            ObjectNode ea = F.objectNode();
            for (KeyValue kv : e.getAttributesList()) {
                ea.set(kv.getKey(), value(kv.getValue()));
            }
            events.add(new SpanRecord.Event(e.getName(), e.getTimeUnixNano(), ea));
        }
        String code = switch (s.getStatus().getCode()) {
            case STATUS_CODE_OK -> SpanRecord.STATUS_OK;
            case STATUS_CODE_ERROR -> SpanRecord.STATUS_ERROR;
            default -> SpanRecord.STATUS_UNSET;
        };
        long end = s.getEndTimeUnixNano();
        return new SpanRecord(traceId, spanId, parent, s.getName(), s.getStartTimeUnixNano(), end == 0 ? null : end,
                code, s.getStatus().getMessage(), attrs, events);
    }

    private static String id(ByteString b, int len, String field) {
        if (b.isEmpty()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry span: " + field + " is required but was empty");
        }
        if (b.size() != len) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry span: " + field + " must be " + len + " bytes");
        }
        return HEX.formatHex(b.toByteArray());
    }

    static JsonNode value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> F.textNode(v.getStringValue());
            case BOOL_VALUE -> F.booleanNode(v.getBoolValue());
            case INT_VALUE -> F.numberNode(v.getIntValue());
            case DOUBLE_VALUE -> F.numberNode(v.getDoubleValue());
            case BYTES_VALUE -> F.textNode(Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode a = F.arrayNode();
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    a.add(value(e));
                }
                yield a;
            }
            case KVLIST_VALUE -> {
                ObjectNode o = F.objectNode();
                for (KeyValue kv : v.getKvlistValue().getValuesList()) {
                    o.set(kv.getKey(), value(kv.getValue()));
                }
                yield o;
            }
            default -> F.nullNode();
        };
    }

    // ------------------------------------------------------------------ OTLP JSON

    public static List<SpanRecord> fromJson(byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: malformed JSON");
        }
        if (root == null || !root.isObject()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: the body must be a JSON object");
        }
        JsonNode resourceSpans = field(root, "resourceSpans", "resource_spans");
        if (resourceSpans == null || !resourceSpans.isArray() || resourceSpans.isEmpty()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format - no spans found");
        }
        List<SpanRecord> out = new ArrayList<>();
        for (JsonNode rs : resourceSpans) {
            JsonNode scopes = field(rs, "scopeSpans", "scope_spans");
            if (scopes == null) {
                scopes = field(rs, "instrumentationLibrarySpans", "instrumentation_library_spans");
            }
            for (JsonNode ss : arr(scopes, "scopeSpans")) {
                for (JsonNode s : arr(field(ss, "spans", "spans"), "spans")) {
                    out.add(fromJsonSpan(s));
                }
            }
        }
        return out;
    }

    private static SpanRecord fromJsonSpan(JsonNode s) {
        if (!s.isObject()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: a span must be an object");
        }
        String traceId = jsonId(field(s, "traceId", "trace_id"), 16, "traceId");
        String spanId = jsonId(field(s, "spanId", "span_id"), 8, "spanId");
        JsonNode p = field(s, "parentSpanId", "parent_span_id");
        String parent = p == null || p.asText().isEmpty() ? null : jsonId(p, 8, "parentSpanId");
        JsonNode nameNode = field(s, "name", "name");
        String name = nameNode == null ? "" : text(nameNode, "name");
        long start = nanos(field(s, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano");
        long end = nanos(field(s, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano");
        Map<String, String> attrs = new LinkedHashMap<>();
        for (JsonNode kv : arr(field(s, "attributes", "attributes"), "attributes")) {
            attrs.put(text(field(kv, "key", "key"), "key"), PyJson.dump(jsonValue(field(kv, "value", "value"))));
        }
        List<SpanRecord.Event> events = new ArrayList<>();
        for (JsonNode e : arr(field(s, "events", "events"), "events")) {
            ObjectNode ea = F.objectNode();
            for (JsonNode kv : arr(field(e, "attributes", "attributes"), "attributes")) {
                ea.set(text(field(kv, "key", "key"), "key"), jsonValue(field(kv, "value", "value")));
            }
            JsonNode en = field(e, "name", "name");
            events.add(new SpanRecord.Event(en == null ? "" : text(en, "name"),
                    nanos(field(e, "timeUnixNano", "time_unix_nano"), "timeUnixNano"), ea));
        }
        String code = SpanRecord.STATUS_UNSET;
        String message = null;
        JsonNode st = field(s, "status", "status");
        if (st != null && st.isObject()) {
            JsonNode c = st.get("code");
            if (c != null) {
                int n = c.isNumber() ? c.intValue() : switch (c.asText()) {
                    case "STATUS_CODE_OK", "OK" -> Status.StatusCode.STATUS_CODE_OK_VALUE;
                    case "STATUS_CODE_ERROR", "ERROR" -> Status.StatusCode.STATUS_CODE_ERROR_VALUE;
                    default -> 0;
                };
                code = n == 1 ? SpanRecord.STATUS_OK : n == 2 ? SpanRecord.STATUS_ERROR : SpanRecord.STATUS_UNSET;
            }
            JsonNode m = st.get("message");
            message = m == null ? null : m.asText();
        }
        return new SpanRecord(traceId, spanId, parent, name, start, end == 0 ? null : end, code, message, attrs, events);
    }

    static JsonNode jsonValue(JsonNode v) {
        if (v == null || !v.isObject()) {
            return F.nullNode();
        }
        JsonNode x;
        if ((x = field(v, "stringValue", "string_value")) != null) {
            return F.textNode(x.asText());
        }
        if ((x = field(v, "boolValue", "bool_value")) != null) {
            return F.booleanNode(x.isBoolean() ? x.booleanValue() : Boolean.parseBoolean(x.asText()));
        }
        if ((x = field(v, "intValue", "int_value")) != null) {
            try {
                return F.numberNode(x.isNumber() ? x.longValue() : Long.parseLong(x.asText().trim()));
            } catch (NumberFormatException e) {
                throw MlflowException.invalidParameter("Invalid OpenTelemetry format: intValue " + x + " is not an integer");
            }
        }
        if ((x = field(v, "doubleValue", "double_value")) != null) {
            if (x.isNumber()) {
                return F.numberNode(x.doubleValue());
            }
            try {
                return F.numberNode(Double.parseDouble(x.asText()));
            } catch (NumberFormatException e) {
                throw MlflowException.invalidParameter("Invalid OpenTelemetry format: doubleValue " + x + " is not a number");
            }
        }
        if ((x = field(v, "bytesValue", "bytes_value")) != null) {
            return F.textNode(x.asText());
        }
        if ((x = field(v, "arrayValue", "array_value")) != null) {
            ArrayNode a = F.arrayNode();
            for (JsonNode e : arr(x.get("values"), "values")) {
                a.add(jsonValue(e));
            }
            return a;
        }
        if ((x = field(v, "kvlistValue", "kvlist_value")) != null) {
            ObjectNode o = F.objectNode();
            for (JsonNode kv : arr(x.get("values"), "values")) {
                o.set(text(field(kv, "key", "key"), "key"), jsonValue(field(kv, "value", "value")));
            }
            return o;
        }
        return F.nullNode();
    }

    private static JsonNode field(JsonNode o, String camel, String snake) {
        if (o == null || !o.isObject()) {
            return null;
        }
        JsonNode n = o.get(camel);
        if (n == null && !camel.equals(snake)) {
            n = o.get(snake);
        }
        return n == null || n.isNull() ? null : n;
    }

    private static Iterable<JsonNode> arr(JsonNode n, String what) {
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: '" + what + "' must be a list");
        }
        return n;
    }

    private static String text(JsonNode n, String what) {
        if (n == null || !n.isValueNode()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: '" + what + "' must be a string");
        }
        return n.asText();
    }

    private static long nanos(JsonNode n, String what) {
        if (n == null) {
            return 0;
        }
        try {
            return n.isIntegralNumber() ? n.longValue() : Long.parseUnsignedLong(n.asText().trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry format: '" + what + "' must be an integer");
        }
    }

    /** OTLP JSON ids are hex; base64 (protobuf's canonical JSON for bytes) is accepted as well. */
    private static String jsonId(JsonNode n, int len, String what) {
        String s = n == null ? "" : n.asText().trim();
        if (s.isEmpty()) {
            throw MlflowException.invalidParameter("Invalid OpenTelemetry span: " + what + " is required but was empty");
        }
        if (s.length() == len * 2 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return s.toLowerCase(java.util.Locale.ROOT);
        }
        try {
            byte[] b = Base64.getDecoder().decode(s);
            if (b.length == len) {
                return HEX.formatHex(b);
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw MlflowException.invalidParameter("Invalid OpenTelemetry span: " + what + " must be " + (len * 2) + " hex digits");
    }
}
