package dev.dmsmlflow.platform.outbox;

import dev.dmsmlflow.platform.inbox.Inbox;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay and the broker fail; nothing committed is lost and the inbox makes redelivery harmless. */
class RelayFaultsIT {

    private static final String CONSUMER = "fault-test-consumer";

    @Test
    void relayKilledMidStreamLosesNothingAndInboxRunsEachHandlerOnce() throws Exception {
        RelayFixture fx = new RelayFixture("relay_crash");
        fx.createAggregates(50);
        Set<String> committed = Collections.synchronizedSet(new HashSet<>());
        Process relay = forkRelay(fx);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<?> writer = pool.submit(() -> writeUntilStopped(fx, writing, committed, 6_000, 0));
        int handled;
        try (KafkaConsumer<String, String> consumer = fx.consumer("crash-check")) {
            // consume until the stream is well under way, then kill the relay JVM without warning
            List<RelayFixture.Received> firstPart = fx.readUntil(consumer, all -> all.size() >= 1_500, Duration.ofSeconds(90));
            assertTrue(firstPart.size() >= 1_500, "relay streamed before the crash");
            relay.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertTrue(!relay.isAlive());
            int handledBefore = handleAll(fx, firstPart);

            relay = forkRelay(fx);
            writer.get(5, TimeUnit.MINUTES);
            Set<String> seenIds = receivedIds(firstPart, List.of());
            int[] seen = {0};
            List<RelayFixture.Received> rest = fx.readUntil(consumer, all -> {
                for (; seen[0] < all.size(); seen[0]++) {
                    seenIds.add(all.get(seen[0]).eventId());
                }
                return seenIds.containsAll(committed);
            }, Duration.ofSeconds(120));
            handled = handledBefore + handleAll(fx, rest);

            Set<String> ids = receivedIds(firstPart, rest);
            assertTrue(ids.containsAll(committed), "lost " + (committed.size() - intersection(ids, committed)) + " events");
            int deliveries = firstPart.size() + rest.size();
            System.out.printf("relay crash: %d committed, %d delivered (%d redelivered), %d handled%n",
                    committed.size(), deliveries, deliveries - ids.size(), handled);
        } finally {
            writing.set(false);
            relay.destroyForcibly();
            pool.shutdownNow();
        }
        assertEquals(committed.size(), handled, "the handler ran once per committed event");
        assertEquals(committed.size(), countHandled(fx, "runs = 1"));
        assertEquals(0, countHandled(fx, "runs > 1"));

        // a second consumer group replays the whole topic: every event is a redelivery and changes nothing
        try (KafkaConsumer<String, String> replay = fx.consumer("crash-replay")) {
            List<RelayFixture.Received> again = fx.readUntil(replay,
                    all -> receivedIds(List.of(), all).containsAll(committed), Duration.ofSeconds(60));
            assertEquals(0, handleAll(fx, again));
        }
        assertEquals(0, countHandled(fx, "runs > 1"));
    }

    @Test
    void brokerDownForThirtySecondsWhileWritersCommitLosesNothing() throws Exception {
        RelayFixture fx = new RelayFixture("relay_outage");
        fx.createAggregates(20);
        Set<String> committed = Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (OutboxRelay relay = new OutboxRelay(fx.settings());
             KafkaConsumer<String, String> consumer = fx.consumer("outage-check")) {
            relay.start();
            relay.awaitStreaming(Duration.ofSeconds(60));
            Future<?> writer = pool.submit(() -> writeUntilStopped(fx, writing, committed, Integer.MAX_VALUE, 1_000_000));
            // what the consumer read before the outage counts too: whether it reads those again afterwards depends on
            // whether its group membership outlived the broker's restart (a rebalance starts it from the beginning)
            List<RelayFixture.Received> beforeOutage = fx.readUntil(consumer, all -> all.size() >= 200, Duration.ofSeconds(60));

            fx.kafka.stop();
            int committedBeforeOutage = committed.size();
            try {
                writer.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the writer stopped during the outage");
            } catch (java.util.concurrent.TimeoutException stillWriting) {
                // the broker stayed away for 30 s and the writer kept committing
            }
            int committedDuringOutage = committed.size() - committedBeforeOutage;
            fx.kafka.start();
            writing.set(false);
            writer.get(1, TimeUnit.MINUTES); // rethrows if any commit ever failed
            assertTrue(committedDuringOutage > 0, "writers committed while Kafka was down");

            Set<String> ids = new HashSet<>();
            beforeOutage.forEach(r -> ids.add(r.eventId()));
            int[] seen = {0};
            fx.readUntil(consumer, all -> {
                for (; seen[0] < all.size(); seen[0]++) {
                    ids.add(all.get(seen[0]).eventId());
                }
                return ids.size() >= committed.size() && ids.containsAll(committed);
            }, Duration.ofSeconds(180));
            assertTrue(ids.containsAll(committed), "lost " + (committed.size() - intersection(ids, committed)) + " events (relay "
                    + relay.state() + ", " + relay.relayedCount() + " relayed, last error " + relay.lastError() + ")");
            System.out.printf("broker outage: %d committed (%d while Kafka was down), all delivered%n",
                    committed.size(), committedDuringOutage);
        } finally {
            writing.set(false);
            pool.shutdownNow();
            if (!fx.kafka.isRunning()) {
                fx.kafka.start();
            }
        }
    }

    /** Commits events (every seventh transaction rolls back) until stopped; {@code pauseNanos} paces the writer. */
    private static void writeUntilStopped(RelayFixture fx, AtomicBoolean writing, Set<String> committed, int max, long pauseNanos) {
        try (Connection c = fx.connect()) {
            int i = 0;
            while (writing.get() && committed.size() < max) {
                String aggregate = "agg-" + ThreadLocalRandom.current().nextInt(20);
                String id = fx.writeEvent(c, aggregate, 0, i++ % 7 == 3);
                if (id != null) {
                    committed.add(id);
                }
                if (pauseNanos > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The consumer side: each event in the handler's own transaction, deduplicated by the inbox. */
    private static int handleAll(RelayFixture fx, List<RelayFixture.Received> records) throws SQLException {
        int ran = 0;
        try (Connection c = fx.connect()) {
            c.setAutoCommit(false);
            for (RelayFixture.Received r : records) {
                if (Inbox.firstDelivery(c, CONSUMER, r.eventId())) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO test_handled (event_id, runs) VALUES (?, 1) "
                            + "ON CONFLICT (event_id) DO UPDATE SET runs = test_handled.runs + 1")) {
                        ps.setString(1, r.eventId());
                        ps.executeUpdate();
                    }
                    ran++;
                }
                c.commit();
            }
        }
        return ran;
    }

    private static int countHandled(RelayFixture fx, String condition) throws SQLException {
        try (Connection c = fx.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM test_handled WHERE " + condition)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Set<String> receivedIds(List<RelayFixture.Received> a, List<RelayFixture.Received> b) {
        Set<String> ids = new HashSet<>();
        a.forEach(r -> ids.add(r.eventId()));
        b.forEach(r -> ids.add(r.eventId()));
        return ids;
    }

    private static int intersection(Set<String> a, Set<String> b) {
        Set<String> copy = new HashSet<>(a);
        copy.retainAll(b);
        return copy.size();
    }

    /** Starts {@link RelayMain} in a child JVM and waits until it streams. */
    private static Process forkRelay(RelayFixture fx) throws Exception {
        RelaySettings s = fx.settings();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                RelayMain.class.getName(), s.slotName(), s.jdbcUrl(), s.dbUser(), s.bootstrapServers()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // secrets through the environment, never the command line
        pb.environment().put("DMS_DB_PASSWORD", s.dbPassword());
        pb.environment().put("DMS_KAFKA_USER", dev.dmsmlflow.infra.LocalKafka.ADMIN);
        pb.environment().put("DMS_KAFKA_PASSWORD", fx.kafka.password(dev.dmsmlflow.infra.LocalKafka.ADMIN));
        Process p = pb.start();
        CountDownLatch streaming = new CountDownLatch(1);
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("RELAY STREAMING")) {
                        streaming.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process was killed
            }
        }, "relay-child-output");
        drain.setDaemon(true);
        drain.start();
        if (!streaming.await(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("forked relay did not start streaming");
        }
        return p;
    }
}
