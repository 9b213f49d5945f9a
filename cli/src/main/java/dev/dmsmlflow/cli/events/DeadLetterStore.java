package dev.dmsmlflow.cli.events;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dead-letter topics ({@code dms.dlq.<service>}) read and replayed with the Kafka super user's login: {@link #list}
 * reads every dead letter from the beginning (without a consumer group: listing changes nothing), {@link #replay}
 * publishes a dead letter's original record (key, value, headers without the dead-letter ones) back to its original
 * topic, where the consumer's inbox makes it a no-op if that event was handled after all.
 */
public final class DeadLetterStore implements AutoCloseable {

    private final Map<String, Object> client;
    private KafkaProducer<byte[], byte[]> producer;

    /** {@code client}: bootstrap servers and login ({@code security.protocol}, {@code sasl.*}) of the operator. */
    public DeadLetterStore(Map<String, Object> client) {
        this.client = Map.copyOf(client);
    }

    /**
     * The dead letters of every dead-letter topic of the contracts, or of those {@code topic} names: a dead-letter topic
     * itself, or an original topic (the dead letters that came from it).
     */
    public List<DeadLetter> list(String topic) {
        List<String> dlqs = topic == null || !Topics.isDeadLetters(topic) ? TopicAccess.deadLetterTopics() : List.of(topic);
        List<DeadLetter> out = new ArrayList<>();
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            for (String dlq : dlqs) {
                List<PartitionInfo> infos = consumer.partitionsFor(dlq, Duration.ofSeconds(10));
                if (infos == null || infos.isEmpty()) {
                    continue;
                }
                List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(dlq, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(10));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                            DeadLetter d = DeadLetter.of(r);
                            if (topic == null || Topics.isDeadLetters(topic) || topic.equals(d.originalTopic())) {
                                out.add(d);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Publishes the original record of {@code letter} to its original topic; returns where it landed. */
    public RecordMetadata replay(DeadLetter letter) throws Exception {
        if (letter.originalTopic() == null || letter.originalTopic().isBlank()) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " names no original topic");
        }
        RecordHeaders headers = new RecordHeaders();
        for (Header h : letter.headers()) {
            if (!DeadLetters.isAdded(h.key())) {
                headers.add(h);
            }
        }
        headers.add(DeadLetters.REPLAYED_FROM, letter.coordinates().getBytes(StandardCharsets.UTF_8));
        // no partition: the key chooses it, as it chose the original's (the same partition while the count is unchanged)
        return producer().send(new ProducerRecord<>(letter.originalTopic(), null, letter.key(), letter.value(), headers)).get();
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>(client);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
            producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
