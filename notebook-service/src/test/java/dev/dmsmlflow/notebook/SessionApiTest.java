package dev.dmsmlflow.notebook;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.platform.testing.ServiceTokens.editorOf;
import static dev.dmsmlflow.platform.testing.ServiceTokens.viewerOf;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The session API without runtimes: every parameter of the seed's create form validated (400 naming the field, nothing
 * created), defaults, masked variables, names unique per workspace, storage ownership, workspace scoping and roles.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class SessionApiTest {

    private static String ws() {
        return "ws-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> valid(String name) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", name);
        b.put("image", "Python3.9:1.0.9");
        b.put("spec", "1C4G");
        return b;
    }

    private static Map<String, Object> with(String name, String key, Object value) {
        Map<String, Object> b = valid(name);
        b.put(key, value);
        return b;
    }

    private static int count(String ws) {
        return editorOf(ws).get("/sessions?pageSize=100").then().statusCode(200).extract().jsonPath().getList("items").size();
    }

    @Test
    void everyInvalidParameterIsA400NamingItsFieldAndCreatesNothing() {
        String ws = ws();
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("name", with("bad-name!", "name", "bad-name!"));
        cases.put("name ", with("x", "name", "a".repeat(65)));
        cases.put("name  ", with("x", "name", null));
        cases.put("cluster", with("c1", "cluster", "no-such-cluster"));
        cases.put("cluster ", with("c2", "cluster", "dedicated-a"));
        cases.put("image", with("i1", "image", "Python2.7:0.1"));
        cases.put("image ", with("i2", "image", null));
        cases.put("spec", with("s1", "spec", "3C5G"));
        cases.put("spec ", with("s2", "spec", "lots"));
        cases.put("configuration", with("p1", "configuration", "root_profile"));
        cases.put("idleReleaseMinutes", with("r1", "idleReleaseMinutes", 0));
        cases.put("idleReleaseMinutes ", with("r2", "idleReleaseMinutes", 1_000_000));
        cases.put("idleReleaseMinutes  ", with("r3", "idleReleaseMinutes", "soon"));
        cases.put("dataStorage", with("d1", "dataStorage", "s3://bucket/x"));
        cases.put("dataStorage ", with("d2", "dataStorage", "oss://my-bucket/../other"));
        cases.put("pypiPackages", with("k1", "pypiPackages", "pandas==, numpy"));
        cases.put("pypiPackages ", with("k2", "pypiPackages", "evil @ https://example.com/evil.whl"));
        cases.put("pypiPackages  ", with("k3", "pypiPackages", "numpy, numpy"));
        cases.put("environmentVariables", with("e1", "environmentVariables", "NO_EQUALS_SIGN"));
        cases.put("environmentVariables ", with("e2", "environmentVariables", "A=sk-very-secret-1;A=sk-very-secret-2"));
        cases.put("environmentVariables  ", with("e3", "environmentVariables", "MLFLOW_TRACKING_URI=http://elsewhere"));
        cases.put("environmentVariables   ", with("e4", "environmentVariables", "9LIVES=sk-very-secret-3"));
        cases.put("developmentMode", with("m1", "developmentMode", "sometimes"));
        for (Map.Entry<String, Map<String, Object>> c : cases.entrySet()) {
            String field = c.getKey().strip();
            Response r = editorOf(ws).contentType("application/json").body(c.getValue()).post("/sessions");
            assertEquals(400, r.statusCode(), c.getValue() + " -> " + r.asString());
            assertEquals(field, r.jsonPath().getString("field"), c.getValue() + " -> " + r.asString());
            assertEquals("application/problem+json", r.contentType().split(";")[0]);
            org.junit.jupiter.api.Assertions.assertFalse(r.asString().contains("sk-very-secret"), "a value is never echoed: " + r.asString());
        }
        assertEquals(0, count(ws), "nothing was created");
    }

    /** The shapes declared on the request records answer with platform's one mapping: the field, the constraint's code, its message. */
    @Test
    void aDeclaredConstraintIsA400NamingTheFieldWithItsCode() {
        String ws = ws();
        editorOf(ws).contentType("application/json").body(with("bad-name!", "name", "bad-name!")).post("/sessions").then()
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("name"), "code", equalTo("PATTERN"),
                        "detail", equalTo("'name' must be letters, digits and underscores (at most 64)."));
        editorOf(ws).contentType("application/json").body(with("x", "image", " ")).post("/sessions").then()
                .statusCode(400).body("field", equalTo("image"), "code", equalTo("NOT_BLANK"));
        editorOf(ws).contentType("application/json").body(with("y", "cluster", "c".repeat(65))).post("/sessions").then()
                .statusCode(400).body("field", equalTo("cluster"), "code", equalTo("SIZE"));
        editorOf(ws).contentType("application/json").post("/sessions").then()
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("body"), "code", equalTo("NOT_NULL"));
        assertEquals(0, count(ws), "nothing was created");
    }

    @Test
    void aValidSessionGetsTheDefaultsAndShowsItsVariablesMasked() {
        String ws = ws();
        Map<String, Object> body = valid("new_session_20250401");
        body.put("pypiPackages", "dashscope, pandas==2.1.0");
        body.put("environmentVariables", "DASHSCOPE_API_KEY=sk-0123456789abcdef\nREGION=cn-hangzhou");
        body.put("dataStorage", "oss://nb-" + ws + "/notebook");
        String id = editorOf(ws).contentType("application/json").body(body).post("/sessions").then().statusCode(201)
                .header("Location", startsWith("/sessions/"))
                .body("status", equalTo("CREATED"), "cluster", equalTo("default"), "vpcId", equalTo("vpc-local"),
                        "configuration", equalTo("default_profile"), "idleReleaseMinutes", equalTo(1440), "developmentMode", equalTo(false),
                        "dataStorage", equalTo("oss://nb-" + ws + "/notebook"), "pypiPackages", equalTo(List.of("dashscope", "pandas==2.1.0")),
                        "environmentVariables.DASHSCOPE_API_KEY", equalTo("sk-********"), "environmentVariables.REGION", equalTo("********"),
                        "address", startsWith("127.0.100."), "createdBy", equalTo("mem_test"))
                .body(not(containsString("0123456789abcdef")))
                .extract().path("id");
        editorOf(ws).get("/sessions/" + id).then().statusCode(200).body("name", equalTo("new_session_20250401"))
                .body(not(containsString("0123456789abcdef")));
        // temporary storage is the default ("None")
        editorOf(ws).contentType("application/json").body(valid("temp_one")).post("/sessions").then().statusCode(201)
                .body("dataStorage", equalTo("None"));
        editorOf(ws).get("/sessions").then().statusCode(200).body("items.name", hasItem("temp_one"));
    }

    @Test
    void namesAreUniqueInAWorkspaceOnly() {
        String a = ws();
        String b = ws();
        editorOf(a).contentType("application/json").body(valid("same")).post("/sessions").then().statusCode(201);
        editorOf(a).contentType("application/json").body(valid("same")).post("/sessions").then().statusCode(409)
                .body("field", equalTo("name"), "code", equalTo("NAME_TAKEN"));
        editorOf(b).contentType("application/json").body(valid("same")).post("/sessions").then().statusCode(201);
        assertEquals(1, count(a));
    }

    @Test
    void aWorkspaceHoldsAtMostItsQuotaOfSessionsAndOthersAreUnaffected() {
        String a = ws();
        for (int i = 0; i < 20; i++) { // dms.notebook.quota.sessions-per-workspace, default 20
            editorOf(a).contentType("application/json").body(valid("q" + i)).post("/sessions").then().statusCode(201);
        }
        editorOf(a).contentType("application/json").body(valid("q20")).post("/sessions").then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("https://dms-mlflow.dev/problems/quota-exceeded"), "code", equalTo("NOTEBOOK_SESSION_QUOTA"));
        assertEquals(20, count(a));
        editorOf(ws()).contentType("application/json").body(valid("q0")).post("/sessions").then().statusCode(201);
    }

    @Test
    void aDedicatedClusterServesOnlyTheWorkspacesItIsAuthorizedFor() {
        editorOf("ws-dedicated").contentType("application/json").body(with("ded_" + UUID.randomUUID().toString().substring(0, 6),
                "cluster", "dedicated-a")).post("/sessions").then().statusCode(201)
                .body("cluster", equalTo("dedicated-a"), "address", startsWith("127.0.101."));
        editorOf("ws-dedicated").get("/sessions/catalogue").then().statusCode(200).body("clusters.id", hasItem("dedicated-a"));
        editorOf(ws()).get("/sessions/catalogue").then().statusCode(200).body("clusters.id", not(hasItem("dedicated-a")))
                .body("images.name", hasItem("Python3.9:1.0.9"), "specs.name", hasItem("1C4G"));
    }

    @Test
    void anotherWorkspacesPersistentLocationIsRefused() {
        String a = ws();
        String bucket = "shared-" + a;
        editorOf(a).contentType("application/json").body(with("owner", "dataStorage", "oss://" + bucket + "/team")).post("/sessions")
                .then().statusCode(201);
        editorOf(ws()).contentType("application/json").body(with("intruder", "dataStorage", "oss://" + bucket + "/team/sub"))
                .post("/sessions").then().statusCode(409).body("field", equalTo("dataStorage"), "code", equalTo("STORAGE_NOT_OWNED"));
        editorOf(a).contentType("application/json").body(with("owner_too", "dataStorage", "oss://" + bucket + "/team/sub"))
                .post("/sessions").then().statusCode(201);
    }

    @Test
    void anotherWorkspacesSessionIsA404AndAViewersChangeA403() {
        String a = ws();
        String id = editorOf(a).contentType("application/json").body(valid("mine")).post("/sessions").then().statusCode(201)
                .extract().path("id");
        String b = ws();
        editorOf(b).get("/sessions/" + id).then().statusCode(404);
        for (String action : List.of("start", "stop")) {
            editorOf(b).post("/sessions/" + id + "/" + action).then().statusCode(404);
            viewerOf(a).post("/sessions/" + id + "/" + action).then().statusCode(403);
        }
        editorOf(b).delete("/sessions/" + id).then().statusCode(404);
        editorOf(b).contentType("application/json").body(Map.of("code", "1")).post("/sessions/" + id + "/executions").then().statusCode(404);
        editorOf(b).get("/sessions/" + id + "/usage").then().statusCode(404);
        editorOf(b).get("/sessions/" + id + "/jupyter/api/status").then().statusCode(404);
        viewerOf(a).delete("/sessions/" + id).then().statusCode(403);
        viewerOf(a).contentType("application/json").body(valid("viewer_made")).post("/sessions").then().statusCode(403);
        assertEquals(0, count(b));
        viewerOf(a).get("/sessions/" + id).then().statusCode(200);
        given().get("/sessions/" + id).then().statusCode(401);
        // a session never started can be deleted; it is gone afterwards
        editorOf(a).post("/sessions/" + id + "/stop").then().statusCode(409);
        editorOf(a).contentType("application/json").body(Map.of("code", "1")).post("/sessions/" + id + "/executions").then().statusCode(409);
        editorOf(a).delete("/sessions/" + id).then().statusCode(204);
        editorOf(a).get("/sessions/" + id).then().statusCode(404);
    }

    @Test
    void jupyterSocketsNeedTheTokenTheWorkspaceTheEditorRoleAndARunningSession() throws Exception {
        String a = ws();
        String id = editorOf(a).contentType("application/json").body(valid("sockets")).post("/sessions").then().statusCode(201)
                .extract().path("id");
        String channels = "/sessions/" + id + "/jupyter/api/kernels/k1/channels";
        assertEquals(401, socketRefusal(channels, null));
        assertEquals(401, socketRefusal(channels, "Bearer not-a-token"));
        assertEquals(404, socketRefusal(channels, "Bearer " + dev.dmsmlflow.platform.testing.ServiceTokens.token("mem_b", ws(), "editor")));
        assertEquals(403, socketRefusal(channels, "Bearer " + dev.dmsmlflow.platform.testing.ServiceTokens.token("mem_v", a, "viewer")));
        assertEquals(409, socketRefusal(channels, "Bearer " + dev.dmsmlflow.platform.testing.ServiceTokens.token("mem_e", a, "editor")));
    }

    /** The HTTP status with which the service refuses a WebSocket upgrade at {@code path}. */
    private static int socketRefusal(String path, String authorization) throws Exception {
        var builder = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        var opening = builder.buildAsync(java.net.URI.create("ws://127.0.0.1:" + io.restassured.RestAssured.port + path),
                new java.net.http.WebSocket.Listener() { });
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> opening.get(10, java.util.concurrent.TimeUnit.SECONDS));
        return org.junit.jupiter.api.Assertions.assertInstanceOf(java.net.http.WebSocketHandshakeException.class, e.getCause())
                .getResponse().statusCode();
    }

    @Test
    void everyEndpointRefusesACallerWithoutTheServiceTokenAndChangesNothing() {
        String ws = ws();
        String id = editorOf(ws).contentType("application/json").body(valid("guarded")).post("/sessions").then().statusCode(201)
                .extract().path("id");
        String x = "/sessions/" + id;
        List<String[]> calls = List.of(new String[] {"GET", "/sessions"}, new String[] {"POST", "/sessions"},
                new String[] {"GET", "/sessions/catalogue"}, new String[] {"GET", x}, new String[] {"POST", x + "/start"},
                new String[] {"POST", x + "/stop"}, new String[] {"DELETE", x}, new String[] {"POST", x + "/executions"},
                new String[] {"GET", x + "/executions"}, new String[] {"GET", x + "/executions/nbx-1"},
                new String[] {"GET", x + "/usage"}, new String[] {"GET", x + "/jupyter/api/status"},
                new String[] {"POST", x + "/jupyter/api/kernels"}, new String[] {"PUT", x + "/jupyter/api/contents/a.txt"},
                new String[] {"PATCH", x + "/jupyter/api/contents/a.txt"}, new String[] {"DELETE", x + "/jupyter/api/contents/a.txt"});
        for (String[] c : calls) {
            for (String authorization : new String[] {null, "Bearer not-a-token"}) {
                var request = given();
                if (!c[0].equals("GET") && !c[0].equals("DELETE")) {
                    request.contentType("application/json").body("{}");
                }
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                request.request(c[0], c[1]).then().statusCode(401).contentType(startsWith("application/problem+json"));
            }
        }
        editorOf(ws).get(x).then().statusCode(200).body("status", equalTo("CREATED"));
        assertEquals(1, count(ws));
    }

    @Test
    void listsArePagedWithOpaqueTokens() {
        String ws = ws();
        for (int i = 0; i < 5; i++) {
            editorOf(ws).contentType("application/json").body(valid("p" + i)).post("/sessions").then().statusCode(201);
        }
        Map<String, Object> seen = new HashMap<>();
        String token = editorOf(ws).get("/sessions?pageSize=2").then().statusCode(200).body("items.size()", equalTo(2))
                .extract().path("nextPageToken");
        String token2 = editorOf(ws).get("/sessions?pageSize=2&pageToken=" + token).then().statusCode(200)
                .body("items.size()", equalTo(2)).extract().path("nextPageToken");
        editorOf(ws).get("/sessions?pageSize=2&pageToken=" + token2).then().statusCode(200).body("items.size()", equalTo(1))
                .body("nextPageToken", equalTo(null));
        editorOf(ws).get("/sessions?pageSize=0").then().statusCode(400).body("field", equalTo("pageSize"));
        editorOf(ws).get("/sessions?pageToken=xyz").then().statusCode(400).body("field", equalTo("pageToken"));
        editorOf(ws).get("/sessions?status=SLEEPING").then().statusCode(400).body("field", equalTo("status"));
        editorOf(ws).get("/sessions?status=CREATED").then().statusCode(200).body("items.size()", equalTo(5));
        assertEquals(0, seen.size());
    }
}
