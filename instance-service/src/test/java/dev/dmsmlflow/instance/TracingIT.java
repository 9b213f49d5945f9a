package dev.dmsmlflow.instance;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import io.agroal.api.AgroalDataSource;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One trace across the bus: an HTTP request to create an instance, the InstanceRequested outbox row, the relay's
 * record on dms.instance, (network-service's answer carrying the trace on) the consumer's handling of it, and the saga
 * step that handling left, executed by the worker, with the event it publishes.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class TracingIT {

    static Bus bus;

    @Inject
    InMemorySpanExporter spans;
    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    @Test
    void aCreateRequestsTraceRunsThroughTheOutboxRowTheRecordAndTheConsumersHandling() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String callerSpan = "a1b2c3d4e5f60718";
        String ws = InstanceApiTest.workspace();
        String id = InstanceApiTest.as(ws).header("traceparent", "00-" + traceId + "-" + callerSpan + "-01")
                .contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post("/instances")
                .then().statusCode(201).extract().path("id");

        // the request's server span: a child of the caller's
        SpanData server = Eventually.get(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId)).findFirst().orElse(null),
                Duration.ofSeconds(30), "the request's server span");
        assertEquals(callerSpan, server.getParentSpanId());

        // the outbox row: the same trace
        String row = rowTraceparent(id);
        assertTrue(row.startsWith("00-" + traceId + "-"), row);

        // the Kafka record: the same trace, continued by the relay's producer span
        Bus.Received requested = bus.await("InstanceRequested", Bus.forInstance(id), Duration.ofSeconds(60));
        assertTrue(requested.traceparent().startsWith("00-" + traceId + "-"), requested.traceparent());
        String relaySpan = requested.traceparent().split("-")[2];
        SpanData relay = Eventually.get(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getSpanId().equals(relaySpan)).findFirst().orElse(null), Duration.ofSeconds(30), "the relay's span");
        assertEquals(SpanKind.PRODUCER, relay.getKind());
        assertEquals(row.split("-")[2], relay.getParentSpanId());

        // network-service answers in the same trace (its handling span's context in the record): instance-service's
        // consumer continues it, and its handling is a child of the connector's consumer span
        String networkSpan = "0a0b0c0d0e0f1011";
        bus.publish(new NetworkProvisionFailed(id, ws, NetworkFailureCode.VPC_NOT_FOUND, "no such VPC", Instant.now()),
                UUID.randomUUID().toString(), "00-" + traceId + "-" + networkSpan + "-01");
        SpanData handle = Eventually.get(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("handle NetworkProvisionFailed") && s.getTraceId().equals(traceId))
                .findFirst().orElse(null), Duration.ofSeconds(60), "the consumer's handling span");
        SpanData receive = spans.getFinishedSpanItems().stream().filter(s -> s.getSpanId().equals(handle.getParentSpanId()))
                .findFirst().orElseThrow();
        assertEquals(SpanKind.CONSUMER, receive.getKind());
        assertEquals(networkSpan, receive.getParentSpanId());

        // the cleanup step that event left is executed by the saga worker in the same trace, as a child of that handling;
        // what the step's outcome publishes (InstanceFailed) carries the trace on
        SpanData step = Eventually.get(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("saga step FAIL_CLEANUP") && s.getTraceId().equals(traceId))
                .findFirst().orElse(null), Duration.ofSeconds(60), "the saga worker's span of the cleanup step");
        assertEquals(handle.getSpanId(), step.getParentSpanId());
        Bus.Received failed = bus.await("InstanceFailed", Bus.forInstance(id), Duration.ofSeconds(60));
        assertTrue(failed.traceparent() != null && failed.traceparent().startsWith("00-" + traceId + "-"), failed.traceparent());
    }

    private String rowTraceparent(String id) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT traceparent FROM outbox_event WHERE aggregateid = ? AND type = 'InstanceRequested'")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "the InstanceRequested row of " + id);
                return rs.getString(1);
            }
        }
    }
}
