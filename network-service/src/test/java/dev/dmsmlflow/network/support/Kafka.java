package dev.dmsmlflow.network.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Test access to the broker: sends instance events as instance-service's relay would (with its principal, which may write
 * dms.instance only), reads network events back as the super user.
 */
public final class Kafka implements AutoCloseable {

    /** A received CloudEvent: type, id, key and parsed payload. */
    public record Received(String type, String id, String key, JsonNode payload) {
    }

    private final KafkaProducer<String, String> producer;
    private final LocalKafka broker = LocalKafka.shared();
    private final EventCodec codec = new EventCodec();

    public Kafka() {
        Map<String, Object> config = broker.clientProperties(TopicAccess.INSTANCE_SERVICE);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(config);
    }

    /** Sends an instance event with a new event id; returns the id. */
    public String send(Event event) throws Exception {
        String id = UUID.randomUUID().toString();
        send(id, event.eventType(), event.aggregateId(), codec.encode(event));
        return id;
    }

    /** Sends a raw record on dms.instance with the CloudEvents headers. */
    public void send(String id, String type, String key, String payload) throws Exception {
        ProducerRecord<String, String> r = new ProducerRecord<>(Topics.INSTANCE, key, payload);
        r.headers().add(CloudEventEnvelope.ID, id.getBytes(StandardCharsets.UTF_8));
        r.headers().add(CloudEventEnvelope.TYPE, type.getBytes(StandardCharsets.UTF_8));
        r.headers().add(CloudEventEnvelope.SOURCE, "/instance-service".getBytes(StandardCharsets.UTF_8));
        r.headers().add(CloudEventEnvelope.TIME, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        r.headers().add(CloudEventEnvelope.SUBJECT, key.getBytes(StandardCharsets.UTF_8));
        r.headers().add(CloudEventEnvelope.SPECVERSION, "1.0".getBytes(StandardCharsets.UTF_8));
        producer.send(r).get();
    }

    /** Every network event for {@code key} until {@code done} holds for the list (or the timeout passes). */
    public List<Received> networkEvents(String key, Predicate<List<Received>> done, Duration timeout) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<Received> out = new ArrayList<>();
        Map<String, Object> config = broker.adminProperties();
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<TopicPartition> parts = new ArrayList<>();
            while (parts.isEmpty() && System.nanoTime() < deadline) {
                c.partitionsFor(Topics.NETWORK, Duration.ofSeconds(5)).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
                if (parts.isEmpty()) {
                    Thread.sleep(200);
                }
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                    if (key.equals(r.key())) {
                        CloudEventEnvelope e = CloudEventEnvelope.of(r);
                        out.add(new Received(e.type(), e.id(), e.key(), json.readTree(e.payload())));
                    }
                }
                if (done.test(out)) {
                    break;
                }
            }
        }
        return out;
    }

    /** The dead letters of network-service whose key is {@code key}, as their headers (name -> last value). */
    public List<Map<String, String>> deadLetters(String key, Duration timeout) throws Exception {
        String topic = Topics.deadLetters(TopicAccess.NETWORK_SERVICE);
        Map<String, Object> config = broker.adminProperties();
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<Map<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config)) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, Duration.ofSeconds(5)).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                    if (key.equals(r.key())) {
                        Map<String, String> headers = new java.util.HashMap<>();
                        r.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
                        out.add(headers);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
