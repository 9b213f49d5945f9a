package dev.dmsmlflow.instance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.EventCatalogue;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.messaging.NetworkEventsConsumer;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import dev.dmsmlflow.platform.messaging.Outcome;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumer side of the message contracts: the schema examples of every consumed type are accepted. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class NetworkEventsContractTest {

    static final List<String> CONSUMED = List.of("NetworkProvisioned", "NetworkProvisionFailed", "BackendRegistered", "NetworkReleased",
            "LoadBalancerAddressChanged");

    @Inject
    NetworkEventsConsumer consumer;

    static CloudEventEnvelope envelope(String type, String payload) {
        return new CloudEventEnvelope(UUID.randomUUID().toString(), type, "/network-service", Instant.now(), null, "i-x", payload);
    }

    @Test
    void everyConsumedTypeIsOnTheNetworkTopicAndItsExampleIsHandledOnce() throws Exception {
        for (String type : CONSUMED) {
            assertEquals(Topics.NETWORK, EventCatalogue.forType(type).aggregateType().topic());
            assertTrue(consumer.consumer().handles(type));
            JsonNode example = EventSchemas.example(type);
            assertTrue(EventSchemas.validate(type, example).isEmpty());
            CloudEventEnvelope e = envelope(type, example.toString());
            // an instance this service does not know: accepted and ignored by the saga; a redelivery is a duplicate
            assertEquals(Outcome.HANDLED, consumer.consumer().handle(e));
            assertEquals(Outcome.DUPLICATE, consumer.consumer().handle(e));
        }
    }

    @Test
    void networkTypesItDoesNotActOnAreIgnoredAndPoisonIsForTheDeadLetterTopic() {
        assertEquals(Outcome.IGNORED, assertDoesNotThrow(() -> consumer.consumer().handle(
                envelope("AlbAclUpdated", EventSchemas.example("AlbAclUpdated").toString()))));
        DeadLetterException unknown = assertThrows(DeadLetterException.class,
                () -> consumer.consumer().handle(envelope("SomethingNew", "{}")));
        assertEquals(DeadLetters.Kind.UNKNOWN_TYPE, unknown.kind());
        DeadLetterException undecodable = assertThrows(DeadLetterException.class,
                () -> consumer.consumer().handle(envelope("NetworkProvisioned", "{\"instanceId\":\"i-x\"}")));
        assertEquals(DeadLetters.Kind.UNDECODABLE, undecodable.kind());
        DeadLetterException incomplete = assertThrows(DeadLetterException.class, () -> consumer.consumer().handle(
                new CloudEventEnvelope(null, "NetworkProvisioned", null, null, null, "i-x", "{}")));
        assertEquals(DeadLetters.Kind.INCOMPLETE, incomplete.kind());
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }
}
