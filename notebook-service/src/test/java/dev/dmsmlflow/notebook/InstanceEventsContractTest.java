package dev.dmsmlflow.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.notebook.messaging.InstanceEventsConsumer;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceEntity;
import dev.dmsmlflow.notebook.persistence.MlflowInstanceRepository;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import dev.dmsmlflow.platform.messaging.Outcome;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The consumer side of the instance contract: the schemas' example payloads of the events notebook-service reads, fed to
 * its consumer as the relay would deliver them (CloudEvents id and type), build the projection; a redelivery is a
 * duplicate that changes nothing; a record without CloudEvents headers, a payload that breaks its contract or a type no
 * contract knows is for the dead-letter topic; instance events notebook-service has no business with are ignored.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class InstanceEventsContractTest {

    @Inject
    InstanceEventsConsumer consumer;
    @Inject
    MlflowInstanceRepository instances;

    private static CloudEventEnvelope envelope(String id, String type, String payload) {
        return new CloudEventEnvelope(id, type, "/instance-service", Instant.now(), "key", "key", payload);
    }

    private MlflowInstanceEntity row(String id) {
        return QuarkusTransaction.requiringNew().call(() -> instances.findById(id));
    }

    @Test
    void theContractsExamplesBuildTheProjectionOnceEach() throws Exception {
        JsonNode requested = EventSchemas.example(InstanceRequested.TYPE);
        String instanceId = requested.path("instanceId").asText();
        for (String type : new String[] {InstanceRequested.TYPE, InstanceStatusChanged.TYPE, InstanceRunning.TYPE}) {
            JsonNode example = EventSchemas.example(type);
            assertEquals(instanceId, example.path("instanceId").asText(), "the examples describe one instance");
            assertEquals(Outcome.HANDLED, consumer.handle(envelope(UUID.randomUUID().toString(), type, example.toString())), type);
        }
        MlflowInstanceEntity i = row(instanceId);
        assertEquals(requested.path("vpcId").asText(), i.vpcId);
        assertEquals(requested.path("ossBucket").asText(), i.ossBucket);
        assertEquals(EventSchemas.example(InstanceRunning.TYPE).path("trackingUri").asText(), i.trackingUri);
        assertEquals("RUNNING", i.status);

        String released = EventSchemas.example(InstanceReleased.TYPE).toString();
        String releasedId = UUID.randomUUID().toString();
        assertEquals(Outcome.HANDLED, consumer.handle(envelope(releasedId, InstanceReleased.TYPE, released)));
        assertEquals("RELEASED", row(instanceId).status);
        assertNull(row(instanceId).trackingUri);

        // the projection follows a new RUNNING; a redelivery of the earlier InstanceReleased (same id) is a duplicate
        assertEquals(Outcome.HANDLED, consumer.handle(envelope(UUID.randomUUID().toString(), InstanceRunning.TYPE,
                EventSchemas.example(InstanceRunning.TYPE).toString())));
        assertEquals("RUNNING", row(instanceId).status);
        assertEquals(Outcome.DUPLICATE, consumer.handle(envelope(releasedId, InstanceReleased.TYPE, released)));
        assertEquals("RUNNING", row(instanceId).status, "the redelivered InstanceReleased changed nothing");
        assertEquals(Outcome.HANDLED, consumer.handle(envelope(UUID.randomUUID().toString(), InstanceReleased.TYPE, released)));
        assertEquals("RELEASED", row(instanceId).status);
    }

    @Test
    void poisonRecordsAreForTheDeadLetterTopicAndOtherInstanceEventsAreIgnored() throws Exception {
        String id = "mlf-" + UUID.randomUUID();
        assertEquals(DeadLetters.Kind.INCOMPLETE, assertThrows(DeadLetterException.class,
                () -> consumer.handle(envelope(null, InstanceRunning.TYPE, "{}"))).kind());
        assertEquals(DeadLetters.Kind.UNDECODABLE, assertThrows(DeadLetterException.class,
                () -> consumer.handle(envelope(UUID.randomUUID().toString(), InstanceRunning.TYPE, "{\"instanceId\": \"" + id + "\"}"))).kind());
        assertEquals(DeadLetters.Kind.UNKNOWN_TYPE, assertThrows(DeadLetterException.class,
                () -> consumer.handle(envelope(UUID.randomUUID().toString(), "SomethingNew", "not json"))).kind());
        assertEquals(Outcome.IGNORED, consumer.handle(envelope(UUID.randomUUID().toString(), InstanceDeployed.TYPE,
                EventSchemas.example(InstanceDeployed.TYPE).toString())));
        assertNull(row(id));
    }
}
