package dev.dmsmlflow.tracking.registry;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A registered model version as stored, with its tags and the aliases pointing at it. */
public final class ModelVersion {
    final long registeredModelId;
    public final String name;
    public final int version;
    public final long creationTime;
    public final long lastUpdatedTime;
    public final String description;
    public final String userId;
    public final String currentStage;
    public final String source;
    public final String storageLocation;
    public final String runId;
    public final String runLink;
    public final String status;
    public final String statusMessage;
    public final String modelId;
    public final Map<String, String> tags = new LinkedHashMap<>();
    public final List<String> aliases = new ArrayList<>();

    ModelVersion(long registeredModelId, String name, int version, long creationTime, long lastUpdatedTime,
                 String description, String userId, String currentStage, String source, String storageLocation,
                 String runId, String runLink, String status, String statusMessage, String modelId) {
        this.registeredModelId = registeredModelId;
        this.name = name;
        this.version = version;
        this.creationTime = creationTime;
        this.lastUpdatedTime = lastUpdatedTime;
        this.description = description;
        this.userId = userId;
        this.currentStage = currentStage;
        this.source = source;
        this.storageLocation = storageLocation;
        this.runId = runId;
        this.runLink = runLink;
        this.status = status;
        this.statusMessage = statusMessage;
        this.modelId = modelId;
    }

    /** Writes the protobuf-JSON {@code ModelVersion} object. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("version", Integer.toString(version));
        Json.num(g, "creation_timestamp", creationTime);
        Json.num(g, "last_updated_timestamp", lastUpdatedTime);
        Json.str(g, "user_id", nonEmpty(userId));
        Json.str(g, "current_stage", currentStage);
        Json.str(g, "description", nonEmpty(description));
        Json.str(g, "source", source);
        Json.str(g, "run_id", nonEmpty(runId));
        Json.str(g, "status", status);
        Json.str(g, "status_message", nonEmpty(statusMessage));
        Json.keyValues(g, "tags", tags);
        Json.str(g, "run_link", nonEmpty(runLink));
        if (!aliases.isEmpty()) {
            g.writeArrayFieldStart("aliases");
            for (String a : aliases) {
                g.writeString(a);
            }
            g.writeEndArray();
        }
        Json.str(g, "model_id", nonEmpty(modelId));
        g.writeEndObject();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
