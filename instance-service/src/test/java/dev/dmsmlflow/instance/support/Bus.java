package dev.dmsmlflow.instance.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.infra.LocalKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The test's view of the real Kafka broker: publishes events as network-service would (CloudEvents headers,
 * key = aggregate id) and collects what instance-service published on its topics, checking every collected
 * payload against its schema in {@code contracts}.
 */
public final class Bus implements AutoCloseable {

    /** One received record. */
    public record Received(String type, String id, String key, String json, JsonNode payload, String traceparent) {
    }

    private static final EventCodec CODEC = new EventCodec();
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public Bus() {
        LocalKafka kafka = LocalKafka.shared();
        Properties p = new Properties();
        // publishes as network-service would, with its principal (it may write dms.network only)
        p.putAll(kafka.clientProperties(TopicAccess.NETWORK_SERVICE));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p);
        Properties c = new Properties();
        // observes everything instance-service publishes, as the super user (a group of its own per test run)
        c.putAll(kafka.adminProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "instance-test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        consumer.subscribe(List.of(Topics.INSTANCE, Topics.USAGE));
    }

    /** Publishes an event with a new CloudEvent id; returns that id. */
    public String publish(Event event) {
        return publish(event, UUID.randomUUID().toString());
    }

    /** Publishes an event with the given CloudEvent id (a replay when the id was used before). */
    public String publish(Event event, String eventId) {
        return publish(event, eventId, null);
    }

    /** Publishes an event with the given CloudEvent id, continuing the trace of {@code traceparent} (when not null). */
    public String publish(Event event, String eventId, String traceparent) {
        ProducerRecord<String, String> r = new ProducerRecord<>(event.aggregateType().topic(), event.aggregateId(), CODEC.encode(event));
        r.headers().add("ce_id", bytes(eventId));
        r.headers().add("ce_type", bytes(event.eventType()));
        r.headers().add("ce_source", bytes("/network-service"));
        r.headers().add("ce_time", bytes(Instant.now().toString()));
        r.headers().add("ce_subject", bytes(event.aggregateId()));
        r.headers().add("ce_specversion", bytes("1.0"));
        r.headers().add("content-type", bytes("application/json"));
        if (traceparent != null) {
            r.headers().add("traceparent", bytes(traceparent));
        }
        try {
            producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish " + event.eventType(), e);
        }
        return eventId;
    }

    /** Waits until a record of {@code type} matching {@code filter} arrived (its payload validated against the schema). */
    public Received await(String type, Predicate<Received> filter, Duration timeout) {
        return Eventually.get(() -> {
            poll();
            return received.stream().filter(r -> r.type.equals(type) && filter.test(r)).findFirst().orElse(null);
        }, timeout, "a " + type + " event");
    }

    /** Every record received so far of {@code type} matching {@code filter} (after polling once more). */
    public List<Received> all(String type, Predicate<Received> filter) {
        poll();
        return new ArrayList<>(received.stream().filter(r -> r.type.equals(type) && filter.test(r)).toList());
    }

    /** A filter on the payload's instanceId (or subjectId for usage). */
    public static Predicate<Received> forInstance(String instanceId) {
        return r -> instanceId.equals(r.payload.path("instanceId").asText(null))
                || instanceId.equals(r.payload.path("subjectId").asText(null));
    }

    private synchronized void poll() {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            String type = header(r, "ce_type");
            JsonNode payload;
            try {
                payload = CODEC.mapper().readTree(r.value());
            } catch (Exception e) {
                throw new AssertionError("payload of " + type + " is not JSON: " + r.value(), e);
            }
            if (type != null && (type.startsWith("Instance") || type.equals("UsageMetered"))) {
                List<String> errors = EventSchemas.validate(type, payload);
                if (!errors.isEmpty()) {
                    throw new AssertionError(type + " does not match its schema: " + errors + " in " + r.value());
                }
            }
            received.add(new Received(type, header(r, "ce_id"), r.key(), r.value(), payload, header(r, "traceparent")));
        }
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
