package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dms demo}: the seed's story through the public API, one numbered step after the other, each with its result:
 * an instance on the local network, refused until its ACL admits a notebook session, the seed's training example run in
 * that session, the run read back through the MLflow API, everything released, and the metered usage and cost. A failing
 * step is printed with its reason; what the demo created is released or deleted before it exits non-zero.
 */
@Command(mixinStandardHelpOptions = true, name = "demo",
        description = "Run the seed's story against the stack: instance -> RUNNING -> refused by its ACL -> notebook session -> ACL entry"
                + " -> the seed's training example in the session -> the run's params and metrics -> release -> usage and cost."
                + " Exits non-zero (after cleaning up) when a step fails.")
final class DemoCommand implements Callable<Integer> {

    static final int STEPS = 9;
    static final String SCRIPT = "seed_iris_example.py";
    private static final Pattern RUN_ID = Pattern.compile("(?m)^Run ID: (\\S+)\\s*$");

    @Mixin
    DmsCli.Common common;

    @Option(names = "--image", defaultValue = "Python3.11:1.1.0-slim", description = "the session's image (default ${DEFAULT-VALUE})")
    String image;
    @Option(names = "--spec", defaultValue = "2C8G", description = "the session's specification (default ${DEFAULT-VALUE})")
    String spec;
    @Option(names = "--packages", defaultValue = "mlflow==3.12.0, scikit-learn",
            description = "the session's PyPI packages (default \"${DEFAULT-VALUE}\")")
    String packages;
    @Option(names = "--instance-timeout", defaultValue = "300", description = "seconds for the instance to become RUNNING or RELEASED (default ${DEFAULT-VALUE})")
    int instanceSeconds;
    @Option(names = "--session-timeout", defaultValue = "900",
            description = "seconds for the session to start; the first start of an image and packages installs them (default ${DEFAULT-VALUE})")
    int sessionSeconds;
    @Option(names = "--exec-timeout", defaultValue = "600", description = "seconds for the training example (default ${DEFAULT-VALUE})")
    int execSeconds;
    @Option(names = "--billing-timeout", defaultValue = "180", description = "seconds to wait for the usage to reach billing (default ${DEFAULT-VALUE})")
    int billingSeconds;

    private DmsCli.Session s;
    private PrintStream out;
    private PrintStream err;
    private volatile String instancePath;
    private volatile String sessionPath;
    private volatile boolean instanceReleased;
    private volatile boolean sessionDeleted;
    private volatile boolean done;

    @Override
    public Integer call() {
        s = new DmsCli.Session(common);
        out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        long started = System.nanoTime();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String ws = s.workspace();
        out.println("DMS MLflow demo in workspace " + ws + " at " + s.config.url());
        int[] step = {0};
        // Ctrl-C (or a TERM) while a step runs: what the demo created so far is released or deleted before the JVM exits
        Thread onExit = new Thread(() -> {
            if (!done) {
                out.println("\n  interrupted at step " + step[0] + "/" + STEPS + ": cleaning up (waiting at most a minute for each)");
                cleanup(Duration.ofSeconds(60), Duration.ofSeconds(60));
            }
        }, "dms-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            run(step, suffix);
        } catch (RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            out.println("  FAILED at step " + step[0] + "/" + STEPS + ": " + describe(e).replace("\n", "\n    "));
            cleanup(Duration.ofSeconds(instanceSeconds), Duration.ofSeconds(120));
            out.printf("demo failed after %.0f s%n", (System.nanoTime() - started) / 1e9);
            return exitCode(e);
        } finally {
            done = true;
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) and finds the demo done or cleaned up
            }
        }
        out.printf("demo done in %.0f s: every step passed%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private void run(int[] step, String suffix) throws InterruptedException {
        GatewayClient api = s.client();
        boolean terminal = System.console() != null;
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS);

        // 1. the instance, with the seed's parameters on the seeded local network
        String name = "demo-" + suffix;
        String bucket = "dms-demo-" + suffix;
        step(step, "create MLflow instance " + name + " (vpc-local, vsw-local-a + vsw-local-b, sg-local-basic, oss://" + bucket + "/mlflow-root)");
        ObjectNode body = GatewayClient.JSON.createObjectNode()
                .put("name", name).put("description", "dms demo")
                .put("vpcId", "vpc-local").put("vSwitchId", "vsw-local-a").put("secondaryVSwitchId", "vsw-local-b")
                .put("securityGroupId", "sg-local-basic").put("ossBucket", bucket).put("ossPath", "mlflow-root")
                .put("spec", "mlflow.small");
        JsonNode created = api.post(s.ws() + "/instances", body);
        String instanceId = GatewayClient.text(created, "id");
        instancePath = s.ws() + "/instances/" + GatewayClient.enc(instanceId);
        result("instance " + instanceId + " is " + GatewayClient.text(created, "status"));

        // 2. RUNNING, with the progress on stderr
        step(step, "wait for the instance to be RUNNING");
        long t = System.nanoTime();
        JsonNode running = Waiter.await(api, instancePath, Set.of("RUNNING"), InstanceCommands.FAILED,
                Duration.ofSeconds(instanceSeconds), s.err, terminal);
        String trackingUri = InstanceCommands.firstUri(running);
        if (trackingUri == null) {
            throw new CliException("the RUNNING instance has no tracking URI", CliException.FAILED);
        }
        result(String.format("RUNNING after %.1f s; tracking URI %s", seconds(t), trackingUri));

        // 3. the deny-all ACL refuses an MLflow client on this host
        step(step, "an MLflow client on this host is refused (the ACL denies everything until an entry admits a source)");
        String probe = trackingUri.replaceAll("/+$", "") + "/api/2.0/mlflow/experiments/search?max_results=1";
        HttpResponse<String> refused = probe(probe);
        JsonNode why = parse(refused.body());
        if (refused.statusCode() != 403 || !"acl".equals(GatewayClient.text(why, "layer"))) {
            throw new CliException("expected the ACL's 403 from " + probe + ", got HTTP " + refused.statusCode() + ": "
                    + abbreviate(refused.body()), CliException.FAILED);
        }
        result("HTTP 403 from the load balancer, layer acl: " + GatewayClient.text(why, "detail"));

        // 4. a notebook session with mlflow and scikit-learn
        String session = "demo_" + suffix.replace('-', '_');
        step(step, "create and start notebook session " + session + " (" + image + ", " + spec + ", packages: " + packages + ")");
        ObjectNode nb = GatewayClient.JSON.createObjectNode().put("name", session).put("image", image).put("spec", spec)
                .put("pypiPackages", packages).put("environmentVariables", "MLFLOW_DISABLE_TELEMETRY=true");
        JsonNode nbCreated = api.post(s.ws() + "/notebook-sessions", nb);
        sessionPath = s.ws() + "/notebook-sessions/" + GatewayClient.enc(GatewayClient.text(nbCreated, "id"));
        t = System.nanoTime();
        api.post(sessionPath + "/start", GatewayClient.JSON.createObjectNode());
        JsonNode nbRunning = Waiter.await(api, sessionPath, Set.of("RUNNING"), NotebookCommands.FAILED,
                Duration.ofSeconds(sessionSeconds), s.err, terminal);
        String address = GatewayClient.text(nbRunning, "address");
        if (address == null) {
            throw new CliException("the RUNNING session has no address in the VPC", CliException.FAILED);
        }
        result(String.format("session %s RUNNING after %.1f s at %s", GatewayClient.text(nbRunning, "id"), seconds(t), address));

        // 5. the ACL admits the session's address
        step(step, "add an ACL entry for the session's address " + address);
        api.post(instancePath + "/acl/entries", GatewayClient.JSON.createObjectNode().put("cidr", address)
                .put("description", "dms demo notebook " + session));
        JsonNode diagnosis = api.get(instancePath + "/diagnose" + Query.of("source", address));
        result("entry added; diagnosis for " + address + ": " + (diagnosis.path("admitted").asBoolean() ? "admitted" : "REFUSED"));
        if (!diagnosis.path("admitted").asBoolean()) {
            throw new CliException("the diagnosis still refuses " + address + ": " + diagnosis, CliException.FAILED);
        }

        // 6. the seed's full training example, pointed at the instance, run in the session's kernel
        step(step, "run the seed's training example (RandomForest on Iris, logged to MLflow) in the session");
        String script = seedScript().replace("\"<VPC_ADDRESS>\"", "\"" + trackingUri + "\"");
        ObjectNode exec = GatewayClient.JSON.createObjectNode().put("code", script).put("timeoutSeconds", execSeconds);
        NotebookCommands.Execution training = NotebookCommands.execute(s, sessionPath, exec, indented(out), indented(err));
        JsonNode trained = api.get(training.path());
        String status = GatewayClient.text(trained, "status");
        if (!"SUCCEEDED".equals(status)) {
            throw new CliException("the training example ended " + status + ": " + failure(trained), CliException.FAILED);
        }
        Matcher m = RUN_ID.matcher(String.valueOf(GatewayClient.text(trained, "stdout")));
        if (!m.find()) {
            throw new CliException("the training example printed no \"Run ID: \" line", CliException.FAILED);
        }
        String runId = m.group(1);
        result("SUCCEEDED in " + trained.path("durationMs").asLong() + " ms; run " + runId);

        // 7. the run read back through the MLflow API (MlflowClient in the session, admitted by the ACL)
        step(step, "read run " + runId + " back through the MLflow API (MlflowClient in the session)");
        String read = "import json\nfrom mlflow import MlflowClient\n"
                + "r = MlflowClient(tracking_uri=" + py(trackingUri) + ").get_run(" + py(runId) + ")\n"
                + "print(json.dumps({'name': r.info.run_name, 'status': r.info.status, 'experiment': r.info.experiment_id,"
                + " 'params': r.data.params, 'metrics': r.data.metrics}, sort_keys=True))\n";
        NotebookCommands.Execution reading = NotebookCommands.execute(s, sessionPath,
                GatewayClient.JSON.createObjectNode().put("code", read).put("timeoutSeconds", 120), null, indented(err));
        JsonNode readBack = api.get(reading.path());
        if (!"SUCCEEDED".equals(GatewayClient.text(readBack, "status"))) {
            throw new CliException("reading the run failed: " + failure(readBack), CliException.FAILED);
        }
        JsonNode runJson = parse(lastLine(GatewayClient.text(readBack, "stdout")));
        JsonNode params = runJson.path("params");
        JsonNode metrics = runJson.path("metrics");
        for (String p : List.of("n_estimators", "max_depth", "random_state", "test_size")) {
            if (!params.has(p)) {
                throw new CliException("the run has no param " + p + ": " + runJson, CliException.FAILED);
            }
        }
        for (String k : List.of("accuracy", "precision", "recall", "f1_score")) {
            if (!metrics.has(k)) {
                throw new CliException("the run has no metric " + k + ": " + runJson, CliException.FAILED);
            }
        }
        result("run " + GatewayClient.text(runJson, "name") + " (" + GatewayClient.text(runJson, "status") + ") in experiment "
                + GatewayClient.text(runJson, "experiment"));
        result("params:  " + pairs(params, false));
        result("metrics: " + pairs(metrics, true));

        // 8. release the instance, stop and delete the session
        step(step, "release the instance, stop and delete the session");
        t = System.nanoTime();
        releaseInstance(Duration.ofSeconds(instanceSeconds));
        deleteSession(Duration.ofSeconds(120));
        result(String.format("instance RELEASED, session deleted (%.1f s)", seconds(t)));

        // 9. the metered usage and its cost, once the final readings reached billing
        step(step, "metered usage and cost of the instance and the session (billing)");
        String to = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS).toString();
        String sessionId = sessionPath.substring(sessionPath.lastIndexOf('/') + 1);
        Map<String, Integer> wanted = Map.of(instanceId, 1, sessionId, 2);  // instance-hours; vCPU-hours and GiB-hours
        List<JsonNode> usage = new ArrayList<>();
        t = System.nanoTime();
        for (String resource : List.of(instanceId, sessionId)) {
            String q = Query.of("from", from.toString()).and("to", to).and("granularity", "month").and("groupBy", "sku,resource")
                    .and("resourceId", resource).toString();
            JsonNode rows = pollUsage(s.ws() + "/billing/usage" + q, wanted.get(resource), t, resource);
            rows.forEach(usage::add);
        }
        result(String.format("usage reached billing after %.1f s", seconds(t)));
        for (JsonNode u : usage) {
            result(String.format("usage  %-24s %-38s %s %s", GatewayClient.text(u, "skuId"), GatewayClient.text(u, "resourceId"),
                    GatewayClient.text(u, "quantity"), GatewayClient.text(u, "unit")));
        }
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        String currency = null;
        for (String resource : List.of(instanceId, sessionId)) {
            String q = Query.of("from", from.toString()).and("to", to).and("granularity", "month").and("groupBy", "sku,resource")
                    .and("resourceId", resource).toString();
            JsonNode costs = api.get(s.ws() + "/billing/costs" + q);
            currency = GatewayClient.text(costs, "currency");
            for (JsonNode c : costs.path("items")) {
                result(String.format("cost   %-24s %-38s %s %s", GatewayClient.text(c, "skuId"), GatewayClient.text(c, "resourceId"),
                        GatewayClient.text(c, "cost"), currency));
            }
            total = total.add(new java.math.BigDecimal(costs.path("total").asText("0")));
        }
        result("total: " + total.toPlainString() + " " + currency + (total.signum() == 0
                ? " (each cost is rounded to the fen: the demo's minutes cost less than 0.01 " + currency + ")" : ""));
    }

    private JsonNode pollUsage(String path, int rows, long since, String resource) throws InterruptedException {
        while (true) {
            JsonNode items = s.client().get(path).path("items");
            if (items.size() >= rows) {
                return items;
            }
            if (seconds(since) > billingSeconds) {
                throw new CliException("no metered usage of " + resource + " in billing after " + billingSeconds + " s (found "
                        + items.size() + " of " + rows + " rows)", CliException.TIMEOUT);
            }
            Thread.sleep(1000);
        }
    }

    private void releaseInstance(Duration timeout) {
        JsonNode now = s.client().get(instancePath);
        String status = GatewayClient.text(now, "status");
        if (!"RELEASED".equals(status) && !"RELEASING".equals(status)) {
            s.client().post(instancePath + "/release", GatewayClient.JSON.createObjectNode());
        }
        Waiter.await(s.client(), instancePath, Set.of("RELEASED"), Set.of("RELEASE_FAILED"), timeout, s.err, System.console() != null);
        instanceReleased = true;
    }

    private void deleteSession(Duration timeout) {
        String status = GatewayClient.text(s.client().get(sessionPath), "status");
        if (!Set.of("STOPPED", "FAILED", "CREATED", "RELEASED").contains(status)) {
            if (!"STOPPING".equals(status)) {
                s.client().post(sessionPath + "/stop", GatewayClient.JSON.createObjectNode());
            }
            Waiter.await(s.client(), sessionPath, Set.of("STOPPED", "RELEASED", "FAILED"), Set.of(), timeout, s.err,
                    System.console() != null);
        }
        s.client().delete(sessionPath);
        sessionDeleted = true;
    }

    /** After a failed step: release the instance and delete the session this run created, each on its own. */
    private synchronized void cleanup(Duration instanceWait, Duration sessionWait) {
        if (instancePath != null && !instanceReleased) {
            try {
                releaseInstance(instanceWait);
                out.println("  cleanup: released instance " + instancePath.substring(instancePath.lastIndexOf('/') + 1));
            } catch (RuntimeException e) {
                out.println("  cleanup: could not release instance " + instancePath + ": " + describe(e));
            }
        }
        if (sessionPath != null && !sessionDeleted) {
            try {
                deleteSession(sessionWait);
                out.println("  cleanup: deleted notebook session " + sessionPath.substring(sessionPath.lastIndexOf('/') + 1));
            } catch (RuntimeException e) {
                out.println("  cleanup: could not delete notebook session " + sessionPath + ": " + describe(e));
            }
        }
    }

    private void step(int[] step, String title) {
        step[0]++;
        out.println();
        out.println("[" + step[0] + "/" + STEPS + "] " + title);
    }

    private void result(String line) {
        out.println("  " + line);
    }

    /** The seed's training example as shipped with the CLI (the same text as tracking-server's test copy). */
    static String seedScript() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new CliException("the CLI lacks its resource " + SCRIPT, CliException.FAILED);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (text.split("\"<VPC_ADDRESS>\"", -1).length != 2) {
                throw new CliException(SCRIPT + " must name \"<VPC_ADDRESS>\" exactly once", CliException.FAILED);
            }
            return text;
        } catch (IOException e) {
            throw new CliException("cannot read " + SCRIPT + ": " + e.getMessage(), CliException.FAILED);
        }
    }

    private static HttpResponse<String> probe(String url) throws InterruptedException {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CliException("cannot reach the tracking URI " + url + ": " + e, CliException.FAILED);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return text == null || text.isBlank() ? GatewayClient.JSON.createObjectNode() : GatewayClient.JSON.readTree(text);
        } catch (IOException e) {
            return GatewayClient.JSON.createObjectNode();
        }
    }

    private static String failure(JsonNode execution) {
        String name = Printer.value(execution, "error.name");
        String value = Printer.value(execution, "error.value");
        return name == null ? abbreviate(String.valueOf(GatewayClient.text(execution, "stderr"))) : name + ": " + abbreviate(value);
    }

    private static String lastLine(String text) {
        if (text == null) {
            return "";
        }
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String pairs(JsonNode object, boolean numbers) {
        List<String> parts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = object.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + "=" + (numbers && e.getValue().isNumber() ? String.format("%.4f", e.getValue().asDouble())
                    : e.getValue().asText()));
        }
        return String.join(", ", parts);
    }

    private static String py(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static String describe(Throwable e) {
        if (e instanceof GatewayClient.ApiError a) {
            return Errors.describe(a).replaceFirst("^dms: ", "");
        }
        if (e instanceof CliException) {
            return e.getMessage();
        }
        return e.toString();
    }

    private static int exitCode(Throwable e) {
        if (e instanceof GatewayClient.ApiError a) {
            return Errors.exitCode(a);
        }
        if (e instanceof CliException c) {
            return c.exitCode();
        }
        return CliException.FAILED;
    }

    /** A stream that writes each line of what it is given indented under the step, "    | ". */
    private static PrintStream indented(PrintStream target) {
        return new PrintStream(new OutputStream() {
            private boolean lineStart = true;

            @Override
            public void write(int b) {
                if (lineStart) {
                    target.print("    | ");
                    lineStart = false;
                }
                target.write(b);
                if (b == '\n') {
                    lineStart = true;
                }
            }

            @Override
            public void flush() {
                target.flush();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
