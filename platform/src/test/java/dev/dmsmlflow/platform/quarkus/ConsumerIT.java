package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalKafka;
import io.agroal.api.AgroalDataSource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The consumer shape every service uses, on the real broker: SmallRye's Kafka connector, the inbox in the handler's
 * transaction, retries in place, dead letters that never block a partition, the meters and the trace.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "platform"))
class ConsumerIT {

    static final String TOPIC = "platform-test.events";
    static final String BATCH_TOPIC = "platform-test.batch";
    static final String DLQ = Topics.deadLetters("platform-test");
    static final Duration WAIT = Duration.ofSeconds(60);
    static KafkaProducer<String, String> producer;
    static final EventCodec CODEC = new EventCodec();

    @Inject
    AgroalDataSource dataSource;
    @Inject
    InMemorySpanExporter spans;

    @BeforeAll
    static void connect() {
        Map<String, Object> p = LocalKafka.shared().adminProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    @AfterAll
    static void disconnect() {
        producer.close();
    }

    @Test
    void aTransientFailureIsRetriedInPlaceAndTheAggregatesOrderHolds() throws Exception {
        String id = "i-" + UUID.randomUUID();
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "fail-2"), null);
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "second"), null);
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "third"), null);
        assertEquals(List.of("fail-2", "second", "third"), until(() -> consumed(id), l -> l.size() >= 3));
        String metrics = metrics();
        assertTrue(metrics.contains("dms_messaging_retries_total{consumer=\"platform-test\",topic=\"" + TOPIC + "\",type=\"InstanceUpdated\"}"), metrics);
        assertTrue(metrics.contains("dms_messaging_consumed_total{consumer=\"platform-test\",outcome=\"handled\",topic=\"" + TOPIC + "\",type=\"InstanceUpdated\"}"));
        assertTrue(deadLetters().stream().noneMatch(r -> id.equals(r.key())), "nothing of " + id + " was dead-lettered");
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithReasonAndCoordinatesAndNeverBlockThePartition() throws Exception {
        String id = "i-" + UUID.randomUUID();
        String unknown = UUID.randomUUID().toString();
        String undecodable = UUID.randomUUID().toString();
        String failing = UUID.randomUUID().toString();
        send(id, unknown, "InstanceTeleported", "{\"instanceId\":\"" + id + "\"}", null);
        send(id, null, InstanceUpdated.TYPE, updated(id, "no id"), null);
        send(id, undecodable, InstanceUpdated.TYPE, "{\"instanceId\":\"" + id + "\"}", null);
        send(id, failing, InstanceUpdated.TYPE, updated(id, "fail-always"), null);
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "after the poison"), null);

        assertEquals(List.of("after the poison"), until(() -> consumed(id), l -> !l.isEmpty()));
        List<ConsumerRecord<String, String>> dead = until(() -> deadLetters().stream().filter(r -> id.equals(r.key())).toList(),
                l -> l.size() >= 4);
        assertEquals(4, dead.size(), dead.toString());
        Map<String, ConsumerRecord<String, String>> byKind = new HashMap<>();
        dead.forEach(r -> byKind.put(header(r, DeadLetters.KIND), r));
        assertEquals(java.util.Set.of("unknown-type", "incomplete", "undecodable", "failed"), byKind.keySet());

        ConsumerRecord<String, String> failed = byKind.get("failed");
        assertEquals(failing, header(failed, "ce_id"));
        assertEquals(InstanceUpdated.TYPE, header(failed, "ce_type"));
        assertEquals(TOPIC, header(failed, DeadLetters.TOPIC));
        assertTrue(Long.parseLong(header(failed, DeadLetters.OFFSET)) >= 0);
        assertTrue(Integer.parseInt(header(failed, DeadLetters.PARTITION)) >= 0);
        assertEquals("3", header(failed, DeadLetters.ATTEMPTS));
        assertEquals("platform-test", header(failed, DeadLetters.CONSUMER));
        assertTrue(header(failed, DeadLetters.REASON).contains("simulated lock timeout"), header(failed, DeadLetters.REASON));
        assertEquals(updated(id, "fail-always"), failed.value(), "the original value");
        assertTrue(header(byKind.get("unknown-type"), DeadLetters.REASON).contains("InstanceTeleported"));
        assertEquals(unknown, header(byKind.get("unknown-type"), "ce_id"));
        assertEquals(undecodable, header(byKind.get("undecodable"), "ce_id"));
        Instant.parse(header(failed, DeadLetters.DEAD_AT));

        String metrics = metrics();
        for (String reason : List.of("unknown-type", "incomplete", "undecodable", "failed")) {
            assertTrue(metrics.contains("dms_messaging_dead_letters_total{consumer=\"platform-test\",reason=\"" + reason + "\""), reason);
        }
        assertTrue(metrics.contains("type=\"InstanceTeleported\""));
    }

    @Test
    void aPollIsHandledTogetherAndAPoisonEventInItIsDeadLetteredAloneWhileTheRestKeepTheirOrder() throws Exception {
        String id = "i-" + UUID.randomUUID();
        String dup = UUID.randomUUID().toString();
        String poison = UUID.randomUUID().toString();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sendAsync(BATCH_TOPIC, id, i == 3 ? dup : UUID.randomUUID().toString(), "/a", updated(id, "e" + i));
            expected.add("e" + i + "@/a");
        }
        sendAsync(BATCH_TOPIC, id, dup, "/a", updated(id, "e3"));   // a redelivery: same source and id
        sendAsync(BATCH_TOPIC, id, dup, "/b", updated(id, "e3"));   // the same id from another source is another event
        expected.add("e3@/b");
        sendAsync(BATCH_TOPIC, id, poison, "/a", updated(id, "poison"));
        for (int i = 10; i < 15; i++) {
            sendAsync(BATCH_TOPIC, id, UUID.randomUUID().toString(), "/a", updated(id, "e" + i));
            expected.add("e" + i + "@/a");
        }
        producer.flush();
        assertEquals(expected, until(() -> consumed("b:" + id), l -> l.size() >= expected.size()));
        List<ConsumerRecord<String, String>> dead = until(() -> deadLetters().stream().filter(r -> id.equals(r.key())).toList(),
                l -> !l.isEmpty());
        assertEquals(1, dead.size(), dead.toString());
        assertEquals(poison, header(dead.get(0), "ce_id"));
        assertEquals(TestBatchConsumer.NAME, header(dead.get(0), DeadLetters.CONSUMER));
        assertEquals(BATCH_TOPIC, header(dead.get(0), DeadLetters.TOPIC));
        assertEquals(expected, consumed("b:" + id), "nothing handled twice");
    }

    @Test
    void aRedeliveryIsADuplicateAndATypeWithoutHandlerIsIgnoredNotDeadLettered() throws Exception {
        String id = "i-" + UUID.randomUUID();
        String eventId = UUID.randomUUID().toString();
        send(id, eventId, InstanceUpdated.TYPE, updated(id, "once"), null);
        send(id, eventId, InstanceUpdated.TYPE, updated(id, "once"), null);
        send(id, UUID.randomUUID().toString(), "InstanceRunning", "{}", null);
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "last"), null);
        assertEquals(List.of("once", "last"), until(() -> consumed(id), l -> l.size() >= 2));
        String metrics = metrics();
        assertTrue(metrics.contains("outcome=\"duplicate\",topic=\"" + TOPIC + "\",type=\"InstanceUpdated\""), metrics);
        assertTrue(metrics.contains("outcome=\"ignored\",topic=\"" + TOPIC + "\",type=\"InstanceRunning\""), metrics);
        assertTrue(deadLetters().stream().noneMatch(r -> id.equals(r.key())));
    }

    @Test
    void handlingContinuesTheRecordsTraceAndItsOutboxRowCarriesIt() throws Exception {
        String id = "i-" + UUID.randomUUID();
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String parentSpan = "00f067aa0ba902b7";
        send(id, UUID.randomUUID().toString(), InstanceUpdated.TYPE, updated(id, "publish"), "00-" + traceId + "-" + parentSpan + "-01");
        until(() -> consumed(id), l -> !l.isEmpty());

        SpanData handle = until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("handle InstanceUpdated") && s.getTraceId().equals(traceId)).findFirst().orElse(null), s -> s != null);
        // the connector's consumer span continues the record's context, and the handling is its child
        SpanData receive = spans.getFinishedSpanItems().stream().filter(s -> s.getSpanId().equals(handle.getParentSpanId()))
                .findFirst().orElseThrow(() -> new AssertionError("no parent span of " + handle + " in " + spans.getFinishedSpanItems()));
        assertEquals(traceId, receive.getTraceId());
        assertEquals(parentSpan, receive.getParentSpanId());

        String traceparent;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT traceparent FROM outbox_event WHERE aggregateid = ? AND type = 'InstanceUpdated'")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "the handler's outbox row");
                traceparent = rs.getString(1);
            }
        }
        assertEquals("00-" + traceId + "-" + handle.getSpanId() + "-01", traceparent);
        assertNotEquals(parentSpan, handle.getSpanId());
    }

    static String updated(String id, String name) {
        return CODEC.encode(new InstanceUpdated(id, "ws-test", name, null, Instant.parse("2026-01-01T00:00:00Z")));
    }

    static void send(String key, String id, String type, String payload, String traceparent) throws Exception {
        ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, key, payload);
        if (id != null) {
            r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
        }
        r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_source", "/platform-test".getBytes(StandardCharsets.UTF_8));
        if (traceparent != null) {
            r.headers().add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(r).get();
    }

    static void sendAsync(String topic, String key, String id, String source, String payload) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, payload);
        r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_type", InstanceUpdated.TYPE.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_source", source.getBytes(StandardCharsets.UTF_8));
        producer.send(r);
    }

    List<String> consumed(String id) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name FROM test_consumed WHERE instance_id = ? ORDER BY seq")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    static List<ConsumerRecord<String, String>> deadLetters() {
        Map<String, Object> p = LocalKafka.shared().adminProperties();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(DLQ, Duration.ofSeconds(5)).stream()
                    .map(i -> new TopicPartition(DLQ, i.partition())).toList();
            if (parts.isEmpty()) {
                return out;
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static <T> T until(ThrowingSupplier<T> value, java.util.function.Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = value.get();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        fail("not done after " + WAIT + ": " + last);
        return null;
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
