package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MLflow's own authentication, as clients already speak it: an instance in token mode, tokens made through the gateway, and
 * the unmodified official clients — Java {@code org.mlflow:mlflow-client} (Bearer and Basic credentials) and Python
 * {@code mlflow} (MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD) — through the instance's load balancer:
 * a valid token opens neither the ACL nor the security group (403 with their layer), then 401 without a token, 403 for a
 * read token's writes, a revoked token refused, network mode needing none again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MlflowTokensIT {

    /** The Python client version of the suite (mlflow-skinny: the client without the server and UI). */
    static final String MLFLOW = "3.12.0";

    Stack stack;
    Api.KeyClient admin;
    String api;

    @BeforeAll
    void start() {
        stack = Stack.start(Path.of(System.getProperty("dms.e2e.dir", "target/e2e"), "tokens-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startGateway(List.of());
        admin = Api.withKey(stack.bootstrapKey);
        api = stack.gatewayUrl + "/api/v1/workspaces/ws-1/instances";
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** A virtualenv with the MLflow client, kept between runs under ~/.cache (created on first use). */
    static Path python() throws Exception {
        Path venv = Path.of(System.getProperty("user.home"), ".cache", "dms-mlflow", "mlflow-skinny-" + MLFLOW);
        Path bin = venv.resolve("bin").resolve("python");
        if (!Files.isExecutable(venv.resolve("bin").resolve("mlflow"))) {
            Files.createDirectories(venv.getParent());
            OpenApiFuzzIT.run(List.of("python3", "-m", "venv", venv.toString()), Duration.ofMinutes(2));
            OpenApiFuzzIT.run(List.of(venv.resolve("bin/pip").toString(), "install", "-q", "--disable-pip-version-check",
                    "mlflow-skinny==" + MLFLOW), Duration.ofMinutes(10));
        }
        return bin;
    }

    /** Runs the Python client script with exactly these MLflow variables; its JSON result. */
    JsonNode pythonClient(String trackingUri, Map<String, String> credentials, String mode, String experiment) throws Exception {
        Path script = Path.of("src/test/python/token_client.py").toAbsolutePath();
        List<String> cmd = List.of(python().toString(), script.toString(), mode, experiment);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MLFLOW_"));
        env.put("MLFLOW_TRACKING_URI", trackingUri);
        env.put("MLFLOW_DISABLE_TELEMETRY", "true");
        env.put("DO_NOT_TRACK", "true");
        env.put("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0");
        env.putAll(credentials);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the Python client did not end");
        String line = out.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no result from the Python client:\n" + out));
        return Api.parse(line.substring("RESULT ".length()));
    }

    String createToken(String id, String name, String scope) {
        Api.Resp r = admin.post(api + "/" + id + "/tokens", Map.of("name", name, "scope", scope));
        assertEquals(201, r.status(), r.toString());
        return r.text("token");
    }

    @Test
    void tokenModeAdmitsTheOfficialClientsWithATokenAndAReadTokenOnlyReads() throws Exception {
        Map<String, Object> body = new HashMap<>(GatewayAccessIT.instanceBody("tokens-" + UUID.randomUUID().toString().substring(0, 6)));
        body.put("authMode", "token");
        body.put("securityGroupId", "sg-local-narrow"); // tcp 80 from 127.0.0.1 only, so that its layer can be seen too
        Api.Resp created = admin.post(api, body);
        assertEquals(201, created.status(), created.toString());
        assertEquals("token", created.text("authMode"));
        String id = created.text("id");
        Api.await(() -> "RUNNING".equals(admin.get(api + "/" + id).text("status")), Duration.ofSeconds(180), "RUNNING",
                () -> admin.get(api + "/" + id));
        String trackingUri = admin.get(api + "/" + id).text("trackingUri");
        URI lb = URI.create(trackingUri);
        String writer = createToken(id, "training", "read-write");
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + writer);

        // a valid token opens no network layer: the ACL without entries refuses it (403, layer acl)
        InstanceLifecycleIT.RawResponse noEntry = InstanceLifecycleIT.rawRequest("127.0.0.1", lb.getHost(), lb.getPort(), SEARCH, bearer);
        assertEquals(403, noEntry.status(), noEntry.toString());
        assertEquals("acl", Api.parse(noEntry.body()).path("layer").asText(), noEntry.toString());
        Api.Resp acl = admin.post(api + "/" + id + "/acl/entries", Map.of("cidr", "127.0.0.0/8", "description", "the test's clients"));
        assertEquals(200, acl.status(), acl.toString());
        // admitted by the ACL but not by the security group (127.0.0.1 only): 403, layer security-group, token or not
        Api.await(() -> securityGroupLayer(lb, bearer), Duration.ofSeconds(10), "the ACL entry, then the security group's refusal",
                () -> probe(lb, bearer));

        // no token: 401 in MLflow's format, with the challenge
        Api.await(() -> Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1").status() == 401, Duration.ofSeconds(10),
                "401 without a token", () -> Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1"));
        Api.Resp refused = Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1");
        assertEquals("UNAUTHENTICATED", refused.text("error_code"), refused.toString());
        assertNotNull(refused.header("WWW-Authenticate"), refused.toString());

        String reader = createToken(id, "dashboard", "read");
        Api.Resp listed = admin.get(api + "/" + id + "/tokens");
        assertEquals(2, listed.json().path("items").size(), listed.toString());
        assertFalse(listed.body().contains(writer) || listed.body().contains(reader), "tokens are shown once only");

        // Java client: Bearer (a token) writes; Basic (user + password) with the read token reads but cannot write
        String experiment = "tokens-java-" + UUID.randomUUID().toString().substring(0, 6);
        MlflowClient javaWriter = new MlflowClient(new BasicMlflowHostCreds(trackingUri, writer));
        MlflowClient javaReader = new MlflowClient(new BasicMlflowHostCreds(trackingUri, "alice", reader));
        MlflowClient anonymous = new MlflowClient(trackingUri);
        try {
            String experimentId = javaWriter.createExperiment(experiment);
            String runId = javaWriter.createRun(experimentId).getRunId();
            javaWriter.logMetric(runId, "rmse", 0.5);
            assertEquals(0.5, javaReader.getRun(runId).getData().getMetrics(0).getValue());
            assertEquals(1, javaReader.searchRuns(List.of(experimentId), "metrics.rmse < 1").size());
            MlflowHttpException denied = assertThrows(MlflowHttpException.class, () -> javaReader.logMetric(runId, "rmse", 0.1));
            assertEquals(403, denied.getStatusCode(), denied.getMessage());
            MlflowHttpException none = assertThrows(MlflowHttpException.class, () -> anonymous.getRun(runId));
            assertEquals(401, none.getStatusCode(), none.getMessage());
        } finally {
            javaWriter.close();
            javaReader.close();
            anonymous.close();
        }

        // Python client: MLFLOW_TRACKING_TOKEN writes and reads; USERNAME/PASSWORD with the read token reads, cannot write
        String pyExperiment = "tokens-python-" + UUID.randomUUID().toString().substring(0, 6);
        JsonNode asWriter = pythonClient(trackingUri, Map.of("MLFLOW_TRACKING_TOKEN", writer), "both", pyExperiment);
        assertTrue(asWriter.at("/write/ok").asBoolean(), asWriter.toString());
        assertEquals("0.5", asWriter.at("/read/value/0/params/alpha").asText(), asWriter.toString());
        JsonNode asReader = pythonClient(trackingUri, Map.of("MLFLOW_TRACKING_USERNAME", "bob", "MLFLOW_TRACKING_PASSWORD", reader),
                "both", pyExperiment);
        assertFalse(asReader.at("/write/ok").asBoolean(true), asReader.toString());
        assertEquals("PERMISSION_DENIED", asReader.at("/write/error_code").asText(), asReader.toString());
        assertEquals(1, asReader.at("/read/value").size(), asReader.toString());
        JsonNode noToken = pythonClient(trackingUri, Map.of(), "read", pyExperiment);
        assertFalse(noToken.at("/read/ok").asBoolean(true), noToken.toString());
        assertTrue(noToken.at("/read/message").asText().contains("401") || "UNAUTHENTICATED".equals(noToken.at("/read/error_code").asText()),
                noToken.toString());

        // a browser (the console's Open): a viewer's one-time link, traded at the load balancer for a cookie that reads the
        // tracking server's API as the UI does, may not write, and is spent by its first use
        String viewerId = admin.post(stack.gatewayUrl + "/api/v1/workspaces/ws-1/members",
                Map.of("displayName", "ui_viewer_" + UUID.randomUUID().toString().substring(0, 6), "role", "viewer")).text("memberId");
        Api.KeyClient viewer = Api.withKey(admin.post(stack.gatewayUrl + "/api/v1/workspaces/ws-1/keys", Map.of("memberId", viewerId)).text("apiKey"));
        Api.Resp link = viewer.post(api + "/" + id + "/ui-sign-in", Map.of());
        assertEquals(201, link.status(), link.toString());
        String url = link.text("url");
        assertTrue(url.startsWith(trackingUri + "/.dms/sign-in?code="), url);
        Api.Resp signedIn = Api.withKey(null).get(url);
        assertEquals(303, signedIn.status(), signedIn.toString());
        String setCookie = signedIn.header("Set-Cookie");
        assertTrue(setCookie != null && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"), signedIn.toString());
        String cookie = setCookie.split(";", 2)[0];
        Api.Resp uiRead = Api.withKey(null).call("GET", trackingUri + "/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name="
                + pyExperiment, null, "Cookie", cookie);
        assertEquals(200, uiRead.status(), uiRead.toString());
        assertEquals(pyExperiment, uiRead.json().at("/experiment/name").asText(), uiRead.toString());
        Api.Resp uiWrite = Api.withKey(null).call("POST", trackingUri + "/ajax-api/2.0/mlflow/experiments/create",
                Map.of("name", "from-the-ui"), "Cookie", cookie, "Origin", trackingUri);
        assertEquals(403, uiWrite.status(), uiWrite.toString());
        assertEquals(401, Api.withKey(null).get(url).status(), "a link works once");
        assertEquals("browser", admin.get(api + "/" + id + "/tokens").json().path("items").findValuesAsText("kind").stream()
                .filter("browser"::equals).findFirst().orElse(""), "the browser's token is listed with the instance's tokens");

        // revoked: refused at once
        String writerId = tokenId(id, "training");
        assertEquals(204, admin.delete(api + "/" + id + "/tokens/" + writerId).status());
        JsonNode revoked = pythonClient(trackingUri, Map.of("MLFLOW_TRACKING_TOKEN", writer), "read", pyExperiment);
        assertFalse(revoked.at("/read/ok").asBoolean(true), revoked.toString());

        // back to network mode: the ACL alone decides again
        Api.Resp edited = admin.patch(api + "/" + id, Map.of("authMode", "network"));
        assertEquals(200, edited.status(), edited.toString());
        Api.await(() -> Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1").status() == 200, Duration.ofSeconds(30),
                "network mode", () -> Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1"));
        assertEquals(202, admin.post(api + "/" + id + "/release", Map.of()).status());
    }

    private static final String SEARCH = "/api/2.0/mlflow/experiments/search?max_results=1";

    /** Whether a request with a valid token from 127.0.0.9 (inside the ACL entry, outside the security group) is refused by the group. */
    private static boolean securityGroupLayer(URI lb, Map<String, String> headers) {
        return probe(lb, headers) instanceof InstanceLifecycleIT.RawResponse r
                && r.status() == 403 && "security-group".equals(Api.parse(r.body()).path("layer").asText());
    }

    /** The answer to a request from 127.0.0.9, or the exception when there was none. */
    private static Object probe(URI lb, Map<String, String> headers) {
        try {
            return InstanceLifecycleIT.rawRequest("127.0.0.9", lb.getHost(), lb.getPort(), SEARCH, headers);
        } catch (java.io.IOException e) {
            return e;
        }
    }

    private String tokenId(String id, String name) {
        List<String> ids = new ArrayList<>();
        admin.get(api + "/" + id + "/tokens").json().path("items").forEach(t -> {
            if (name.equals(t.path("name").asText())) {
                ids.add(t.path("id").asText());
            }
        });
        assertEquals(1, ids.size(), ids.toString());
        return ids.get(0);
    }
}
