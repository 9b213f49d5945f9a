package dev.dmsmlflow.notebook.support;

import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.LocalKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Publishes instance events to the real broker as instance-service would (its principal, CloudEvents headers, key = instance id). */
public final class InstanceBus implements AutoCloseable {

    private static final EventCodec CODEC = new EventCodec();
    private final KafkaProducer<String, String> producer;

    public InstanceBus() {
        Properties p = new Properties();
        p.putAll(LocalKafka.shared().clientProperties(TopicAccess.INSTANCE_SERVICE));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p);
    }

    public String publish(Event event) {
        return publish(event, UUID.randomUUID().toString());
    }

    public String publish(Event event, String eventId) {
        ProducerRecord<String, String> r = new ProducerRecord<>(event.aggregateType().topic(), event.aggregateId(), CODEC.encode(event));
        r.headers().add("ce_id", bytes(eventId));
        r.headers().add("ce_type", bytes(event.eventType()));
        r.headers().add("ce_source", bytes("/instance-service"));
        r.headers().add("ce_time", bytes(Instant.now().toString()));
        r.headers().add("ce_subject", bytes(event.aggregateId()));
        r.headers().add("ce_specversion", bytes("1.0"));
        try {
            producer.send(r).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("publishing failed", e);
        }
        return eventId;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
