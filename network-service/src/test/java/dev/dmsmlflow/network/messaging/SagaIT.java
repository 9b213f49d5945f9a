package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.Kafka;
import dev.dmsmlflow.network.support.RawHttp;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The saga through the real broker and the real relay: instance events in, network events out. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class SagaIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    Kafka kafka;

    /** The management interface's root ({@code …/q/}). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @BeforeEach
    void connect() {
        kafka = new Kafka();
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    private static long count(List<Kafka.Received> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).count();
    }

    private static Kafka.Received only(List<Kafka.Received> events, String type) {
        List<Kafka.Received> of = events.stream().filter(e -> e.type().equals(type)).toList();
        assertEquals(1, of.size(), type + " in " + events);
        return of.get(0);
    }

    @Test
    void provisionRegisterAndReleaseThroughKafkaWithRedeliveriesChangingNothing() throws Exception {
        String id = Fixtures.newInstanceId();
        InstanceRequested requested = Fixtures.requested(id);
        String eventId = kafka.send(requested);
        List<Kafka.Received> events = kafka.networkEvents(id, l -> count(l, NetworkProvisioned.TYPE) >= 1, WAIT);
        Kafka.Received provisioned = only(events, NetworkProvisioned.TYPE);
        assertEquals(List.of(), EventSchemas.validate(NetworkProvisioned.TYPE, provisioned.payload()));
        String address = provisioned.payload().get("vpcAddress").asText();
        int port = provisioned.payload().get("vpcPort").asInt();
        assertEquals("alb-" + id, provisioned.payload().get("loadBalancerId").asText());

        // the same record again (a redelivery): nothing new
        kafka.send(eventId, InstanceRequested.TYPE, id, new dev.dmsmlflow.contracts.EventCodec().encode(requested));
        // the same request re-sent under a new event id: the same answer, no second load balancer
        kafka.send(requested);
        events = kafka.networkEvents(id, l -> count(l, NetworkProvisioned.TYPE) >= 2, WAIT);
        assertEquals(2, count(events, NetworkProvisioned.TYPE), events.toString());
        events.stream().filter(e -> e.type().equals(NetworkProvisioned.TYPE))
                .forEach(e -> assertEquals(port, e.payload().get("vpcPort").asInt()));
        ServiceTokens.viewerOf(Fixtures.WORKSPACE).queryParam("pageSize", 1000).when().get("/networks").then().statusCode(200)
                .body("items.instanceId", org.hamcrest.Matchers.hasItem(id));

        try (EchoBackend backend = new EchoBackend()) {
            String deployedId = kafka.send(Fixtures.deployed(id, backend.port()));
            events = kafka.networkEvents(id, l -> count(l, BackendRegistered.TYPE) >= 1, WAIT);
            Kafka.Received registered = only(events, BackendRegistered.TYPE);
            assertEquals(List.of(), EventSchemas.validate(BackendRegistered.TYPE, registered.payload()));
            assertEquals(backend.port(), registered.payload().get("backend").get("port").asInt());
            kafka.send(deployedId, "InstanceDeployed", id,
                    new dev.dmsmlflow.contracts.EventCodec().encode(Fixtures.deployed(id, backend.port())));

            ServiceTokens.editorOf(Fixtures.WORKSPACE).contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1"))
                    .when().post("/networks/" + id + "/acl/entries")
                    .then().statusCode(200);
            assertEquals(200, RawHttp.get("127.0.0.1", address, port, "/health").status());
            assertEquals(403, RawHttp.get("127.0.0.5", address, port, "/health").status());
        }

        String releaseId = kafka.send(Fixtures.releaseRequested(id));
        events = kafka.networkEvents(id, l -> count(l, NetworkReleased.TYPE) >= 1, WAIT);
        Kafka.Received released = only(events, NetworkReleased.TYPE);
        assertEquals(List.of(), EventSchemas.validate(NetworkReleased.TYPE, released.payload()));
        assertEquals(1, count(events, BackendRegistered.TYPE));
        kafka.send(releaseId, "InstanceReleaseRequested", id,
                new dev.dmsmlflow.contracts.EventCodec().encode(Fixtures.releaseRequested(id)));
        ServiceTokens.viewerOf(Fixtures.WORKSPACE).when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("RELEASED"));
        assertThrows(ConnectException.class, () -> RawHttp.get("127.0.0.1", address, port, "/"));

        // a late re-sent request never provisions a released instance
        kafka.send(requested);
        Thread.sleep(2000);
        events = kafka.networkEvents(id, l -> false, Duration.ofSeconds(3));
        assertEquals(2, count(events, NetworkProvisioned.TYPE));
        assertEquals(1, count(events, NetworkReleased.TYPE));
        assertEquals(1, count(events, BackendRegistered.TYPE));
    }

    @Test
    void invalidNetworkEndsInNetworkProvisionFailedWithNothingCreated() throws Exception {
        String id = Fixtures.newInstanceId();
        kafka.send(Fixtures.requested(id, "vsw-local-a", "vsw-local-a2", "sg-local-basic"));
        List<Kafka.Received> events = kafka.networkEvents(id, l -> count(l, NetworkProvisionFailed.TYPE) >= 1, WAIT);
        Kafka.Received failed = only(events, NetworkProvisionFailed.TYPE);
        assertEquals(List.of(), EventSchemas.validate(NetworkProvisionFailed.TYPE, failed.payload()));
        assertEquals("VSWITCHES_IN_SAME_ZONE", failed.payload().get("code").asText());
        assertTrue(failed.payload().get("message").asText().contains("different zone"));
        ServiceTokens.viewerOf(Fixtures.WORKSPACE).when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("FAILED"))
                .body("loadBalancerId", equalTo(null)).body("failure.code", equalTo("VSWITCHES_IN_SAME_ZONE"));
    }

    @Test
    void unknownEventTypesAreDeadLetteredAndCountedNotSilentlyDropped() throws Exception {
        String id = Fixtures.newInstanceId();
        String unknownId = java.util.UUID.randomUUID().toString();
        kafka.send(unknownId, "InstanceTeleported", id, "{\"instanceId\":\"" + id + "\"}");
        // a following real event is still handled: the unknown one did not block the partition
        kafka.send(Fixtures.requested(id));
        kafka.networkEvents(id, l -> count(l, NetworkProvisioned.TYPE) >= 1, WAIT);
        given().when().get(management + "metrics").then().statusCode(200)
                .body(containsString("type=\"InstanceTeleported\""))
                .body(containsString("dms_messaging_dead_letters_total{consumer=\"network-service.instance-events\",reason=\"unknown-type\",topic=\"dms.instance\",type=\"InstanceTeleported\"}"));
        List<Map<String, String>> dead = kafka.deadLetters(id, WAIT);
        assertEquals(1, dead.size(), dead.toString());
        assertEquals(unknownId, dead.get(0).get("ce_id"));
        assertEquals("unknown-type", dead.get(0).get(dev.dmsmlflow.contracts.DeadLetters.KIND));
        assertEquals("dms.instance", dead.get(0).get(dev.dmsmlflow.contracts.DeadLetters.TOPIC));
    }

    static void ignore(IOException e) {
    }
}
