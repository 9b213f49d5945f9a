package dev.dmsmlflow.network.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.RawHttp;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import dev.dmsmlflow.network.support.Steps;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class NetworkApiTest {

    @Inject
    NetworkService service;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    dev.dmsmlflow.network.provider.local.LocalLoadBalancers localLoadBalancers;

    @Inject
    dev.dmsmlflow.network.application.Reconciler reconciler;

    /** A request of an editor of the fixtures' workspace. */
    private static io.restassured.specification.RequestSpecification as() {
        return ServiceTokens.editorOf(Fixtures.WORKSPACE);
    }

    // ------------------------------------------------------------------ dry-run validation

    private static io.restassured.response.ValidatableResponse validate(String vpc, String vsw, String vsw2, String sg) {
        return as().contentType(ContentType.JSON)
                .body(Map.of("vpcId", vpc, "vSwitchId", vsw, "secondaryVSwitchId", vsw2, "securityGroupId", sg))
                .when().post("/networks/validate").then();
    }

    @Test
    void validationAcceptsTheSeededNetwork() {
        validate("vpc-local", "vsw-local-a", "vsw-local-b", "sg-local-basic").statusCode(200)
                .body("valid", equalTo(true)).body("zoneIds", hasItems("zone-a", "zone-b"));
    }

    @Test
    void validationRefusesVSwitchesInTheSameZone() {
        validate("vpc-local", "vsw-local-a", "vsw-local-a2", "sg-local-basic").statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("secondaryVSwitchId"))
                .body("code", equalTo("VSWITCHES_IN_SAME_ZONE"))
                .body("detail", containsString("must be in a different zone than the primary vSwitch"));
    }

    @Test
    void validationRefusesManagedAndEnterpriseSecurityGroups() {
        validate("vpc-local", "vsw-local-a", "vsw-local-b", "sg-local-managed").statusCode(400)
                .body("field", equalTo("securityGroupId")).body("code", equalTo("SECURITY_GROUP_NOT_BASIC"))
                .body("detail", containsString("managed"));
        validate("vpc-local", "vsw-local-a", "vsw-local-b", "sg-local-enterprise").statusCode(400)
                .body("field", equalTo("securityGroupId")).body("code", equalTo("SECURITY_GROUP_NOT_BASIC"))
                .body("detail", containsString("enterprise"));
    }

    @Test
    void validationRefusesUnknownVpcAndForeignOrUnknownVSwitches() {
        validate("vpc-nope", "vsw-local-a", "vsw-local-b", "sg-local-basic").statusCode(400)
                .body("field", equalTo("vpcId")).body("code", equalTo("VPC_NOT_FOUND"));
        validate("vpc-local", "vsw-other-a", "vsw-local-b", "sg-local-basic").statusCode(400)
                .body("field", equalTo("vSwitchId")).body("code", equalTo("VSWITCH_NOT_IN_VPC"));
        validate("vpc-local", "vsw-local-a", "vsw-nope", "sg-local-basic").statusCode(400)
                .body("field", equalTo("secondaryVSwitchId")).body("code", equalTo("VSWITCH_NOT_FOUND"));
        validate("vpc-local", "vsw-local-a", "vsw-local-b", "sg-nope").statusCode(400)
                .body("field", equalTo("securityGroupId")).body("code", equalTo("SECURITY_GROUP_NOT_FOUND"));
        as().contentType(ContentType.JSON).body(Map.of("vpcId", "vpc-local")).when().post("/networks/validate")
                .then().statusCode(400).body("field", equalTo("vSwitchId"));
    }

    @Test
    void validationRefusesAPrimaryVSwitchWithFewerThanTwoFreeAddresses() {
        validate("vpc-local", "vsw-local-full", "vsw-local-b", "sg-local-basic").statusCode(400)
                .body("field", equalTo("vSwitchId")).body("code", equalTo("VSWITCH_NO_FREE_IP"))
                .body("detail", containsString("1 free addresses"));
    }

    @Test
    void eachLiveInstanceHoldsTwoAddressesOfItsPrimaryVSwitch() {
        validate("vpc-local", "vsw-local-small", "vsw-local-b", "sg-local-basic").statusCode(200).body("primaryFreeAddresses", equalTo(3));
        String id = Fixtures.newInstanceId();
        Steps.run(id, () ->
                service.onInstanceRequested(Fixtures.requested(id, "vsw-local-small", "vsw-local-b", "sg-local-basic")));
        validate("vpc-local", "vsw-local-small", "vsw-local-b", "sg-local-basic").statusCode(400)
                .body("code", equalTo("VSWITCH_NO_FREE_IP")).body("detail", containsString("1 free addresses"));
        Steps.run(id, () -> {
            try {
                service.onReleaseRequested(Fixtures.releaseRequested(id));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        validate("vpc-local", "vsw-local-small", "vsw-local-b", "sg-local-basic").statusCode(200);
    }

    // ------------------------------------------------------------------ networks and the local proxy

    private JsonPath provision(String instanceId, String securityGroup) {
        Steps.run(instanceId, () ->
                service.onInstanceRequested(Fixtures.requested(instanceId, "vsw-local-a", "vsw-local-b", securityGroup)));
        return as().when().get("/networks/" + instanceId).then().statusCode(200)
                .body("status", equalTo("ACTIVE")).extract().jsonPath();
    }

    private void registerBackend(String instanceId, int port) {
        Steps.run(instanceId, () -> {
            try {
                service.onInstanceDeployed(Fixtures.deployed(instanceId, port));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void addEntry(String instanceId, String cidr, int expectedAdded) {
        as().contentType(ContentType.JSON).body(Map.of("cidr", cidr, "description", "test"))
                .when().post("/networks/" + instanceId + "/acl/entries")
                .then().statusCode(200).body("added.size()", equalTo(expectedAdded));
    }

    @Test
    void networkIsFoundByInstanceIdAndUnknownOnesAre404() {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        assertTrue(n.getString("loadBalancerId").startsWith("alb-"));
        assertEquals("127.0.0.1", n.getString("vpcAddress"));
        assertEquals(List.of("zone-a", "zone-b"), n.getList("zoneIds"));
        as().when().get("/networks/mlf-does-not-exist").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void networksAreListedNewestFirstPageByPage() {
        String ws = Fixtures.newWorkspace();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = Fixtures.newInstanceId();
            Steps.run(id, () ->
                    service.onInstanceRequested(Fixtures.requestedIn(ws, id, "vsw-local-a", "vsw-local-b", "sg-local-basic")));
            ids.add(0, id);
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var request = ServiceTokens.viewerOf(ws).queryParam("pageSize", 2);
            if (token != null) {
                request = request.queryParam("pageToken", token);
            }
            JsonPath page = request.when().get("/networks").then().statusCode(200).extract().jsonPath();
            List<String> items = page.getList("items.instanceId");
            assertTrue(items.size() <= 2);
            seen.addAll(items);
            token = page.getString("nextPageToken");
            pages++;
        } while (token != null && pages < 10);
        assertEquals(ids, seen, "newest first, each once");
        assertEquals(3, pages);
        ServiceTokens.viewerOf(ws).queryParam("status", "FAILED").when().get("/networks").then().statusCode(200)
                .body("items.size()", equalTo(0));
    }

    @Test
    void badListParametersAre400NamingTheParameter() {
        String id = Fixtures.newInstanceId();
        provision(id, "sg-local-basic");
        for (String path : List.of("/networks", "/networks/" + id + "/acl/entries")) {
            for (String bad : List.of("abc", "0", "1001", "2147483648", "-5")) {
                as().queryParam("pageSize", bad).when().get(path).then().statusCode(400)
                        .contentType("application/problem+json").body("field", equalTo("pageSize"));
            }
            as().queryParam("pageToken", "%%%").when().get(path).then().statusCode(400).body("field", equalTo("pageToken"));
        }
        as().queryParam("status", "SLEEPING").when().get("/networks").then().statusCode(400).body("field", equalTo("status"));
        // a token of one list is not a token of the other
        String networksToken = dev.dmsmlflow.platform.paging.PageRequest.token("n", "2026-01-01T00:00:00Z|x");
        as().queryParam("pageToken", networksToken).when().get("/networks/" + id + "/acl/entries").then().statusCode(400)
                .body("field", equalTo("pageToken"));
    }

    @Test
    void proxyDeniesEverythingUntilAnAclEntryCoversTheSourceThenForwardsToTheBackend() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        String host = n.getString("vpcAddress");
        int port = n.getInt("vpcPort");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());

            RawHttp.Response denied = RawHttp.get("127.0.0.1", host, port, "/api/2.0/mlflow/experiments/search");
            assertEquals(403, denied.status());
            assertEquals("acl", denied.json().get("layer").asText());

            addEntry(id, "127.0.0.1", 1);
            RawHttp.Response ok = RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/create?x=1&y=two",
                    "{\"experiment_id\":\"0\"}", Map.of("X-Test", "kept", "Content-Type", "application/json"));
            assertEquals(200, ok.status(), ok.body());
            JsonNode echo = ok.json();
            assertEquals("POST", echo.get("method").asText());
            assertEquals("/api/2.0/mlflow/runs/create", echo.get("path").asText());
            assertEquals("x=1&y=two", echo.get("query").asText());
            assertEquals("{\"experiment_id\":\"0\"}", echo.get("body").asText());
            assertEquals("kept", echo.get("xTest").asText());
            assertEquals("127.0.0.1", echo.get("forwardedFor").asText());
            assertEquals("echo", ok.headers().get("x-backend"));

            // the load balancer adds the instance's secret (whose digest NetworkProvisioned told) and drops a client's own
            String digest = outboxPayloads(id, "NetworkProvisioned").get(0).get("backendAuthDigest").asText();
            assertEquals(64, digest.length());
            String secret = echo.get("backendAuth").asText();
            assertEquals(digest, dev.dmsmlflow.network.application.BackendSecrets.digest(secret));
            RawHttp.Response forged = RawHttp.request("127.0.0.1", host, port, "GET", "/x", null,
                    Map.of("X-Dms-Backend-Auth", "forged", "x-dms-backend-auth", "forged-too"));
            assertEquals(secret, forged.json().get("backendAuth").asText(), "only the load balancer's secret reaches the backend");
            // and the backend's address is in no answer of the API
            String view = as().when().get("/networks/" + id).then().statusCode(200).body("backendRegistered", equalTo(true))
                    .extract().asString();
            assertFalse(view.contains(String.valueOf(backend.port())), view);
            assertFalse(view.contains(secret), view);
            assertFalse(view.contains("\"backend\""), view);

            RawHttp.Response other = RawHttp.get("127.0.0.2", host, port, "/");
            assertEquals(403, other.status());
            assertEquals("acl", other.json().get("layer").asText());

            as().queryParam("cidr", "127.0.0.1/32").when().delete("/networks/" + id + "/acl/entries")
                    .then().statusCode(200).body("removed.size()", equalTo(1)).body("total", equalTo(0));
            assertEquals(403, RawHttp.get("127.0.0.1", host, port, "/").status());
        }
    }

    @Test
    void largeBodiesStreamThroughTheProxy() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.0/8", 1);
            String big = "0123456789abcdef".repeat(256 * 1024); // 4 MiB
            RawHttp.Response ok = RawHttp.request("127.0.0.9", n.getString("vpcAddress"), n.getInt("vpcPort"), "PUT",
                    "/ajax-api/2.0/mlflow-artifacts/artifacts/model.bin", big, Map.of("Content-Type", "application/octet-stream"));
            assertEquals(200, ok.status());
            assertEquals(big.length(), ok.json().get("body").asText().length());
            assertEquals("PUT", ok.json().get("method").asText());
        }
    }

    @Test
    void aUriOfEightKilobytesIsForwardedAndALongerOneIs414WithTheLimit() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.1", 1);
            String prefix = "/api/2.0/mlflow/runs/search?filter=";
            // exactly 8192 bytes of URI, as a long runs/search filter in a GET: forwarded unchanged
            String atLimit = prefix + "a".repeat(8192 - prefix.length());
            RawHttp.Response ok = RawHttp.request("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "GET", atLimit, null, Map.of());
            assertEquals(200, ok.status());
            assertEquals(8192 - prefix.length() + "filter=".length(), ok.json().get("query").asText().length());
            // one byte more, and a URI far over the request line's limit: 414 naming the limit, the backend not called
            for (int length : new int[] {8193, 20_000}) {
                String over = prefix + "a".repeat(length - prefix.length());
                RawHttp.Response refused = RawHttp.request("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "GET", over, null, Map.of());
                assertEquals(414, refused.status(), "URI of " + length + " bytes");
                assertEquals(8192, refused.json().get("limit").asInt(), "URI of " + length + " bytes");
                assertEquals("load-balancer", refused.json().get("layer").asText());
            }
        }
    }

    @Test
    void aBodyOverTheLimitIsAnswered413WithTheLimitAndNeverReachesTheBackend() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.1", 1);
            // declared: refused before a byte of the body is read
            try (java.net.Socket s = new java.net.Socket(n.getString("vpcAddress"), n.getInt("vpcPort"))) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("PUT /api/2.0/mlflow-artifacts/artifacts/big.bin HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: 2147483648\r\n\r\n").getBytes());
                String answer = new String(s.getInputStream().readNBytes(2048));
                assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
                assertTrue(answer.contains("\"limit\":8388608"), answer);
                assertTrue(answer.contains("REQUEST_LIMIT_EXCEEDED"), answer);
            }
            // chunked: cut once it passes the limit
            try (java.net.Socket s = new java.net.Socket(n.getString("vpcAddress"), n.getInt("vpcPort"))) {
                s.setSoTimeout(10_000);
                var out = s.getOutputStream();
                out.write(("PUT /api/2.0/mlflow-artifacts/artifacts/big.bin HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes());
                byte[] chunk = new byte[1 << 20];
                String answer = "";
                try {
                    for (int i = 0; i < 12; i++) {
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes());
                        out.write(chunk);
                        out.write("\r\n".getBytes());
                    }
                    out.write("0\r\n\r\n".getBytes());
                } catch (java.io.IOException closed) {
                    // the proxy may close before the client finished sending
                }
                answer = new String(s.getInputStream().readNBytes(2048));
                assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            }
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void inTokenModeTheProxyWantsATokenAndAReadTokenOnlyReads() throws Exception {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requestedWithTokens(id)));
        JsonPath n = as().when().get("/networks/" + id).then().statusCode(200).body("authMode", equalTo("token")).extract().jsonPath();
        String host = n.getString("vpcAddress");
        int port = n.getInt("vpcPort");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.1", 1);
            // the ACL still comes first: a stranger's address is refused by it, token or not
            assertEquals("acl", RawHttp.request("127.0.0.2", host, port, "GET", "/", null, Map.of()).json().get("layer").asText());

            RawHttp.Response none = RawHttp.get("127.0.0.1", host, port, "/api/2.0/mlflow/experiments/search");
            assertEquals(401, none.status(), none.body());
            assertEquals("UNAUTHENTICATED", none.json().get("error_code").asText());
            assertTrue(none.headers().get("www-authenticate") != null, none.headers().toString());
            assertEquals(401, RawHttp.request("127.0.0.1", host, port, "GET", "/x", null, Map.of("Authorization", "Bearer mlft_nope")).status());
            assertEquals(200, RawHttp.get("127.0.0.1", host, port, "/health").status(), "health stays open");

            String reader = as().contentType(ContentType.JSON).body(Map.of("name", "notebook", "scope", "read"))
                    .when().post("/networks/" + id + "/tokens").then().statusCode(201)
                    .body("scope", equalTo("read")).body("status", equalTo("active")).extract().path("token");
            JsonPath writerView = as().contentType(ContentType.JSON).body(Map.of("name", "training", "scope", "read-write", "expiresInDays", 30))
                    .when().post("/networks/" + id + "/tokens").then().statusCode(201).extract().jsonPath();
            String writer = writerView.getString("token");
            assertTrue(reader.startsWith("mlft_") && writer.startsWith("mlft_"));
            String listed = as().when().get("/networks/" + id + "/tokens").then().statusCode(200).body("items.size()", equalTo(2))
                    .extract().asString();
            assertFalse(listed.contains(reader) || listed.contains(writer), "a token is shown once only");
            ServiceTokens.viewerOf(Fixtures.WORKSPACE).when().get("/networks/" + id + "/tokens").then().statusCode(403);
            ServiceTokens.editorOf(Fixtures.newWorkspace()).when().get("/networks/" + id + "/tokens").then().statusCode(404);
            for (String bad : List.of("{\"name\": \"x\", \"scope\": \"admin\"}", "{\"scope\": \"read\"}",
                    "{\"name\": \"n\\u0000\", \"scope\": \"read\"}", "{\"name\": \"x\", \"scope\": \"read\", \"expiresInDays\": 0}")) {
                as().contentType(ContentType.JSON).body(bad).when().post("/networks/" + id + "/tokens").then().statusCode(400);
            }

            // read: GET and the searches MLflow sends as POST; a write is 403 in MLflow's format
            Map<String, String> asReader = Map.of("Authorization", "Bearer " + reader, "Content-Type", "application/json");
            assertEquals(200, RawHttp.request("127.0.0.1", host, port, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", null, asReader).status());
            assertEquals(200, RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/search", "{}", asReader).status());
            RawHttp.Response write = RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/create", "{}", asReader);
            assertEquals(403, write.status());
            assertEquals("PERMISSION_DENIED", write.json().get("error_code").asText());
            assertEquals(403, RawHttp.request("127.0.0.1", host, port, "PUT", "/api/2.0/mlflow-artifacts/artifacts/m.pkl", "x", asReader).status());

            // read-write, as MLFLOW_TRACKING_USERNAME/PASSWORD send it (Basic); the token never reaches the tracking server
            RawHttp.Response created = RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/create", "{}",
                    Map.of("Authorization", basic("alice", writer), "Content-Type", "application/json"));
            assertEquals(200, created.status(), created.body());
            assertTrue(created.json().get("authorization").isNull(), created.body());
            assertEquals(401, RawHttp.request("127.0.0.1", host, port, "GET", "/x", null, Map.of("Authorization", basic(writer, ""))).status());

            // revoked: refused at once, also a header the proxy has just seen and admitted (its verdicts are remembered)
            for (int k = 0; k < 2; k++) {
                assertEquals(200, RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/create", "{}",
                        Map.of("Authorization", "Bearer " + writer, "Content-Type", "application/json")).status());
            }
            as().when().delete("/networks/" + id + "/tokens/" + writerView.getString("id")).then().statusCode(204);
            assertEquals(401, RawHttp.request("127.0.0.1", host, port, "POST", "/api/2.0/mlflow/runs/create", "{}",
                    Map.of("Authorization", "Bearer " + writer, "Content-Type", "application/json")).status());
            as().when().get("/networks/" + id + "/tokens").then().body("items.find { it.name == 'training' }.status", equalTo("revoked"));
            as().when().delete("/networks/" + id + "/tokens/tok_000000000000").then().statusCode(404);

            // back to network mode (InstanceUpdated): no token needed; and a restart keeps mode and tokens
            Steps.run(id, () -> service.onInstanceUpdated(new dev.dmsmlflow.contracts.instance.InstanceUpdated(
                    id, Fixtures.WORKSPACE, "my-mlflow", null, "network", java.time.Instant.now())));
            assertEquals(200, RawHttp.get("127.0.0.1", host, port, "/api/2.0/mlflow/experiments/search").status());
            Steps.run(id, () -> service.onInstanceUpdated(new dev.dmsmlflow.contracts.instance.InstanceUpdated(
                    id, Fixtures.WORKSPACE, "my-mlflow", null, "token", java.time.Instant.now())));
            assertEquals(401, RawHttp.get("127.0.0.1", host, port, "/api/2.0/mlflow/experiments/search").status());
            localLoadBalancers.closeAll();
            reconciler.reconcile();
            JsonPath after = as().when().get("/networks/" + id).then().statusCode(200).extract().jsonPath();
            assertEquals(401, RawHttp.get("127.0.0.1", host, after.getInt("vpcPort"), "/api/2.0/mlflow/experiments/search").status());
            assertEquals(200, RawHttp.request("127.0.0.1", host, after.getInt("vpcPort"), "GET", "/x", null,
                    Map.of("Authorization", "Bearer " + reader)).status());
        }
    }

    @Test
    void securityGroupInboundRulesAreEnforcedAfterTheAcl() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-narrow");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.0/8", 1);
            RawHttp.Response denied = RawHttp.get("127.0.0.3", n.getString("vpcAddress"), n.getInt("vpcPort"), "/");
            assertEquals(403, denied.status());
            assertEquals("security-group", denied.json().get("layer").asText());
            assertEquals(200, RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/").status());
        }
    }

    @Test
    void proxyAnswers503WithoutBackendAnd502WhenTheBackendIsDown() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        addEntry(id, "127.0.0.1", 1);
        RawHttp.Response none = RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/");
        assertEquals(503, none.status());
        assertEquals("backend", none.json().get("layer").asText());
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        registerBackend(id, deadPort);
        RawHttp.Response down = RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/");
        assertEquals(502, down.status());
        assertFalse(down.body().contains(String.valueOf(deadPort)), "the backend's port is not published: " + down.body());
    }

    @Test
    void proxiesAreRecreatedFromTheDatabaseAfterARestart() throws Exception {
        String id = Fixtures.newInstanceId();
        JsonPath n = provision(id, "sg-local-basic");
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            addEntry(id, "127.0.0.1", 1);
            assertEquals(200, RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/").status());
            localLoadBalancers.closeAll();
            org.junit.jupiter.api.Assertions.assertThrows(java.net.ConnectException.class,
                    () -> RawHttp.get("127.0.0.1", n.getString("vpcAddress"), n.getInt("vpcPort"), "/"));
            assertTrue(reconciler.reconcile() >= 1);
            JsonPath after = as().when().get("/networks/" + id).then().statusCode(200).extract().jsonPath();
            assertEquals(200, RawHttp.get("127.0.0.1", after.getString("vpcAddress"), after.getInt("vpcPort"), "/").status());
            assertEquals(403, RawHttp.get("127.0.0.2", after.getString("vpcAddress"), after.getInt("vpcPort"), "/").status());
        }
    }

    // ------------------------------------------------------------------ ACL entries

    @Test
    void aclEntriesAreNormalizedAndDuplicatesAreIdempotent() throws Exception {
        String id = Fixtures.newInstanceId();
        provision(id, "sg-local-basic");
        addEntry(id, "10.1.2.3/8", 1);
        addEntry(id, "10.0.0.0/8", 0);
        addEntry(id, "10.9.9.9", 1);
        as().contentType(ContentType.JSON)
                .body(Map.of("entries", List.of(Map.of("cidr", "192.168.1.7"), Map.of("cidr", "192.168.1.7/32"), Map.of("cidr", "172.16.0.0/12"))))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200)
                .body("added.cidr", equalTo(List.of("192.168.1.7/32", "172.16.0.0/12"))).body("total", equalTo(4));
        as().when().get("/networks/" + id + "/acl/entries").then().statusCode(200)
                .body("items.size()", equalTo(4))
                .body("items.cidr", hasItems("10.0.0.0/8", "10.9.9.9/32", "192.168.1.7/32", "172.16.0.0/12"));
        as().contentType(ContentType.JSON).body(Map.of("cidr", "not-an-ip")).when().post("/networks/" + id + "/acl/entries")
                .then().statusCode(400).body("field", equalTo("cidr"));
        as().contentType(ContentType.JSON).body(Map.of("entries", List.of(Map.of("cidr", "1.1.1.1"), Map.of("cidr", "1.1.1.1/40"))))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(400).body("field", equalTo("entries[1].cidr"));
        as().contentType(ContentType.JSON).body(Map.of("cidr", "1.1.1.1", "description", "x".repeat(257)))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(400).body("field", equalTo("description"));

        // every change is one AlbAclUpdated in the outbox, valid against the contract
        List<JsonNode> events = outboxPayloads(id, AlbAclUpdated.TYPE);
        assertEquals(3, events.size());
        for (JsonNode e : events) {
            assertEquals(List.of(), EventSchemas.validate(AlbAclUpdated.TYPE, e));
        }
    }

    @Test
    void badTextIpv6AndAnUnconfirmedAllowAllAreRefusedNamingTheFieldAndChangeNothing() throws Exception {
        String id = Fixtures.newInstanceId();
        provision(id, "sg-local-basic");
        String url = "/networks/" + id + "/acl/entries";
        record Case(String body, String field, String code) {
        }
        List<Case> cases = List.of(
                new Case("{\"cidr\": \"10.0.0.1\", \"description\": \"nul\\u0000here\"}", "description", "INVALID_TEXT"),
                new Case("{\"cidr\": \"10.0.0.1\", \"description\": \"half \\ud800 a pair\"}", "description", "INVALID_TEXT"),
                new Case("{\"cidr\": \"10.0.0.1\", \"description\": \"bell\\u0007\"}", "description", "INVALID_TEXT"),
                new Case("{\"cidr\": \"10.0.0.1\\u0000\"}", "cidr", "INVALID_TEXT"),
                new Case("{\"entries\": [{\"cidr\": \"10.0.0.1\"}, {\"cidr\": \"10.0.0.2\", \"description\": \"\\u0000\"}]}", "entries[1].description", "INVALID_TEXT"),
                new Case("{\"cidr\": \"2001:db8::1\"}", "cidr", "IPV6_NOT_SUPPORTED"),
                new Case("{\"cidr\": \"0.0.0.0/0\"}", "cidr", "ALLOW_ALL_NOT_CONFIRMED"),
                new Case("{\"cidr\": \"0.0.0.0/0\", \"allowAll\": false}", "cidr", "ALLOW_ALL_NOT_CONFIRMED"),
                new Case("{\"cidr\": \"::/0\"}", "cidr", "ALLOW_ALL_NOT_CONFIRMED"),
                new Case("{\"cidr\": \"::/0\", \"allowAll\": true}", "cidr", "IPV6_NOT_SUPPORTED"));
        for (Case c : cases) {
            as().contentType(ContentType.JSON).body(c.body()).when().post(url).then().statusCode(400)
                    .contentType("application/problem+json").body("field", equalTo(c.field())).body("code", equalTo(c.code()));
        }
        as().queryParam("cidr", "10.0.0.1\u0000").when().delete(url).then().statusCode(400).body("field", equalTo("cidr"));
        as().urlEncodingEnabled(false).when().get("/networks/" + id + "%00x").then().statusCode(400).body("field", equalTo("instanceId"))
                .body("code", equalTo("INVALID_TEXT"));
        as().queryParam("source", "127.0.0.1\u0000").when().get("/networks/" + id + "/diagnose").then().statusCode(400)
                .body("field", equalTo("source"));
        as().when().get(url).then().statusCode(200).body("items.size()", equalTo(0));
        assertTrue(outboxPayloads(id, AlbAclUpdated.TYPE).isEmpty(), "nothing changed");

        // confirmed, it is accepted and flagged in the network view and by the diagnosis
        as().when().get("/networks/" + id).then().statusCode(200).body("aclAllowsAll", equalTo(false));
        as().contentType(ContentType.JSON).body("{\"cidr\": \"0.0.0.0/0\", \"description\": \"everyone\", \"allowAll\": true}")
                .when().post(url).then().statusCode(200).body("added[0].cidr", equalTo("0.0.0.0/0"));
        as().when().get("/networks/" + id).then().statusCode(200).body("aclAllowsAll", equalTo(true));
        as().queryParam("source", "127.0.0.5").when().get("/networks/" + id + "/diagnose").then().statusCode(200)
                .body("warnings[0]", containsString("every source"));
    }

    @Test
    void theAclsOfAWorkspaceHoldAtMostItsQuotaTogether() {
        String ws = Fixtures.newWorkspace(); // %test.dms.quota.acl-entries-per-workspace=3000
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            String id = Fixtures.newInstanceId();
            Steps.run(id, () ->
                    service.onInstanceRequested(Fixtures.requestedIn(ws, id, "vsw-local-a", "vsw-local-b", "sg-local-basic")));
            ids.add(id);
        }
        for (int k = 0; k < 3; k++) {
            List<Map<String, String>> entries = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                entries.add(Map.of("cidr", "10." + k + "." + (i / 250) + "." + (i % 250)));
            }
            ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("entries", entries))
                    .when().post("/networks/" + ids.get(k) + "/acl/entries").then().statusCode(200).body("total", equalTo(1000));
        }
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("cidr", "11.0.0.1"))
                .when().post("/networks/" + ids.get(3) + "/acl/entries")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("https://dms-mlflow.dev/problems/quota-exceeded"))
                .body("code", equalTo("ACL_ENTRY_WORKSPACE_QUOTA"))
                .body("detail", containsString("at most 3000"));
        ServiceTokens.editorOf(ws).when().get("/networks/" + ids.get(3) + "/acl/entries").then().statusCode(200)
                .body("items.size()", equalTo(0));
        // another workspace is not held back by this one's entries
        String other = Fixtures.newInstanceId();
        String otherWs = Fixtures.newWorkspace();
        Steps.run(other, () ->
                service.onInstanceRequested(Fixtures.requestedIn(otherWs, other, "vsw-local-a", "vsw-local-b", "sg-local-basic")));
        ServiceTokens.editorOf(otherWs).contentType(ContentType.JSON).body(Map.of("cidr", "11.0.0.1"))
                .when().post("/networks/" + other + "/acl/entries").then().statusCode(200);
    }

    @Test
    void anAclHoldsAtMostTheQuotaOfEntriesAndIsListedPageByPage() {
        String id = Fixtures.newInstanceId();
        provision(id, "sg-local-basic");
        List<Map<String, String>> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(Map.of("cidr", "10." + (i / 256) + "." + (i % 256) + ".1"));
        }
        as().contentType(ContentType.JSON).body(Map.of("entries", entries))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200).body("total", equalTo(1000));
        as().contentType(ContentType.JSON).body(Map.of("cidr", "10.0.0.1")).when().post("/networks/" + id + "/acl/entries")
                .then().statusCode(200).body("added.size()", equalTo(0));
        as().contentType(ContentType.JSON).body(Map.of("cidr", "11.0.0.1")).when().post("/networks/" + id + "/acl/entries")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("https://dms-mlflow.dev/problems/quota-exceeded"))
                .body("code", equalTo("ACL_ENTRY_QUOTA"))
                .body("detail", containsString("at most 1000 entries"));
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            var request = as().queryParam("pageSize", 300);
            if (token != null) {
                request = request.queryParam("pageToken", token);
            }
            JsonPath page = request.when().get("/networks/" + id + "/acl/entries").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.cidr"));
            token = page.getString("nextPageToken");
        } while (token != null);
        assertEquals(1000, seen.size());
        assertEquals(1000, new java.util.HashSet<>(seen).size(), "every entry once");
        as().queryParam("pageSize", 1000).when().get("/networks/" + id + "/acl/entries").then().statusCode(200)
                .body("items.size()", equalTo(1000)).body("nextPageToken", equalTo(null));
    }

    @Test
    void aclChangesOnAnUnknownNetworkAre404() {
        as().contentType(ContentType.JSON).body(Map.of("cidr", "10.0.0.1")).when().post("/networks/mlf-none/acl/entries")
                .then().statusCode(404);
    }

    // ------------------------------------------------------------------ diagnosis

    @Test
    void diagnosisReportsEachLayer() throws Exception {
        String id = Fixtures.newInstanceId();
        provision(id, "sg-local-narrow");
        JsonPath before = as().queryParam("source", "127.0.0.1").when().get("/networks/" + id + "/diagnose")
                .then().statusCode(200).extract().jsonPath();
        assertFalse(before.getBoolean("admitted"));
        assertEquals(List.of("acl", "security-group", "vpc", "backend"), before.getList("layers.layer"));
        assertEquals(List.of(false, true, true, false), before.getList("layers.admitted"));
        assertTrue(before.getString("layers[0].reason").contains("denies all"));
        assertTrue(before.getString("layers[3].reason").contains("no tracking server is registered"));

        addEntry(id, "127.0.0.0/8", 1);
        // the network admits the source, but nothing answers behind the load balancer yet
        as().queryParam("source", "127.0.0.1").when().get("/networks/" + id + "/diagnose").then().statusCode(200)
                .body("admitted", equalTo(false)).body("layers.admitted", equalTo(List.of(true, true, true, false)));
        JsonPath other = as().queryParam("source", "127.0.0.9").when().get("/networks/" + id + "/diagnose")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(true, false, true, false), other.getList("layers.admitted"));
        JsonPath outside = as().queryParam("source", "192.168.5.5").when().get("/networks/" + id + "/diagnose")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(false, false, false, false), outside.getList("layers.admitted"));
        // with a tracking server registered (judged or not yet: the load balancer forwards either way) every layer admits
        try (EchoBackend backend = new EchoBackend()) {
            registerBackend(id, backend.port());
            as().queryParam("source", "127.0.0.1").when().get("/networks/" + id + "/diagnose").then().statusCode(200)
                    .body("admitted", equalTo(true));
        }
        as().queryParam("source", "nope").when().get("/networks/" + id + "/diagnose").then().statusCode(400)
                .body("field", equalTo("source"));
    }

    private List<JsonNode> outboxPayloads(String instanceId, String type) throws Exception {
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
