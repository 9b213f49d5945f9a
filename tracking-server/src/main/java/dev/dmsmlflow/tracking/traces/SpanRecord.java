package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HexFormat;
import java.util.LinkedHashMap;
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
        JsonNode n = SpanJson.parseLenient(raw);
        return n.isTextual() ? n.textValue() : raw;
    }

    /** The trace state a root span with this status gives its trace. */
    public String traceState() {
        return STATUS_ERROR.equals(statusCode) ? "ERROR" : "OK";
    }

    /** The MLflow span dictionary (upstream's {@code Span.to_dict}) as JSON text: the stored content. */
    public String content() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("trace_id", b64(traceIdHex));
        o.put("span_id", b64(spanIdHex));
        if (parentIdHex == null) {
            o.putNull("parent_span_id");
        } else {
            o.put("parent_span_id", b64(parentIdHex));
        }
        o.put("name", name);
        o.put("start_time_unix_nano", startNs);
        if (endNs == null) {
            o.putNull("end_time_unix_nano");
        } else {
            o.put("end_time_unix_nano", endNs);
        }
        var ev = o.putArray("events");
        for (Event e : events) {
            ObjectNode eo = ev.addObject();
            eo.put("name", e.name());
            eo.put("time_unix_nano", e.timeNs());
            eo.set("attributes", e.attributes());
        }
        ObjectNode st = o.putObject("status");
        st.put("code", statusCode);
        st.put("message", statusMessage == null ? "" : statusMessage);
        ObjectNode at = o.putObject("attributes");
        Map<String, String> attrs = attributes;
        if (!attrs.containsKey(ATTR_REQUEST_ID)) {
            attrs = new LinkedHashMap<>();
            attrs.put(ATTR_REQUEST_ID, PyJson.dump(JsonNodeFactory.instance.textNode(mlflowTraceId())));
            attrs.putAll(attributes);
        }
        attrs.forEach(at::put);
        return PyJson.dump(o);
    }

    static String b64(String hex) {
        return java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
}
