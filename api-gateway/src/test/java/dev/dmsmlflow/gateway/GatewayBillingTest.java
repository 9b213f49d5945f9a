package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Billing through the gateway: every route reaches billing-service with the caller's workspace and role in the service
 * token; another workspace's billing is a 404 at the gateway (nothing forwarded) and an export id of another workspace a
 * 404 from the service; roles: reading is a viewer's, an export an editor's, closing a period an owner's.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayBillingTest {

    @Test
    void billingRoutesAreForwardedWithTheCallersWorkspaceAndAnotherWorkspaceIsA404() {
        String ws = Api.workspace();
        String other = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        String[] editor = Api.member(ws, "editor");
        String[] stranger = Api.member(other, "owner");

        for (String path : List.of("/prices", "/usage?from=2025-04-01&to=2025-05-01&granularity=day&groupBy=sku,resource", "/costs",
                "/statements", "/statements/2025-04", "/exports")) {
            as(viewer[1]).get("/api/v1/workspaces/" + ws + "/billing" + path).then().statusCode(200).body("workspaceId", equalTo(ws));
            // the gateway passes the query on encoded, and gives a list its default page size
            String downstream = "/billing" + path.replace(",", "%2C") + (path.equals("/exports") ? "?pageSize=20" : "");
            StandInServices.Received r = last("GET", downstream);
            assertEquals(ws, r.claims().get("dms_ws").asText(), path);
            assertEquals("viewer", r.claims().get("dms_role").asText(), path);
            // a member of another workspace: 404, never forwarded
            int before = StandInServices.RECEIVED.size();
            as(stranger[1]).get("/api/v1/workspaces/" + ws + "/billing" + path).then().statusCode(404);
            assertEquals(before, StandInServices.RECEIVED.size(), "nothing forwarded for " + path);
        }

        String id = as(editor[1]).body(Map.of("period", "2025-04", "formats", List.of("csv", "parquet")))
                .post("/api/v1/workspaces/" + ws + "/billing/exports").then().statusCode(202).extract().path("id");
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/billing/exports/" + id).then().statusCode(200).body("id", equalTo(id));
        // the other workspace's owner asks for it in its own workspace: billing-service does not know it there
        as(stranger[1]).get("/api/v1/workspaces/" + other + "/billing/exports/" + id).then().statusCode(404);

        as(viewer[1]).body(Map.of("period", "2025-04")).post("/api/v1/workspaces/" + ws + "/billing/exports").then().statusCode(403);
        as(editor[1]).post("/api/v1/workspaces/" + ws + "/billing/statements/2025-04/close").then().statusCode(403);
        as(editor[1]).body(Map.of("period", "April")).post("/api/v1/workspaces/" + ws + "/billing/exports").then().statusCode(400);
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/billing/usage?granularity=week").then().statusCode(400)
                .body("field", equalTo("granularity"));
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/billing/statements/2025-13").then().statusCode(400);
    }

    private static StandInServices.Received last(String method, String uri) {
        List<StandInServices.Received> got = StandInServices.RECEIVED.stream().filter(r -> r.method().equals(method) && r.uri().equals(uri)).toList();
        if (got.isEmpty()) {
            throw new AssertionError("billing-service received no " + method + " " + uri + "; it got "
                    + StandInServices.RECEIVED.stream().map(StandInServices.Received::uri).toList());
        }
        return got.get(got.size() - 1);
    }
}
