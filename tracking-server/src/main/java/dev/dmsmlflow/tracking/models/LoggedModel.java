package dev.dmsmlflow.tracking.models;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An MLflow 3 logged model as stored, with its params, tags and the metrics logged for it. */
public final class LoggedModel {
    public final String modelId;
    public final long experimentId;
    public final String name;
    public final String artifactUri;
    public final long creationTimestampMs;
    public final long lastUpdatedTimestampMs;
    public final String status;
    public final String lifecycleStage;
    public final String modelType;
    public final String sourceRunId;
    public final String statusMessage;
    public final Map<String, String> params = new LinkedHashMap<>();
    public final Map<String, String> tags = new LinkedHashMap<>();
    public final List<ModelMetric> metrics = new ArrayList<>();

    /** One metric row logged with this model's id. */
    public record ModelMetric(String key, double value, long timestamp, long step, String runId,
                              String datasetName, String datasetDigest) {
    }

    public LoggedModel(String modelId, long experimentId, String name, String artifactUri, long creationTimestampMs,
                       long lastUpdatedTimestampMs, String status, String lifecycleStage, String modelType,
                       String sourceRunId, String statusMessage) {
        this.modelId = modelId;
        this.experimentId = experimentId;
        this.name = name;
        this.artifactUri = artifactUri;
        this.creationTimestampMs = creationTimestampMs;
        this.lastUpdatedTimestampMs = lastUpdatedTimestampMs;
        this.status = status;
        this.lifecycleStage = lifecycleStage;
        this.modelType = modelType;
        this.sourceRunId = sourceRunId;
        this.statusMessage = statusMessage;
    }

    /** Writes the protobuf-JSON {@code LoggedModel {info, data}} object. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("info");
        g.writeStringField("model_id", modelId);
        g.writeStringField("experiment_id", Long.toString(experimentId));
        Json.str(g, "name", name);
        Json.num(g, "creation_timestamp_ms", creationTimestampMs);
        Json.num(g, "last_updated_timestamp_ms", lastUpdatedTimestampMs);
        Json.str(g, "artifact_uri", artifactUri);
        Json.str(g, "status", status);
        Json.str(g, "model_type", modelType);
        Json.str(g, "source_run_id", sourceRunId);
        Json.str(g, "status_message", statusMessage);
        Json.keyValues(g, "tags", tags);
        g.writeEndObject();
        g.writeObjectFieldStart("data");
        Json.keyValues(g, "params", params);
        if (!metrics.isEmpty()) {
            g.writeArrayFieldStart("metrics");
            for (ModelMetric m : metrics) {
                g.writeStartObject();
                g.writeStringField("key", m.key());
                Json.dbl(g, "value", m.value());
                Json.num(g, "timestamp", m.timestamp());
                Json.num(g, "step", m.step());
                Json.str(g, "run_id", m.runId());
                g.writeStringField("model_id", modelId);
                Json.str(g, "dataset_name", m.datasetName());
                Json.str(g, "dataset_digest", m.datasetDigest());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
    }
}
