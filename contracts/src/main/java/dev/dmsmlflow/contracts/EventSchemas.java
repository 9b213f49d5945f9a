package dev.dmsmlflow.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** Loads the JSON Schemas of the events and validates payloads against them (message contract tests use this). */
public final class EventSchemas {

    private static final ObjectMapper JSON = new ObjectMapper();
    // format is only an annotation in draft 2020-12 unless assertions are switched on; we want date-time/uri checked
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    private static final Map<String, Schema> COMPILED = new ConcurrentHashMap<>();

    private EventSchemas() {
    }

    /** The JSON Schema document of an event type. */
    public static JsonNode schemaDocument(String type) {
        return readResource(EventCatalogue.forType(type).schemaResource());
    }

    /** The example payload of an event type. */
    public static JsonNode example(String type) {
        return readResource(EventCatalogue.forType(type).exampleResource());
    }

    /** Validation errors of a payload against its event type's schema; empty when valid. */
    public static List<String> validate(String type, JsonNode payload) {
        Schema schema = COMPILED.computeIfAbsent(type, t -> REGISTRY.getSchema(schemaDocument(t)));
        return schema.validate(payload).stream().map(Error::toString).collect(Collectors.toList());
    }

    /** Throws IllegalArgumentException listing every violation when the payload does not match its schema. */
    public static void requireValid(String type, JsonNode payload) {
        List<String> errors = validate(type, payload);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(type + " payload violates its schema: " + errors);
        }
    }

    static JsonNode readResource(String resource) {
        try (InputStream in = EventSchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing contract resource " + resource);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
