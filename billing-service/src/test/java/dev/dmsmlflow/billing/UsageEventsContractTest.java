package dev.dmsmlflow.billing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.billing.messaging.UsageEventsConsumer;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.infra.LocalInfraTestResource;
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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer side of the UsageMetered contract: the schema's example is accepted; an event is identified by its CloudEvents
 * source and id (a redelivery is a duplicate, the same id from another source is another event); a reading no one can
 * bill is a dead letter.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class UsageEventsContractTest {

    @Inject
    UsageEventsConsumer consumer;

    @Inject
    AgroalDataSource db;

    @Test
    void theSchemasExampleIsLedgeredOncePerSourceAndId() throws Exception {
        ObjectNode example = (ObjectNode) EventSchemas.example(UsageMetered.TYPE).deepCopy();
        assertTrue(EventSchemas.validate(UsageMetered.TYPE, example).isEmpty());
        String ws = "ws-ct-" + UUID.randomUUID().toString().substring(0, 8);
        example.put("workspaceId", ws);
        example.put("spec", "mlflow.medium");
        String id = UUID.randomUUID().toString();
        assertEquals(Outcome.HANDLED, consumer.consumer().handle(envelope(id, "/instance-service", example.toString())));
        assertEquals(Outcome.DUPLICATE, consumer.consumer().handle(envelope(id, "/instance-service", example.toString())));
        assertEquals(Outcome.HANDLED, consumer.consumer().handle(envelope(id, "/notebook-service", example.toString())));
        assertEquals(2, count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws));
        // 0.7431 instance-hours of mlflow.medium at 0.70
        assertEquals(0, new java.math.BigDecimal("0.520170").compareTo(sum("SELECT sum(cost) FROM line_item WHERE workspace_id = ?", ws) .divide(
                java.math.BigDecimal.valueOf(2))));
    }

    @Test
    void aReadingWithoutASkuIsKeptUnratedAndAnUnbillableOneIsADeadLetter() throws Exception {
        ObjectNode example = (ObjectNode) EventSchemas.example(UsageMetered.TYPE).deepCopy();
        String ws = "ws-ct-" + UUID.randomUUID().toString().substring(0, 8);
        example.put("workspaceId", ws); // spec 2C4G: no SKU prices it
        assertEquals(Outcome.HANDLED, consumer.consumer().handle(envelope(UUID.randomUUID().toString(), "/instance-service", example.toString())));
        assertEquals(1, count("SELECT count(*) FROM usage_event WHERE workspace_id = ? AND NOT rated", ws));
        assertEquals(0, count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));

        example.put("windowEnd", example.get("windowStart").asText());
        Exception thrown = assertThrows(Exception.class,
                () -> consumer.consumer().handle(envelope(UUID.randomUUID().toString(), "/instance-service", example.toString())));
        Throwable t = thrown;
        while (t != null && !(t instanceof DeadLetterException)) {
            t = t.getCause();
        }
        assertTrue(t != null && t.getMessage().contains("windowEnd"), String.valueOf(thrown));
    }

    private static CloudEventEnvelope envelope(String id, String source, String payload) {
        return new CloudEventEnvelope(id, UsageMetered.TYPE, source, Instant.now(), "m", "m", payload);
    }

    private long count(String sql, String ws) throws Exception {
        return sum(sql, ws).longValueExact();
    }

    private java.math.BigDecimal sum(String sql, String ws) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ws);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }
}
