package dev.dmsmlflow.bench;

import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.platform.outbox.OutboxEvent;
import dev.dmsmlflow.platform.outbox.OutboxRelay;
import dev.dmsmlflow.platform.outbox.OutboxWriter;
import dev.dmsmlflow.platform.outbox.RelaySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Relays N events through the real path (PostgreSQL outbox -> Debezium relay -> Kafka -> consumer) and
 * prints throughput from first commit to last consumption and the commit-to-consumer latency percentiles.
 * Options: --events N (100000) --writers W (4) --batch B events per transaction (20) --aggregates A (100)
 * --rate R offered events/s across all writers (0 = as fast as the writers can commit)
 * --poll-ms relay poll interval (20, the services' default) --warmup N events relayed first and not measured (20000) --throwaway (PostgreSQL without fsync; default durable).
 * Throughput is measured with an unpaced run; latency is meaningful at an offered rate the relay sustains,
 * since an unpaced run measures the queue the writers build up, not the relay.
 */
public final class OutboxBenchmark {

    public static void main(String[] args) throws Exception {
        int events = intOpt(args, "--events", 100_000);
        int writers = intOpt(args, "--writers", 4);
        int batch = intOpt(args, "--batch", 20);
        int aggregates = intOpt(args, "--aggregates", 100);
        int rate = intOpt(args, "--rate", 0);
        boolean throwAway = Arrays.asList(args).contains("--throwaway");

        Path dir = Files.createTempDirectory("dms-bench-outbox-");
        LocalPostgres pg = LocalPostgres.start(dir.resolve("pg"), 0, throwAway);
        // the settings as the server reports them, not as they were asked for
        System.out.printf("outbox benchmark: %d events, %d writers, %d events/transaction, %d aggregates, offered rate %s, PostgreSQL %s%n",
                events, writers, batch, aggregates, rate == 0 ? "unpaced" : rate + "/s", pg.durability());
        LocalKafka kafka = LocalKafka.shared();
        String db = "bench_outbox";
        pg.createDatabase(db);
        Flyway.configure().dataSource(pg.jdbcUrl(db), pg.username(), pg.password())
                .locations("classpath:db/platform").load().migrate();
        String topic = "bench.outbox." + System.currentTimeMillis();

        int warmup = intOpt(args, "--warmup", 20_000);
        int pollMs = intOpt(args, "--poll-ms", 20);
        // the benchmark's own topics: the Kafka super user creates them on first write
        Map<String, String> kafkaLogin = new java.util.HashMap<>();
        kafka.adminProperties().forEach((k, v) -> kafkaLogin.put(k, String.valueOf(v)));
        RelaySettings settings = RelaySettings.forJdbcUrl(db, pg.jdbcUrl(db), pg.username(), pg.password(), kafka.bootstrapServers())
                .withPollInterval(Duration.ofMillis(pollMs))
                .withClientProperties(kafkaLogin);
        try (OutboxRelay relay = new OutboxRelay(settings)) {
            relay.start();
            relay.awaitStreaming(Duration.ofSeconds(60));
            if (warmup > 0) {
                System.out.printf("warm-up: %d events (JIT, connections, topic metadata), not measured%n", warmup);
                runPhase(pg, db, kafka, topic + ".warmup", warmup, writers, batch, aggregates, rate, false);
            }
            runPhase(pg, db, kafka, topic, events, writers, batch, aggregates, rate, true);
        } finally {
            kafka.close();
            pg.close();
        }
    }

    private static void runPhase(LocalPostgres pg, String db, LocalKafka kafka, String topic, int events, int writers,
                                 int batch, int aggregates, int rate, boolean report) throws Exception {
        Map<String, Long> committedAt = new ConcurrentHashMap<>(events * 2);
        Map<String, Long> committedAtMillis = new ConcurrentHashMap<>(events * 2);
        long[] toRelayMillis = new long[events];
        long[] latenciesNanos = new long[events];
        int received = 0;
        long firstCommit;
        long lastReceive;
        Map<String, Object> consumerConfig = kafka.adminProperties();
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + topic);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            consumer.poll(Duration.ofMillis(200)); // join the group before the clock starts

            ExecutorService pool = Executors.newFixedThreadPool(writers);
            int perWriter = events / writers;
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    // each writer commits its share of the offered rate on a fixed schedule (no catch-up bursts)
                    long txIntervalNanos = rate == 0 ? 0 : (long) (1e9 * batch * writers / rate);
                    long nextTx = System.nanoTime();
                    try (Connection c = pg.connect(db)) {
                        c.setAutoCommit(false);
                        List<OutboxEvent> tx = new ArrayList<>(batch);
                        for (int i = 0; i < perWriter; i++) {
                            String aggregate = "agg-" + ((writer * perWriter + i) % aggregates);
                            UUID id = UUID.randomUUID();
                            tx.add(new OutboxEvent(id, topic, aggregate, "BenchEvent", "/bench", Instant.now(),
                                    "{\"writer\":" + writer + ",\"i\":" + i + "}"));
                            if (tx.size() == batch || i == perWriter - 1) {
                                if (txIntervalNanos > 0) {
                                    nextTx += txIntervalNanos;
                                    long wait = nextTx - System.nanoTime();
                                    if (wait > 0) {
                                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                                    }
                                }
                                OutboxWriter.appendAll(c, tx);
                                c.commit();
                                long now = System.nanoTime();
                                long nowMillis = System.currentTimeMillis();
                                for (OutboxEvent e : tx) {
                                    committedAt.put(e.id().toString(), now);
                                    committedAtMillis.put(e.id().toString(), nowMillis);
                                }
                                tx.clear();
                            }
                        }
                    }
                    return null;
                }));
            }
            firstCommit = start;
            lastReceive = start;
            int expected = perWriter * writers;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (received < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    String id = new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8);
                    Long at = committedAt.get(id);
                    // the consumer can see an event before the writer thread records its commit time
                    Long atMillis = committedAtMillis.get(id);
                    // the record's timestamp is the relay's send time: splits the latency into relay and Kafka parts
                    toRelayMillis[received] = atMillis == null ? 0 : Math.max(0, r.timestamp() - atMillis);
                    latenciesNanos[received++] = at == null ? 0 : Math.max(0, now - at);
                    lastReceive = now;
                }
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            if (!report) {
                return;
            }
            double seconds = (lastReceive - firstCommit) / 1e9;
            long[] sorted = Arrays.copyOf(latenciesNanos, received);
            Arrays.sort(sorted);
            System.out.printf("relayed %d/%d events in %.2f s: %.0f events/s commit-to-consumer%n",
                    received, expected, seconds, received / seconds);
            long[] relayPart = Arrays.copyOf(toRelayMillis, received);
            Arrays.sort(relayPart);
            System.out.printf("  of which commit->relay send: p50 %d ms, p99 %d ms%n", pct(relayPart, 50), pct(relayPart, 99));
            System.out.printf("latency commit->consumer: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    pct(sorted, 50) / 1e6, pct(sorted, 99) / 1e6, sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
        }
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static int intOpt(String[] args, String name, int def) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return def;
    }
}
