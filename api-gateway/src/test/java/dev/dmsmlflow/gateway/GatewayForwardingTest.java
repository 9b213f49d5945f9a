package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.response.Response;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayForwardingTest {

    @Test
    void aCreateReachesInstanceServiceAsTheVerifiedMemberWithoutTheApiKey() {
        String ws = Api.workspace();
        String[] editor = Api.member(ws, "editor");
        String name = Api.unique("fwd");
        Response created = as(editor[1]).header("X-Request-Id", "req-" + name).header("Idempotency-Key", "k-" + name)
                .header("X-Dms-Principal", "someone-else")
                .body(Api.instanceBody(name)).post("/api/v1/workspaces/" + ws + "/instances");
        created.then().statusCode(201).header("X-Request-Id", "req-" + name).body("workspaceId", equalTo(ws));
        String id = created.path("id");
        // the service's absolute Location becomes the public path
        assertEquals("/api/v1/workspaces/" + ws + "/instances/" + id, created.header("Location"));

        List<StandInServices.Received> got = StandInServices.RECEIVED.stream()
                .filter(r -> r.method().equals("POST") && r.uri().equals("/instances") && r.body().contains(name)).toList();
        assertEquals(1, got.size());
        StandInServices.Received r = got.get(0);
        JsonNode claims = r.claims();
        assertTrue(claims != null, "the service token verifies with the public key");
        assertEquals(editor[0], claims.get("sub").asText());
        assertEquals(editor[0], claims.get("upn").asText());
        assertEquals(ws, claims.get("dms_ws").asText());
        assertEquals("editor", claims.get("dms_role").asText());
        assertEquals(java.util.Set.of("editor", "viewer"), java.util.Set.copyOf(texts(claims.get("groups"))));
        assertEquals("dms-gateway", claims.get("iss").asText());
        assertEquals(120, claims.get("exp").asLong() - claims.get("iat").asLong());
        assertTrue(claims.hasNonNull("jti"));
        // never the caller's API key, in no header and not in the body
        assertFalse(r.headers().get("authorization").contains("dms_"));
        r.headers().values().forEach(v -> assertFalse(v.contains(editor[1]), v));
        assertFalse(r.body().contains(editor[1]));
        assertEquals("req-" + name, r.headers().get("x-request-id"));
        assertFalse(r.headers().containsKey("x-dms-principal"), "caller-chosen identity headers are not forwarded");
        // the idempotency key is forwarded, derived per member
        assertTrue(r.headers().containsKey("idempotency-key"));
        assertNotEquals("k-" + name, r.headers().get("idempotency-key"));
        assertFalse(r.body().contains("workspaceId"), "the workspace travels in the token only");

        // reads carry the reader's role
        String[] viewer = Api.member(ws, "viewer");
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/instances/" + id).then().statusCode(200).body("id", equalTo(id));
        StandInServices.Received read = last("GET", "/instances/" + id);
        assertEquals("viewer", read.claims().get("dms_role").asText());
        assertEquals(viewer[0], read.claims().get("sub").asText());
    }

    @Test
    void callsTakeAServicesReplicasInTurnAndSkipOneThatRefusesConnections() {
        String ws = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        int before = StandInServices.RECEIVED.size();
        // instance-service is listed as three replicas, the first down: every call still answers, and both others serve
        for (int i = 0; i < 9; i++) {
            as(viewer[1]).get("/api/v1/workspaces/" + ws + "/instances").then().statusCode(200);
        }
        java.util.Map<String, Long> perReplica = StandInServices.RECEIVED.subList(before, StandInServices.RECEIVED.size()).stream()
                .filter(r -> r.method().equals("GET") && r.uri().startsWith("/instances?"))
                .collect(java.util.stream.Collectors.groupingBy(r -> r.headers().get("host"), java.util.stream.Collectors.counting()));
        assertEquals(9, perReplica.values().stream().mapToLong(Long::longValue).sum(), "each call reached instance-service once: " + perReplica);
        for (int port : StandInServices.instanceReplicaPorts) {
            long calls = perReplica.getOrDefault("127.0.0.1:" + port, 0L);
            // in turn: 3 of 9 calls start at each of the three; the down one's go to the next, so one replica gets 3, the other 6
            assertTrue(calls >= 3, "replica :" + port + " served " + calls + " of 9: " + perReplica);
        }
    }

    @Test
    void aSampledTraceContinuesIntoTheService() {
        String ws = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        String traceId = java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(16));
        String incoming = "00-" + traceId + "-00f067aa0ba902b7-01";
        as(viewer[1]).header("traceparent", incoming).get("/api/v1/workspaces/" + ws + "/instances").then().statusCode(200);
        StandInServices.Received r = last("GET", "/instances?");
        String forwarded = r.headers().get("traceparent");
        assertTrue(forwarded != null, "the forward carries a traceparent: " + r.headers());
        String[] parts = forwarded.split("-");
        assertEquals(traceId, parts[1], "same trace as the caller's request: " + forwarded);
        assertNotEquals("00f067aa0ba902b7", parts[2], "the gateway's own span is the parent: " + forwarded);
        assertEquals("01", parts[3], "still sampled: " + forwarded);
    }

    @Test
    void servicesProblemsPassThroughUnchanged() {
        String ws = Api.workspace();
        Response rejected = as(Api.admin()).body(Api.instanceBody(Api.unique("reject"))).post("/api/v1/workspaces/" + ws + "/instances");
        rejected.then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("secondaryVSwitchId")).body("code", equalTo("VSWITCH_SAME_ZONE"))
                .body("detail", equalTo("the two vSwitches are in the same zone"))
                .body("type", equalTo("https://dms-mlflow.dev/problems/invalid-field"));
        as(Api.admin()).body(Api.instanceBody(Api.unique("quota"))).post("/api/v1/workspaces/" + ws + "/instances").then()
                .statusCode(409).contentType("application/problem+json").body("code", equalTo("INSTANCES_PER_WORKSPACE"));
        // the gateway's own validation names the field before anything is forwarded
        int before = StandInServices.RECEIVED.size();
        Map<String, Object> bad = new java.util.HashMap<>(Api.instanceBody("9starts-with-a-digit"));
        as(Api.admin()).body(bad).post("/api/v1/workspaces/" + ws + "/instances").then().statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("name")).body("code", equalTo("PATTERN"));
        bad.remove("vpcId");
        bad.put("name", "ok");
        as(Api.admin()).body(bad).post("/api/v1/workspaces/" + ws + "/instances").then().statusCode(400).body("field", equalTo("vpcId"))
                .body("code", equalTo("NOT_NULL"));
        as(Api.admin()).body("{\"name\": ").post("/api/v1/workspaces/" + ws + "/instances").then().statusCode(400)
                .contentType("application/problem+json");
        assertEquals(before, StandInServices.RECEIVED.size());
    }

    @Test
    void aReleasedNetworksVpcAddressShowsNoAddress() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("gone")).statusCode(201).extract().path("id");
        StandInServices.RELEASED_NETWORKS.add(id);
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances/" + id + "/vpc-address").then().statusCode(200)
                .body("instanceId", equalTo(id)).body("status", equalTo("RELEASED"))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("vpcAddress")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("vpcHost")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("vpcPort")))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("setTrackingUri")));
    }

    @Test
    void lifecycleAndNetworkRoutesAreForwarded() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("life")).statusCode(201).extract().path("id");
        as(Api.admin()).post("/api/v1/workspaces/" + ws + "/instances/" + id + "/release").then().statusCode(202)
                .body("status", equalTo("RELEASING"));
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances/" + id + "/vpc-address").then().statusCode(200)
                .body("instanceId", equalTo(id)).body("vpcAddress", equalTo("http://127.0.0.1:18080")).body("vpcHost", equalTo("127.0.0.1")).body("vpcPort", equalTo(18080))
                .body("setTrackingUri", equalTo("mlflow.set_tracking_uri(\"http://127.0.0.1:18080\")"))
                .body("status", equalTo("ACTIVE"));
        as(Api.admin()).delete("/api/v1/workspaces/" + ws + "/instances/" + id + "/acl/entries?cidr=10.0.0.0/24&cidr=fd00::/8")
                .then().statusCode(200);
        assertEquals("/networks/" + id + "/acl/entries?cidr=10.0.0.0%2F24&cidr=fd00%3A%3A%2F8", last("DELETE", "/networks/").uri());
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances?pageSize=5&status=RUNNING").then().statusCode(200);
        assertEquals("/instances?pageSize=5&status=RUNNING", last("GET", "/instances?").uri());
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances?status=BOGUS").then().statusCode(400).body("field", equalTo("status"));
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances/" + id + "/diagnose").then().statusCode(400).body("field", equalTo("source"));
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/instances/bad..id").then().statusCode(400).body("field", equalTo("id"));
    }

    @Test
    void aSpecChangeIsForwardedABadSpecIsRefusedHereAndTheArtifactRootIsLeftToInstanceServiceToRefuse() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("resize")).statusCode(201).extract().path("id");
        String path = "/api/v1/workspaces/" + ws + "/instances/" + id;
        as(Api.admin()).body(Map.of("spec", "mlflow.medium")).patch(path).then().statusCode(200);
        assertEquals("{\"spec\":\"mlflow.medium\"}", last("PATCH", "/instances/" + id).body());
        int before = StandInServices.RECEIVED.size();
        for (Object bad : List.of("mlflow.huge", "MLFLOW.SMALL", "")) {
            as(Api.admin()).body(Map.of("spec", bad)).patch(path).then().statusCode(400).contentType("application/problem+json")
                    .body("field", equalTo("spec"));
        }
        assertEquals(before, StandInServices.RECEIVED.size(), "a spec outside the catalogue is not forwarded");
        // instance-service says why the artifact root cannot move: the gateway forwards the field instead of dropping it
        as(Api.admin()).body(Map.of("ossPath", "elsewhere")).patch(path).then().statusCode(200);
        assertEquals("{\"ossPath\":\"elsewhere\"}", last("PATCH", "/instances/" + id).body());
        // a foreign workspace's member cannot reach it
        String other = Api.workspace();
        as(Api.admin()).body(Map.of("spec", "mlflow.large")).patch("/api/v1/workspaces/" + other + "/instances/" + id).then().statusCode(404);
        as(Api.admin()).post("/api/v1/workspaces/" + other + "/instances/" + id + "/release").then().statusCode(404);
    }

    @Test
    void anInstanceOpenToEveryAddressIsFlaggedInItsView() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("open")).statusCode(201).extract().path("id");
        String path = "/api/v1/workspaces/" + ws + "/instances/" + id;
        as(Api.admin()).get(path).then().statusCode(200).body("id", equalTo(id)).body("aclAllowsAll", equalTo(false));
        as(Api.admin()).body(Map.of("cidr", "0.0.0.0/0", "allowAll", true)).post(path + "/acl/entries").then().statusCode(200);
        as(Api.admin()).get(path).then().statusCode(200).body("id", equalTo(id)).body("aclAllowsAll", equalTo(true))
                // the load balancer's verdict on the tracking server comes along
                .body("backendHealth.status", equalTo("UNHEALTHY")).body("backendHealth.reason", equalTo("no answer within 2s"));
        // another workspace's id is still a 404 from instance-service, network-service not asked
        String other = Api.workspace();
        int before = StandInServices.RECEIVED.size();
        as(Api.admin()).get("/api/v1/workspaces/" + other + "/instances/" + id).then().statusCode(404);
        assertEquals(List.of("/instances/" + id), StandInServices.RECEIVED.subList(before, StandInServices.RECEIVED.size())
                .stream().map(StandInServices.Received::uri).toList());
    }

    @Test
    void tokensAreForwardedShownOnceAndNeverKeptForAReplay() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("tok")).statusCode(201).extract().path("id");
        String base = "/api/v1/workspaces/" + ws + "/instances/" + id + "/tokens";
        String key = UUID.randomUUID().toString();
        String token = as(Api.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(Map.of("name", "notebook", "scope", "read")).post(base).then().statusCode(201)
                .body("scope", equalTo("read")).extract().path("token");
        assertTrue(token.startsWith("mlft_"));
        assertEquals("/networks/" + id + "/tokens", last("POST", "/networks/").uri());
        // a replay answers the token's record, without the token (the gateway never stored it)
        as(Api.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(Map.of("name", "notebook", "scope", "read")).post(base).then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("id", equalTo("tok_0123456789ab")).body("token", org.hamcrest.Matchers.nullValue());
        as(Api.admin()).get(base).then().statusCode(200);
        as(Api.admin()).delete(base + "/tok_0123456789ab").then().statusCode(204);
        assertEquals("/networks/" + id + "/tokens/tok_0123456789ab", last("DELETE", "/networks/").uri());
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("name", "x", "scope", "admin"), Map.of("scope", "read"),
                Map.of("name", "a\u0000b", "scope", "read"), Map.of("name", "x", "scope", "read", "expiresInDays", 0))) {
            as(Api.admin()).contentType("application/json").body(bad).post(base).then().statusCode(400);
        }
        as(Api.admin()).delete(base + "/not-a-token").then().statusCode(400);
        String[] viewer = Api.member(ws, "viewer");
        // a viewer lists only the browser sign-in tokens they made (none here), and creates none
        as(viewer[1]).get(base).then().statusCode(200).body("items.size()", equalTo(0));
        as(viewer[1]).contentType("application/json").body(Map.of("name", "x", "scope", "read")).post(base).then().statusCode(403);
    }

    private static StandInServices.Received last(String method, String prefix) {
        List<StandInServices.Received> all = StandInServices.RECEIVED.stream()
                .filter(r -> r.method().equals(method) && r.uri().startsWith(prefix)).toList();
        return all.get(all.size() - 1);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theNetworkRegistryIsForwardedToMembersOnlyAsTheirWorkspace() {
        String ws = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs").then().statusCode(200).body("items[0].id", equalTo("vpc-local"));
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/vpc-local/vswitches").then().statusCode(200)
                .body("items.zoneId", equalTo(List.of("zone-a", "zone-a", "zone-b")));
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/vpc-local/security-groups").then().statusCode(200)
                .body("items.find { it.id == 'sg-local-managed' }.basic", equalTo(false));
        StandInServices.Received r = StandInServices.RECEIVED.stream()
                .filter(x -> x.uri().equals("/registry/vpcs/vpc-local/security-groups")).reduce((a, b) -> b).orElseThrow();
        assertEquals(ws, r.claims().get("dms_ws").asText());
        assertEquals(viewer[0], r.claims().get("sub").asText());
        // another workspace's member and a bad id never reach the service
        String other = Api.workspace();
        as(viewer[1]).get("/api/v1/workspaces/" + other + "/network/vpcs").then().statusCode(404).contentType("application/problem+json");
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/vpc%20x/vswitches").then().statusCode(400);
        as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/.../vswitches").then().statusCode(400);
    }
}
