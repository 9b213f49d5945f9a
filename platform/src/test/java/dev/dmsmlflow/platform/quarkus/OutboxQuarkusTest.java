package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "platform"))
class OutboxQuarkusTest {

    @Test
    void readinessReportsDatabaseKafkaAndRelay() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("outbox-relay"))
                .body("checks.name", hasItem("kafka"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void publishedEventReachesKafkaOnlyWhenTheTransactionCommits() {
        String topic = "it.quarkus." + System.nanoTime();
        given().contentType(ContentType.JSON).post("/test/publish-then-fail/" + topic + "/order-1").then().statusCode(500);
        String eventId = given().contentType(ContentType.JSON)
                .body(Map.of("topic", topic, "aggregate", "order-2", "quantity", 3))
                .post("/test/publish").then().statusCode(200).extract().path("eventId");

        List<ConsumerRecord<String, String>> records = readAtLeast(topic, 1, Duration.ofSeconds(60));
        // the failed request published nothing; the committed one arrives with its CloudEvents headers
        assertEquals(1, records.size());
        ConsumerRecord<String, String> r = records.get(0);
        assertEquals("order-2", r.key());
        assertEquals(eventId, header(r, "ce_id"));
        assertEquals("OrderPlaced", header(r, "ce_type"));
        assertEquals("/platform-test", header(r, "ce_source"));
        assertEquals("{\"quantity\": 3}", r.value());
    }

    @Test
    void theRequestsTraceGoesThroughTheOutboxRowAndTheRelayIntoTheRecord() throws Exception {
        String topic = "it.traced." + System.nanoTime();
        String traceId = java.util.UUID.randomUUID().toString().replace("-", "");
        String callerSpan = "00f067aa0ba902b7";
        String eventId = given().contentType(ContentType.JSON).header("traceparent", "00-" + traceId + "-" + callerSpan + "-01")
                .body(Map.of("topic", topic, "aggregate", "order-t", "quantity", 1))
                .post("/test/publish").then().statusCode(200).extract().path("eventId");
        String rowTraceparent;
        try (var c = dataSource.getConnection();
             var ps = c.prepareStatement("SELECT traceparent FROM outbox_event WHERE id = ?::uuid")) {
            ps.setString(1, eventId);
            try (var rs = ps.executeQuery()) {
                org.junit.jupiter.api.Assertions.assertTrue(rs.next());
                rowTraceparent = rs.getString(1);
            }
        }
        // the row: the request's trace, the server span of the request (a child of the caller's)
        org.junit.jupiter.api.Assertions.assertTrue(rowTraceparent.startsWith("00-" + traceId + "-"), rowTraceparent);
        org.junit.jupiter.api.Assertions.assertFalse(rowTraceparent.contains(callerSpan));

        ConsumerRecord<String, String> r = readAtLeast(topic, 1, Duration.ofSeconds(60)).get(0);
        String recordTraceparent = header(r, "traceparent");
        // the record: the same trace, continued by the relay's producer span, a child of the row's span
        org.junit.jupiter.api.Assertions.assertTrue(recordTraceparent.startsWith("00-" + traceId + "-"), recordTraceparent);
        org.junit.jupiter.api.Assertions.assertNotEquals(rowTraceparent, recordTraceparent);
        String relaySpan = recordTraceparent.split("-")[2];
        String rowSpan = rowTraceparent.split("-")[2];
        var relay = ConsumerIT.until(() -> spans.getFinishedSpanItems().stream().filter(s -> s.getSpanId().equals(relaySpan))
                .findFirst().orElse(null), s -> s != null);
        assertEquals(topic + " publish", relay.getName());
        assertEquals(rowSpan, relay.getParentSpanId());
        assertEquals(io.opentelemetry.api.trace.SpanKind.PRODUCER, relay.getKind());
    }

    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;
    @jakarta.inject.Inject
    io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans;

    @Test
    void errorsAreProblemJsonNamingTheField() {
        given().contentType(ContentType.JSON)
                .body(Map.of("topic", "t", "aggregate", "a", "quantity", -5))
                .post("/test/publish").then()
                .statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("quantity")).body("status", equalTo(400));
        given().contentType(ContentType.JSON)
                .body("{\"topic\":\"t\",\"aggregate\":\"a\",\"quantity\":\"many\"}")
                .post("/test/publish").then()
                .statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("quantity"));
        given().contentType(ContentType.JSON).body("{not json").post("/test/publish").then()
                .statusCode(400).contentType("application/problem+json");
        given().get("/no/such/path").then().statusCode(404).contentType("application/problem+json");
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<String, String>> readAtLeast(String topic, int count, Duration timeout) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        Map<String, Object> config = LocalKafka.shared().adminProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "q-" + topic);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // a moment more, so an event that should not exist would show up
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
