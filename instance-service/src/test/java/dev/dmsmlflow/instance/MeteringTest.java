package dev.dmsmlflow.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.application.Metering;
import dev.dmsmlflow.instance.application.MeteringJob;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hourly usage readings: deterministic ids, exact quantities, nothing emitted twice. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class MeteringTest {

    @Inject
    MeteringJob job;
    @Inject
    InstanceRepository repository;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    ObjectMapper mapper;

    @Test
    void meterIdsAreDeterministicPerInstanceAndWindow() {
        Instant t = Instant.parse("2026-01-01T10:00:00Z");
        assertEquals(Metering.meterId("i-1", t), Metering.meterId("i-1", t));
        assertNotEquals(Metering.meterId("i-1", t), Metering.meterId("i-2", t));
        assertNotEquals(Metering.meterId("i-1", t), Metering.meterId("i-1", t.plusSeconds(3600)));
    }

    @Test
    void quantitiesAreInstanceHoursWithAnExplicitScale() {
        Instant t = Instant.parse("2026-01-01T10:00:00Z");
        assertEquals(new BigDecimal("1.000000"), Metering.instanceHours(t, t.plusSeconds(3600)));
        assertEquals(new BigDecimal("0.666667"), Metering.instanceHours(t.plusSeconds(1200), t.plusSeconds(3600)));
        assertEquals(6, Metering.instanceHours(t, t.plusMillis(1)).scale());
    }

    @Test
    void endedHourWindowsAreEmittedOnceEvenWhenTheJobRunsTwice() throws Exception {
        String id = runningInstance(Instant.parse("2026-01-01T10:20:00Z"));
        Instant now = Instant.parse("2026-01-01T13:05:00Z");

        job.meterUntil(now);
        job.meterUntil(now); // a second run (or a second replica) finds nothing new
        List<JsonNode> readings = outboxUsage(id);
        assertEquals(3, readings.size());
        assertWindow(readings.get(0), id, "2026-01-01T10:20:00Z", "2026-01-01T11:00:00Z", "0.666667");
        assertWindow(readings.get(1), id, "2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z", "1.000000");
        assertWindow(readings.get(2), id, "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z", "1.000000");
        assertEquals(Instant.parse("2026-01-01T13:00:00Z"), repository.find(id).orElseThrow().meteredFrom);

        // even when the persisted progress is lost, a window already emitted is not emitted again
        QuarkusTransaction.requiringNew().run(() -> {
            Instance i = repository.lock(id).orElseThrow();
            i.meteredFrom = Instant.parse("2026-01-01T10:20:00Z");
            repository.update(i);
        });
        job.meterUntil(Instant.parse("2026-01-01T14:00:00Z"));
        readings = outboxUsage(id);
        assertEquals(4, readings.size());
        assertWindow(readings.get(3), id, "2026-01-01T13:00:00Z", "2026-01-01T14:00:00Z", "1.000000");
    }

    private void assertWindow(JsonNode r, String id, String start, String end, String quantity) {
        assertTrue(EventSchemas.validate("UsageMetered", r).isEmpty(), () -> "schema: " + EventSchemas.validate("UsageMetered", r));
        assertEquals(id, r.path("subjectId").asText());
        assertEquals("MLFLOW_INSTANCE", r.path("subjectType").asText());
        assertEquals("COMPUTE", r.path("resourceType").asText());
        assertEquals("instance-hours", r.path("unit").asText());
        assertEquals("mlflow.medium", r.path("spec").asText());
        assertEquals("metered", r.path("subjectName").asText(), "the instance's name travels for the bill");
        assertEquals(Instant.parse(start), Instant.parse(r.path("windowStart").asText()));
        assertEquals(Instant.parse(end), Instant.parse(r.path("windowEnd").asText()));
        assertEquals(0, new BigDecimal(quantity).compareTo(r.path("quantity").decimalValue()), "quantity " + r.path("quantity"));
        assertEquals(Metering.meterId(id, Instant.parse(start)).toString(), r.path("meterId").asText());
    }

    private String runningInstance(Instant since) {
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = "ws-metering";
        i.name = "metered";
        i.vpcId = "vpc-local";
        i.vSwitchId = "vsw-a";
        i.secondaryVSwitchId = "vsw-b";
        i.securityGroupId = "sg-basic";
        i.ossBucket = "bucket";
        i.ossPath = "path";
        i.spec = "mlflow.medium";
        i.status = InstanceStatus.RUNNING;
        i.trackingDatabase = "mlflow_" + i.id.replace("-", "");
        i.createdAt = since;
        i.updatedAt = since;
        i.meteredFrom = since;
        QuarkusTransaction.requiringNew().run(() -> repository.insert(i));
        return i.id;
    }

    /** The UsageMetered payloads in the outbox for the instance, by window start; the outbox id must be the meter id. */
    private List<JsonNode> outboxUsage(String instanceId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, aggregatetype, payload::text FROM outbox_event "
                     + "WHERE type = 'UsageMetered' AND payload->>'subjectId' = ? ORDER BY payload->>'windowStart'")) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JsonNode payload = mapper.readTree(rs.getString(3));
                    assertEquals(payload.path("meterId").asText(), rs.getString(1));
                    assertEquals("dms.usage", rs.getString(2));
                    out.add(payload);
                }
            }
        }
        return out;
    }
}
