package dev.dmsmlflow.network.api;

import com.sun.net.httpserver.HttpServer;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.mlflowaccess.MlflowCredentials;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The token list a tracking server fetches for itself ({@code /data-plane/instances/<id>/access-tokens}): opened only by a
 * secret that instance-service (here a stand-in) confirms as one of that instance's, and holding digests, scopes and
 * expiries of the active tokens, never a token.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = TrackingTokensTest.FakeInstanceService.class, restrictToAnnotatedClass = true)
class TrackingTokensTest {

    /** Plays instance-service's {@code GET /compute/instances/<id>/storage-secret}: 204 for a secret it was told, else 401. */
    public static class FakeInstanceService implements QuarkusTestResourceLifecycleManager {
        static final Map<String, String> SECRETS = new ConcurrentHashMap<>();
        static final AtomicInteger ASKED = new AtomicInteger();
        static volatile boolean down;
        private HttpServer server;

        @Override
        public Map<String, String> start() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/compute/instances/", ex -> {
                try (ex) {
                    ASKED.incrementAndGet();
                    String[] parts = ex.getRequestURI().getPath().split("/");
                    String secret = ex.getRequestHeaders().getFirst("X-Dms-Storage-Secret");
                    int status = down ? 500 : parts.length == 5 && "storage-secret".equals(parts[4]) && secret != null
                            && secret.equals(SECRETS.get(parts[3])) ? 204 : 401;
                    ex.sendResponseHeaders(status, -1);
                }
            });
            server.start();
            return Map.of("dms.network.instance-service-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/");
        }

        @Override
        public void stop() {
            server.stop(0);
        }
    }

    @Inject
    NetworkService service;

    private static Response fetch(String instanceId, String secret) {
        var r = given();
        if (secret != null) {
            r = r.header(TrackingTokensResource.SECRET_HEADER, secret);
        }
        return r.get("/data-plane/instances/" + instanceId + "/access-tokens");
    }

    private String tokenModeInstance(EchoBackend backend, boolean tokens) {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(tokens ? Fixtures.requestedWithTokens(id) : Fixtures.requested(id)));
        Steps.run(id, () -> service.onInstanceDeployed(Fixtures.deployed(id, backend.port())));
        return id;
    }

    private static String create(String id, String name, String scope, Integer days) {
        Map<String, Object> body = days == null ? Map.of("name", name, "scope", scope) : Map.of("name", name, "scope", scope, "expiresInDays", days);
        return ServiceTokens.editorOf(Fixtures.WORKSPACE).contentType(ContentType.JSON).body(body)
                .post("/networks/" + id + "/tokens").then().statusCode(201).extract().path("token");
    }

    @Test
    void theInstancesOwnServerGetsItsModeAndTheActiveTokensDigestsNeverTheTokens() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            String id = tokenModeInstance(backend, true);
            String reader = create(id, "reader", "read", null);
            String writer = create(id, "writer", "read-write", 30);
            String revoked = create(id, "gone", "read-write", null);
            String revokedId = ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/networks/" + id + "/tokens").jsonPath()
                    .getString("items.find { it.name == 'gone' }.id");
            ServiceTokens.editorOf(Fixtures.WORKSPACE).delete("/networks/" + id + "/tokens/" + revokedId).then().statusCode(204);
            String secret = "secret-of-" + id;
            FakeInstanceService.SECRETS.put(id, secret);

            Response ok = fetch(id, secret);
            assertEquals(200, ok.statusCode(), ok.asString());
            assertEquals("no-store", ok.header("Cache-Control"));
            JsonPath body = ok.jsonPath();
            assertEquals("token", body.getString("authMode"));
            assertEquals(2, body.getList("tokens").size(), ok.asString());
            assertEquals("read", body.getString("tokens.find { it.digest == '" + MlflowCredentials.digestHex(reader) + "' }.scope"));
            assertNull(body.get("tokens.find { it.digest == '" + MlflowCredentials.digestHex(reader) + "' }.expiresAt"));
            assertEquals("read-write", body.getString("tokens.find { it.digest == '" + MlflowCredentials.digestHex(writer) + "' }.scope"));
            assertTrue(body.getString("tokens.find { it.digest == '" + MlflowCredentials.digestHex(writer) + "' }.expiresAt")
                    .startsWith("20"));
            assertNull(body.get("tokens.find { it.digest == '" + MlflowCredentials.digestHex(revoked) + "' }"), "revoked: not listed");
            String text = ok.asString();
            for (String t : List.of(reader, writer, revoked)) {
                assertFalse(text.contains(t), "no token in the answer");
            }
            assertFalse(text.contains("mlft_") || text.contains("reader") || text.contains("writer") || text.contains("createdBy")
                    || text.contains(secret), text);
            assertEquals(List.of("authMode", "tokens"), List.copyOf(body.getMap("$").keySet()));
            for (Map<String, Object> t : body.<Map<String, Object>>getList("tokens")) {
                assertTrue(List.of("id", "digest", "scope", "expiresAt").containsAll(t.keySet()), t.toString());
            }
        }
    }

    @Test
    void noSecretAWrongOneAnotherInstancesOneOrAServiceTokenIsA401() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            String a = tokenModeInstance(backend, true);
            String b = tokenModeInstance(backend, true);
            create(a, "t", "read-write", null);
            FakeInstanceService.SECRETS.put(a, "secret-of-" + a);
            FakeInstanceService.SECRETS.put(b, "secret-of-" + b);
            assertEquals(200, fetch(b, "secret-of-" + b).statusCode());
            for (Response refused : List.of(fetch(a, null), fetch(a, ""), fetch(a, "wrong"), fetch(a, "secret-of-" + b),
                    fetch(a, "secret-of-" + a + "x"), fetch(Fixtures.newInstanceId(), "secret-of-" + a),
                    ServiceTokens.editorOf(Fixtures.WORKSPACE).get("/data-plane/instances/" + a + "/access-tokens"))) {
                assertEquals(401, refused.statusCode(), refused.asString());
                assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
                assertEquals(TrackingTokensResource.SECRET_HEADER, refused.jsonPath().getString("field"));
                assertFalse(refused.asString().contains("digest"));
            }
        }
    }

    @Test
    void aConfirmedSecretIsNotAskedAgainForAMinuteAndAnUnconfirmedOneIs503WhileInstanceServiceCannotSay() throws Exception {
        try (EchoBackend backend = new EchoBackend()) {
            String id = tokenModeInstance(backend, false);
            FakeInstanceService.SECRETS.put(id, "secret-of-" + id);
            int before = FakeInstanceService.ASKED.get();
            Response first = fetch(id, "secret-of-" + id);
            assertEquals(200, first.statusCode());
            assertEquals("network", first.jsonPath().getString("authMode"), "an instance in network mode says so");
            assertEquals(List.of(), first.jsonPath().getList("tokens"));
            for (int i = 0; i < 5; i++) {
                assertEquals(200, fetch(id, "secret-of-" + id).statusCode());
            }
            assertEquals(before + 1, FakeInstanceService.ASKED.get(), "asked once");
            FakeInstanceService.down = true;
            try {
                assertEquals(200, fetch(id, "secret-of-" + id).statusCode(), "confirmed a moment ago");
                Response unsure = fetch(id, "another-secret");
                assertEquals(503, unsure.statusCode(), unsure.asString());
                assertTrue(unsure.contentType().startsWith("application/problem+json"));
            } finally {
                FakeInstanceService.down = false;
            }
        }
    }
}
