package dev.dmsmlflow.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI's own behaviour (config file, output, errors, waiting, retries) against a small HTTP server on loopback that
 * answers like the gateway; the CLI against the real gateway and services is proven in e2e (CliIT).
 */
class CliTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    private final List<String> exportBodies = new CopyOnWriteArrayList<>();
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicInteger creates = new AtomicInteger();
    private PrintStream stdout;
    private PrintStream stderr;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path home;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setOut(stdout);
        System.setErr(stderr);
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().toString();
        String auth = x.getRequestHeaders().getFirst("Authorization");
        requests.add(x.getRequestMethod() + " " + path);
        if (path.startsWith("/lb-demo/")) { // the demo instance's load balancer: no ACL entry yet
            respond(x, 403, "{\"status\":403,\"error\":\"forbidden\",\"layer\":\"acl\",\"detail\":\"no ACL entry admits 127.0.0.1\"}");
            return;
        }
        if (!"Bearer dms_k1_secret".equals(auth)) {
            respond(x, 401, "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"missing or invalid API key\"}");
            return;
        }
        switch (x.getRequestMethod() + " " + path) {
            case "GET /api/v1/workspaces/ws-1/instance-specs" -> respond(x, 200, "{\"items\":["
                    + "{\"name\":\"mlflow.small\",\"cpuCores\":1,\"memoryGiB\":2,\"sku\":\"MLFLOW-INSTANCE-SMALL\"},"
                    + "{\"name\":\"mlflow.large\",\"cpuCores\":4,\"memoryGiB\":8,\"sku\":\"MLFLOW-INSTANCE-LARGE\"}]}");
            case "GET /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-0000000000ad" -> respond(x, 200,
                    "{\"id\":\"00000000-0000-4000-8000-0000000000ad\",\"status\":\"RUNNING\",\"vpcAddress\":\"http://10.0.0.7:80\","
                    + "\"vpcHost\":\"10.0.0.7\",\"trackingUri\":\"http://10.0.0.7\","
                    + "\"setTrackingUri\":\"mlflow.set_tracking_uri(\\\"http://10.0.0.7:80\\\")\"}");
            case "GET /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-0000000000ad/vpc-address" -> respond(x, 200,
                    "{\"instanceId\":\"00000000-0000-4000-8000-0000000000ad\",\"status\":\"ACTIVE\",\"vpcAddress\":\"http://10.0.0.7:80\","
                    + "\"vpcHost\":\"10.0.0.7\",\"vpcPort\":80,\"setTrackingUri\":\"mlflow.set_tracking_uri(\\\"http://10.0.0.7:80\\\")\"}");
            case "PATCH /api/v1/workspaces/ws-1/instances/" + RESIZED, "PATCH /api/v1/workspaces/ws-1/instances/" + NOT_RESIZED -> {
                patchBodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                String which = path.substring(path.lastIndexOf('/') + 1);
                respond(x, 200, "{\"id\":\"" + which + "\",\"status\":\"UPDATING\",\"spec\":\"mlflow.small\",\"pendingSpec\":\"mlflow.medium\"}");
            }
            case "GET /api/v1/workspaces/ws-1/instances/" + RESIZED -> respond(x, 200, polls.incrementAndGet() < 3
                    ? "{\"id\":\"" + RESIZED + "\",\"status\":\"UPDATING\",\"spec\":\"mlflow.small\",\"pendingSpec\":\"mlflow.medium\"}"
                    : "{\"id\":\"" + RESIZED + "\",\"status\":\"RUNNING\",\"spec\":\"mlflow.medium\"}");
            case "GET /api/v1/workspaces/ws-1/instances/" + NOT_RESIZED -> respond(x, 200, "{\"id\":\"" + NOT_RESIZED
                    + "\",\"status\":\"RUNNING\",\"spec\":\"mlflow.small\",\"statusReason\":{\"code\":\"RESIZE_FAILED\","
                    + "\"message\":\"the new server did not start\"}}");
            case "GET /api/v1/me" -> respond(x, 200, "{\"id\":\"mem_1\",\"displayName\":\"ada\",\"workspaces\":[{\"id\":\"ws-1\",\"name\":\"one\",\"role\":\"owner\"}]}");
            case "POST /api/v1/workspaces/ws-1/instances" -> {
                idempotencyKeys.add(x.getRequestHeaders().getFirst("Idempotency-Key"));
                if (creates.incrementAndGet() == 1) { // the first attempt is cut off: the client must retry with the same key
                    x.close();
                    return;
                }
                String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (body.contains("\"dms demo\"")) {
                    demoBodies.add(body);
                    respond(x, 202, "{\"id\":\"" + DEMO_INSTANCE + "\",\"status\":\"CREATING\"}");
                } else if (body.contains("\"vsw-same-zone\"")) {
                    respond(x, 400, "{\"title\":\"Invalid request field\",\"status\":400,\"detail\":\"both vSwitches are in zone-a\","
                            + "\"field\":\"secondaryVSwitchId\",\"code\":\"SAME_ZONE\"}");
                } else {
                    respond(x, 202, "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"name\":\"n\",\"status\":\"CREATING\"}");
                }
            }
            case "GET /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-000000000001" -> {
                int n = polls.incrementAndGet();
                respond(x, 200, n < 3 ? "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"status\":\"CREATING\"}"
                        : "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"status\":\"RUNNING\",\"vpcAddress\":\"http://127.0.0.1:40001\"}");
            }
            case "GET /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-0000000000bd" ->
                    respond(x, 200, "{\"id\":\"00000000-0000-4000-8000-0000000000bd\",\"status\":\"CREATE_FAILED\",\"statusReason\":{\"code\":\"COMPUTE_FAILED\",\"message\":\"no room\"}}");
            case "POST /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-0000000000bd/start" -> respond(x, 202, "{\"id\":\"00000000-0000-4000-8000-0000000000bd\",\"status\":\"STARTING\"}");
            case "POST /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-000000000001/tokens" -> {
                tokenBodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                respond(x, 201, "{\"id\":\"tok_0123456789ab\",\"name\":\"job\",\"scope\":\"read\",\"status\":\"active\","
                        + "\"token\":\"mlft_0123456789ab_s3cr3t\"}");
            }
            case "GET /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-000000000001/tokens" ->
                    respond(x, 200, "{\"items\":[{\"id\":\"tok_0123456789ab\",\"name\":\"job\",\"scope\":\"read\",\"status\":\"active\"}]}");
            case "DELETE /api/v1/workspaces/ws-1/instances/00000000-0000-4000-8000-000000000001/tokens/tok_0123456789ab" -> {
                x.sendResponseHeaders(204, -1);
                x.close();
            }
            case "GET /api/v1/workspaces/ws-1/billing/costs?from=2025-04-01&granularity=month&groupBy=sku" -> respond(x, 200,
                    "{\"items\":[{\"periodStart\":\"2025-04-01T00:00:00Z\",\"skuId\":\"MLFLOW-INSTANCE-SMALL\",\"cost\":12.34,"
                            + "\"lineItems\":3}],\"total\":12.34,\"currency\":\"CNY\"}");
            case "POST /api/v1/workspaces/ws-1/billing/exports" -> {
                exportBodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                respond(x, 202, "{\"id\":\"exp-1\",\"period\":\"2025-04\",\"status\":\"REQUESTED\"}");
            }
            case "GET /api/v1/workspaces/ws-1/billing/exports/exp-1" -> respond(x, 200, polls.incrementAndGet() < 2
                    ? "{\"id\":\"exp-1\",\"status\":\"RUNNING\"}"
                    : "{\"id\":\"exp-1\",\"period\":\"2025-04\",\"status\":\"COMPLETED\",\"rowCount\":720,"
                            + "\"location\":\"file:///x/manifest.json\"}");
            case "GET /api/v1/workspaces/ws-1/instances/" + DEMO_INSTANCE -> respond(x, 200, demoReleased
                    ? "{\"id\":\"" + DEMO_INSTANCE + "\",\"status\":\"RELEASED\"}"
                    : "{\"id\":\"" + DEMO_INSTANCE + "\",\"name\":\"demo\",\"status\":\"RUNNING\",\"vpcAddress\":\"http://127.0.0.1:"
                    + server.getAddress().getPort() + "/lb-demo\"}");
            case "POST /api/v1/workspaces/ws-1/instances/" + DEMO_INSTANCE + "/release" -> {
                demoReleased = true;
                respond(x, 202, "{\"id\":\"" + DEMO_INSTANCE + "\",\"status\":\"RELEASING\"}");
            }
            case "POST /api/v1/workspaces/ws-1/notebook-sessions" -> {
                demoBodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                respond(x, 201, "{\"id\":\"" + DEMO_SESSION + "\",\"status\":\"CREATED\"}");
            }
            case "POST /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION + "/start" ->
                    respond(x, 202, "{\"id\":\"" + DEMO_SESSION + "\",\"status\":\"STARTING\"}");
            case "GET /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION -> respond(x, 200, !sessionHangs
                    ? "{\"id\":\"" + DEMO_SESSION + "\",\"status\":\"FAILED\",\"statusReason\":{\"code\":\"INSTALL_FAILED\",\"message\":\"pip could not install mlflow\"}}"
                    : "{\"id\":\"" + DEMO_SESSION + "\",\"status\":\"" + (sessionStopped ? "STOPPED" : "STARTING") + "\"}");
            case "POST /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION + "/stop" -> {
                sessionStopped = true;
                respond(x, 202, "{\"id\":\"" + DEMO_SESSION + "\",\"status\":\"STOPPING\"}");
            }
            case "DELETE /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION -> {
                x.sendResponseHeaders(204, -1);
                x.close();
            }
            default -> respond(x, 404, "{\"title\":\"Resource not found\",\"status\":404,\"detail\":\"no such resource\"}");
        }
    }

    private static void respond(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    private int dms(String... args) {
        return DmsCli.run(args);
    }

    private Map<String, String> env() {
        return Map.of("DMS_CONFIG", home.resolve("config.json").toString());
    }

    private void login() {
        new CliConfig("http://127.0.0.1:" + server.getAddress().getPort(), "dms_k1_secret", "ws-1").save(env());
    }

    private final List<String> tokenBodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> patchBodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    static final String RESIZED = "00000000-0000-4000-8000-0000000000e1";
    static final String NOT_RESIZED = "00000000-0000-4000-8000-0000000000e2";

    @Test
    void editSpecResizesAndWaitFollowsItToRunningAtTheNewSpecOrFailsWithTheReason() {
        login();
        assertEquals(0, withConfig(() -> dms("instance", "edit", RESIZED, "--spec", "mlflow.medium", "--wait")),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("{\"spec\":\"mlflow.medium\"}"), patchBodies);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("UPDATING") && e.contains("RUNNING"), e);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("mlflow.medium"), out.toString(StandardCharsets.UTF_8));
        // without --wait the answer is shown as it is: UPDATING with the pending spec
        out.reset();
        assertEquals(0, withConfig(() -> dms("instance", "edit", RESIZED, "--spec", "mlflow.medium", "-o", "json")));
        assertTrue(out.toString(StandardCharsets.UTF_8).replace(" ", "").contains("\"pendingSpec\":\"mlflow.medium\""),
                out.toString(StandardCharsets.UTF_8));
        // a resize that fell back to the old spec is a failure of the command, with the reason
        err.reset();
        assertEquals(1, withConfig(() -> dms("instance", "edit", NOT_RESIZED, "--spec", "mlflow.medium", "--wait")));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the new server did not start"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tokensAreCreatedShownOnceListedWithoutTheSecretAndRevoked() {
        login();
        String id = "00000000-0000-4000-8000-000000000001";
        assertEquals(0, withConfig(() -> dms("token", "create", id, "--name", "job", "--scope", "read", "--expires-in-days", "7")),
                err.toString(StandardCharsets.UTF_8));
        assertTrue(tokenBodies.get(0).contains("\"scope\":\"read\"") && tokenBodies.get(0).contains("\"expiresInDays\":7"), tokenBodies.toString());
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.contains("mlft_0123456789ab_s3cr3t") && o.contains("only time"), o);
        out.reset();
        assertEquals(0, withConfig(() -> dms("token", "list", id)));
        o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.contains("tok_0123456789ab") && !o.contains("s3cr3t"), o);
        assertEquals(0, withConfig(() -> dms("token", "revoke", id, "tok_0123456789ab")));
        assertTrue(requests.contains("DELETE /api/v1/workspaces/ws-1/instances/" + id + "/tokens/tok_0123456789ab"), requests.toString());
    }

    @Test
    void instanceSpecsListsTheCatalogueWithCpuMemoryAndSku() {
        login();
        assertEquals(0, withConfig(() -> dms("instance", "specs")), err.toString(StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(requests.contains("GET /api/v1/workspaces/ws-1/instance-specs"), requests.toString());
        assertTrue(o.contains("mlflow.small") && o.contains("MLFLOW-INSTANCE-SMALL") && o.contains("mlflow.large")
                && o.contains("MLFLOW-INSTANCE-LARGE") && o.contains("MEMORYGIB"), o);
    }

    @Test
    void getAndVpcAddressShowTheFullVpcAddressItsHostAndTheSetTrackingUriLine() {
        login();
        String id = "00000000-0000-4000-8000-0000000000ad";
        for (String command : List.of("get", "vpc-address")) {
            out.reset();
            assertEquals(0, withConfig(() -> dms("instance", command, id)), err.toString(StandardCharsets.UTF_8));
            String o = out.toString(StandardCharsets.UTF_8);
            assertTrue(o.contains("http://10.0.0.7:80") && o.contains("10.0.0.7"), command + ": " + o);
            assertTrue(o.contains("mlflow.set_tracking_uri(\"http://10.0.0.7:80\")"), command + ": " + o);
        }
    }

    @Test
    void theConfigFileIsReadableByItsOwnerOnlyAndNeverPrintsTheKey() throws IOException {
        CliConfig c = new CliConfig("http://x", "dms_k1_secret", "ws-1");
        c.save(env());
        Path f = home.resolve("config.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("dms_k1_secret", CliConfig.load(env()).apiKey());
        assertFalse(c.toString().contains("secret"));
        // the environment wins over the file
        assertEquals("dms_other", CliConfig.load(Map.of("DMS_CONFIG", f.toString(), "DMS_API_KEY", "dms_other")).apiKey());
    }

    @Test
    void aFieldErrorNamesTheFieldAndTheOptionToFix() {
        login();
        int code = withConfig(() -> dms("instance", "create", "--name", "n", "--vpc", "vpc-local", "--vswitch", "vsw-a",
                "--secondary-vswitch", "vsw-same-zone", "--security-group", "sg", "--oss-bucket", "b", "--oss-path", "p"));
        assertEquals(1, code);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("both vSwitches are in zone-a"), e);
        assertTrue(e.contains("field secondaryVSwitchId: fix --secondary-vswitch"), e);
        assertTrue(e.contains("code SAME_ZONE"), e);
    }

    @Test
    void createRetriesACutConnectionWithTheSameIdempotencyKeyAndWaitsWithProgress() {
        login();
        int code = withConfig(() -> dms("instance", "create", "--name", "n", "--vpc", "vpc-local", "--vswitch", "vsw-a",
                "--secondary-vswitch", "vsw-b", "--security-group", "sg", "--oss-bucket", "b", "--oss-path", "p", "--wait", "-o", "json"));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals(2, idempotencyKeys.size());
        assertEquals(idempotencyKeys.get(0), idempotencyKeys.get(1));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("CREATING") && e.contains("RUNNING"), e);
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.trim().startsWith("{") && o.contains("\"RUNNING\""), "stdout is only the JSON: " + o);
    }

    @Test
    void waitingExitsNonZeroWhenTheInstanceFails() {
        login();
        int code = withConfig(() -> dms("instance", "start", "00000000-0000-4000-8000-0000000000bd", "--wait"));
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("CREATE_FAILED: no room (COMPUTE_FAILED)"), err.toString());
    }

    @Test
    void aBadKeyExitsWithTheAuthCodeAndSaysWhatToDo() {
        new CliConfig("http://127.0.0.1:" + server.getAddress().getPort(), "dms_wrong", "ws-1").save(env());
        int code = withConfig(() -> dms("instance", "get", "00000000-0000-4000-8000-000000000001"));
        assertEquals(CliException.AUTH, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run dms login"), err.toString());
    }

    @Test
    void loginReadsTheKeyFromStdinAndPicksTheOnlyWorkspace() {
        System.setIn(new java.io.ByteArrayInputStream("dms_k1_secret\n".getBytes(StandardCharsets.UTF_8)));
        int code = withConfig(() -> dms("login", "--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--api-key-stdin"));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        CliConfig c = CliConfig.load(env());
        assertEquals("ws-1", c.workspace());
        assertEquals("dms_k1_secret", c.apiKey());
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("dms_k1_secret"));
    }

    @Test
    void billingCostsAndAnExportWaitedFor() {
        login();
        int code = withConfig(() -> dms("billing", "costs", "--from", "2025-04-01", "--granularity", "month", "--group-by", "sku"));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String shown = out.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("MLFLOW-INSTANCE-SMALL") && shown.contains("total: 12.34 CNY"), shown);

        code = withConfig(() -> dms("billing", "export", "2025-04", "--format", "parquet", "--wait"));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertEquals(List.of("{\"period\":\"2025-04\",\"formats\":[\"parquet\"]}"), exportBodies);
        shown = out.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("COMPLETED") && shown.contains("file:///x/manifest.json"), shown);
    }

    static final String DEMO_INSTANCE = "00000000-0000-4000-8000-0000000000de";
    static final String DEMO_SESSION = "00000000-0000-4000-8000-00000000005e";
    private volatile boolean demoReleased;
    private final List<String> demoBodies = new CopyOnWriteArrayList<>();

    @Test
    void theDemoStopsAtTheFailingStepExitsNonZeroAndReleasesWhatItCreated() {
        login();
        int code = withConfig(() -> dms("demo", "--session-timeout", "5", "--instance-timeout", "10"));
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, o + err.toString(StandardCharsets.UTF_8));
        // the steps before the failure passed and said so, with the seed's parameters
        assertTrue(demoBodies.get(0).contains("\"vSwitchId\":\"vsw-local-a\"") && demoBodies.get(0).contains("\"secondaryVSwitchId\":\"vsw-local-b\"")
                && demoBodies.get(0).contains("\"securityGroupId\":\"sg-local-basic\"") && demoBodies.get(0).contains("\"ossBucket\":\"dms-demo-"),
                demoBodies.toString());
        assertTrue(demoBodies.get(1).contains("\"pypiPackages\":\"mlflow==3.12.0, scikit-learn\""), demoBodies.toString());
        assertTrue(o.contains("[2/9]") && o.contains("RUNNING after"), o);
        assertTrue(o.contains("[3/9]") && o.contains("HTTP 403 from the load balancer, layer acl"), o);
        // the session's start fails: the step says why, nothing after it runs
        assertTrue(o.contains("FAILED at step 4/9") && o.contains("pip could not install mlflow (INSTALL_FAILED)"), o);
        assertFalse(o.contains("[5/9]"), o);
        assertFalse(requests.stream().anyMatch(r -> r.contains("/acl/entries") || r.contains("/executions")), requests.toString());
        // and what it created is released and deleted
        assertTrue(requests.contains("POST /api/v1/workspaces/ws-1/instances/" + DEMO_INSTANCE + "/release"), requests.toString());
        assertTrue(requests.contains("DELETE /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION), requests.toString());
        assertTrue(o.contains("cleanup: released instance " + DEMO_INSTANCE) && o.contains("cleanup: deleted notebook session " + DEMO_SESSION), o);
        assertTrue(o.contains("demo failed after"), o);
    }

    private volatile boolean sessionHangs;
    private volatile boolean sessionStopped;

    @Test
    void aDemoStoppedWhileItWaitsReleasesAndDeletesWhatItCreated() throws Exception {
        login();
        sessionHangs = true; // the session stays STARTING: the demo waits in step 4 until it is stopped with a TERM
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DmsCli.class.getName(), "demo");
        pb.environment().put("DMS_CONFIG", home.resolve("config.json").toString());
        pb.environment().remove("DMS_URL");
        pb.environment().remove("DMS_API_KEY");
        pb.environment().remove("DMS_WORKSPACE");
        Path log = home.resolve("demo.out");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!requests.contains("GET /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        p.destroy(); // SIGTERM, as a Ctrl-C's SIGINT runs the JVM's shutdown hooks
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), Files.readString(log));
        String o = Files.readString(log);
        assertTrue(o.contains("interrupted at step 4/9: cleaning up"), o);
        assertTrue(requests.contains("POST /api/v1/workspaces/ws-1/instances/" + DEMO_INSTANCE + "/release"), requests.toString());
        assertTrue(requests.contains("POST /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION + "/stop"), requests.toString());
        assertTrue(requests.contains("DELETE /api/v1/workspaces/ws-1/notebook-sessions/" + DEMO_SESSION), requests.toString());
        assertTrue(o.contains("cleanup: released instance " + DEMO_INSTANCE) && o.contains("cleanup: deleted notebook session " + DEMO_SESSION), o);
    }

    @Test
    void theDemosTrainingScriptIsTheSeedsExample() throws IOException {
        assertEquals(Files.readString(Path.of("../tracking-server/src/test/python/seed_iris_example.py.txt")), DemoCommand.seedScript());
    }

    /** Runs the CLI with DMS_CONFIG pointing at this test's file (the CLI reads its environment through a system property in tests). */
    private int withConfig(java.util.function.IntSupplier run) {
        System.setProperty("dms.config", home.resolve("config.json").toString());
        try {
            return run.getAsInt();
        } finally {
            System.clearProperty("dms.config");
        }
    }
}
