package dev.dmsmlflow.instance;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instance API without the saga: validation, idempotency, reads, edits and refused transitions, called as an editor
 * of a workspace of each test's own (access control itself: {@code InstanceAccessTest}).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class InstanceApiTest {

    static Bus bus;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    /** A bucket name only this workspace uses in the tests. */
    static String bucketOf(String workspace) {
        return "ml-" + Integer.toHexString(workspace.hashCode() & 0x7fffffff) + "-" + workspace.length();
    }

    static Map<String, Object> validBody(String workspace) {
        Map<String, Object> b = new HashMap<>();
        b.put("workspaceId", workspace);
        String name = "mlflow-" + UUID.randomUUID().toString().substring(0, 8);
        b.put("name", name);
        b.put("description", "team tracking");
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-a");
        b.put("secondaryVSwitchId", "vsw-b");
        b.put("securityGroupId", "sg-basic");
        // a bucket of the workspace's own (the first workspace to use a bucket claims it) and a root of the instance's own
        b.put("ossBucket", bucketOf(workspace));
        b.put("ossPath", "team/" + name);
        b.put("spec", "mlflow.small");
        return b;
    }

    static String workspace() {
        return "ws-" + UUID.randomUUID().toString().substring(0, 12);
    }

    /** A request of an editor of {@code workspace}, with a fresh service token. */
    static RequestSpecification as(String workspace) {
        return ServiceTokens.editorOf(workspace);
    }

    private int instancesIn(String workspace) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM instance WHERE workspace_id = ?")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void assertRejected(String workspace, Map<String, Object> body, String field) throws Exception {
        as(workspace).contentType(ContentType.JSON).body(body).post("/instances").then()
                .statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400)).body("field", equalTo(field)).body("detail", notNullValue());
        assertEquals(0, instancesIn(workspace), "nothing may be created for a rejected request");
    }

    @Test
    void invalidFieldsAreRejectedNamingTheFieldAndNothingIsCreated() throws Exception {
        String ws = workspace();
        Map<String, List<Object>> bad = Map.of(
                "name", List.of("", "1starts-with-digit", "has space", "x".repeat(65), "bad.dot"),
                "ossBucket", List.of("Upper", "ab", "-starts-with-hyphen", "ends-with-hyphen-", "under_score", "b".repeat(64)),
                "ossPath", List.of("", "/leading", "a/../b", "..", "a//b", "a\\b", "p".repeat(1025)),
                "spec", List.of("mlflow.huge", ""),
                "vpcId", List.of(""),
                "description", List.of("d".repeat(257)));
        for (var e : bad.entrySet()) {
            for (Object value : e.getValue()) {
                Map<String, Object> body = validBody(ws);
                body.put(e.getKey(), value);
                assertRejected(ws, body, e.getKey());
            }
        }
        Map<String, Object> missing = validBody(ws);
        missing.remove("securityGroupId");
        assertRejected(ws, missing, "securityGroupId");
        Map<String, Object> sameSwitch = validBody(ws);
        sameSwitch.put("secondaryVSwitchId", "vsw-a");
        assertRejected(ws, sameSwitch, "secondaryVSwitchId");
    }

    /**
     * The shapes declared on the request record (Bean Validation, mapped once in platform) answer as the hand-written checks
     * did: 400 problem+json naming the field with the same sentence, now with the constraint's code; PATCH checks its values
     * against the same declarations; a caller without a token still gets 401 before anything looks at the body.
     */
    @Test
    void declaredConstraintsAnswerNamingTheFieldWithTheirSentenceAndCode() throws Exception {
        String ws = workspace();
        String[][] cases = {
                // field, value, code, detail
                {"name", "", "NOT_EMPTY", "name is required."},
                {"name", "9lives", "PATTERN", "name must be 1-64 characters of letters, digits, '-' and '_', starting with a letter."},
                {"vSwitchId", "vsw a", "PATTERN", "vSwitchId must be 1-128 characters of letters, digits, '.', '-' and '_'."},
                {"ossBucket", "Upper", "PATTERN", "ossBucket must be 3-63 characters of lowercase letters, digits and '-', and must not"
                        + " start or end with '-'."},
                {"ossPath", "p".repeat(1025), "SIZE", "ossPath must be at most 1024 characters."},
                {"description", "d".repeat(257), "SIZE", "description must be at most 256 characters."}};
        for (String[] c : cases) {
            Map<String, Object> body = validBody(ws);
            body.put(c[0], c[1]);
            as(ws).contentType(ContentType.JSON).body(body).post("/instances").then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("https://dms-mlflow.dev/problems/invalid-field")).body("status", equalTo(400))
                    .body("field", equalTo(c[0])).body("code", equalTo(c[2])).body("detail", equalTo(c[3]));
        }
        Map<String, Object> missing = validBody(ws);
        missing.remove("securityGroupId");
        as(ws).contentType(ContentType.JSON).body(missing).post("/instances").then().statusCode(400)
                .body("field", equalTo("securityGroupId")).body("code", equalTo("NOT_EMPTY")).body("detail", equalTo("securityGroupId is required."));
        as(ws).contentType(ContentType.JSON).post("/instances").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("body")).body("detail", equalTo("A JSON body with the instance's parameters is required."));
        // a rule the domain keeps (the path's segments) answers as before, without a constraint's code
        Map<String, Object> dots = validBody(ws);
        dots.put("ossPath", "a/../b");
        as(ws).contentType(ContentType.JSON).body(dots).post("/instances").then().statusCode(400)
                .body("field", equalTo("ossPath")).body("detail", equalTo("ossPath must not contain '.' or '..' segments."));
        Map<String, Object> bad = validBody(ws);
        bad.put("name", "");
        given().contentType(ContentType.JSON).body(bad).post("/instances").then().statusCode(401);
        assertEquals(0, instancesIn(ws), "nothing may be created for a rejected request");

        Map<String, Object> created = validBody(ws);
        String id = as(ws).contentType(ContentType.JSON).body(created).post("/instances").then().statusCode(201).extract().path("id");
        as(ws).contentType(ContentType.JSON).body(Map.of("name", "has space")).patch("/instances/" + id).then()
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("name")).body("code", equalTo("PATTERN"))
                .body("detail", equalTo("name must be 1-64 characters of letters, digits, '-' and '_', starting with a letter."));
        as(ws).contentType(ContentType.JSON).body(Map.of("description", "d".repeat(257))).patch("/instances/" + id).then()
                .statusCode(400).body("field", equalTo("description")).body("code", equalTo("SIZE"));
        as(ws).get("/instances/" + id).then().statusCode(200).body("name", equalTo(created.get("name")));
    }

    @Test
    void networkDryRunRejectionsNameTheFieldAndCreateNothing() throws Exception {
        String ws = workspace();
        Map<String, Object> unknownVpc = validBody(ws);
        unknownVpc.put("vpcId", NetworkServiceStandIn.UNKNOWN_VPC);
        assertRejected(ws, unknownVpc, "vpcId");
        Map<String, Object> sameZone = validBody(ws);
        sameZone.put("secondaryVSwitchId", NetworkServiceStandIn.SAME_ZONE_VSWITCH);
        assertRejected(ws, sameZone, "secondaryVSwitchId");
        Map<String, Object> managed = validBody(ws);
        managed.put("securityGroupId", NetworkServiceStandIn.MANAGED_SECURITY_GROUP);
        as(ws).contentType(ContentType.JSON).body(managed).post("/instances").then()
                .statusCode(400).body("field", equalTo("securityGroupId")).body("code", equalTo("SECURITY_GROUP_NOT_BASIC"));
        assertEquals(0, instancesIn(ws));
    }

    @Test
    void invalidInputNeverReachesTheNetworkDryRun() {
        int before = NetworkServiceStandIn.CALLS.get();
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        body.put("ossBucket", "Bad_Bucket");
        as(ws).contentType(ContentType.JSON).body(body).post("/instances").then().statusCode(400);
        assertEquals(before, NetworkServiceStandIn.CALLS.get());
    }

    @Test
    void aBucketBelongsToTheFirstWorkspaceAndRootsNeverNestAndARefusalCreatesNothing() {
        String ws = workspace();
        String other = workspace();
        String bucket = bucketOf(ws);
        Map<String, Object> first = validBody(ws);
        first.put("ossPath", "models/a");
        as(ws).contentType(ContentType.JSON).body(first).post("/instances").then().statusCode(201);

        int before = NetworkServiceStandIn.CALLS.get();
        // another workspace, same bucket, any path: the bucket is not theirs
        Map<String, Object> foreign = validBody(other);
        foreign.put("ossBucket", bucket);
        foreign.put("ossPath", "somewhere/else");
        as(other).contentType(ContentType.JSON).body(foreign).post("/instances").then().statusCode(409)
                .contentType("application/problem+json").body("field", equalTo("ossBucket")).body("code", equalTo("OSS_BUCKET_CLAIMED"))
                .body("detail", not(org.hamcrest.Matchers.containsString(ws)));
        foreign.put("ossPath", "models/a");
        as(other).contentType(ContentType.JSON).body(foreign).post("/instances").then().statusCode(409).body("field", equalTo("ossBucket"));
        as(other).get("/instances").then().statusCode(200).body("items.size()", equalTo(0));

        // the same workspace: an equal, an enclosing or an enclosed root is refused; a sibling is fine
        for (String path : List.of("models/a", "models/a/", "models", "models/a/x", "models/a/x/y")) {
            Map<String, Object> b = validBody(ws);
            b.put("ossPath", path);
            as(ws).contentType(ContentType.JSON).body(b).post("/instances").then().statusCode(409)
                    .body("field", equalTo("ossPath")).body("code", equalTo("OSS_PATH_OVERLAPS"));
        }
        as(ws).get("/instances").then().statusCode(200).body("items.size()", equalTo(1));
        Map<String, Object> sibling = validBody(ws);
        sibling.put("ossPath", "models/ab");
        as(ws).contentType(ContentType.JSON).body(sibling).post("/instances").then().statusCode(201);
        assertTrue(NetworkServiceStandIn.CALLS.get() >= before);

        // bad text in the path or description never gets that far
        // (as JSON text: an unpaired surrogate is what a \\u escape can say, and what no JSON library writes)
        for (String[] c : new String[][]{{"ossPath", "models/%2e%2e/x"}, {"ossPath", "a\\u0000b"}, {"ossPath", "x\\ud800"},
                {"description", "half \\ud800 pair"}, {"description", "nul\\u0000"}}) {
            Map<String, Object> b = validBody(ws);
            b.put(c[0], "PLACEHOLDER");
            String json;
            try {
                json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(b).replace("PLACEHOLDER", c[1]);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            as(ws).contentType(ContentType.JSON).body(json).post("/instances").then().statusCode(400).body("field", equalTo(c[0]));
        }
    }

    @Test
    void theAuthenticationModeIsChosenAtCreateAndEditedAndTravelsInTheEvents() {
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        body.put("authMode", "token");
        String id = as(ws).contentType(ContentType.JSON).body(body).post("/instances").then().statusCode(201)
                .body("authMode", equalTo("token")).extract().path("id");
        Bus.Received requested = bus.await("InstanceRequested", Bus.forInstance(id), Duration.ofSeconds(60));
        assertEquals("token", requested.payload().get("authMode").asText());
        as(ws).contentType(ContentType.JSON).body(Map.of("authMode", "network")).patch("/instances/" + id).then().statusCode(200)
                .body("authMode", equalTo("network"));
        Bus.Received updated = bus.await("InstanceUpdated", Bus.forInstance(id), Duration.ofSeconds(60));
        assertEquals("network", updated.payload().get("authMode").asText());
        as(ws).contentType(ContentType.JSON).body(Map.of("authMode", "password")).patch("/instances/" + id).then().statusCode(400)
                .body("field", equalTo("authMode"));
        Map<String, Object> bad = validBody(ws);
        bad.put("authMode", "open");
        as(ws).contentType(ContentType.JSON).body(bad).post("/instances").then().statusCode(400).body("field", equalTo("authMode"));
        Map<String, Object> plain = validBody(ws);
        as(ws).contentType(ContentType.JSON).body(plain).post("/instances").then().statusCode(201).body("authMode", equalTo("network"));
    }

    @Test
    void tokenModeIsRefusedNamingAuthModeWhereTheLoadBalancersCannotCheckTokens() throws Exception {
        String ws = workspace();
        Map<String, Object> plain = validBody(ws);
        String id = as(ws).contentType(ContentType.JSON).body(plain).post("/instances").then().statusCode(201)
                .extract().path("id");
        NetworkServiceStandIn.TOKEN_MODE_OFFERED.set(false); // as network-service answers with the aliyun provider
        try {
            Map<String, Object> body = validBody(ws);
            body.put("authMode", "token");
            as(ws).contentType(ContentType.JSON).body(body).post("/instances").then().statusCode(400)
                    .contentType("application/problem+json").body("field", equalTo("authMode"))
                    .body("code", equalTo("AUTH_MODE_NOT_SUPPORTED"));
            assertEquals(1, instancesIn(ws), "a refused create must create nothing");
            as(ws).contentType(ContentType.JSON).body(Map.of("authMode", "token")).patch("/instances/" + id).then()
                    .statusCode(400).body("field", equalTo("authMode")).body("code", equalTo("AUTH_MODE_NOT_SUPPORTED"));
            as(ws).get("/instances/" + id).then().statusCode(200).body("authMode", equalTo("network"));
            // another workspace learns nothing about the instance: 404 before any capability answer
            as(workspace()).contentType(ContentType.JSON).body(Map.of("authMode", "token")).patch("/instances/" + id).then()
                    .statusCode(404);
            // network mode needs no load balancer feature
            as(ws).contentType(ContentType.JSON).body(validBody(ws)).post("/instances").then().statusCode(201)
                    .body("authMode", equalTo("network"));
        } finally {
            NetworkServiceStandIn.TOKEN_MODE_OFFERED.set(true);
        }
        as(ws).contentType(ContentType.JSON).body(Map.of("authMode", "token")).patch("/instances/" + id).then().statusCode(200)
                .body("authMode", equalTo("token"));
    }

    @Test
    void createPublishesInstanceRequestedAndIsCreating() {
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        String token = ServiceTokens.token("mem_creator", ws, "editor");
        String id = ServiceTokens.bearer(token).contentType(ContentType.JSON).body(body).post("/instances").then()
                .statusCode(201).header("Location", notNullValue())
                .body("status", equalTo("CREATING")).body("artifactRoot", equalTo("oss://" + bucketOf(ws) + "/" + body.get("ossPath")))
                .extract().path("id");
        as(ws).get("/instances/" + id).then().statusCode(200)
                .body("name", equalTo(body.get("name"))).body("spec", equalTo("mlflow.small"))
                .body("$", not(hasKey("password"))).body("$", not(hasKey("trackingDatabase")));
        Bus.Received e = bus.await("InstanceRequested", Bus.forInstance(id), Duration.ofSeconds(60));
        assertEquals(id, e.key());
        assertEquals(ws, e.payload().get("workspaceId").asText());
        assertEquals("vsw-b", e.payload().get("secondaryVSwitchId").asText());
        assertEquals("mem_creator", e.payload().get("requestedBy").asText(), "the actor is the token's member");
        assertEquals("Bearer " + token, NetworkServiceStandIn.LAST_AUTHORIZATION.get(), "the dry run carried the caller's token");
    }

    @Test
    void theWorkspaceComesFromTheTokenAndABodyNamingAnotherIs404() throws Exception {
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        body.remove("workspaceId");
        as(ws).contentType(ContentType.JSON).body(body).post("/instances").then()
                .statusCode(201).body("workspaceId", equalTo(ws));
        String other = workspace();
        for (String named : List.of(other, "", "has space")) {
            Map<String, Object> foreign = validBody(named);
            as(ws).contentType(ContentType.JSON).body(foreign).post("/instances").then()
                    .statusCode(404).contentType("application/problem+json")
                    .body("detail", equalTo("Workspace " + named + " does not exist."));
        }
        assertEquals(1, instancesIn(ws));
        assertEquals(0, instancesIn(other));
    }

    @Test
    void sameIdempotencyKeyAndBodyGiveTheSameInstance() throws Exception {
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        String key = UUID.randomUUID().toString();
        String first = as(ws).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).post("/instances")
                .then().statusCode(201).header("Idempotent-Replayed", "false").extract().path("id");
        String second = as(ws).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).post("/instances")
                .then().statusCode(201).header("Idempotent-Replayed", "true").extract().path("id");
        assertEquals(first, second);
        assertEquals(1, instancesIn(ws));
        body.put("description", "another body");
        as(ws).contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).post("/instances").then()
                .statusCode(409).contentType("application/problem+json").body("field", equalTo("Idempotency-Key"));
        body.put("ossPath", body.get("ossPath") + "-2"); // its own root: two instances never share one
        String other = as(ws).contentType(ContentType.JSON).header("Idempotency-Key", UUID.randomUUID().toString()).body(body)
                .post("/instances").then().statusCode(201).extract().path("id");
        assertNotEquals(first, other);
        // keys are per workspace: another workspace may use the same key for its own instance
        String ws2 = workspace();
        String elsewhere = as(ws2).contentType(ContentType.JSON).header("Idempotency-Key", key).body(validBody(ws2))
                .post("/instances").then().statusCode(201).header("Idempotent-Replayed", "false").extract().path("id");
        assertNotEquals(first, elsewhere);
    }

    @Test
    void editChangesNameAndDescriptionOnlyAndPublishesInstanceUpdated() {
        String ws = workspace();
        Map<String, Object> body = validBody(ws);
        String id = as(ws).contentType(ContentType.JSON).body(body).post("/instances").then().statusCode(201).extract().path("id");
        as(ws).contentType(ContentType.JSON).body(Map.of("name", "renamed", "description", "new words"))
                .patch("/instances/" + id).then().statusCode(200)
                .body("name", equalTo("renamed")).body("description", equalTo("new words"))
                .body("ossPath", equalTo(body.get("ossPath"))).body("spec", equalTo("mlflow.small"));
        as(ws).contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + id).then()
                .statusCode(409).body("field", equalTo("spec")).body("detail", org.hamcrest.Matchers.containsString("CREATING"));
        as(ws).contentType(ContentType.JSON).body(Map.of("vpcId", "vpc-other")).patch("/instances/" + id).then()
                .statusCode(400).body("field", equalTo("vpcId"));
        as(ws).contentType(ContentType.JSON).body(Map.of("name", "9bad")).patch("/instances/" + id).then()
                .statusCode(400).body("field", equalTo("name"));
        as(ws).contentType(ContentType.JSON).body("{\"description\":null}").patch("/instances/" + id).then()
                .statusCode(200).body("description", nullValue()).body("name", equalTo("renamed"));
        Bus.Received e = bus.await("InstanceUpdated", r -> Bus.forInstance(id).test(r) && "renamed".equals(r.payload().path("name").asText()),
                Duration.ofSeconds(60));
        assertEquals("new words", e.payload().path("description").asText());
    }

    @Test
    void transitionsThatDoNotFitTheStatusAreConflicts() {
        String ws = workspace();
        String id = as(ws).contentType(ContentType.JSON).body(validBody(ws)).post("/instances").then()
                .statusCode(201).extract().path("id");
        for (String action : List.of("stop", "start", "redeploy")) { // release: InstanceEditRulesTest (any status but RELEASED)
            as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/" + action).then()
                    .statusCode(409).contentType("application/problem+json").body("status", equalTo(409));
        }
        as(ws).contentType(ContentType.JSON).body(Map.of("version", "no-such-version")).post("/instances/" + id + "/redeploy")
                .then().statusCode(400).body("field", equalTo("version"));
        as(ws).get("/instances/" + id).then().body("status", equalTo("CREATING"));
        as(ws).get("/instances/" + UUID.randomUUID()).then().statusCode(404).contentType("application/problem+json");
        as(ws).contentType(ContentType.JSON).body("{}").post("/instances/" + UUID.randomUUID() + "/stop").then().statusCode(404);
    }

    @Test
    void listIsPaginatedAndFiltersByStatus() {
        String ws = workspace();
        Set<String> mine = new HashSet<>();
        for (int k = 0; k < 5; k++) {
            mine.add(as(ws).contentType(ContentType.JSON).body(validBody(ws)).post("/instances").then()
                    .statusCode(201).extract().path("id"));
        }
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            var spec = as(ws).queryParam("pageSize", 2).queryParam("status", "CREATING");
            if (token != null) {
                spec = spec.queryParam("pageToken", token);
            }
            var page = spec.get("/instances").then().statusCode(200).extract().jsonPath();
            List<String> ids = page.getList("items.id");
            List<String> statuses = page.getList("items.status");
            assertTrue(ids.size() <= 2);
            statuses.forEach(s -> assertEquals("CREATING", s));
            for (String id : ids) {
                assertTrue(seen.add(id), "an instance appears on two pages");
            }
            token = page.getString("nextPageToken");
            pages++;
        } while (token != null && pages < 1000);
        assertEquals(mine, seen, "exactly the workspace's instances");
        assertEquals(3, pages);
        as(ws).queryParam("status", "RUNNING").get("/instances").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void badQueryParametersAre400NamingTheParameterNever404() {
        String ws = workspace();
        String id = as(ws).contentType(ContentType.JSON).body(validBody(ws)).post("/instances").then()
                .statusCode(201).extract().path("id");
        as(ws).queryParam("status", "SLEEPING").get("/instances").then().statusCode(400).body("field", equalTo("status"));
        for (String path : List.of("/instances", "/instances/" + id + "/usage")) {
            for (String bad : List.of("abc", "0", "101", "2147483648", "-1", "1e3")) {
                as(ws).queryParam("pageSize", bad).get(path).then().statusCode(400)
                        .contentType("application/problem+json").body("field", equalTo("pageSize"));
            }
            as(ws).queryParam("pageToken", "%%%").get(path).then().statusCode(400).body("field", equalTo("pageToken"));
        }
        // a token of the instance list is no token of the usage list, and the reverse
        String listToken = dev.dmsmlflow.platform.paging.PageRequest.token("i", id);
        as(ws).queryParam("pageToken", listToken).get("/instances/" + id + "/usage").then().statusCode(400)
                .body("field", equalTo("pageToken"));
        String usageToken = dev.dmsmlflow.platform.paging.PageRequest.token("u", "not-an-instant");
        as(ws).queryParam("pageToken", usageToken).get("/instances/" + id + "/usage").then().statusCode(400)
                .body("field", equalTo("pageToken"));
    }

    @Test
    void anInstanceNetworkServiceNeverAnswersFailsWithDeployTimeout() throws Exception {
        String ws = workspace();
        String id = as(ws).contentType(ContentType.JSON).body(validBody(ws)).post("/instances").then()
                .statusCode(201).extract().path("id");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE instance SET updated_at = now() - interval '1 day' WHERE id = ?")) {
            ps.setString(1, id);
            assertEquals(1, ps.executeUpdate());
        }
        Eventually.until(() -> "CREATE_FAILED".equals(as(ws).get("/instances/" + id).then().extract().path("status")),
                Duration.ofSeconds(60), "the deploy timeout");
        as(ws).get("/instances/" + id).then().body("statusReason.code", equalTo("DEPLOY_TIMEOUT"));
        assertEquals("DEPLOY_TIMEOUT", bus.await("InstanceFailed", Bus.forInstance(id), Duration.ofSeconds(60)).payload().path("code").asText());
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), Duration.ofSeconds(60));
    }
}
