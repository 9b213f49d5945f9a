package dev.dmsmlflow.platform.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.infra.LocalSecrets;
import dev.dmsmlflow.infra.ServiceAccount;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** A fresh service-like database with the platform migrations, and helpers to write and read events. */
final class RelayFixture {

    static final ObjectMapper JSON = new ObjectMapper();

    final LocalPostgres pg = LocalPostgres.shared();
    final LocalKafka kafka = LocalKafka.shared();
    final String database;
    final String topic;
    /** The service-like login role owning the database: may replicate it, nothing more (no superuser). */
    final String user;
    final String password = LocalSecrets.generatePassword();

    RelayFixture(String name) {
        database = LocalPostgres.uniqueDatabaseName(name);
        user = database;
        topic = "it." + database;
        pg.ensureRole(user, password, EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
        pg.createDatabase(database, user);
        Flyway.configure()
                .dataSource(pg.jdbcUrl(database), user, password)
                .locations("classpath:db/platform", "classpath:db/platformtest")
                .load()
                .migrate();
    }

    RelaySettings settings() {
        // the test topics are new ones: the Kafka super user creates them on first write
        return RelaySettings.forJdbcUrl(database, pg.jdbcUrl(database), user, password, kafka.bootstrapServers())
                .withClientProperties(kafkaProperties());
    }

    /** The super user's client properties as strings. */
    Map<String, String> kafkaProperties() {
        Map<String, String> p = new HashMap<>();
        kafka.adminProperties().forEach((k, v) -> p.put(k, String.valueOf(v)));
        return p;
    }

    Connection connect() throws SQLException {
        return pg.connect(database, user, password);
    }

    void createAggregates(int count) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO test_aggregate (id) VALUES (?)")) {
            for (int i = 0; i < count; i++) {
                ps.setString(1, "agg-" + i);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * In one transaction: takes the aggregate's next sequence number (the row lock orders transactions of one
     * aggregate exactly as they commit) and writes an outbox event carrying it. Returns the event id if
     * committed, or null if {@code rollback} asked for a rollback.
     */
    String writeEvent(Connection c, String aggregate, int writer, boolean rollback) throws SQLException {
        c.setAutoCommit(false);
        int seq;
        try (PreparedStatement ps = c.prepareStatement("UPDATE test_aggregate SET seq = seq + 1 WHERE id = ? RETURNING seq")) {
            ps.setString(1, aggregate);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                seq = rs.getInt(1);
            }
        }
        UUID id = UUID.randomUUID();
        String payload = "{\"id\":\"" + id + "\",\"aggregate\":\"" + aggregate + "\",\"seq\":" + seq
                + ",\"writer\":" + writer + ",\"rolledBack\":" + rollback + "}";
        OutboxWriter.append(c, new OutboxEvent(id, topic, aggregate, "TestEvent", "/platform-test",
                java.time.Instant.now(), payload));
        if (rollback) {
            c.rollback();
            return null;
        }
        c.commit();
        return id.toString();
    }

    /** A record as a consumer sees it. */
    record Received(String key, String value, Map<String, String> headers, int partition, long offset) {
        JsonNode payload() {
            try {
                return JSON.readTree(value);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        String eventId() {
            return headers.get("ce_id");
        }
    }

    KafkaConsumer<String, String> consumer(String group) {
        Map<String, Object> config = kafka.adminProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    static List<Received> poll(KafkaConsumer<String, String> consumer) {
        List<Received> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
            Map<String, String> headers = new HashMap<>();
            for (Header h : r.headers()) {
                headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
            out.add(new Received(r.key(), r.value(), headers, r.partition(), r.offset()));
        }
        return out;
    }

    /** Reads until {@code done} holds for everything read so far, or the timeout passes. */
    List<Received> readUntil(KafkaConsumer<String, String> consumer, Predicate<List<Received>> done, Duration timeout) {
        List<Received> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(all) && System.nanoTime() < deadline) {
            all.addAll(poll(consumer));
        }
        return all;
    }
}
