package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventSerializationTest {

    private final EventCodec codec = new EventCodec();

    static List<Event> samples() {
        return SampleEvents.all();
    }

    @Test
    void samplesCoverEveryCataloguedEventType() {
        Set<String> sampled = samples().stream().map(Event::eventType).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(EventCatalogue.typeNames()), sampled);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void recordSerializesToJsonThatValidatesAgainstItsSchema(Event event) throws Exception {
        JsonNode json = codec.mapper().readTree(codec.encode(event));
        List<String> errors = EventSchemas.validate(event.eventType(), json);
        assertTrue(errors.isEmpty(), event.eventType() + ": " + errors + " in " + json);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void recordRoundTripsThroughTheWireFormatToAnEqualRecord(Event event) {
        Event back = codec.decode(event.eventType(), codec.encode(event));
        assertEquals(event, back);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void wireJsonCarriesNoJavaClassName(Event event) {
        String json = codec.encode(event);
        assertFalse(json.contains(event.getClass().getName()), json);
        assertFalse(json.contains("\"@class\"") || json.contains("\"@type\""), json);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void recordComponentsAndSchemaPropertiesAreTheSameSet(Event event) {
        Set<String> components = new TreeSet<>();
        for (RecordComponent c : event.getClass().getRecordComponents()) {
            JsonProperty p = c.getAnnotation(JsonProperty.class);
            components.add(p != null ? p.value() : c.getName());
        }
        Set<String> declared = new TreeSet<>();
        EventSchemas.schemaDocument(event.eventType()).get("properties").fieldNames().forEachRemaining(declared::add);
        assertEquals(declared, components, "schema and record of " + event.eventType() + " drifted apart");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void nestedObjectsDeclareEveryPropertyTheRecordWrites(Event event) {
        JsonNode schema = EventSchemas.schemaDocument(event.eventType());
        JsonNode json = codec.toTree(event);
        assertUndeclared(schema, schema, json, "$");
    }

    @ParameterizedTest
    @MethodSource("samples")
    void aggregateIdIsTheCataloguedPropertyOfThePayload(Event event) {
        EventDescriptor d = EventCatalogue.of(event);
        assertEquals(codec.toTree(event).get(d.aggregateIdProperty()).asText(), event.aggregateId());
    }

    // additionalProperties is open for compatibility, so a field the schema forgot would pass validation; catch it here
    private static void assertUndeclared(JsonNode root, JsonNode schema, JsonNode value, String path) {
        while (schema.has("$ref")) {
            schema = root.at(schema.get("$ref").asText().substring(1));
        }
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            for (var it = value.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                assertTrue(props.has(name), path + "." + name + " is written but not declared in the schema");
                assertUndeclared(root, props.get(name), value.get(name), path + "." + name);
            }
        } else if (value.isArray()) {
            for (JsonNode item : value) {
                assertUndeclared(root, schema.path("items"), item, path + "[]");
            }
        }
    }
}
