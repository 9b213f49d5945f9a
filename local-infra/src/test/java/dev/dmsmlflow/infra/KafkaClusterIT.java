package dev.dmsmlflow.infra;

import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 3-broker cluster: every contracts' topic on 3 brokers with {@code min.insync.replicas=2}, the single broker's
 * principals and ACLs on every node, and a broker killed with SIGKILL and started again rejoins (its partitions' ISR is
 * back to 3) after writes went on without it.
 */
class KafkaClusterIT {

    private final LocalKafkaCluster cluster = LocalKafkaCluster.shared();

    @Test
    void everyContractTopicHasThreeReplicasInSyncAndNeedsTwoForAWrite() throws Exception {
        assertEquals(3, cluster.nodes().size());
        try (Admin admin = Admin.create(cluster.adminProperties())) {
            assertEquals(3, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size(), "three brokers serve");
            for (String topic : TopicAccess.topics()) {
                TopicDescription d = cluster.describe(topic);
                for (TopicPartitionInfo p : d.partitions()) {
                    assertEquals(3, p.replicas().size(), topic + "-" + p.partition() + " replicas");
                    assertEquals(3, p.isr().size(), topic + "-" + p.partition() + " in sync");
                }
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
                assertEquals("2", config.get("min.insync.replicas").value(), topic);
            }
            // the group coordinator's own topic is replicated too: a consumer group outlives its broker
            String group = "cluster-it-" + UUID.randomUUID();
            read(cluster.adminProperties(), Topics.INSTANCE, group, "no-such-marker", Duration.ofSeconds(2));
            assertEquals(3, cluster.describe("__consumer_offsets").partitions().get(0).replicas().size());
        }
    }

    @Test
    void theServicesPrincipalsAndAclsHoldOnEveryNode() throws Exception {
        for (LocalKafka node : cluster.nodes()) {
            Map<String, Object> network = node.clientProperties(TopicAccess.NETWORK_SERVICE); // this node alone as bootstrap
            send(network, Topics.NETWORK, "its own topic via node " + node.nodeId());
            ExecutionException forged = assertThrows(ExecutionException.class, () -> send(network, Topics.INSTANCE, "forged"));
            assertInstanceOf(TopicAuthorizationException.class, forged.getCause(), "node " + node.nodeId());
        }
    }

    @Test
    void aBrokerKilledAndStartedAgainRejoinsAndCatchesUp() throws Exception {
        String topic = Topics.BILLING;
        LocalKafka victim = cluster.leaderOf(topic, 0);
        victim.kill();
        assertTrue(cluster.awaitPartitions(topic, p -> p.leader() != null && p.leader().id() != victim.nodeId()
                && p.isr().size() == 2, Duration.ofSeconds(60)), "the two others lead, 2 in sync: " + cluster.describe(topic));

        List<String> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String marker = "while-down-" + i + "-" + UUID.randomUUID();
            send(cluster.adminProperties(), topic, marker); // acks=all with 2 of 3 in sync: min.insync.replicas holds
            written.add(marker);
        }

        victim.start();
        assertTrue(cluster.awaitPartitions(topic, p -> p.isr().size() == 3, Duration.ofSeconds(90)),
                "back in sync on every partition: " + cluster.describe(topic));
        // the restarted node serves what was written without it, alone as bootstrap
        Set<String> read = new HashSet<>(read(victim.adminProperties(), topic, "cluster-it-" + UUID.randomUUID(),
                written.get(written.size() - 1), Duration.ofSeconds(60)));
        assertTrue(read.containsAll(written), "every record written while it was down");
    }

    private static void send(Map<String, Object> client, String topic, String value) throws Exception {
        Map<String, Object> p = new java.util.HashMap<>(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), value)).get(60, TimeUnit.SECONDS);
        }
    }

    /** Reads {@code topic} from the start until {@code until} was read or {@code timeout} passed. */
    private static List<String> read(Map<String, Object> client, String topic, String group, String until, Duration timeout) {
        Map<String, Object> p = new java.util.HashMap<>(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !values.contains(until)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            consumer.commitSync();
        }
        return values;
    }
}
