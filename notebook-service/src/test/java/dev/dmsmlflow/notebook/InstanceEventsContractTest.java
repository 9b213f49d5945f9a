package dev.dmsmlflow.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.notebook.messaging.InstanceEventsConsumer;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceEntity;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The consumer side of the instance contract: the schemas' example payloads of the events notebook-service reads, fed to
 * its handler as the relay would deliver them (CloudEvents headers), build the projection; a redelivery changes nothing;
 * a record without CloudEvent headers or with a payload that breaks its contract is skipped.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class InstanceEventsContractTest {

    @Inject
    InstanceEventsConsumer consumer;
    @Inject
    MlflowInstanceRepository instances;

    private static ConsumerRecord<String, String> record(String type, String id, String json) {
        ConsumerRecord<String, String> r = new ConsumerRecord<>(Topics.INSTANCE, 0, 0L, "key", json);
        if (id != null) {
            r.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
            r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    private MlflowInstanceEntity row(String id) {
        return QuarkusTransaction.requiringNew().call(() -> instances.findById(id));
    }

    @Test
    void theContractsExamplesBuildTheProjectionOnceEach() {
        JsonNode requested = EventSchemas.example(InstanceRequested.TYPE);
        String instanceId = requested.path("instanceId").asText();
        for (String type : new String[] {InstanceRequested.TYPE, InstanceStatusChanged.TYPE, InstanceRunning.TYPE}) {
            JsonNode example = EventSchemas.example(type);
            assertEquals(instanceId, example.path("instanceId").asText(), "the examples describe one instance");
            consumer.consume(record(type, UUID.randomUUID().toString(), example.toString()));
        }
        MlflowInstanceEntity i = row(instanceId);
        assertEquals(requested.path("vpcId").asText(), i.vpcId);
        assertEquals(requested.path("ossBucket").asText(), i.ossBucket);
        assertEquals(EventSchemas.example(InstanceRunning.TYPE).path("trackingUri").asText(), i.trackingUri);
        assertEquals("RUNNING", i.status);

        JsonNode released = EventSchemas.example(InstanceReleased.TYPE);
        String eventId = UUID.randomUUID().toString();
        consumer.consume(record(InstanceReleased.TYPE, eventId, released.toString()));
        assertEquals("RELEASED", row(instanceId).status);
        assertNull(row(instanceId).trackingUri);

        // a redelivery of an earlier event (same id) is skipped by the inbox
        String runningId = UUID.randomUUID().toString();
        consumer.consume(record(InstanceRunning.TYPE, runningId, EventSchemas.example(InstanceRunning.TYPE).toString()));
        assertEquals("RUNNING", row(instanceId).status);
        consumer.consume(record(InstanceReleased.TYPE, eventId, released.toString()));
        assertEquals("RUNNING", row(instanceId).status, "the redelivered InstanceReleased changed nothing");
        consumer.consume(record(InstanceReleased.TYPE, UUID.randomUUID().toString(), released.toString()));
        assertEquals("RELEASED", row(instanceId).status);
    }

    @Test
    void recordsWithoutHeadersOrBrokenPayloadsAndOtherTypesAreSkipped() {
        String id = "mlf-" + UUID.randomUUID();
        consumer.consume(record(InstanceRunning.TYPE, null, "{}"));
        consumer.consume(record(InstanceRunning.TYPE, UUID.randomUUID().toString(), "{\"instanceId\": \"" + id + "\"}"));
        consumer.consume(record("InstanceDeployed", UUID.randomUUID().toString(), "{\"instanceId\": \"" + id + "\"}"));
        consumer.consume(record("SomethingNew", UUID.randomUUID().toString(), "not json"));
        assertNull(row(id));
    }
}
