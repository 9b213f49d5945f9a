package dev.dmsmlflow.tracking.experiments;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.Map;

/** An experiment as stored, with its tags. */
public record Experiment(long id, String name, String artifactLocation, String lifecycleStage,
                         long creationTime, long lastUpdateTime, Map<String, String> tags) {

    public boolean isActive() {
        return "active".equals(lifecycleStage);
    }

    /** Writes the protobuf-JSON object of an Experiment. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("experiment_id", Long.toString(id));
        Json.str(g, "name", name);
        Json.str(g, "artifact_location", artifactLocation);
        Json.str(g, "lifecycle_stage", lifecycleStage);
        Json.num(g, "last_update_time", lastUpdateTime);
        Json.num(g, "creation_time", creationTime);
        Json.keyValues(g, "tags", tags);
        g.writeEndObject();
    }
}
