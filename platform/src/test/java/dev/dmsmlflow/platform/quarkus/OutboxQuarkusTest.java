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
