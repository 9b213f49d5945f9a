package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExamplesTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private final EventCodec codec = new EventCodec();

    static Stream<String> eventTypes() {
        return EventCatalogue.typeNames().stream();
    }

    @ParameterizedTest
    @MethodSource("eventTypes")
    void everyExampleValidatesAgainstItsSchema(String type) {
        List<String> errors = EventSchemas.validate(type, EventSchemas.example(type));
        assertTrue(errors.isEmpty(), type + " example: " + errors);
    }

    @ParameterizedTest
    @MethodSource("eventTypes")
    void everyExampleDecodesIntoItsRecordAndEncodesBackToTheSameJson(String type) throws Exception {
        JsonNode example = EventSchemas.example(type);
        Event event = codec.decode(type, example.toString());
        assertEquals(EventCatalogue.forType(type).recordClass(), event.getClass());
        assertEquals(example, PLAIN.readTree(codec.encode(event)));
    }

    @ParameterizedTest
    @MethodSource("eventTypes")
    void everyExampleCarriesTheAggregateIdInTheCataloguedProperty(String type) {
        JsonNode example = EventSchemas.example(type);
        Event event = codec.decode(type, example.toString());
        String property = EventCatalogue.forType(type).aggregateIdProperty();
        assertEquals(example.get(property).asText(), event.aggregateId());
    }

    @Test
    void validatorRejectsAnExampleWithARequiredFieldMissing() {
        ObjectNode broken = (ObjectNode) EventSchemas.example("InstanceRequested");
        broken.remove("vpcId");
        assertFalse(EventSchemas.validate("InstanceRequested", broken).isEmpty());
    }

    @Test
    void validatorRejectsANonUtcTimestampAndAnUnknownReasonCode() {
        ObjectNode broken = (ObjectNode) EventSchemas.example("NetworkProvisionFailed");
        broken.put("failedAt", "2025-04-01T10:15:31+02:00");
        broken.put("code", "SOMETHING_ELSE");
        assertEquals(2, EventSchemas.validate("NetworkProvisionFailed", broken).size());
    }

    @Test
    void validatorRejectsAMalformedDateTimeAndABadCidr() {
        ObjectNode acl = (ObjectNode) EventSchemas.example("AlbAclUpdated");
        acl.put("updatedAt", "yesterday Z");
        ((ObjectNode) acl.withArray("added").get(0)).put("cidr", "192.168.0.0/33");
        assertEquals(2, EventSchemas.validate("AlbAclUpdated", acl).size(), EventSchemas.validate("AlbAclUpdated", acl).toString());
    }

    @Test
    void validatorAcceptsUnknownOptionalFieldsSoPayloadsCanGrow() {
        ObjectNode grown = (ObjectNode) EventSchemas.example("InstanceRunning");
        grown.put("someFutureField", "x");
        assertTrue(EventSchemas.validate("InstanceRunning", grown).isEmpty());
    }
}
