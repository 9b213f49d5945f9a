package dev.dmsmlflow.instance;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.application.Metering;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.Eventually;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may do what on instance-service's API (docs/identity.md), called directly as an attacker on the network would:
 * without the gateway's token nothing is answered, another workspace's instance does not exist, a viewer changes
 * nothing, the actor in events is the token's member; and the workspace's instance quota.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class InstanceAccessTest {

    static final Duration EVENT = Duration.ofSeconds(60);
    static Bus bus;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    InstanceRepository repository;
    @Inject
    Metering metering;

    @TestHTTPResource("/instances")
    URL instancesUrl;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    private static String create(String workspace) {
        return InstanceApiTest.as(workspace).contentType(ContentType.JSON).body(InstanceApiTest.validBody(workspace))
                .post("/instances").then().statusCode(201).extract().path("id");
    }

    /** Every call of the API, on instance {@code id} where it takes one, as functions of the request to send it with. */
    private static List<Function<RequestSpecification, Response>> everyCall(String id) {
        List<Function<RequestSpecification, Response>> calls = new ArrayList<>(List.of(
                r -> r.get("/instances"),
                r -> r.get("/instances/" + id),
                r -> r.get("/instances/" + id + "/usage")));
        calls.addAll(changes(id));
        calls.add(r -> r.contentType(ContentType.JSON).body(InstanceApiTest.validBody(InstanceApiTest.workspace())).post("/instances"));
        calls.add(r -> r.get("/specs"));
        return calls;
    }

    /** The calls that change instance {@code id}. */
    private static List<Function<RequestSpecification, Response>> changes(String id) {
        List<Function<RequestSpecification, Response>> calls = new ArrayList<>();
        calls.add(r -> r.contentType(ContentType.JSON).body(Map.of("name", "taken-over")).patch("/instances/" + id));
        calls.add(r -> r.contentType(ContentType.JSON).body(Map.of("spec", "mlflow.large")).patch("/instances/" + id));
        for (String action : List.of("release", "redeploy", "stop", "start")) {
            calls.add(r -> r.contentType(ContentType.JSON).post("/instances/" + id + "/" + action));
        }
        return calls;
    }

    /** What is stored of a workspace's instances (and the events about them), to show that a refused call changed nothing. */
    private String state(String workspace) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement rows = c.prepareStatement("SELECT string_agg(id || ' ' || name || ' ' || coalesce(description, '') || ' '"
                     + " || status || ' v' || version, ', ' ORDER BY id) FROM instance WHERE workspace_id = ?");
             PreparedStatement events = c.prepareStatement("SELECT count(*) FROM outbox_event WHERE aggregateid IN "
                     + "(SELECT id FROM instance WHERE workspace_id = ?)")) {
            rows.setString(1, workspace);
            events.setString(1, workspace);
            try (ResultSet a = rows.executeQuery(); ResultSet b = events.executeQuery()) {
                a.next();
                b.next();
                return a.getString(1) + " | events " + b.getLong(1);
            }
        }
    }

    private int notReleased(String workspace) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM instance WHERE workspace_id = ? AND status <> 'RELEASED'")) {
            ps.setString(1, workspace);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void withoutATokenEveryCallIs401ProblemAndNothingChanges() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = create(ws);
        String before = state(ws);
        int dryRuns = NetworkServiceStandIn.CALLS.get();
        for (var call : everyCall(id)) {
            call.apply(given()).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer realm=\"dms\"").body("status", equalTo(401));
        }
        // authentication comes before reading the body
        given().contentType(ContentType.JSON).body("{not json").post("/instances").then().statusCode(401);
        // a request that only names an actor, as callers could before, is a stranger too
        given().header("X-Dms-Principal", "mem_owner").contentType(ContentType.JSON).post("/instances/" + id + "/release")
                .then().statusCode(401);
        assertEquals(before, state(ws));
        assertEquals(dryRuns, NetworkServiceStandIn.CALLS.get(), "nothing reached network-service");
    }

    @Test
    void expiredForeignKeyIssuerAudienceOrMalformedTokensAre401AndNothingChanges() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = create(ws);
        String before = state(ws);
        for (var token : ServiceTokens.refused(ws).entrySet()) {
            for (var call : everyCall(id)) {
                int status = call.apply(ServiceTokens.bearer(token.getValue())).then().contentType("application/problem+json")
                        .extract().statusCode();
                assertEquals(401, status, "a token " + token.getKey());
            }
        }
        assertEquals(before, state(ws));
    }

    @Test
    void anotherWorkspacesInstanceIs404LikeANonexistentOneForEveryRoleAndNothingChanges() throws Exception {
        String b = InstanceApiTest.workspace();
        String victim = create(b);
        String before = state(b);
        String a = InstanceApiTest.workspace();
        for (String role : List.of("owner", "editor", "viewer")) {
            List<Function<RequestSpecification, Response>> calls = everyCall(victim).subList(1, 9); // get, usage and every change
            for (var call : calls) {
                call.apply(ServiceTokens.as(ServiceTokens.PRINCIPAL, a, role)).then().statusCode(404)
                        .contentType("application/problem+json")
                        .body("detail", equalTo("Instance " + victim + " does not exist."));
            }
            // a create naming B's workspace in its body: B does not exist for A
            ServiceTokens.as(ServiceTokens.PRINCIPAL, a, role).contentType(ContentType.JSON).body(InstanceApiTest.validBody(b))
                    .post("/instances").then().statusCode(404).body("detail", equalTo("Workspace " + b + " does not exist."));
        }
        String unknown = UUID.randomUUID().toString();
        ServiceTokens.ownerOf(a).get("/instances/" + unknown).then().statusCode(404)
                .body("detail", equalTo("Instance " + unknown + " does not exist."));
        assertEquals(before, state(b));
        assertEquals("null | events 0", state(a), "nothing was created in A");
    }

    @Test
    void theSpecCatalogueIsTheSameForAnyWorkspacesViewerWithItsSkus() {
        for (String ws : List.of(InstanceApiTest.workspace(), InstanceApiTest.workspace())) {
            ServiceTokens.as(ServiceTokens.PRINCIPAL, ws, "viewer").get("/specs").then().statusCode(200)
                    .body("items.name", contains("mlflow.small", "mlflow.medium", "mlflow.large"))
                    .body("items.cpuCores", contains(1, 2, 4))
                    .body("items.memoryGiB", contains(2, 4, 8))
                    .body("items.sku", contains("MLFLOW-INSTANCE-SMALL", "MLFLOW-INSTANCE-MEDIUM", "MLFLOW-INSTANCE-LARGE"));
        }
    }

    @Test
    void aViewerReadsButEveryChangeIs403AndNothingChanges() throws Exception {
        String ws = InstanceApiTest.workspace();
        String id = create(ws);
        String before = state(ws);
        for (var call : changes(id)) {
            call.apply(ServiceTokens.viewerOf(ws)).then().statusCode(403).contentType("application/problem+json")
                    .body("status", equalTo(403));
        }
        ServiceTokens.viewerOf(ws).contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post("/instances")
                .then().statusCode(403);
        assertEquals(before, state(ws));
        ServiceTokens.viewerOf(ws).get("/instances/" + id).then().statusCode(200).body("workspaceId", equalTo(ws));
        ServiceTokens.viewerOf(ws).get("/instances").then().statusCode(200).body("items.id", equalTo(List.of(id)));
        ServiceTokens.viewerOf(ws).get("/instances/" + id + "/usage").then().statusCode(200);
    }

    @Test
    void listsNeverShowAnotherWorkspacesInstances() {
        String a = InstanceApiTest.workspace();
        String b = InstanceApiTest.workspace();
        String mine = create(a);
        String theirs = create(b);
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            var request = ServiceTokens.viewerOf(a).queryParam("pageSize", 100);
            if (token != null) {
                request = request.queryParam("pageToken", token);
            }
            JsonPath page = request.get("/instances").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            page.getList("items.workspaceId").forEach(w -> assertEquals(a, w));
            token = page.getString("nextPageToken");
        } while (token != null);
        assertEquals(List.of(mine), seen);
        ServiceTokens.viewerOf(a).queryParam("workspaceId", b).get("/instances").then().statusCode(200)
                .body("items.id", not(hasItem(theirs)));
    }

    @Test
    void theActorInEventsIsTheTokensMemberNeverAHeader() {
        String ws = InstanceApiTest.workspace();
        String id = ServiceTokens.as("mem_alice", ws, "editor").header("X-Dms-Principal", "mallory")
                .contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post("/instances")
                .then().statusCode(201).extract().path("id");
        assertEquals("mem_alice", bus.await("InstanceRequested", Bus.forInstance(id), EVENT).payload().path("requestedBy").asText());

        bus.publish(new NetworkProvisionFailed(id, ws, NetworkFailureCode.VSWITCH_NO_FREE_IP, "full", Instant.now()));
        Eventually.until(() -> "CREATE_FAILED".equals(InstanceApiTest.as(ws).get("/instances/" + id).then().extract().path("status")),
                EVENT, "CREATE_FAILED");
        ServiceTokens.as("mem_bob", ws, "owner").header("X-Dms-Principal", "mallory").contentType(ContentType.JSON)
                .post("/instances/" + id + "/release").then().statusCode(202);
        assertEquals("mem_bob", bus.await("InstanceReleaseRequested", Bus.forInstance(id), EVENT).payload().path("requestedBy").asText());
    }

    @Test
    void theInstanceQuotaHoldsUnderConcurrentCreatesAndAReleasedInstanceFreesItsPlace() throws Exception {
        String ws = InstanceApiTest.workspace();
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int k = 0; k < 14; k++) {
                String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(InstanceApiTest.validBody(ws));
                String token = ServiceTokens.token(ServiceTokens.PRINCIPAL, ws, "editor");
                answers.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(instancesUrl.toString()))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())));
            }
            int created = 0;
            int refused = 0;
            for (Future<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 201) {
                    created++;
                } else {
                    assertEquals(409, r.statusCode(), r.body());
                    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
                    JsonPath p = new JsonPath(r.body());
                    assertEquals("https://dms-mlflow.dev/problems/quota-exceeded", p.getString("type"));
                    assertEquals("INSTANCE_QUOTA", p.getString("code"));
                    assertTrue(p.getString("detail").contains("the quota is 10"), p.getString("detail"));
                    refused++;
                }
            }
            assertEquals(10, created, "exactly the quota");
            assertEquals(4, refused);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(10, notReleased(ws));

        // a failed instance still counts until it is released; then its place is free again
        String failed = ServiceTokens.viewerOf(ws).queryParam("pageSize", 1).get("/instances").then().extract().path("items[0].id");
        bus.publish(new NetworkProvisionFailed(failed, ws, NetworkFailureCode.VSWITCH_NO_FREE_IP, "full", Instant.now()));
        Eventually.until(() -> "CREATE_FAILED".equals(InstanceApiTest.as(ws).get("/instances/" + failed).then().extract().path("status")),
                EVENT, "CREATE_FAILED");
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post("/instances")
                .then().statusCode(409).body("code", equalTo("INSTANCE_QUOTA"));
        InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + failed + "/release").then().statusCode(202);
        Eventually.until(() -> "RELEASED".equals(InstanceApiTest.as(ws).get("/instances/" + failed).then().extract().path("status")),
                EVENT, "RELEASED");
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(InstanceApiTest.validBody(ws)).post("/instances")
                .then().statusCode(201);
        assertEquals(10, notReleased(ws));
    }

    @Test
    void usageListsTheInstancesMeteredWindowsPageByPageToItsWorkspaceOnly() {
        String ws = InstanceApiTest.workspace();
        String id = runningSince(ws, Instant.parse("2026-02-01T10:30:00Z"));
        stoppedAt(id, Instant.parse("2026-02-01T13:10:00Z"));

        JsonPath first = ServiceTokens.viewerOf(ws).queryParam("pageSize", 2).get("/instances/" + id + "/usage")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("2026-02-01T10:30:00Z", "2026-02-01T11:00:00Z"), first.getList("items.windowStart"));
        assertEquals(List.of("2026-02-01T11:00:00Z", "2026-02-01T12:00:00Z"), first.getList("items.windowEnd"));
        assertEquals(0.5f, first.getFloat("items[0].quantity"));
        assertEquals("instance-hours", first.getString("items[0].unit"));
        JsonPath second = ServiceTokens.viewerOf(ws).queryParam("pageSize", 2).queryParam("pageToken", first.getString("nextPageToken"))
                .get("/instances/" + id + "/usage").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("2026-02-01T12:00:00Z", "2026-02-01T13:00:00Z"), second.getList("items.windowStart"));
        assertEquals(List.of("2026-02-01T13:00:00Z", "2026-02-01T13:10:00Z"), second.getList("items.windowEnd"));
        assertEquals(1.0f, second.getFloat("items[0].quantity"));
        assertEquals(0.166667f, second.getFloat("items[1].quantity"));
        assertNull(ServiceTokens.viewerOf(ws).queryParam("pageSize", 4).get("/instances/" + id + "/usage").then()
                .statusCode(200).body("items.size()", equalTo(4)).extract().path("nextPageToken"));

        ServiceTokens.ownerOf(InstanceApiTest.workspace()).get("/instances/" + id + "/usage").then().statusCode(404)
                .body("detail", containsString(id));
    }

    /** Stops the instance as the saga does: the final (partial) window is metered and it no longer runs. */
    private void stoppedAt(String id, Instant at) {
        QuarkusTransaction.requiringNew().run(() -> {
            Instance i = repository.lock(id).orElseThrow();
            metering.meter(i, at, true);
            i.status = InstanceStatus.STOPPED;
            repository.update(i);
        });
    }

    /** An instance as the saga leaves it RUNNING since {@code since} (metering starts then). */
    private String runningSince(String workspace, Instant since) {
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = workspace;
        i.name = "metered";
        i.vpcId = "vpc-local";
        i.vSwitchId = "vsw-a";
        i.secondaryVSwitchId = "vsw-b";
        i.securityGroupId = "sg-basic";
        i.ossBucket = "bucket";
        i.ossPath = "path";
        i.spec = "mlflow.small";
        i.status = InstanceStatus.RUNNING;
        i.trackingDatabase = "mlflow_" + i.id.replace("-", "");
        i.createdAt = since;
        i.updatedAt = since;
        i.meteredFrom = since;
        QuarkusTransaction.requiringNew().run(() -> repository.insert(i));
        return i.id;
    }
}
