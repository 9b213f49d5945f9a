package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AsyncApiDocumentTest {

    private static JsonNode doc;

    @BeforeAll
    static void parse() throws Exception {
        try (InputStream in = AsyncApiDocumentTest.class.getClassLoader().getResourceAsStream("contracts/asyncapi.yaml")) {
            assertNotNull(in, "contracts/asyncapi.yaml missing");
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @Test
    void documentIsAsyncApi3() {
        assertEquals("3.0.0", doc.get("asyncapi").asText());
        assertTrue(doc.path("info").has("version"));
    }

    @Test
    void thereIsOneChannelPerTopicAddressedByTheTopicName() {
        Set<String> addresses = new TreeSet<>();
        doc.get("channels").forEach(ch -> addresses.add(ch.get("address").asText()));
        Set<String> topics = new TreeSet<>();
        for (AggregateType t : AggregateType.values()) {
            topics.add(t.topic());
        }
        assertEquals(topics, addresses);
    }

    @Test
    void everyCataloguedEventIsAMessageOnItsTopicsChannelWithItsSchemaAsPayload() {
        for (EventDescriptor d : EventCatalogue.all()) {
            JsonNode message = doc.at("/components/messages/" + d.type());
            assertTrue(message.isObject(), d.type() + " has no message");
            assertEquals(d.type(), message.get("name").asText());
            String ref = message.at("/payload/schema/$ref").asText();
            assertEquals("./v1/schemas/" + d.type() + ".schema.json", ref);
            assertTrue(Files.exists(Resources.dir("contracts").resolve(ref)), ref);
            assertEquals(d.type(), message.at("/headers/allOf/1/properties/ce_type/const").asText());
            assertEquals("string", message.at("/bindings/kafka/key/type").asText());

            JsonNode channel = channelWithAddress(d.topic());
            assertEquals("#/components/messages/" + d.type(), channel.at("/messages/" + d.type() + "/$ref").asText());
        }
    }

    @Test
    void everyMessageCarriesTheCloudEventsBinaryModeHeaders() {
        JsonNode headers = doc.at("/components/schemas/CloudEventHeaders");
        Set<String> required = new TreeSet<>();
        headers.get("required").forEach(n -> required.add(n.asText()));
        assertTrue(required.containsAll(Set.of("ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_specversion")),
                required.toString());
        assertEquals("1.0", headers.at("/properties/ce_specversion/const").asText());
        doc.get("components").get("messages").forEach(m -> assertEquals("#/components/schemas/CloudEventHeaders",
                m.at("/headers/allOf/0/$ref").asText(), m.get("name").asText()));
    }

    @Test
    void everyOperationReferencesAnExistingChannelAndItsMessages() {
        doc.get("operations").forEach(op -> {
            JsonNode channel = doc.at(op.at("/channel/$ref").asText().substring(1));
            assertTrue(channel.isObject(), op.toString());
            op.get("messages").forEach(m -> assertTrue(doc.at(m.get("$ref").asText().substring(1)).isObject(), m.toString()));
        });
    }

    private static JsonNode channelWithAddress(String address) {
        for (JsonNode ch : doc.get("channels")) {
            if (address.equals(ch.get("address").asText())) {
                return ch;
            }
        }
        throw new AssertionError("no channel for " + address);
    }

}
