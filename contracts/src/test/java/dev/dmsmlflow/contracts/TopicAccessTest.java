package dev.dmsmlflow.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kafka ACLs are granted from {@link TopicAccess}: it must say what the AsyncAPI document says about publishers. */
class TopicAccessTest {

    @Test
    void theServicesThatWriteATopicAreTheOnesTheAsyncApiDocumentNamesAsItsPublishers() throws Exception {
        JsonNode doc;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("contracts/asyncapi.yaml")) {
            assertNotNull(in);
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("operations").fields(); it.hasNext(); ) {
            JsonNode op = it.next().getValue();
            assertEquals("send", op.get("action").asText());
            String channel = op.at("/channel/$ref").asText().replace("#/channels/", "");
            String topic = doc.at("/channels/" + channel + "/address").asText();
            Set<String> documented = new TreeSet<>();
            for (TopicAccess a : TopicAccess.all()) {
                if (op.get("summary").asText().contains(a.service())) {
                    documented.add(a.service());
                }
            }
            Set<String> granted = new TreeSet<>();
            TopicAccess.all().stream().filter(a -> a.writes().contains(topic)).forEach(a -> granted.add(a.service()));
            assertEquals(documented, granted, topic);
        }
    }

    @Test
    void everyTopicReadIsAContractTopicAndEveryConsumerHasAGroupOfItsOwnName() {
        for (TopicAccess a : TopicAccess.all()) {
            assertTrue(TopicAccess.topics().containsAll(a.writes()) && TopicAccess.topics().containsAll(a.reads()), a.toString());
            assertEquals(!a.reads().isEmpty(), a.group().isPresent(), a.toString());
            a.group().ifPresent(g -> assertEquals(a.service(), g));
            assertTrue(a.reads().stream().noneMatch(a.writes()::contains), "a service does not consume its own topic: " + a);
        }
    }

    @Test
    void everyConsumingServiceWritesItsOwnDeadLetterTopicAndNoOtherOne() {
        for (TopicAccess a : TopicAccess.all()) {
            assertEquals(a.group().map(g -> "dms.dlq." + a.service()), a.deadLetterTopic(), a.toString());
            a.deadLetterTopic().ifPresent(dlq -> assertTrue(a.writes().contains(dlq), a.toString()));
            assertEquals(a.deadLetterTopic().stream().toList(), a.writes().stream().filter(Topics::isDeadLetters).toList(), a.toString());
        }
        assertEquals(java.util.List.of("dms.dlq.instance-service", "dms.dlq.network-service", "dms.dlq.notebook-service",
                "dms.dlq.billing-service"),
                TopicAccess.deadLetterTopics());
        assertTrue(TopicAccess.topics().containsAll(TopicAccess.deadLetterTopics()));
        assertTrue(TopicAccess.eventTopics().stream().noneMatch(Topics::isDeadLetters));
    }
}
