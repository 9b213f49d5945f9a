package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.assessments.Assessment;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** A trace's info row with its tags, metadata and assessments; written as TraceInfoV3 or the legacy v2 TraceInfo. */
public record TraceInfo(String requestId, long experimentId, long timestampMs, Long executionTimeMs, String status,
                        String clientRequestId, String requestPreview, String responsePreview,
                        Map<String, String> tags, Map<String, String> metadata, List<Assessment> assessments) {

    public static final String TAG_SPANS_LOCATION = "mlflow.trace.spansLocation";
    public static final String TAG_ARTIFACT_LOCATION = "mlflow.artifactLocation";
    public static final String TAG_TRACE_NAME = "mlflow.traceName";
    public static final String TRACKING_STORE = "TRACKING_STORE";
    public static final String META_SOURCE_RUN = "mlflow.sourceRun";
    public static final String META_SIZE_STATS = "mlflow.trace.sizeStats";
    public static final String META_FINALIZED = "mlflow.trace.infoFinalized";

    /** TraceInfoV3 as protobuf JSON. */
    public void writeV3(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("trace_id", requestId);
        Json.str(g, "client_request_id", clientRequestId);
        g.writeObjectFieldStart("trace_location");
        g.writeStringField("type", "MLFLOW_EXPERIMENT");
        g.writeObjectFieldStart("mlflow_experiment");
        g.writeStringField("experiment_id", Long.toString(experimentId));
        g.writeEndObject();
        g.writeEndObject();
        g.writeStringField("request_time", ProtoTime.timestamp(timestampMs));
        if (executionTimeMs != null) {
            g.writeStringField("execution_duration", ProtoTime.duration(executionTimeMs));
        }
        g.writeStringField("state", status);
        map(g, "trace_metadata", metadata);
        if (assessments != null && !assessments.isEmpty()) {
            g.writeArrayFieldStart("assessments");
            for (Assessment a : assessments) {
                a.write(g);
            }
            g.writeEndArray();
        }
        map(g, "tags", tags);
        Json.str(g, "request_preview", requestPreview);
        Json.str(g, "response_preview", responsePreview);
        g.writeEndObject();
    }

    /** The legacy (MLflow 2) TraceInfo. */
    public void writeV2(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("request_id", requestId);
        g.writeStringField("experiment_id", Long.toString(experimentId));
        g.writeNumberField("timestamp_ms", timestampMs);
        Json.num(g, "execution_time_ms", executionTimeMs);
        g.writeStringField("status", "STATE_UNSPECIFIED".equals(status) ? "TRACE_STATUS_UNSPECIFIED" : status);
        Json.keyValues(g, "request_metadata", metadata);
        Json.keyValues(g, "tags", tags);
        g.writeEndObject();
    }

    private static void map(JsonGenerator g, String name, Map<String, String> m) throws IOException {
        if (m == null || m.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart(name);
        for (var e : m.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue() == null ? "" : e.getValue());
        }
        g.writeEndObject();
    }
}
