package dev.dmsmlflow.infra;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.TopicConfig;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalInfraIT {

    @Test
    void postgresRunsWithLogicalDecodingAndCreatesDatabases() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String db = LocalPostgres.uniqueDatabaseName("infra");
        pg.createDatabase(db);
        pg.createDatabase(db); // idempotent
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            assertEquals("logical", rs.getString(1));
        }
        pg.dropDatabase(db);
    }

    @Test
    void kafkaBrokerKeepsItsDataAcrossStopAndStart() {
        LocalKafka kafka = LocalKafka.shared();
        String topic = "infra-" + System.nanoTime();
        send(kafka, topic, "before");
        kafka.stop();
        assertTrue(!kafka.isRunning());
        kafka.start();
        send(kafka, topic, "after");
        assertEquals(List.of("before", "after"), readAll(kafka, topic, 2));
    }

    @Test
    void everyTopicOfTheContractsExistsWithItsConfiguredPartitionsAndAnOlderSmallerTopicGrows() throws Exception {
        LocalKafka kafka = LocalKafka.shared();
        TopicConfig config = TopicConfig.load(name -> null);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.adminProperties())) {
            Map<String, org.apache.kafka.clients.admin.TopicDescription> topics =
                    admin.describeTopics(TopicAccess.topics()).allTopicNames().get(30, java.util.concurrent.TimeUnit.SECONDS);
            for (String topic : TopicAccess.topics()) {
                assertEquals(config.partitions(topic), topics.get(topic).partitions().size(), topic);
            }
            assertTrue(topics.get(dev.dmsmlflow.contracts.Topics.INSTANCE).partitions().size() > 1, "ordering is per key, not per topic");

            // a topic made before the configuration (one partition) is grown to what is configured, never shrunk
            String old = "dms.old-" + java.util.UUID.randomUUID();
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(old, 1, (short) 1))).all().get();
            LocalKafka.ensureTopics(admin, Map.of(old, 3), 1, 1);
            assertEquals(3, admin.describeTopics(List.of(old)).allTopicNames().get().get(old).partitions().size());
            LocalKafka.ensureTopics(admin, Map.of(old, 2), 1, 1);
            assertEquals(3, admin.describeTopics(List.of(old)).allTopicNames().get().get(old).partitions().size());
        }
    }

    private static void send(LocalKafka kafka, String topic, String value) {
        Map<String, Object> config = kafka.adminProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> p = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(topic, "k", value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> readAll(LocalKafka kafka, String topic, int expected) {
        List<String> values = new ArrayList<>();
        Map<String, Object> config = kafka.adminProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }
}
