package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One span as received (OTLP protobuf or JSON), in the shape MLflow stores it: ids as hex, attribute
 * values as the JSON text of their decoded value, event attributes as decoded values.
 */
public record SpanRecord(String traceIdHex, String spanIdHex, String parentIdHex, String name,
                         long startNs, Long endNs, String statusCode, String statusMessage,
                         Map<String, String> attributes, List<Event> events) {

    public static final String STATUS_OK = "STATUS_CODE_OK";
    public static final String STATUS_ERROR = "STATUS_CODE_ERROR";
    public static final String STATUS_UNSET = "STATUS_CODE_UNSET";
    static final String ATTR_REQUEST_ID = "mlflow.traceRequestId";
    static final String ATTR_SPAN_TYPE = "mlflow.spanType";
    static final String ATTR_INPUTS = "mlflow.spanInputs";
    static final String ATTR_OUTPUTS = "mlflow.spanOutputs";

    /** An OTel span event. */
    public record Event(String name, long timeNs, ObjectNode attributes) {
    }

    /** The MLflow trace id of this span's trace: {@code tr-<32 hex>}. */
    public String mlflowTraceId() {
        return "tr-" + traceIdHex;
    }

    public boolean isRoot() {
        return parentIdHex == null;
    }

    /** The span type (the JSON-decoded {@code mlflow.spanType} attribute), or null. */
    public String spanType() {
        String raw = attributes.get(ATTR_SPAN_TYPE);
        if (raw == null) {
            return null;
        }
        String plain = plainString(raw);
        if (plain != null) {
            return plain;
        }
        JsonNode n = SpanJson.parseLenient(raw);
        return n.isTextual() ? n.textValue() : raw;
    }

    /** The trace state a root span with this status gives its trace. */
    public String traceState() {
        return STATUS_ERROR.equals(statusCode) ? "ERROR" : "OK";
    }

    /** The MLflow span dictionary (upstream's {@code Span.to_dict}) as JSON text: the stored content. */
    public String content() {
        StringBuilder sb = new StringBuilder(256 + 64 * attributes.size());
        sb.append("{\"trace_id\": \"").append(b64(traceIdHex)).append("\", \"span_id\": \"").append(b64(spanIdHex))
                .append("\", \"parent_span_id\": ");
        if (parentIdHex == null) {
            sb.append("null");
        } else {
            sb.append('"').append(b64(parentIdHex)).append('"');
        }
        sb.append(", \"name\": ");
        PyJson.string(sb, name);
        sb.append(", \"start_time_unix_nano\": ").append(startNs).append(", \"end_time_unix_nano\": ")
                .append(endNs == null ? "null" : endNs.toString()).append(", \"events\": [");
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            sb.append(i == 0 ? "{\"name\": " : ", {\"name\": ");
            PyJson.string(sb, e.name());
            sb.append(", \"time_unix_nano\": ").append(e.timeNs()).append(", \"attributes\": ");
            PyJson.write(sb, e.attributes());
            sb.append('}');
        }
        sb.append("], \"status\": {\"code\": \"").append(statusCode).append("\", \"message\": ");
        PyJson.string(sb, statusMessage == null ? "" : statusMessage);
        sb.append("}, \"attributes\": {");
        boolean first = true;
        if (!attributes.containsKey(ATTR_REQUEST_ID)) {
            sb.append("\"").append(ATTR_REQUEST_ID).append("\": ");
            PyJson.string(sb, "\"" + mlflowTraceId() + "\"");
            first = false;
        }
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            PyJson.string(sb, a.getKey());
            sb.append(": ");
            PyJson.string(sb, a.getValue());
        }
        return sb.append("}}").toString();
    }

    /** The text of a JSON string literal without escapes, or null when it is anything else. */
    static String plainString(String json) {
        int n = json.length();
        if (n >= 2 && json.charAt(0) == '"' && json.charAt(n - 1) == '"' && json.indexOf('\\') < 0
                && json.indexOf('"', 1) == n - 1) {
            return json.substring(1, n - 1);
        }
        return null;
    }

    static String b64(String hex) {
        return java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
}
