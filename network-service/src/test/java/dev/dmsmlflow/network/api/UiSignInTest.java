package dev.dmsmlflow.network.api;

import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.RawHttp;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Browser sign-in to a token-mode instance's MLflow UI: the link network-service issues, the load balancer's reserved
 * path that trades it for a cookie, and that cookie at the load balancer (reads, writes by scope, origin, revocation,
 * mode changes), all against a real proxy and backend.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class UiSignInTest {

    @Inject
    NetworkService service;

    @Inject
    AgroalDataSource dataSource;

    /** An ACTIVE instance in token mode with a backend, admitting 127.0.0.1. */
    private record Lb(String instanceId, String host, int port, String cookieName) {
        String origin() {
            return "http://" + host + ":" + port;
        }
    }

    private Lb tokenModeInstance(EchoBackend backend) {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requestedWithTokens(id)));
        Steps.run(id, () -> service.onInstanceDeployed(Fixtures.deployed(id, backend.port())));
        ServiceTokens.editorOf(Fixtures.WORKSPACE).contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1"))
                .post("/networks/" + id + "/acl/entries").then().statusCode(200);
        JsonPath n = ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + id).then().statusCode(200)
                .body("authMode", equalTo("token")).extract().jsonPath();
        return new Lb(id, n.getString("vpcAddress"), n.getInt("vpcPort"), "dms_mlflow_" + n.getString("loadBalancerId"));
    }

    /** A sign-in link for the caller, checked for its shape; answers the path and query to open at the load balancer. */
    private static String link(RequestSpecification as, Lb lb) {
        JsonPath answer = as.post("/networks/" + lb.instanceId() + "/ui-sign-in").then().statusCode(201)
                .header("Cache-Control", "no-store")
                .body("url", startsWith(lb.origin() + "/.dms/sign-in?code=")).extract().jsonPath();
        Instant expires = Instant.parse(answer.getString("expiresAt"));
        assertTrue(expires.isAfter(Instant.now().plusSeconds(50)) && expires.isBefore(Instant.now().plusSeconds(61)), "about a minute: " + expires);
        URI url = URI.create(answer.getString("url"));
        assertEquals(43, url.getRawQuery().length() - "code=".length(), "a 256-bit code: " + url);
        return url.getRawPath() + "?" + url.getRawQuery();
    }

    private static RawHttp.Response open(Lb lb, String target) throws Exception {
        return RawHttp.request("127.0.0.1", lb.host(), lb.port(), "GET", target, null, Map.of());
    }

    /** Opens the link: a 303 to the UI with the instance's cookie; answers the cookie's value. */
    private String signIn(Lb lb, String target) throws Exception {
        RawHttp.Response r = open(lb, target);
        assertEquals(303, r.status(), r.body());
        assertEquals("/", r.headers().get("location"));
        String cookie = r.headers().get("set-cookie");
        assertNotNull(cookie, r.headers().toString());
        assertTrue(cookie.startsWith(lb.cookieName() + "=mlft_"), cookie);
        List<String> attributes = List.of(cookie.split(";\\s*"));
        assertTrue(attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax") && attributes.contains("Path=/"), cookie);
        long maxAge = Long.parseLong(attributes.stream().filter(a -> a.startsWith("Max-Age=")).findFirst().orElseThrow().substring(8));
        assertTrue(maxAge > Duration.ofHours(8).toSeconds() - 60 && maxAge <= Duration.ofHours(8).toSeconds(), "8 h: " + cookie);
        assertEquals("no-store", r.headers().get("cache-control"));
        return attributes.get(0).substring(lb.cookieName().length() + 1);
    }

    private static RawHttp.Response withCookie(Lb lb, String method, String target, String cookieHeader, Map<String, String> more)
            throws Exception {
        Map<String, String> headers = new java.util.HashMap<>(more);
        headers.put("Cookie", cookieHeader);
        headers.put("Content-Type", "application/json");
        return RawHttp.request("127.0.0.1", lb.host(), lb.port(), method, target, "GET".equals(method) ? null : "{}", headers);
    }

    private static void assertRefusedWithoutCookie(RawHttp.Response r) {
        assertEquals(401, r.status(), r.body());
        assertEquals("UNAUTHENTICATED", r.json().get("error_code").asText(), r.body());
        assertNull(r.headers().get("set-cookie"), r.headers().toString());
    }

    @Test
    void anEditorsLinkSetsACookieThatReadsAndWritesAndNeverReachesTheTrackingServer() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            Lb lb = tokenModeInstance(backend);
            String target = link(ServiceTokens.editorOf(Fixtures.WORKSPACE), lb);
            String token = signIn(lb, target);

            // the cookie reads and (read-write) writes; the tracking server sees neither it nor any other load balancer's
            String cookies = "theme=dark; " + lb.cookieName() + "=" + token + "; dms_mlflow_alb-other=mlft_x_y";
            RawHttp.Response read = withCookie(lb, "GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", cookies, Map.of());
            assertEquals(200, read.status(), read.body());
            assertEquals("theme=dark", read.json().get("cookie").asText(), read.body());
            assertTrue(read.json().get("authorization").isNull(), read.body());
            RawHttp.Response write = withCookie(lb, "POST", "/ajax-api/2.0/mlflow/runs/create", cookies, Map.of("Origin", lb.origin()));
            assertEquals(200, write.status(), write.body());
            assertEquals("theme=dark", write.json().get("cookie").asText());
            // ... but a change asked by another site's page (another port of this host is same-site to the cookie) is refused
            RawHttp.Response crossSite = withCookie(lb, "POST", "/ajax-api/2.0/mlflow/runs/create", cookies,
                    Map.of("Origin", "http://127.0.0.1:8080"));
            assertEquals(403, crossSite.status(), crossSite.body());
            assertEquals("PERMISSION_DENIED", crossSite.json().get("error_code").asText());
            // an Authorization header is what counts when there is one
            assertEquals(401, withCookie(lb, "GET", "/x", cookies, Map.of("Authorization", "Bearer mlft_nope")).status());

            // the code works once
            assertRefusedWithoutCookie(open(lb, target));
            assertTrue(backend.received().stream().noneMatch(u -> u.startsWith("/.dms")), backend.received().toString());
            assertFalse(backend.received().toString().contains(target.substring(target.indexOf('=') + 1)), "the code never reaches the backend");

            // the token is a token like any other: listed, of the member, read-write, and revocable
            JsonPath listed = ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + lb.instanceId() + "/tokens").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(1, listed.getList("items").size());
            assertEquals("browser sign-in", listed.getString("items[0].name"));
            assertEquals("browser", listed.getString("items[0].kind"));
            assertEquals("read-write", listed.getString("items[0].scope"));
            assertEquals(ServiceTokens.PRINCIPAL, listed.getString("items[0].createdBy"));
            assertFalse(listed.prettify().contains(token), "the token itself is never listed");
            Instant expires = Instant.parse(listed.getString("items[0].expiresAt"));
            assertTrue(expires.isAfter(Instant.now().plus(Duration.ofHours(7))) && expires.isBefore(Instant.now().plus(Duration.ofHours(9))));
            ServiceTokens.editorOf(Fixtures.WORKSPACE).delete("/networks/" + lb.instanceId() + "/tokens/" + listed.getString("items[0].id"))
                    .then().statusCode(204);
            RawHttp.Response revoked = withCookie(lb, "GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", cookies, Map.of());
            assertEquals(401, revoked.status(), revoked.body());
        }
    }

    @Test
    void aViewersCookieReadsButMayNotWrite() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            Lb lb = tokenModeInstance(backend);
            String token = signIn(lb, link(ServiceTokens.viewerOf(Fixtures.WORKSPACE), lb));
            String cookie = lb.cookieName() + "=" + token;
            assertEquals(200, withCookie(lb, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", cookie, Map.of()).status());
            assertEquals(200, withCookie(lb, "POST", "/ajax-api/2.0/mlflow/runs/search", cookie, Map.of("Origin", lb.origin())).status());
            RawHttp.Response write = withCookie(lb, "POST", "/ajax-api/2.0/mlflow/runs/create", cookie, Map.of("Origin", lb.origin()));
            assertEquals(403, write.status(), write.body());
            assertEquals("PERMISSION_DENIED", write.json().get("error_code").asText());
            ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + lb.instanceId() + "/tokens").then()
                    .body("items[0].scope", equalTo("read"));
        }
    }

    @Test
    void usedExpiredForeignOrGarbageCodesAre401AndSetNothing() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            Lb lb = tokenModeInstance(backend);
            Lb other = tokenModeInstance(backend);
            // garbage, no code, and a code that is well-formed but was never issued
            assertRefusedWithoutCookie(open(lb, "/.dms/sign-in?code=nope"));
            assertRefusedWithoutCookie(open(lb, "/.dms/sign-in"));
            assertRefusedWithoutCookie(open(lb, "/.dms/sign-in?code=" + "A".repeat(43)));
            // another instance's code is refused here, and spent: it no longer opens its own instance either
            String foreign = link(ServiceTokens.editorOf(Fixtures.WORKSPACE), other);
            assertRefusedWithoutCookie(open(lb, foreign));
            assertRefusedWithoutCookie(open(other, foreign));
            // an expired code
            String late = link(ServiceTokens.editorOf(Fixtures.WORKSPACE), lb);
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "UPDATE ui_sign_in_code SET expires_at = now() - interval '1 second' WHERE instance_id = ? AND used_at IS NULL")) {
                ps.setString(1, lb.instanceId());
                assertEquals(1, ps.executeUpdate());
            }
            assertRefusedWithoutCookie(open(lb, late));
            // a POST does not spend a code (only a browser's GET does), and other reserved paths are never forwarded
            String kept = link(ServiceTokens.editorOf(Fixtures.WORKSPACE), lb);
            assertRefusedWithoutCookie(RawHttp.request("127.0.0.1", lb.host(), lb.port(), "POST", kept, "", Map.of()));
            assertEquals(404, open(lb, "/.dms/other").status());
            // the ACL still comes first
            assertEquals("acl", RawHttp.request("127.0.0.2", lb.host(), lb.port(), "GET", kept, null, Map.of()).json().get("layer").asText());
            signIn(lb, kept);
            assertTrue(backend.received().stream().noneMatch(u -> u.startsWith("/.dms")), backend.received().toString());
            ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + lb.instanceId() + "/tokens").then().body("items.size()", equalTo(1));
        }
    }

    @Test
    void networkModeForeignWorkspacesAndUnknownInstancesGetNoLink() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            Lb lb = tokenModeInstance(backend);
            ServiceTokens.editorOf(Fixtures.newWorkspace()).post("/networks/" + lb.instanceId() + "/ui-sign-in").then().statusCode(404)
                    .contentType("application/problem+json");
            ServiceTokens.viewerOf(Fixtures.WORKSPACE).post("/networks/mlf-no-such-network/ui-sign-in").then().statusCode(404);
            String issuedBefore = link(ServiceTokens.editorOf(Fixtures.WORKSPACE), lb);
            String token = signIn(lb, link(ServiceTokens.ownerOf(Fixtures.WORKSPACE), lb));

            // to network mode: no link is issued, a link from before opens nothing, and the cookie still never reaches the backend
            Steps.run(lb.instanceId(), () -> service.onInstanceUpdated(new InstanceUpdated(lb.instanceId(), Fixtures.WORKSPACE,
                    "my-mlflow", null, "network", Instant.now())));
            ServiceTokens.viewerOf(Fixtures.WORKSPACE).post("/networks/" + lb.instanceId() + "/ui-sign-in").then().statusCode(409)
                    .contentType("application/problem+json").body("code", equalTo("AUTH_MODE_NOT_TOKEN"));
            assertRefusedWithoutCookie(open(lb, issuedBefore));
            RawHttp.Response open = withCookie(lb, "GET", "/", lb.cookieName() + "=" + token, Map.of());
            assertEquals(200, open.status());
            assertTrue(open.json().get("cookie").isNull(), open.body());
        }
    }

    @Test
    void aMemberKeepsAtMostFiveBrowserSignInsAndTheOldestEnds() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            Lb lb = tokenModeInstance(backend);
            RequestSpecification alice = ServiceTokens.as("mem_alice", Fixtures.WORKSPACE, "editor");
            String first = signIn(lb, link(alice, lb));
            for (int i = 0; i < 4; i++) {
                signIn(lb, link(ServiceTokens.as("mem_alice", Fixtures.WORKSPACE, "editor"), lb));
            }
            assertEquals(200, withCookie(lb, "GET", "/x", lb.cookieName() + "=" + first, Map.of()).status());
            // someone else's sign-in does not count against alice
            signIn(lb, link(ServiceTokens.as("mem_bob", Fixtures.WORKSPACE, "viewer"), lb));
            assertEquals(200, withCookie(lb, "GET", "/x", lb.cookieName() + "=" + first, Map.of()).status());
            signIn(lb, link(ServiceTokens.as("mem_alice", Fixtures.WORKSPACE, "editor"), lb));
            assertEquals(401, withCookie(lb, "GET", "/x", lb.cookieName() + "=" + first, Map.of()).status());
            JsonPath tokens = ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + lb.instanceId() + "/tokens").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(7, tokens.getList("items").size());
            assertEquals(5, tokens.getList("items.findAll { it.createdBy == 'mem_alice' && it.status == 'active' }").size());
            assertEquals(1, tokens.getList("items.findAll { it.createdBy == 'mem_alice' && it.status == 'revoked' }").size());
        }
    }
}
