package dev.dmsmlflow.billing.support;

import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.infra.LocalKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The tests' side of the real broker for billing: publishes usage readings as instance-service and notebook-service do
 * (their own principals, CloudEvents headers, key = meter id), replays the whole usage topic, and tells when
 * billing-service's consumer group has committed everything on it.
 */
public final class UsageBus implements AutoCloseable {

    /** One reading with the envelope it travels in. */
    public record Sent(String source, String id, UsageMetered event) {
    }

    /** billing-service's dead-letter topic. */
    public static final String DEAD_LETTERS = "dms.dlq.billing-service";

    private static final EventCodec CODEC = new EventCodec();
    private final LocalKafka kafka = LocalKafka.shared();
    private final KafkaProducer<String, String> instances = producer(kafka.clientProperties(TopicAccess.INSTANCE_SERVICE));
    private final KafkaProducer<String, String> notebooks = producer(kafka.clientProperties(TopicAccess.NOTEBOOK_SERVICE));
    private final Admin admin = Admin.create(kafka.adminProperties());

    /** The envelope a producer gives a reading: its own source, the meter id as the event id (as instance-service does). */
    public static Sent envelope(UsageMetered m) {
        String source = m.subjectType() == UsageSubjectType.NOTEBOOK_SESSION ? "/notebook-service" : "/instance-service";
        return new Sent(source, m.meterId(), m);
    }

    /**
     * Sends every reading (in the list's order) and waits until the broker has acknowledged all of them. Returns, per
     * partition of the usage topic, the reading at its highest offset (a consumer that handled it handled all before it there).
     */
    public Map<Integer, Sent> send(List<Sent> readings) {
        List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>(readings.size());
        for (Sent s : readings) {
            ProducerRecord<String, String> r = new ProducerRecord<>(Topics.USAGE, s.event().meterId(), CODEC.encode(s.event()));
            header(r, "ce_id", s.id());
            header(r, "ce_type", UsageMetered.TYPE);
            header(r, "ce_source", s.source());
            header(r, "ce_specversion", "1.0");
            header(r, "ce_time", Instant.now().toString());
            header(r, "ce_subject", s.event().meterId());
            acks.add((s.source().equals("/notebook-service") ? notebooks : instances).send(r));
        }
        instances.flush();
        notebooks.flush();
        Map<Integer, Sent> last = new HashMap<>();
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (int i = 0; i < acks.size(); i++) {
            try {
                RecordMetadata m = acks.get(i).get();
                if (m.offset() >= lastOffset.getOrDefault(m.partition(), -1L)) {
                    lastOffset.put(m.partition(), m.offset());
                    last.put(m.partition(), readings.get(i));
                }
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException("a reading was not acknowledged", e);
            }
        }
        return last;
    }

    /**
     * Replays the whole usage topic: reads every record from the start with a group of its own and sends each again,
     * unchanged (key, value, headers), as an operator resetting offsets or re-feeding a topic would. Returns how many.
     */
    public long replayAll() {
        Map<TopicPartition, Long> end = endOffsets();
        Properties c = new Properties();
        c.putAll(kafka.adminProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing-replay-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Properties p = new Properties();
        p.putAll(kafka.adminProperties());
        long n = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
             KafkaProducer<String, String> producer = producerWith(p)) {
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            Map<TopicPartition, Long> at = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (end.entrySet().stream().anyMatch(e -> at.getOrDefault(e.getKey(), 0L) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the replay did not reach the end of " + Topics.USAGE);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue;
                    }
                    at.put(tp, r.offset() + 1);
                    ProducerRecord<String, String> again = new ProducerRecord<>(r.topic(), r.key(), r.value());
                    r.headers().forEach(h -> again.headers().add(h.key(), h.value()));
                    producer.send(again);
                    n++;
                }
            }
            producer.flush();
        }
        return n;
    }

    /** Every record now on billing-service's dead-letter topic ({@value #DEAD_LETTERS}), read from its start. */
    public List<ConsumerRecord<String, String>> deadLetters() {
        Properties c = new Properties();
        c.putAll(kafka.adminProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing-dlq-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> partitions = consumer.partitionsFor(DEAD_LETTERS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + DEAD_LETTERS + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Whether billing-service's group has committed every record now on the usage topic. */
    public boolean drained() {
        Map<TopicPartition, Long> end = endOffsets();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(TopicAccess.BILLING_SERVICE)
                    .partitionsToOffsetAndMetadata().get();
            return end.entrySet().stream().allMatch(e -> {
                OffsetAndMetadata o = committed.get(e.getKey());
                return e.getValue() == 0 || (o != null && o.offset() >= e.getValue());
            });
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<TopicPartition, Long> endOffsets() {
        try {
            int partitions = admin.describeTopics(List.of(Topics.USAGE)).allTopicNames().get().get(Topics.USAGE).partitions().size();
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                ask.put(new TopicPartition(Topics.USAGE, i), OffsetSpec.latest());
            }
            return admin.listOffsets(ask).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A group of readings by some key, for expectations. */
    public static <K> Map<K, List<Sent>> by(List<Sent> readings, Function<Sent, K> key) {
        return readings.stream().collect(Collectors.groupingBy(key));
    }

    private static void header(ProducerRecord<String, String> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> props) {
        Properties p = new Properties();
        p.putAll(props);
        return producerWith(p);
    }

    private static KafkaProducer<String, String> producerWith(Properties p) {
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        return new KafkaProducer<>(p);
    }

    @Override
    public void close() {
        instances.close();
        notebooks.close();
        admin.close();
    }
}
