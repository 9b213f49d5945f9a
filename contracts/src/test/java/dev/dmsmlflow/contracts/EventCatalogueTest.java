package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EventCatalogueTest {

    private static Set<String> typesIn(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void catalogueCoversEverySchemaFileAndNothingElse() throws IOException {
        assertEquals(typesIn(Resources.currentSchemas(), ".schema.json"), new TreeSet<>(EventCatalogue.typeNames()));
    }

    @Test
    void everySchemaFileHasAnExampleAndEveryExampleASchema() throws IOException {
        assertEquals(typesIn(Resources.currentSchemas(), ".schema.json"), typesIn(Resources.examples(), ".json"));
    }

    @Test
    void everyReleasedTypeIsStillCatalogued() throws IOException {
        assertTrue(EventCatalogue.typeNames().containsAll(typesIn(Resources.releasedSchemas(), ".schema.json")));
    }

    @Test
    void catalogueContainsTheCoreFlowEvents() {
        assertTrue(EventCatalogue.typeNames().containsAll(Set.of("InstanceRequested", "InstanceUpdated",
                "NetworkProvisioned", "NetworkProvisionFailed", "InstanceDeployed", "BackendRegistered",
                "InstanceRunning", "InstanceFailed", "InstanceReleaseRequested", "NetworkReleased", "InstanceReleased",
                "AlbAclUpdated", "NotebookSessionStarted", "NotebookSessionStopped", "UsageMetered",
                "BillingExportCompleted")));
    }

    @Test
    void everyDescriptorsSchemaNamesItsTypeAndRequiresTheAggregateIdProperty() {
        for (EventDescriptor d : EventCatalogue.all()) {
            JsonNode schema = EventSchemas.schemaDocument(d.type());
            assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText(), d.type());
            assertEquals(d.type(), schema.get("title").asText());
            Set<String> required = new TreeSet<>();
            schema.get("required").forEach(n -> required.add(n.asText()));
            assertTrue(required.contains(d.aggregateIdProperty()), d.type() + " must require " + d.aggregateIdProperty());
        }
    }

    @Test
    void everyObjectInEverySchemaStaysOpenToFutureOptionalFields() {
        for (EventDescriptor d : EventCatalogue.all()) {
            assertOpen(EventSchemas.schemaDocument(d.type()), d.type());
        }
    }

    private static void assertOpen(JsonNode node, String where) {
        if (node.isObject()) {
            if ("object".equals(node.path("type").asText())) {
                assertTrue(node.path("additionalProperties").asBoolean(false),
                        where + ": objects must say additionalProperties: true");
            }
            node.properties().forEach(e -> assertOpen(e.getValue(), where + "/" + e.getKey()));
        } else if (node.isArray()) {
            node.forEach(n -> assertOpen(n, where));
        }
    }

    @Test
    void eachRecordClassDeclaresItsWireNameAsTheTypeConstant() throws Exception {
        for (EventDescriptor d : EventCatalogue.all()) {
            assertEquals(d.type(), d.recordClass().getField("TYPE").get(null));
            assertTrue(d.recordClass().isRecord(), d.type());
            assertNotEquals(d.recordClass().getName(), d.type());
        }
    }

    @Test
    void topicsAreOnePerAggregateTypeUnderTheDmsPrefix() {
        Set<String> topics = Arrays.stream(AggregateType.values()).map(AggregateType::topic).collect(Collectors.toSet());
        assertEquals(AggregateType.values().length, topics.size());
        for (AggregateType t : AggregateType.values()) {
            assertEquals("dms." + t.wireName(), t.topic());
            assertEquals(t, AggregateType.fromWireName(t.wireName()));
        }
        assertEquals(Set.of(Topics.INSTANCE, Topics.NETWORK, Topics.NOTEBOOK, Topics.USAGE, Topics.BILLING), topics);
    }

    @Test
    void lookupsAgreeWithEachOther() {
        EventDescriptor d = EventCatalogue.forType(InstanceRequested.TYPE);
        assertEquals(InstanceRequested.class, d.recordClass());
        assertEquals(Topics.INSTANCE, d.topic());
        assertEquals(d, EventCatalogue.forClass(InstanceRequested.class));
        assertEquals("contracts/v1/schemas/InstanceRequested.schema.json", d.schemaResource());
        assertTrue(EventCatalogue.find("Nope").isEmpty());
        assertTrue(EventCatalogue.onTopic(Topics.INSTANCE).contains(d));
        assertEquals(EventCatalogue.all().size(),
                Arrays.stream(AggregateType.values()).mapToInt(t -> EventCatalogue.onTopic(t.topic()).size()).sum());
    }
}
