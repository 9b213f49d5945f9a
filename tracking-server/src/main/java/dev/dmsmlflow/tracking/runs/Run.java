package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run with its data, inputs and outputs, and its protobuf-JSON writer. */
public final class Run {
    // field names written ~1,000 times per search page: encoded once
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString VALUE = new SerializedString("value");
    private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString STEP = new SerializedString("step");

    /** The run's info columns. */
    public record Info(String runId, long experimentId, String name, String userId, String status, Long startTime,
                       Long endTime, String lifecycleStage, String artifactUri) {
        public boolean isActive() {
            return "active".equals(lifecycleStage);
        }

        public void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("run_id", runId);
            g.writeStringField("run_uuid", runId);
            Json.str(g, "run_name", name);
            g.writeStringField("experiment_id", Long.toString(experimentId));
            Json.str(g, "user_id", userId);
            Json.str(g, "status", status);
            Json.num(g, "start_time", startTime);
            Json.num(g, "end_time", endTime);
            Json.str(g, "artifact_uri", artifactUri);
            Json.str(g, "lifecycle_stage", lifecycleStage);
            g.writeEndObject();
        }
    }

    /** One metric value. */
    public record Metric(String key, double value, long timestamp, long step, String modelId, String datasetName,
                         String datasetDigest) {
        public void write(JsonGenerator g, String runId) throws IOException {
            g.writeStartObject();
            g.writeFieldName(KEY);
            g.writeString(key);
            g.writeFieldName(VALUE);
            Json.dbl(g, value);
            g.writeFieldName(TIMESTAMP);
            g.writeNumber(timestamp);
            g.writeFieldName(STEP);
            g.writeNumber(step);
            Json.str(g, "dataset_name", datasetName);
            Json.str(g, "dataset_digest", datasetDigest);
            Json.str(g, "model_id", modelId);
            Json.str(g, "run_id", runId);
            g.writeEndObject();
        }
    }

    /** A dataset logged as an input, with the input's tags. */
    public record DatasetInput(Map<String, String> tags, String name, String digest, String sourceType, String source,
                               String schema, String profile) {
    }

    /** A model output of the run. */
    public record ModelOutput(String modelId, long step) {
    }

    public final Info info;
    public final List<Metric> metrics = new ArrayList<>();
    public final Map<String, String> params = new LinkedHashMap<>();
    public final Map<String, String> tags = new LinkedHashMap<>();
    /**
     * The params and tags as their JSON arrays, when read from run_docs (V53): written as they are instead of
     * {@link #params} and {@link #tags} (which then stay empty). Null: none, or not read from there.
     */
    String paramsJson;
    String tagsJson;
    public final List<DatasetInput> datasetInputs = new ArrayList<>();
    public final List<String> modelInputs = new ArrayList<>();
    public final List<ModelOutput> modelOutputs = new ArrayList<>();

    public Run(Info info) {
        this.info = info;
    }

    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeFieldName("info");
        info.write(g);
        g.writeObjectFieldStart("data");
        if (!metrics.isEmpty()) {
            g.writeArrayFieldStart("metrics");
            for (Metric m : metrics) {
                m.write(g, null);
            }
            g.writeEndArray();
        }
        if (paramsJson != null) {
            Json.raw(g, "params", paramsJson);
        } else {
            Json.keyValues(g, "params", params);
        }
        if (tagsJson != null) {
            Json.raw(g, "tags", tagsJson);
        } else {
            Json.keyValues(g, "tags", tags);
        }
        g.writeEndObject();
        g.writeObjectFieldStart("inputs");
        if (!datasetInputs.isEmpty()) {
            g.writeArrayFieldStart("dataset_inputs");
            for (DatasetInput d : datasetInputs) {
                g.writeStartObject();
                Json.keyValues(g, "tags", d.tags());
                g.writeObjectFieldStart("dataset");
                Json.str(g, "name", d.name());
                Json.str(g, "digest", d.digest());
                Json.str(g, "source_type", d.sourceType());
                Json.str(g, "source", d.source());
                Json.str(g, "schema", d.schema());
                Json.str(g, "profile", d.profile());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (!modelInputs.isEmpty()) {
            g.writeArrayFieldStart("model_inputs");
            for (String m : modelInputs) {
                g.writeStartObject();
                g.writeStringField("model_id", m);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("outputs");
        if (!modelOutputs.isEmpty()) {
            g.writeArrayFieldStart("model_outputs");
            for (ModelOutput m : modelOutputs) {
                g.writeStartObject();
                g.writeStringField("model_id", m.modelId());
                g.writeNumberField("step", m.step());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
    }
}
