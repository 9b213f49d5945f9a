package dev.dmsmlflow.instance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.EventCatalogue;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.messaging.NetworkEventsConsumer;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumer side of the message contracts: the schema examples of every consumed type are accepted. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class NetworkEventsContractTest {

    static final List<String> CONSUMED = List.of("NetworkProvisioned", "NetworkProvisionFailed", "BackendRegistered", "NetworkReleased");

    @Inject
    NetworkEventsConsumer consumer;
    @Inject
    MeterRegistry metrics;

    static ConsumerRecord<String, String> record(String type, JsonNode payload) {
        ConsumerRecord<String, String> r = new ConsumerRecord<>(Topics.NETWORK, 0, 0L, payload.path("instanceId").asText(), payload.toString());
        r.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    @Test
    void everyConsumedTypeIsOnTheNetworkTopicAndItsExampleIsHandled() {
        for (String type : CONSUMED) {
            assertEquals(Topics.NETWORK, EventCatalogue.forType(type).aggregateType().topic());
            assertTrue(NetworkEventsConsumer.handles(type));
            JsonNode example = EventSchemas.example(type);
            assertTrue(EventSchemas.validate(type, example).isEmpty());
            consumer.handle(record(type, example)); // an instance this service does not know: accepted and ignored
        }
        double handled = metrics.find("dms.consumer.handled").counters().stream().mapToDouble(c -> c.count()).sum();
        assertTrue(handled >= CONSUMED.size());
    }

    @Test
    void unknownTypesAreSkippedAndCounted() {
        JsonNode example = EventSchemas.example("AlbAclUpdated");
        double before = skipped();
        consumer.handle(record("AlbAclUpdated", example));
        consumer.handle(record("SomethingNew", example));
        assertEquals(before + 2, skipped());
    }

    private double skipped() {
        return metrics.find("dms.consumer.skipped").tag("reason", "unknown-type").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
