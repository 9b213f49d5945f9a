package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening a session's JupyterLab in a browser: the one-time link, the session's cookie, and Jupyter's sockets. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayJupyterLinkTest {

    @Inject
    AgroalDataSource db;

    /** A workspace with a RUNNING session and an editor: [ws, sessionId, editorMemberId, editorKey]. */
    private static String[] running() {
        String ws = Api.workspace();
        String session = "run-" + UUID.randomUUID();
        StandInServices.session(ws, session, "RUNNING");
        String[] editor = Api.member(ws, "editor");
        return new String[] {ws, session, editor[0], editor[1]};
    }

    private static String link(String key, String ws, String session) {
        return as(key).post("/api/v1/workspaces/" + ws + "/notebook-sessions/" + session + "/jupyter-link")
                .then().statusCode(201).header("Cache-Control", "no-store")
                .body("sessionId", equalTo(session)).body("expiresAt", not(nullValue()))
                .extract().path("url");
    }

    private static Response open(String url) {
        return given().redirects().follow(false).get(url);
    }

    /** The cookie value a link gives. */
    private static String cookie(String url) {
        return open(url).then().statusCode(303).extract().cookie("dms_jupyter");
    }

    private static String jupyter(String ws, String session) {
        return "/api/v1/workspaces/" + ws + "/notebook-sessions/" + session + "/jupyter/";
    }

    @Test
    void aLinkOpensTheSessionsJupyterLabOnceWithAnHttpOnlyStrictCookieOnItsPath() {
        String[] r = running();
        String url = link(r[3], r[0], r[1]);
        assertTrue(url.startsWith("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-sign-in?code="), url);

        Response signIn = open(url);
        signIn.then().statusCode(303).header("Location", endsWithPath(jupyter(r[0], r[1]) + "lab"))
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer");
        String setCookie = signIn.getHeader("Set-Cookie");
        assertTrue(setCookie.startsWith("dms_jupyter="), setCookie);
        assertTrue(setCookie.contains("; Path=" + jupyter(r[0], r[1]) + ";"), setCookie);
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"), setCookie);
        int maxAge = Integer.parseInt(setCookie.replaceAll(".*Max-Age=(\\d+).*", "$1"));
        assertTrue(maxAge > 8 * 3600 - 60 && maxAge <= 8 * 3600, setCookie);
        String value = signIn.getCookie("dms_jupyter");
        assertFalse(value.contains(r[3]), "the cookie never carries the API key");

        given().cookie("dms_jupyter", value).get(jupyter(r[0], r[1]) + "lab").then().statusCode(200)
                .body(equalTo("jupyter GET lab for " + r[2]));
        given().cookie("dms_jupyter", value).contentType("application/json").body("{}")
                .post(jupyter(r[0], r[1]) + "api/sessions").then().statusCode(200);

        // single use, whoever tries again
        open(url).then().statusCode(401).body("code", equalTo("JUPYTER_LINK_INVALID"));
        // the request for the link is audited; the code is nowhere in the audit log
        String audit = as(Api.admin()).get("/api/v1/workspaces/" + r[0] + "/audit").then().statusCode(200)
                .body("items.action", hasItem("notebook.jupyter-link")).extract().asString();
        assertFalse(audit.contains(url.substring(url.indexOf("code=") + 5)));
    }

    @Test
    void theCookieIsRefusedOnEveryOtherRouteSessionAndWorkspace() {
        String[] r = running();
        String value = cookie(link(r[3], r[0], r[1]));
        String other = "run-" + UUID.randomUUID();
        StandInServices.session(r[0], other, "RUNNING");
        String otherWs = Api.workspace();
        StandInServices.session(otherWs, r[1] + "x", "RUNNING");

        for (String path : List.of(jupyter(r[0], other) + "lab", jupyter(otherWs, r[1]) + "lab",
                "/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1], "/api/v1/workspaces/" + r[0] + "/notebook-sessions",
                "/api/v1/workspaces/" + r[0], "/api/v1/me")) {
            given().cookie("dms_jupyter", value).get(path).then().statusCode(401);
        }
        given().cookie("dms_jupyter", value).post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/stop").then().statusCode(401);
        given().cookie("dms_jupyter", value).post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-link").then().statusCode(401);
        // an altered cookie is not ours
        String tampered = value.substring(0, value.length() - 2) + (value.endsWith("AA") ? "BB" : "AA");
        given().cookie("dms_jupyter", tampered).get(jupyter(r[0], r[1]) + "lab").then().statusCode(401)
                .body("code", equalTo("INVALID_JUPYTER_COOKIE"));
        // a change from another site's page is refused even with the cookie
        given().cookie("dms_jupyter", value).header("Origin", "https://evil.example").contentType("application/json").body("{}")
                .post(jupyter(r[0], r[1]) + "api/sessions").then().statusCode(401).body("code", equalTo("CROSS_SITE_REQUEST"));
    }

    @Test
    void aLinkIsOnlyForEditorsOfTheWorkspaceAndARunningSession() {
        String[] r = running();
        String[] viewer = Api.member(r[0], "viewer");
        as(viewer[1]).post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-link").then().statusCode(403);

        String foreignWs = Api.workspace();
        String[] foreigner = Api.member(foreignWs, "owner");
        as(foreigner[1]).post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-link").then().statusCode(404);
        // a session of another workspace, named under one's own
        as(foreigner[1]).post("/api/v1/workspaces/" + foreignWs + "/notebook-sessions/" + r[1] + "/jupyter-link").then().statusCode(404);

        String stopped = "stop-" + UUID.randomUUID();
        StandInServices.session(r[0], stopped, "STOPPED");
        as(r[3]).post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + stopped + "/jupyter-link").then().statusCode(409)
                .body("code", equalTo("SESSION_STOPPED"));
        given().post("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-link").then().statusCode(401);
    }

    @Test
    void aLinkOpenedUnderAnotherSessionOrWorkspaceIsSpentAndRefused() {
        String[] r = running();
        String url = link(r[3], r[0], r[1]);
        String code = url.substring(url.indexOf("code=") + 5);
        String other = "run-" + UUID.randomUUID();
        StandInServices.session(r[0], other, "RUNNING");
        open("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + other + "/jupyter-sign-in?code=" + code).then().statusCode(401);
        open(url).then().statusCode(401).body("code", equalTo("JUPYTER_LINK_INVALID"));
        open("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-sign-in?code=" + "A".repeat(43)).then().statusCode(401);
        open("/api/v1/workspaces/" + r[0] + "/notebook-sessions/" + r[1] + "/jupyter-sign-in").then().statusCode(401);
    }

    @Test
    void anExpiredLinkIsRefused() throws Exception {
        String[] r = running();
        String url = link(r[3], r[0], r[1]);
        String code = url.substring(url.indexOf("code=") + 5);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.US_ASCII)));
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE jupyter_link_codes SET expires_at = now() - interval '1 second' WHERE code_sha256 = ?")) {
            s.setString(1, hash);
            assertEquals(1, s.executeUpdate(), "only the hash of the code is stored");
        }
        open(url).then().statusCode(401).body("code", equalTo("JUPYTER_LINK_EXPIRED"));
    }

    @Test
    void theCookieFollowsTheMembersRoleAndKey() {
        String[] r = running();
        String value = cookie(link(r[3], r[0], r[1]));
        given().cookie("dms_jupyter", value).get(jupyter(r[0], r[1]) + "lab").then().statusCode(200);
        as(Api.admin()).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + r[0] + "/members/" + r[2]).then().statusCode(200);
        given().cookie("dms_jupyter", value).get(jupyter(r[0], r[1]) + "lab").then().statusCode(403);
        as(Api.admin()).body(Map.of("role", "editor")).patch("/api/v1/workspaces/" + r[0] + "/members/" + r[2]).then().statusCode(200);
        given().cookie("dms_jupyter", value).get(jupyter(r[0], r[1]) + "lab").then().statusCode(200);

        String url = link(r[3], r[0], r[1]);
        String keyId = r[3].substring(4, 20);
        as(Api.admin()).delete("/api/v1/workspaces/" + r[0] + "/keys/" + keyId).then().statusCode(204);
        given().cookie("dms_jupyter", value).get(jupyter(r[0], r[1]) + "lab").then().statusCode(401);
        open(url).then().statusCode(401).body("code", equalTo("INVALID_API_KEY"));
    }

    @Test
    void jupyterSocketsPassThroughWithTheCookieOrAKeyAndTheSameChecks() throws Exception {
        String[] r = running();
        String value = cookie(link(r[3], r[0], r[1]));
        String channels = jupyter(r[0], r[1]) + "api/kernels/" + UUID.randomUUID() + "/channels?session_id=s1";

        assertEquals("echo " + r[2] + ": hello", roundTrip(channels, Map.of("Cookie", "dms_jupyter=" + value), "hello"));
        assertEquals("echo " + r[2] + ": by key", roundTrip(channels, Map.of("Authorization", "Bearer " + r[3]), "by key"));
        assertTrue(StandInServices.received("/sessions/" + r[1] + "/jupyter/api/kernels/").stream()
                .anyMatch(x -> x.uri().endsWith("/channels?session_id=s1")), "path and query reach the service");

        assertEquals(401, refusal(channels, Map.of()));
        String[] viewer = Api.member(r[0], "viewer");
        assertEquals(403, refusal(channels, Map.of("Authorization", "Bearer " + viewer[1])));
        String[] foreigner = Api.member(Api.workspace(), "owner");
        assertEquals(404, refusal(channels, Map.of("Authorization", "Bearer " + foreigner[1])));
        String other = "run-" + UUID.randomUUID();
        StandInServices.session(r[0], other, "RUNNING");
        assertEquals(401, refusal(jupyter(r[0], other) + "api/kernels/k/channels", Map.of("Cookie", "dms_jupyter=" + value)));
        assertEquals(401, refusal(channels, Map.of("Cookie", "dms_jupyter=" + value, "Origin", "https://evil.example")));
        String stopped = "stop-" + UUID.randomUUID();
        StandInServices.session(r[0], stopped, "STOPPED");
        assertEquals(409, refusal(jupyter(r[0], stopped) + "api/kernels/k/channels", Map.of("Authorization", "Bearer " + r[3])));
    }

    @Test
    void socketsTakeNotebookServicesReplicasInTurnAndSkipOneThatRefusesConnections() throws Exception {
        // notebook-service is listed as three replicas, the first down (StandInServices): every socket still opens, each
        // on one replica, and both serving replicas relay the same session (any replica relays any session)
        String[] r = running();
        String channels = jupyter(r[0], r[1]) + "api/kernels/" + UUID.randomUUID() + "/channels";
        int before = StandInServices.RECEIVED.size();
        for (int i = 0; i < 6; i++) {
            assertEquals("echo " + r[2] + ": hello " + i, roundTrip(channels, Map.of("Authorization", "Bearer " + r[3]), "hello " + i));
        }
        Map<String, Long> perReplica = StandInServices.RECEIVED.subList(before, StandInServices.RECEIVED.size()).stream()
                .filter(x -> x.method().equals("WEBSOCKET") && x.uri().startsWith("/sessions/" + r[1] + "/jupyter/"))
                .collect(java.util.stream.Collectors.groupingBy(x -> x.headers().get("host"), java.util.stream.Collectors.counting()));
        assertEquals(6, perReplica.values().stream().mapToLong(Long::longValue).sum(), "each socket reached notebook-service once: " + perReplica);
        assertEquals(2, perReplica.size(), "both serving replicas: " + perReplica);
        for (int port : StandInServices.instanceReplicaPorts) {
            // in turn: 2 of 6 sockets start at each of the three; the down one's go to the next, so one gets 2, the other 4
            long sockets = perReplica.getOrDefault("127.0.0.1:" + port, 0L);
            assertTrue(sockets >= 2, "replica :" + port + " relayed " + sockets + " of 6: " + perReplica);
        }
    }

    @Test
    void anOpenSocketIsClosedOnceItsKeyIsRevokedOrItsMemberIsNoLongerAnEditor() throws Exception {
        String[] r = running();
        String channels = jupyter(r[0], r[1]) + "api/kernels/" + UUID.randomUUID() + "/channels";
        String value = cookie(link(r[3], r[0], r[1]));
        try (Watched byCookie = Watched.open(channels, Map.of("Cookie", "dms_jupyter=" + value));
             Watched byKey = Watched.open(channels, Map.of("Authorization", "Bearer " + r[3]))) {
            String[] other = running();
            try (Watched untouched = Watched.open(jupyter(other[0], other[1]) + "api/kernels/k/channels",
                    Map.of("Authorization", "Bearer " + other[3]))) {
                assertEquals("echo " + r[2] + ": one", byCookie.say("one"));
                assertEquals("echo " + r[2] + ": two", byKey.say("two"));

                // the member becomes a viewer: both of its sockets go (the cookie and the key are the same member's)
                as(Api.admin()).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + r[0] + "/members/" + r[2])
                        .then().statusCode(200);
                assertEquals(1008, byCookie.closed.get(10, TimeUnit.SECONDS));
                assertEquals(1008, byKey.closed.get(10, TimeUnit.SECONDS));

                // another member's socket, whose access did not change, lives through many re-checks
                assertEquals("echo " + other[2] + ": still here", untouched.say("still here"));
                // > 3 re-check intervals of the test profile (300 ms): nothing may close it meanwhile
                assertThrows(java.util.concurrent.TimeoutException.class, () -> untouched.closed.get(1, TimeUnit.SECONDS));
                assertEquals("echo " + other[2] + ": and now", untouched.say("and now"));

                // its key is revoked: the socket goes
                as(Api.admin()).delete("/api/v1/workspaces/" + other[0] + "/keys/" + other[3].substring(4, 20)).then().statusCode(204);
                assertEquals(1008, untouched.closed.get(10, TimeUnit.SECONDS));
            }
        }
    }

    /** A client socket that collects what it receives and how it was closed. */
    private static final class Watched implements AutoCloseable {
        final java.util.concurrent.BlockingQueue<String> texts = new java.util.concurrent.LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket;

        static Watched open(String path, Map<String, String> headers) throws Exception {
            Watched w = new Watched();
            w.socket = builder(headers).buildAsync(URI.create("ws://localhost:" + RestAssured.port + path), new WebSocket.Listener() {
                final StringBuilder sb = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    sb.append(data);
                    if (last) {
                        w.texts.add(sb.toString());
                        sb.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                    w.closed.complete(statusCode);
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    w.closed.complete(-1);
                }
            }).get(10, TimeUnit.SECONDS);
            return w;
        }

        String say(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            String got = texts.poll(10, TimeUnit.SECONDS);
            assertNotNull(got, "no answer to " + text);
            return got;
        }

        @Override
        public void close() {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
        }
    }

    private static String roundTrip(String path, Map<String, String> headers, String text) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        WebSocket socket = builder(headers).buildAsync(URI.create("ws://localhost:" + RestAssured.port + path), new WebSocket.Listener() {
            final StringBuilder sb = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                sb.append(data);
                if (last) {
                    answer.complete(sb.toString());
                }
                ws.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        String got = answer.get(10, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        return got;
    }

    private static int refusal(String path, Map<String, String> headers) throws Exception {
        CompletableFuture<WebSocket> f = builder(headers).buildAsync(URI.create("ws://localhost:" + RestAssured.port + path),
                new WebSocket.Listener() { });
        Exception e = assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS));
        WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        return h.getResponse().statusCode();
    }

    private static WebSocket.Builder builder(Map<String, String> headers) {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(java.time.Duration.ofSeconds(5));
        headers.forEach(b::header);
        return b;
    }

    private static org.hamcrest.Matcher<String> endsWithPath(String path) {
        return org.hamcrest.Matchers.endsWith(path);
    }
}
