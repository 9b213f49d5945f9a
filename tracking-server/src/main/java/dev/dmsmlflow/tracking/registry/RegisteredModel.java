package dev.dmsmlflow.tracking.registry;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A registered model with its tags, aliases and the latest version per stage. */
public final class RegisteredModel {
    final long id;
    public final String name;
    public final long creationTime;
    public final long lastUpdatedTime;
    public final String description;
    public final Map<String, String> tags = new LinkedHashMap<>();
    /** alias -> version */
    public final Map<String, Integer> aliases = new LinkedHashMap<>();
    public final List<ModelVersion> latestVersions = new ArrayList<>();

    RegisteredModel(long id, String name, long creationTime, long lastUpdatedTime, String description) {
        this.id = id;
        this.name = name;
        this.creationTime = creationTime;
        this.lastUpdatedTime = lastUpdatedTime;
        this.description = description;
    }

    /** Writes the protobuf-JSON {@code RegisteredModel} object. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        Json.num(g, "creation_timestamp", creationTime);
        Json.num(g, "last_updated_timestamp", lastUpdatedTime);
        if (description != null && !description.isEmpty()) {
            g.writeStringField("description", description);
        }
        if (!latestVersions.isEmpty()) {
            g.writeArrayFieldStart("latest_versions");
            for (ModelVersion v : latestVersions) {
                v.write(g);
            }
            g.writeEndArray();
        }
        Json.keyValues(g, "tags", tags);
        if (!aliases.isEmpty()) {
            g.writeArrayFieldStart("aliases");
            for (var e : aliases.entrySet()) {
                g.writeStartObject();
                g.writeStringField("alias", e.getKey());
                g.writeStringField("version", Integer.toString(e.getValue()));
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }
}
