package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.infra.LocalKafkaCluster;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker dies for good under load, on the 3-broker cluster (the platform's {@code kafka-cluster} failsafe execution runs
 * this JVM with {@code -Ddms.test.kafka=cluster}): events go through the services' real path, the outbox in a transaction,
 * the relay's {@code acks=all} idempotent producer, SmallRye's connector and {@link EventConsumer} with the inbox
 * ({@link TestConsumer}). The leader of a partition of the topic is killed with SIGKILL and never started again while
 * publishing goes on; every event is handled exactly once (one row per event, one inbox row per id), in order per
 * aggregate, and the cluster serves with 2 of 3 brokers in sync, which {@code min.insync.replicas=2} still allows.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "platform"))
class BrokerLossClusterIT {

    static final String TOPIC = "platform-test.events";
    static final int AGGREGATES = 20;
    static final int BEFORE = 300;
    static final int AFTER = 300;
    static final EventCodec CODEC = new EventCodec();

    @Inject
    Outbox outbox;
    @Inject
    AgroalDataSource dataSource;

    @Test
    void aBrokerThatDiesForGoodLosesNoEventAndTheClusterServesWithTwoOfThree() throws Exception {
        Assumptions.assumeTrue(LocalInfraTestResource.clusterRequested(), "runs in the kafka-cluster execution only");
        LocalKafkaCluster cluster = LocalKafkaCluster.shared();
        String run = "loss-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> published = new LinkedHashMap<>(); // event id -> name

        publish(run, 0, BEFORE, published);
        assertTrue(ConsumerIT.until(() -> consumedCount(run), n -> n >= BEFORE / 2) >= BEFORE / 2, "consuming before the kill");

        LocalKafka victim = cluster.leaderOf(TOPIC, 0);
        long killedAt = System.nanoTime();
        victim.kill();
        assertFalse(victim.isRunning());
        publish(run, BEFORE, BEFORE + AFTER, published);

        int total = BEFORE + AFTER;
        long consumed = awaitConsumed(run, total, Duration.ofSeconds(180));
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        System.out.printf("broker loss: node %d killed; %d events handled, the last %.1f s after the kill%n",
                victim.nodeId(), consumed, seconds);
        assertEquals(total, consumed, "every event handled");

        // exactly once: one handled row per event, one inbox row per event id, nothing else
        Map<String, Integer> perName = new HashMap<>();
        Map<String, List<Integer>> orderPerAggregate = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT instance_id, name FROM test_consumed WHERE name LIKE ? ORDER BY seq")) {
            ps.setString(1, run + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    perName.merge(rs.getString(2), 1, Integer::sum);
                    orderPerAggregate.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(Integer.parseInt(rs.getString(2).substring(run.length() + 1)));
                }
            }
        }
        assertEquals(total, perName.size(), "distinct events handled");
        assertTrue(perName.values().stream().allMatch(n -> n == 1), "an event handled twice: " + perName);
        assertTrue(published.values().stream().allMatch(perName::containsKey), "every published event was handled");
        assertEquals(total, inboxRows(published), "one inbox row per event id");
        // redeliveries the inbox turned away (the meter counts every test of this JVM's consumer on the topic)
        ConsumerIT.metrics().lines().filter(l -> l.startsWith("dms_messaging_consumed_total{") && l.contains("topic=\"" + TOPIC + "\""))
                .forEach(l -> System.out.println("broker loss: " + l));
        orderPerAggregate.forEach((aggregate, seq) -> {
            for (int i = 1; i < seq.size(); i++) {
                assertTrue(seq.get(i) > seq.get(i - 1), aggregate + " out of order: " + seq);
            }
        });

        // the cluster serves with 2 of 3: the victim leads nothing, and every partition has 2 in sync (= min.insync.replicas)
        assertFalse(victim.isRunning(), "the broker stayed dead");
        assertTrue(cluster.awaitPartitions(TOPIC, p -> p.leader() != null && p.leader().id() != victim.nodeId()
                && p.isr().size() == 2, Duration.ofSeconds(60)), cluster.describe(TOPIC).toString());
        for (TopicPartitionInfo p : cluster.describe(TOPIC).partitions()) {
            assertEquals(3, p.replicas().size(), "still 3 assigned replicas");
            assertNotEquals(victim.nodeId(), p.leader().id());
            assertTrue(p.isr().stream().noneMatch(n -> n.id() == victim.nodeId()));
        }
    }

    /** Publishes events {@code from}..{@code to - 1} through the outbox, five per transaction, spread over the aggregates. */
    private void publish(String run, int from, int to, Map<String, String> published) {
        for (int start = from; start < to; start += 5) {
            int first = start;
            Map<String, String> batch = QuarkusTransaction.requiringNew().call(() -> {
                Map<String, String> ids = new LinkedHashMap<>();
                for (int n = first; n < Math.min(first + 5, to); n++) {
                    String aggregate = run + "-agg-" + (n % AGGREGATES);
                    String name = run + "-" + n;
                    InstanceUpdated event = new InstanceUpdated(aggregate, "ws-test", name, null, Instant.now());
                    UUID id = outbox.publish(TOPIC, aggregate, InstanceUpdated.TYPE, UUID.randomUUID(), CODEC.encode(event));
                    ids.put(id.toString(), name);
                }
                return ids;
            });
            published.putAll(batch);
        }
    }

    /** The events of {@code run} handled once {@code total} were, or when {@code timeout} passed. */
    private long awaitConsumed(String run, int total, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long n = consumedCount(run);
        while (n < total && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200); // polling the consumer's table: the condition waited on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            n = consumedCount(run);
        }
        return n;
    }

    private long consumedCount(String run) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(DISTINCT name) FROM test_consumed WHERE name LIKE ?")) {
            ps.setString(1, run + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long inboxRows(Map<String, String> published) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM inbox_event WHERE consumer = ? AND event_id = ANY (?)")) {
            ps.setString(1, TestConsumer.NAME);
            ps.setArray(2, c.createArrayOf("varchar", published.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
