package dev.dmsmlflow.platform.outbox;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxRelayIT {

    private static final int WRITERS = 4;
    private static final int EVENTS_PER_WRITER = 2_500;
    private static final int AGGREGATES = 100;

    @Test
    void everyCommittedEventReachesKafkaInCommitOrderPerAggregateAndNoRolledBackEventDoes() throws Exception {
        RelayFixture fx = new RelayFixture("relay_order");
        fx.createAggregates(AGGREGATES);
        try (OutboxRelay relay = new OutboxRelay(fx.settings());
             KafkaConsumer<String, String> consumer = fx.consumer("order-check")) {
            relay.start();
            relay.awaitStreaming(Duration.ofSeconds(60));

            Set<String> committed = Collections.synchronizedSet(new HashSet<>());
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<Integer>> rollbacks = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                rollbacks.add(pool.submit(() -> {
                    int rolledBack = 0;
                    try (Connection c = fx.connect()) {
                        int done = 0;
                        while (done < EVENTS_PER_WRITER) {
                            String aggregate = "agg-" + ThreadLocalRandom.current().nextInt(AGGREGATES);
                            boolean rollback = ThreadLocalRandom.current().nextInt(5) == 0;
                            String id = fx.writeEvent(c, aggregate, writer, rollback);
                            if (id == null) {
                                rolledBack++;
                            } else {
                                committed.add(id);
                                done++;
                            }
                        }
                    }
                    return rolledBack;
                }));
            }
            int rolledBack = 0;
            for (Future<Integer> f : rollbacks) {
                rolledBack += f.get();
            }
            pool.shutdown();
            assertEquals(WRITERS * EVENTS_PER_WRITER, committed.size());
            assertTrue(rolledBack > 0, "the run must interleave rolled-back transactions");

            List<RelayFixture.Received> received = fx.readUntil(consumer,
                    all -> all.size() >= committed.size(), Duration.ofSeconds(120));
            // anything relayed after the last committed event would be a rolled-back one: give it a moment to show
            received.addAll(fx.readUntil(consumer, all -> false, Duration.ofSeconds(2)));

            Set<String> ids = new HashSet<>();
            Map<String, Integer> lastSeq = new HashMap<>();
            for (RelayFixture.Received r : received) {
                var payload = r.payload();
                assertTrue(!payload.get("rolledBack").asBoolean(), "a rolled-back event reached Kafka: " + r.value());
                assertTrue(ids.add(r.eventId()), "duplicate event " + r.eventId());
                assertEquals(payload.get("id").asText(), r.eventId(), "ce_id header is the event id");
                assertEquals(payload.get("aggregate").asText(), r.key(), "record key is the aggregate id");
                assertEquals(r.key(), r.headers().get("ce_subject"));
                assertEquals("TestEvent", r.headers().get("ce_type"));
                assertEquals("/platform-test", r.headers().get("ce_source"));
                assertEquals("1.0", r.headers().get("ce_specversion"));
                Instant.parse(r.headers().get("ce_time"));
                int seq = payload.get("seq").asInt();
                int previous = lastSeq.getOrDefault(r.key(), 0);
                assertEquals(previous + 1, seq, "aggregate " + r.key() + " out of commit order");
                lastSeq.put(r.key(), seq);
            }
            assertEquals(committed, ids, "every committed event arrives exactly once");
        }
    }

    @Test
    void aSecondRelayOnTheSameSlotStandsByAndTakesOverWhenTheFirstStopsLosingNothing() throws Exception {
        RelayFixture fx = new RelayFixture("relay_standby");
        fx.createAggregates(10);
        try (KafkaConsumer<String, String> consumer = fx.consumer("standby-check");
             OutboxRelay second = new OutboxRelay(fx.settings())) {
            OutboxRelay first = new OutboxRelay(fx.settings());
            first.start();
            first.awaitStreaming(Duration.ofSeconds(60));
            second.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!second.standby() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(second.standby(), "the second replica's relay stands by: " + second.state() + " " + second.lastError());
            assertTrue(!first.standby() && first.state() == OutboxRelay.State.STREAMING);
            // readiness probes and standby retries ask over one connection per relay, not a new one each time
            Set<Integer> checkers = slotCheckers(fx);
            assertEquals(2, checkers.size(), "one slot-check connection per relay: " + checkers);
            for (int i = 0; i < 50; i++) {
                assertTrue(second.standby());
                assertTrue(!first.standby());
            }
            assertEquals(checkers, slotCheckers(fx), "the same connections answered every probe");

            Set<String> committed = write(fx, 200);
            List<RelayFixture.Received> before = fx.readUntil(consumer, all -> ids(all).containsAll(committed), Duration.ofSeconds(60));
            assertTrue(ids(before).containsAll(committed), "every event of the streaming replica arrived");
            assertEquals(committed.size(), before.size(), "one reader: each event once");

            first.close(); // the streaming replica stops (or dies): the standby takes the slot over
            second.awaitStreaming(Duration.ofSeconds(60));
            Set<String> after = write(fx, 200);
            List<RelayFixture.Received> rest = fx.readUntil(consumer, all -> ids(all).containsAll(after), Duration.ofSeconds(60));
            assertTrue(ids(rest).containsAll(after), "every event written after the take-over arrived");
        }
    }

    /** Backend pids of the relays' slot-check connections to the fixture's database. */
    private static Set<Integer> slotCheckers(RelayFixture fx) throws Exception {
        Set<Integer> pids = new HashSet<>();
        try (Connection c = fx.connect();
             PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?"
                     + " AND datname = current_database()")) {
            ps.setString(1, OutboxRelay.SLOT_CHECK_APPLICATION);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
        }
        return pids;
    }

    private static Set<String> write(RelayFixture fx, int n) throws Exception {
        Set<String> committed = new HashSet<>();
        try (Connection c = fx.connect()) {
            while (committed.size() < n) {
                String id = fx.writeEvent(c, "agg-" + ThreadLocalRandom.current().nextInt(10), 0, false);
                if (id != null) {
                    committed.add(id);
                }
            }
        }
        return committed;
    }

    private static Set<String> ids(List<RelayFixture.Received> received) {
        Set<String> ids = new HashSet<>();
        received.forEach(r -> ids.add(r.eventId()));
        return ids;
    }
}
