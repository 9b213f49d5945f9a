package dev.dmsmlflow.network.api;

import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import dev.dmsmlflow.network.support.Steps;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Who may do what on network-service's API (docs/identity.md), called directly as an attacker on the network would:
 * without the gateway's token nothing is answered, another workspace's network does not exist, a viewer changes nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class NetworkAccessTest {

    @Inject
    NetworkService service;

    @Inject
    AgroalDataSource dataSource;

    /** A network of a fresh workspace, ACTIVE, with one ACL entry (127.0.0.1/32). */
    private record Owned(String workspace, String instanceId) {
    }

    private Owned networkWithOneEntry() {
        String ws = Fixtures.newWorkspace();
        String id = Fixtures.newInstanceId();
        Steps.run(id, () ->
                service.onInstanceRequested(Fixtures.requestedIn(ws, id, "vsw-local-a", "vsw-local-b", "sg-local-basic")));
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1"))
                .post("/networks/" + id + "/acl/entries").then().statusCode(200);
        return new Owned(ws, id);
    }

    /** Every call of the API on one network, as functions of the request to send it with. */
    private static List<Function<RequestSpecification, Response>> everyCall(String id) {
        return List.of(
                r -> r.get("/networks"),
                r -> r.get("/networks/" + id),
                r -> r.get("/networks/" + id + "/acl/entries"),
                r -> r.contentType(ContentType.JSON).body(Map.of("cidr", "0.0.0.0/0")).post("/networks/" + id + "/acl/entries"),
                r -> r.queryParam("cidr", "127.0.0.1/32").delete("/networks/" + id + "/acl/entries"),
                r -> r.queryParam("source", "127.0.0.1").get("/networks/" + id + "/diagnose"),
                r -> r.post("/networks/" + id + "/ui-sign-in"),
                r -> r.contentType(ContentType.JSON).body(Map.of("vpcId", "vpc-local", "vSwitchId", "vsw-local-a",
                        "secondaryVSwitchId", "vsw-local-b", "securityGroupId", "sg-local-basic")).post("/networks/validate"));
    }

    private static List<Function<RequestSpecification, Response>> mutations(String id) {
        return everyCall(id).subList(3, 5);
    }

    /** The ACL as stored, and how many AlbAclUpdated events the outbox holds for the instance. */
    private String state(String instanceId) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement entries = c.prepareStatement("SELECT string_agg(cidr, ',' ORDER BY cidr) FROM acl_entry WHERE instance_id = ?");
             PreparedStatement events = c.prepareStatement("SELECT count(*) FROM outbox_event WHERE aggregateid = ? AND type = ?")) {
            entries.setString(1, instanceId);
            events.setString(1, instanceId);
            events.setString(2, AlbAclUpdated.TYPE);
            try (ResultSet a = entries.executeQuery(); ResultSet b = events.executeQuery()) {
                a.next();
                b.next();
                return "entries=" + a.getString(1) + " events=" + b.getLong(1);
            }
        }
    }

    @Test
    void withoutATokenEveryCallIs401ProblemAndNothingChanges() throws Exception {
        Owned n = networkWithOneEntry();
        String before = state(n.instanceId());
        assertEquals("entries=127.0.0.1/32 events=1", before);
        for (var call : everyCall(n.instanceId())) {
            call.apply(given()).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer realm=\"dms\"").body("status", equalTo(401));
        }
        assertEquals(before, state(n.instanceId()));
    }

    @Test
    void expiredForeignKeyIssuerAudienceOrMalformedTokensAre401AndNothingChanges() throws Exception {
        Owned n = networkWithOneEntry();
        String before = state(n.instanceId());
        for (var token : ServiceTokens.refused(n.workspace()).entrySet()) {
            for (var call : everyCall(n.instanceId())) {
                int status = call.apply(ServiceTokens.bearer(token.getValue())).then().contentType("application/problem+json")
                        .extract().statusCode();
                assertEquals(401, status, "a token " + token.getKey());
            }
        }
        assertEquals(before, state(n.instanceId()));
    }

    @Test
    void anotherWorkspacesNetworkIs404LikeANonexistentOneForEveryRoleAndNothingChanges() throws Exception {
        Owned b = networkWithOneEntry();
        String before = state(b.instanceId());
        String a = Fixtures.newWorkspace();
        for (String role : List.of("owner", "editor", "viewer")) {
            for (var call : everyCall(b.instanceId()).subList(1, 7)) {
                call.apply(ServiceTokens.as(ServiceTokens.PRINCIPAL, a, role)).then().statusCode(404)
                        .contentType("application/problem+json")
                        .body("detail", equalTo("no network for instance " + b.instanceId()));
            }
        }
        ServiceTokens.ownerOf(a).get("/networks/mlf-no-such-network").then().statusCode(404)
                .body("detail", equalTo("no network for instance mlf-no-such-network"));
        assertEquals(before, state(b.instanceId()));
    }

    @Test
    void aViewerReadsButCannotChangeTheAcl() throws Exception {
        Owned n = networkWithOneEntry();
        String before = state(n.instanceId());
        for (var call : mutations(n.instanceId())) {
            call.apply(ServiceTokens.viewerOf(n.workspace())).then().statusCode(403).contentType("application/problem+json")
                    .body("status", equalTo(403));
        }
        assertEquals(before, state(n.instanceId()));
        ServiceTokens.viewerOf(n.workspace()).get("/networks/" + n.instanceId()).then().statusCode(200).body("workspaceId", equalTo(n.workspace()));
        ServiceTokens.viewerOf(n.workspace()).get("/networks/" + n.instanceId() + "/acl/entries").then().statusCode(200)
                .body("items.cidr", equalTo(List.of("127.0.0.1/32")));
        ServiceTokens.viewerOf(n.workspace()).queryParam("source", "127.0.0.1").get("/networks/" + n.instanceId() + "/diagnose")
                .then().statusCode(200);
    }

    @Test
    void listsNeverShowAnotherWorkspacesNetworksWhateverTheQuerySays() {
        Owned a = networkWithOneEntry();
        Owned b = networkWithOneEntry();
        List<String> seenByA = new ArrayList<>(ServiceTokens.viewerOf(a.workspace()).queryParam("pageSize", 1000)
                .get("/networks").then().statusCode(200).extract().jsonPath().getList("items.instanceId"));
        assertEquals(List.of(a.instanceId()), seenByA);
        ServiceTokens.viewerOf(a.workspace()).queryParam("workspaceId", b.workspace()).get("/networks").then().statusCode(200)
                .body("items.instanceId", not(hasItem(b.instanceId())))
                .body("items.workspaceId", not(hasItem(b.workspace())));
    }

    @Test
    void anyValidTokenMayAskForTheDryRun() {
        ServiceTokens.viewerOf(Fixtures.newWorkspace()).contentType(ContentType.JSON)
                .body(Map.of("vpcId", "vpc-local", "vSwitchId", "vsw-local-a", "secondaryVSwitchId", "vsw-local-b",
                        "securityGroupId", "sg-local-basic"))
                .post("/networks/validate").then().statusCode(200).body("valid", equalTo(true));
    }

    @Test
    void theAuthModesAreToldToAnyValidTokenAndNothingWithoutOne() {
        given().get("/networks/auth-modes").then().statusCode(401).contentType("application/problem+json");
        for (var token : ServiceTokens.refused(Fixtures.newWorkspace()).entrySet()) {
            assertEquals(401, ServiceTokens.bearer(token.getValue()).get("/networks/auth-modes").then().extract().statusCode(),
                    "a token " + token.getKey());
        }
        // the local load balancer checks MLflow tokens itself, so both modes can be enforced here
        ServiceTokens.viewerOf(Fixtures.newWorkspace()).get("/networks/auth-modes").then().statusCode(200)
                .body("authModes", equalTo(List.of("network", "token")));
    }

    @Test
    void theRegistryListsTheLocalNetworkToAnyValidTokenAndNothingWithoutOne() {
        for (String path : List.of("/registry/vpcs", "/registry/vpcs/vpc-local/vswitches", "/registry/vpcs/vpc-local/security-groups")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json");
        }
        String ws = Fixtures.newWorkspace();
        ServiceTokens.viewerOf(ws).get("/registry/vpcs").then().statusCode(200)
                .body("items.id", hasItem("vpc-local")).body("items.find { it.id == 'vpc-local' }.cidr", equalTo("127.0.0.0/8"));
        ServiceTokens.viewerOf(ws).get("/registry/vpcs/vpc-local/vswitches").then().statusCode(200)
                .body("items.find { it.id == 'vsw-local-a' }.zoneId", equalTo("zone-a"))
                .body("items.find { it.id == 'vsw-local-a2' }.zoneId", equalTo("zone-a"))
                .body("items.find { it.id == 'vsw-local-b' }.zoneId", equalTo("zone-b"))
                .body("items.find { it.id == 'vsw-local-full' }.availableIpAddressCount", equalTo(1))
                .body("items.id", not(hasItem("vsw-other-a")));
        ServiceTokens.viewerOf(ws).get("/registry/vpcs/vpc-local/security-groups").then().statusCode(200)
                .body("items.find { it.id == 'sg-local-basic' }.basic", equalTo(true))
                .body("items.find { it.id == 'sg-local-managed' }.basic", equalTo(false))
                .body("items.find { it.id == 'sg-local-managed' }.managed", equalTo(true))
                .body("items.find { it.id == 'sg-local-enterprise' }.type", equalTo("enterprise"))
                .body("items.find { it.id == 'sg-local-basic' }.inboundRules[0].portFrom", equalTo(80));
        ServiceTokens.viewerOf(ws).get("/registry/vpcs/vpc-nope/vswitches").then().statusCode(404).contentType("application/problem+json");
    }
}
