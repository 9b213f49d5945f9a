package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Billing of a real instance, through the gateway: an instance runs and is released, instance-service meters it, the
 * UsageMetered reading crosses Kafka to billing-service, and the workspace sees its usage, statement and a FOCUS export;
 * another workspace's member gets 404 on it and an empty billing of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingIT {

    static final Duration SAGA = Duration.ofSeconds(120);
    Stack stack;
    String api;
    Api.KeyClient admin;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "billing-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startBilling();
        stack.startGateway(List.of());
        api = stack.gatewayUrl + "/api/v1";
        admin = Api.withKey(stack.bootstrapKey);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aReleasedInstancesUsageIsBilledToItsWorkspaceOnlyThroughTheGateway() {
        String a = workspace("bill-a");
        String b = workspace("bill-b");
        String stranger = memberKey(b, "owner");
        String name = "bill-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Object> body = GatewayAccessIT.instanceBody(name);
        Api.Resp created = admin.post(api + "/workspaces/" + a + "/instances", body);
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        Api.await(() -> "RUNNING".equals(admin.get(api + "/workspaces/" + a + "/instances/" + id).text("status")), SAGA, "RUNNING",
                () -> admin.get(api + "/workspaces/" + a + "/instances/" + id));
        assertEquals(202, admin.post(api + "/workspaces/" + a + "/instances/" + id + "/release", null).status());
        Api.await(() -> "RELEASED".equals(admin.get(api + "/workspaces/" + a + "/instances/" + id).text("status")), SAGA, "RELEASED",
                () -> admin.get(api + "/workspaces/" + a + "/instances/" + id));

        // its final reading reaches the ledger: usage by hour for the instance, a statement line for the month
        String period = YearMonth.now(ZoneOffset.UTC).toString();
        String usage = api + "/workspaces/" + a + "/billing/usage?granularity=month&groupBy=sku,resource&resourceId=" + id;
        Api.await(() -> admin.get(usage).json().path("items").size() == 1, SAGA, "the instance's usage in billing", () -> admin.get(usage));
        JsonNode row = admin.get(usage).json().path("items").get(0);
        assertEquals("MLFLOW-INSTANCE-SMALL", row.path("skuId").asText());
        assertTrue(new BigDecimal(row.path("quantity").asText()).signum() > 0, row.toString());
        JsonNode statement = admin.get(api + "/workspaces/" + a + "/billing/statements/" + period).json();
        assertTrue(statement.path("lines").size() >= 1, statement.toString());

        Api.Resp export = admin.post(api + "/workspaces/" + a + "/billing/exports", Map.of("period", period));
        assertEquals(202, export.status(), export.toString());
        String exportId = export.text("id");
        String exportUrl = api + "/workspaces/" + a + "/billing/exports/" + exportId;
        Api.await(() -> "COMPLETED".equals(admin.get(exportUrl).text("status")), SAGA, "the export", () -> admin.get(exportUrl));
        assertTrue(admin.get(exportUrl).json().path("rowCount").asLong() >= 1);

        // another workspace's member: 404 on a's billing, nothing of a's in its own
        Api.KeyClient other = Api.withKey(stranger);
        assertEquals(404, other.get(usage).status());
        assertEquals(404, other.get(exportUrl).status());
        assertEquals(404, other.get(api + "/workspaces/" + b + "/billing/exports/" + exportId).status());
        assertEquals(0, other.get(api + "/workspaces/" + b + "/billing/usage?granularity=month").json().path("items").size());
        assertEquals(0, other.get(api + "/workspaces/" + b + "/billing/statements/" + period).json().path("lines").size());
        assertEquals(0, other.get(api + "/workspaces/" + b + "/billing/exports").json().path("items").size());
    }

    private String workspace(String label) {
        Api.Resp created = admin.post(api + "/workspaces", Map.of("name", label + "-" + Instant.now().toEpochMilli()));
        assertEquals(201, created.status(), created.toString());
        return created.text("id");
    }

    private String memberKey(String ws, String role) {
        Api.Resp m = admin.post(api + "/workspaces/" + ws + "/members", Map.of("displayName", "m_" + role + UUID.randomUUID().toString().substring(0, 4),
                "role", role));
        assertEquals(201, m.status(), m.toString());
        Api.Resp k = admin.post(api + "/workspaces/" + ws + "/keys", Map.of("memberId", m.text("memberId")));
        assertEquals(201, k.status(), k.toString());
        return k.text("apiKey");
    }
}
