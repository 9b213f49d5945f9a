package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's "Connect MLflow from a Notebook", end to end through the gateway: a notebook session in the VPC of a RUNNING
 * MLflow instance gets its tracking URI; the seed's full training script, run in the session's kernel with
 * {@code dms notebook exec --file}, is refused by the instance's ACL until an entry admits the session's address, then
 * its run is visible through the MLflow API; after the instance is released the variable is gone. The session's
 * environment has mlflow 3.12.0 and scikit-learn (cached under ~/.cache/dms-mlflow after the first run).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebookMlflowIT {

    static final Duration SAGA = Duration.ofSeconds(120);
    static final Duration FIRST_START = Duration.ofMinutes(6);

    Stack stack;
    String api;
    Api.KeyClient admin;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "notebook-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startNotebookService(List.of());
        stack.startGateway(List.of());
        api = stack.gatewayUrl + "/api/v1";
        admin = Api.withKey(stack.bootstrapKey);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private void await(String path, String status, Duration timeout) {
        Api.await(() -> status.equals(admin.get(api + path).text("status")), timeout, path + " to be " + status,
                () -> admin.get(api + path));
    }

    private Api.Resp exec(String session, String code) {
        Api.Resp e = admin.post(api + session + "/executions", Map.of("code", code, "timeoutSeconds", 300));
        assertEquals(202, e.status(), e.toString());
        String path = session + "/executions/" + e.text("id");
        Api.await(() -> !List.of("QUEUED", "RUNNING").contains(admin.get(api + path).text("status")), Duration.ofMinutes(5),
                path + " to end", () -> admin.get(api + path));
        return admin.get(api + path);
    }

    @Test
    void theSeedsTrainingScriptRunsInASessionThroughTheInstancesAcl() throws Exception {
        String ws = "ws-1";
        // an MLflow instance in the VPC of the default notebook cluster
        Api.Resp inst = admin.post(api + "/workspaces/" + ws + "/instances", GatewayAccessIT.instanceBody("nb-mlflow-" + GatewayAccessIT.suffix()));
        assertEquals(201, inst.status(), inst.toString());
        String instancePath = "/workspaces/" + ws + "/instances/" + inst.text("id");
        await(instancePath, "RUNNING", SAGA);
        String trackingUri = admin.get(api + instancePath).text("trackingUri");

        // a session with mlflow and scikit-learn, started through the gateway
        String name = "train_" + GatewayAccessIT.suffix().replace('-', '_');
        Api.Resp created = admin.post(api + "/workspaces/" + ws + "/notebook-sessions", Map.of("name", name,
                "image", "Python3.11:1.1.0-slim", "spec", "2C8G", "pypiPackages", "mlflow==3.12.0, scikit-learn",
                "environmentVariables", "MLFLOW_DISABLE_TELEMETRY=true"));
        assertEquals(201, created.status(), created.toString());
        String session = "/workspaces/" + ws + "/notebook-sessions/" + created.text("id");
        long t0 = System.nanoTime();
        assertEquals(202, admin.post(api + session + "/start", Map.of()).status());
        await(session, "RUNNING", FIRST_START);
        System.out.printf("session with mlflow 3.12.0 + scikit-learn RUNNING after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        JsonNode s = admin.get(api + session).json();
        assertEquals(trackingUri, s.path("trackingUri").asText(), s.toString());
        String address = s.path("address").asText();

        // the ACL denies everything until an entry admits the session: the script fails with the ACL's refusal
        Path script = stack.dir.resolve("train_iris.py");
        String seed = Files.readString(stack.root.resolve("tracking-server/src/test/python/seed_iris_example.py.txt"));
        assertEquals(1, seed.split("\"<VPC_ADDRESS>\"", -1).length - 1);
        Files.writeString(script, seed.replace("\"<VPC_ADDRESS>\"", "\"" + trackingUri + "\""));
        Api.Resp refused = exec(session, Files.readString(script));
        assertEquals("FAILED", refused.text("status"), refused.toString());
        assertTrue(refused.json().path("error").toString().contains("acl"), refused.toString());
        JsonNode diagnosis = admin.get(api + instancePath + "/diagnose?source=" + address).json();
        assertTrue(diagnosis.toString().contains("acl"), diagnosis.toString());

        // an entry for the session's address (and for this test, to read the run back)
        assertEquals(200, admin.post(api + instancePath + "/acl/entries", Map.of("cidr", address, "description", "notebook " + name)).status());
        assertEquals(200, admin.post(api + instancePath + "/acl/entries", Map.of("cidr", "127.0.0.1", "description", "the test")).status());
        Run run = dms(ws, "notebook", "exec", name, "--file", script.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("Accuracy: "), run.toString());
        String runId = run.out().lines().filter(l -> l.startsWith("Run ID: ")).findFirst().orElseThrow().substring(8).strip();
        Api.Resp got = Api.get(trackingUri + "/api/2.0/mlflow/runs/get?run_id=" + runId);
        assertEquals(200, got.status(), got.toString());
        assertEquals("RandomForest_Iris", got.json().at("/run/info/run_name").asText());
        assertEquals("FINISHED", got.json().at("/run/info/status").asText());

        // after the instance is released, the session no longer has a tracking URI
        assertEquals(202, admin.post(api + instancePath + "/release", Map.of()).status());
        await(instancePath, "RELEASED", SAGA);
        Api.await(() -> !admin.get(api + session).json().hasNonNull("trackingUri"), Duration.ofSeconds(60),
                "the session's tracking URI to go", () -> admin.get(api + session));
        Api.await(() -> "'unset'".equals(exec(session, "import os\nos.environ.get('MLFLOW_TRACKING_URI', 'unset')").text("result")),
                Duration.ofSeconds(30), "MLFLOW_TRACKING_URI to be gone in the kernel", () -> "");
        assertNull(admin.get(api + session).json().get("instanceId"));

        assertEquals(202, admin.post(api + session + "/stop", Map.of()).status());
        await(session, "STOPPED", Duration.ofSeconds(60));
        Run deleted = dms(ws, "notebook", "delete", name);
        assertEquals(0, deleted.exit(), deleted.toString());
    }

    /**
     * A browser's way in: an editor's one-time link, opened by a plain HTTP client with a cookie jar and no API key, gives
     * JupyterLab's page through the gateway and notebook-service; a kernel started with the cookie runs code over Jupyter's
     * kernel WebSocket (the channels socket, through both proxies); the link does not work twice.
     */
    @Test
    void aSignInLinkOpensJupyterLabAndItsKernelSocketRunsCode() throws Exception {
        String ws = "ws-1";
        String name = "lab_" + GatewayAccessIT.suffix().replace('-', '_');
        Api.Resp created = admin.post(api + "/workspaces/" + ws + "/notebook-sessions", Map.of("name", name,
                "image", "Python3.11:1.1.0-slim", "spec", "1C4G"));
        assertEquals(201, created.status(), created.toString());
        String session = "/workspaces/" + ws + "/notebook-sessions/" + created.text("id");
        assertEquals(202, admin.post(api + session + "/start", Map.of()).status());
        await(session, "RUNNING", FIRST_START);

        Api.Resp link = admin.post(api + session + "/jupyter-link", Map.of());
        assertEquals(201, link.status(), link.toString());
        String url = stack.gatewayUrl + link.text("url");

        java.net.CookieManager jar = new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ORIGINAL_SERVER);
        java.net.http.HttpClient browser = java.net.http.HttpClient.newBuilder().cookieHandler(jar)
                .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
        var page = browser.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.uri().getPath().endsWith("/notebook-sessions/" + created.text("id") + "/jupyter/lab"), page.uri().toString());
        assertTrue(page.body().contains("jupyter-config-data"), "JupyterLab's page: " + page.body().substring(0, Math.min(300, page.body().length())));
        assertTrue(page.body().contains("\"token\": \"\""), "the page's config carries no server token");
        assertFalse(java.util.regex.Pattern.compile("\"token\":\\s*\"[^\"]+\"").matcher(page.body()).find(), "no server token on the page");
        var again = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(401, again.statusCode(), "a link works once");

        String jupyter = stack.gatewayUrl + "/api/v1" + session + "/jupyter/";
        var kernel = browser.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(jupyter + "api/kernels"))
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"python3\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, kernel.statusCode(), kernel.body());
        String kernelId = Api.JSON.readTree(kernel.body()).path("id").asText();

        String cookie = jar.getCookieStore().get(java.net.URI.create(jupyter)).stream()
                .filter(c -> c.getName().equals("dms_jupyter")).findFirst().orElseThrow().toString();
        String msgId = UUID.randomUUID().toString();
        java.util.concurrent.CompletableFuture<String> stream = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket socket = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", cookie)
                .buildAsync(java.net.URI.create(jupyter.replaceFirst("^http", "ws") + "api/kernels/" + kernelId + "/channels?session_id=e2e"),
                        new java.net.http.WebSocket.Listener() {
                            final StringBuilder sb = new StringBuilder();

                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                                sb.append(data);
                                if (last) {
                                    try {
                                        JsonNode m = Api.JSON.readTree(sb.toString());
                                        if (msgId.equals(m.at("/parent_header/msg_id").asText())) {
                                            String type = m.at("/header/msg_type").asText();
                                            if (type.equals("stream")) {
                                                stream.complete(m.at("/content/text").asText());
                                            } else if (type.equals("execute_result")) {
                                                result.complete(m.at("/content/data/text~1plain").asText());
                                            }
                                        }
                                    } catch (java.io.IOException e) {
                                        result.completeExceptionally(e);
                                    }
                                    sb.setLength(0);
                                }
                                w.request(1);
                                return null;
                            }
                        }).get(30, TimeUnit.SECONDS);
        Map<String, Object> header = Map.of("msg_id", msgId, "username", "e2e", "session", "e2e", "msg_type", "execute_request",
                "version", "5.3", "date", java.time.Instant.now().toString());
        Map<String, Object> content = Map.of("code", "print('hello from the socket')\n6 * 7", "silent", false, "store_history", true,
                "user_expressions", Map.of(), "allow_stdin", false, "stop_on_error", true);
        socket.sendText(Api.JSON.writeValueAsString(Map.of("header", header, "parent_header", Map.of(), "metadata", Map.of(),
                "content", content, "channel", "shell", "buffers", List.of())), true).get(10, TimeUnit.SECONDS);
        assertEquals("hello from the socket\n", stream.get(60, TimeUnit.SECONDS));
        assertEquals("42", result.get(60, TimeUnit.SECONDS));
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);

        assertEquals(202, admin.post(api + session + "/stop", Map.of()).status());
        await(session, "STOPPED", Duration.ofSeconds(60));
    }

    record Run(int exit, String out, String err) {
    }

    /** The dms CLI through the ./dms script, with the bootstrap key in its environment. */
    private Run dms(String ws, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(stack.root.resolve("dms").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(stack.root.toFile());
        pb.environment().put("DMS_NO_BUILD", "1");
        pb.environment().put("DMS_CONFIG", stack.dir.resolve("cli-config.json").toString());
        pb.environment().put("DMS_URL", stack.gatewayUrl);
        pb.environment().put("DMS_API_KEY", stack.bootstrapKey);
        pb.environment().put("DMS_WORKSPACE", ws);
        Path out = Files.createTempFile(stack.dir, "cli", ".out");
        Path err = Files.createTempFile(stack.dir, "cli", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "dms " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
