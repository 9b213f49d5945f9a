package dev.dmsmlflow.cli.events;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.infra.LocalKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dms events dead-letters list|replay} against a real broker, with the super user's login from the environment. */
class DeadLettersIT {

    private final LocalKafka kafka = LocalKafka.shared();
    private final Map<String, String> env = Map.of("DMS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(), "DMS_KAFKA_USER", LocalKafka.ADMIN,
            "DMS_KAFKA_PASSWORD", kafka.password(LocalKafka.ADMIN));

    @Test
    void listShowsReasonCoordinatesTypeAndIdAndReplayPublishesTheOriginalRecordBack() throws Exception {
        String key = "mlf-" + UUID.randomUUID();
        String eventId = UUID.randomUUID().toString();
        String payload = "{\"instanceId\":\"" + key + "\"}";
        // as network-service's consumer writes it (platform EventConsumer + the connector's dead-letter strategy)
        deadLetter(Topics.deadLetters(TopicAccess.NETWORK_SERVICE), key, payload, pairs(
                "ce_id", eventId, "ce_type", "InstanceTeleported", "ce_source", "/instance-service", "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                DeadLetters.REASON, "unknown-type: event type InstanceTeleported is in no contract this consumer knows",
                DeadLetters.KIND, "unknown-type", DeadLetters.TOPIC, Topics.INSTANCE, DeadLetters.PARTITION, "2",
                DeadLetters.OFFSET, "41", DeadLetters.CONSUMER, "network-service.instance-events", DeadLetters.ATTEMPTS, "1"));
        String other = "mlf-" + UUID.randomUUID();
        deadLetter(Topics.deadLetters(TopicAccess.INSTANCE_SERVICE), other, "{}", pairs(DeadLetters.REASON, "incomplete: no id",
                DeadLetters.KIND, "incomplete", DeadLetters.TOPIC, Topics.NETWORK, DeadLetters.PARTITION, "0", DeadLetters.OFFSET, "7"));

        String table = run("dead-letters", "list");
        String line = table.lines().filter(l -> l.contains(key)).findFirst().orElseThrow(() -> new AssertionError(table));
        assertTrue(line.startsWith(eventId), line);
        assertTrue(line.contains("InstanceTeleported") && line.contains("unknown-type") && line.contains("dms.instance/2/41")
                && line.contains("is in no contract"), line);
        assertTrue(table.contains(other), "every dead-letter topic: " + table);
        String json = run("dead-letters", "list", "--topic", Topics.INSTANCE, "-o", "json");
        assertTrue(json.contains(eventId) && !json.contains(other), "only those that came from dms.instance: " + json);
        assertFalse(run("dead-letters", "list", "--topic", Topics.deadLetters(TopicAccess.INSTANCE_SERVICE)).contains(key));

        String replayed = run("dead-letters", "replay", "--id", eventId);
        assertTrue(replayed.startsWith("replayed " + eventId), replayed);
        ConsumerRecord<String, String> r = read(Topics.INSTANCE, key);
        assertEquals(payload, r.value());
        assertEquals(eventId, header(r, "ce_id"));
        assertEquals("InstanceTeleported", header(r, "ce_type"));
        assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", header(r, "traceparent"));
        assertNull(header(r, DeadLetters.REASON), "no dead-letter header goes back");
        assertNull(header(r, DeadLetters.KIND));
        assertTrue(header(r, DeadLetters.REPLAYED_FROM).startsWith(Topics.deadLetters(TopicAccess.NETWORK_SERVICE) + "/"));

        // the one without an event id is named by its coordinates; --all replays every one of a topic
        String coordinates = run("dead-letters", "list", "--topic", Topics.NETWORK).lines().filter(l -> l.contains(other))
                .findFirst().orElseThrow().split("\\s+")[0];
        assertTrue(coordinates.startsWith(Topics.deadLetters(TopicAccess.INSTANCE_SERVICE) + "/"), coordinates);
        assertTrue(run("dead-letters", "replay", "--topic", Topics.NETWORK, "--all").contains("replayed " + coordinates));
        assertNotEquals(null, read(Topics.NETWORK, other));
    }

    @Test
    void replayNeedsAnIdOrAllAndSaysWhenTheIdIsUnknown() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, EventsCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), "dead-letters", "replay"));
        assertTrue(err.toString().contains("exactly one of --id ID and --all"), err.toString());
        out = new StringWriter();
        assertEquals(2, EventsCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), "dead-letters", "replay", "--id", "nope"));
        assertTrue(out.toString().contains("no dead letter nope"));
        err = new StringWriter();
        assertEquals(2, EventsCli.run(Map.of(), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "dead-letters", "list"));
        assertTrue(err.toString().contains("DMS_KAFKA_PASSWORD"), err.toString());
    }

    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EventsCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    private void deadLetter(String topic, String key, String value, Map<String, String> headers) throws Exception {
        Map<String, Object> p = kafka.adminProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, value);
            headers.forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            r.headers().add(DeadLetters.DEAD_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
            producer.send(r).get();
        }
    }

    private ConsumerRecord<String, String> read(String topic, String key) {
        Map<String, Object> p = new HashMap<>(kafka.adminProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, Duration.ofSeconds(10)).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no record of " + key + " on " + topic);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
