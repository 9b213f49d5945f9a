package dev.dmsmlflow.network.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import dev.dmsmlflow.platform.messaging.Outcome;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Message contracts: the handler consumes the examples in contracts, and what the service writes to its outbox
 * validates against the schemas in contracts.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class MessageContractTest {

    @Inject
    InstanceEventsHandler handler;

    @Inject
    AgroalDataSource dataSource;

    private static CloudEventEnvelope envelope(String id, String type, String key, String payload) {
        return new CloudEventEnvelope(id, type, "/instance-service", Instant.now(), key, key, payload);
    }

    @Test
    void theContractExamplesAreConsumedAndAnsweredWithSchemaValidEvents() throws Exception {
        JsonNode requested = EventSchemas.example(InstanceRequested.TYPE);
        String instanceId = requested.get("instanceId").asText();
        // the example's VPC is not in the local registry: the answer is a valid NetworkProvisionFailed
        assertEquals(Outcome.HANDLED,
                handler.handle(envelope(UUID.randomUUID().toString(), InstanceRequested.TYPE, instanceId, requested.toString())));
        Steps.settle(instanceId);
        JsonNode failed = single(outbox(instanceId, NetworkProvisionFailed.TYPE));
        assertEquals(List.of(), EventSchemas.validate(NetworkProvisionFailed.TYPE, failed));
        assertEquals("VPC_NOT_FOUND", failed.get("code").asText());

        JsonNode deployed = EventSchemas.example(InstanceDeployed.TYPE);
        assertEquals(Outcome.HANDLED,
                handler.handle(envelope(UUID.randomUUID().toString(), InstanceDeployed.TYPE, instanceId, deployed.toString())));

        // the authentication mode reaches the load balancer through InstanceUpdated (here a failed network: nothing to switch)
        JsonNode updated = EventSchemas.example(InstanceUpdated.TYPE);
        assertEquals(instanceId, updated.get("instanceId").asText());
        assertEquals(Outcome.HANDLED,
                handler.handle(envelope(UUID.randomUUID().toString(), InstanceUpdated.TYPE, instanceId, updated.toString())));

        JsonNode release = EventSchemas.example(InstanceReleaseRequested.TYPE);
        assertEquals(Outcome.HANDLED, handler.handle(
                envelope(UUID.randomUUID().toString(), InstanceReleaseRequested.TYPE, instanceId, release.toString())));
        Steps.settle(instanceId);
        JsonNode released = single(outbox(instanceId, NetworkReleased.TYPE));
        assertEquals(List.of(), EventSchemas.validate(NetworkReleased.TYPE, released));
    }

    @Test
    void aProvisionedNetworkIsAnnouncedWithASchemaValidEventAndRedeliveryIsADuplicate() throws Exception {
        String id = Fixtures.newInstanceId();
        String eventId = UUID.randomUUID().toString();
        String payload = new ObjectMapper().writeValueAsString(new dev.dmsmlflow.contracts.EventCodec().toTree(Fixtures.requested(id)));
        assertEquals(Outcome.HANDLED, handler.handle(envelope(eventId, InstanceRequested.TYPE, id, payload)));
        assertEquals(Outcome.DUPLICATE, handler.handle(envelope(eventId, InstanceRequested.TYPE, id, payload)));
        Steps.settle(id);
        JsonNode provisioned = single(outbox(id, NetworkProvisioned.TYPE));
        assertEquals(List.of(), EventSchemas.validate(NetworkProvisioned.TYPE, provisioned));
        assertEquals(List.of("zone-a", "zone-b"), List.of(provisioned.get("zoneIds").get(0).asText(), provisioned.get("zoneIds").get(1).asText()));
    }

    @Test
    void recordsWithoutIdBadPayloadsAndUnknownTypesAreForTheDeadLetterTopicAndOtherInstanceEventsIgnored() throws Exception {
        assertEquals(DeadLetters.Kind.INCOMPLETE, assertThrows(DeadLetterException.class,
                () -> handler.handle(envelope(null, InstanceRequested.TYPE, "k", "{}"))).kind());
        assertEquals(DeadLetters.Kind.UNDECODABLE, assertThrows(DeadLetterException.class,
                () -> handler.handle(envelope(UUID.randomUUID().toString(), InstanceRequested.TYPE, "k", "{\"instanceId\":\"x\"}"))).kind());
        assertEquals(DeadLetters.Kind.UNKNOWN_TYPE, assertThrows(DeadLetterException.class,
                () -> handler.handle(envelope(UUID.randomUUID().toString(), "SomethingNew", "k", "{}"))).kind());
        // InstanceUpdated is ours now (the authentication mode): a payload it cannot read is poison, not ignored
        assertEquals(DeadLetters.Kind.UNDECODABLE, assertThrows(DeadLetterException.class,
                () -> handler.handle(envelope(UUID.randomUUID().toString(), InstanceUpdated.TYPE, "k", "{}"))).kind());
        // instance events that are someone else's business: a logged, counted decision
        for (String type : List.of("InstanceRunning", "InstanceStatusChanged", "InstanceFailed", "InstanceReleased")) {
            assertEquals(Outcome.IGNORED, handler.handle(envelope(UUID.randomUUID().toString(), type, "k", "{}")), type);
        }
    }

    private static JsonNode single(List<JsonNode> events) {
        assertEquals(1, events.size(), events.toString());
        return events.get(0);
    }

    private List<JsonNode> outbox(String instanceId, String type) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT payload::text FROM outbox_event WHERE aggregateid = ? AND type = ? ORDER BY occurred_at")) {
            ps.setString(1, instanceId);
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(json.readTree(rs.getString(1)));
                }
            }
        }
        return out;
    }
}
