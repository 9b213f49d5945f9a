package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST …/instances/{id}/ui-sign-in}: the MLflow UI's sign-in link, forwarded to network-service for any member of the
 * workspace with the caller's role in the service token; audited; the link shown once.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayUiSignInTest {

    private static String path(String ws, String id) {
        return "/api/v1/workspaces/" + ws + "/instances/" + id + "/ui-sign-in";
    }

    @Test
    void everyRoleGetsALinkAsItselfAndTheCallIsAudited() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("ui")).statusCode(201).extract().path("id");
        for (String role : List.of("viewer", "editor", "owner")) {
            String[] member = Api.member(ws, role);
            String requestId = "ui-" + role + "-" + ws;
            JsonPath link = as(member[1]).header("X-Request-Id", requestId).post(path(ws, id)).then().statusCode(201)
                    .header("Cache-Control", "no-store").body("instanceId", equalTo(id))
                    .body("url", startsWith("http://127.0.0.1:18080/.dms/sign-in?code=")).extract().jsonPath();
            assertTrue(link.getString("expiresAt").matches("\\d{4}-.*Z"), link.prettify());
            var received = StandInServices.received("/networks/" + id + "/ui-sign-in").stream()
                    .filter(r -> member[0].equals(r.claims().path("sub").asText())).toList();
            assertEquals(1, received.size(), "forwarded once as the caller");
            assertEquals("POST", received.get(0).method());
            assertEquals(role, received.get(0).claims().path("dms_role").asText());
            assertEquals(ws, received.get(0).claims().path("dms_ws").asText());
            assertEquals(requestId, received.get(0).headers().get("x-request-id"));
        }
        List<Map<String, Object>> audit = as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(200)
                .extract().path("items");
        List<Map<String, Object>> signIns = audit.stream().filter(e -> "instance.ui-sign-in".equals(e.get("action"))).toList();
        assertEquals(3, signIns.size(), audit.toString());
        signIns.forEach(e -> {
            assertEquals(id, e.get("resourceId"));
            assertEquals(201, e.get("outcome"));
            assertTrue(!String.valueOf(e.get("path")).contains("code="), "the link is not in the audit log");
        });
    }

    @Test
    void aReplayLeavesTheLinkOutAndTheServicesConflictsPassThrough() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("ui")).statusCode(201).extract().path("id");
        String key = "ui-" + ws;
        String first = as(Api.admin()).header("Idempotency-Key", key).post(path(ws, id)).then().statusCode(201).extract().path("url");
        assertTrue(first.contains("code="));
        as(Api.admin()).header("Idempotency-Key", key).post(path(ws, id)).then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("url", nullValue()).body("instanceId", equalTo(id));

        String network = Api.createInstance(Api.admin(), ws, Api.unique("netmode")).statusCode(201).extract().path("id");
        as(Api.admin()).post(path(ws, network)).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("AUTH_MODE_NOT_TOKEN"));
    }

    @Test
    void strangersGet404AndNoKey401() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("ui")).statusCode(201).extract().path("id");
        String mine = Api.workspace();
        String[] stranger = Api.member(mine, "owner");
        int before = StandInServices.received("/networks/" + id + "/ui-sign-in").size();
        // the other workspace's path: not theirs (the gateway answers); the other workspace's id under their own path: the
        // service scopes by the token's workspace
        as(stranger[1]).post(path(ws, id)).then().statusCode(404).contentType("application/problem+json");
        as(stranger[1]).post(path(mine, id)).then().statusCode(404).contentType("application/problem+json");
        given().post(path(ws, id)).then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"dms\"");
        as(stranger[1]).post(path(mine, "not an id")).then().statusCode(400);
        var forwarded = StandInServices.received("/networks/" + id + "/ui-sign-in");
        assertEquals(before + 1, forwarded.size(), "only the call under the stranger's own workspace reached the service");
        assertEquals(mine, forwarded.get(forwarded.size() - 1).claims().path("dms_ws").asText());
    }
}
