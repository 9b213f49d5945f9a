package dev.dmsmlflow.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's OpenAPI document is exact: schemathesis (PyPI, pinned) generates requests from it against the packaged
 * gateway and services, with an owner's API key and a real workspace and instance to aim at, and fails on any 5xx and
 * any answer the document does not describe (status code, content type, headers, body schema). Bounded: a fixed seed
 * and a fixed number of examples per operation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiFuzzIT {

    static final String SCHEMATHESIS = "4.32.5";

    Stack stack;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "fuzz-" + UUID.randomUUID().toString().substring(0, 8)));
        // every service the gateway forwards to runs, so that no generated request meets an unreachable one (a 503)
        stack.startNotebookService(List.of());
        stack.startBilling();
        stack.startGateway(List.of("-Ddms.gateway.rate-limit.rate=1000", "-Ddms.gateway.rate-limit.burst=2000"));
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** A virtualenv with schemathesis, kept between runs under ~/.cache (created on first use). */
    static Path schemathesis() throws Exception {
        Path venv = Path.of(System.getProperty("user.home"), ".cache", "dms-mlflow", "schemathesis-" + SCHEMATHESIS);
        Path bin = venv.resolve("bin").resolve("schemathesis");
        if (!Files.isExecutable(bin)) {
            Files.createDirectories(venv.getParent());
            run(List.of("python3", "-m", "venv", venv.toString()), Duration.ofMinutes(2));
            run(List.of(venv.resolve("bin/pip").toString(), "install", "-q", "--disable-pip-version-check",
                    "schemathesis==" + SCHEMATHESIS), Duration.ofMinutes(10));
        }
        return bin;
    }

    static String run(List<String> cmd, Duration timeout) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void generatedRequestsGetNo5xxAndOnlyDocumentedAnswers() throws Exception {
        Api.KeyClient admin = Api.withKey(stack.bootstrapKey);
        String api = stack.gatewayUrl + "/api/v1";
        String ws = admin.post(api + "/workspaces", Map.of("name", "fuzz")).text("id");
        Api.Resp created = admin.post(api + "/workspaces/" + ws + "/instances", GatewayAccessIT.instanceBody("fuzz-" + UUID.randomUUID().toString().substring(0, 6)));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        Api.await(() -> "RUNNING".equals(admin.get(api + "/workspaces/" + ws + "/instances/" + id).text("status")),
                Duration.ofSeconds(120), "the fuzz instance to run", () -> admin.get(api + "/workspaces/" + ws + "/instances/" + id));

        Path config = stack.dir.resolve("schemathesis.toml");
        Files.writeString(config, String.join("\n",
                "# real identifiers, so that generated requests reach the services instead of stopping at 404",
                "[parameters]",
                "\"path.ws\" = \"" + ws + "\"",
                "\"path.id\" = \"" + id + "\"",
                ""));
        Path report = stack.dir.resolve("schemathesis-junit.xml");
        List<String> cmd = new ArrayList<>(List.of(schemathesis().toString(), "--config-file", config.toString(), "run",
                stack.gatewayUrl + "/q/openapi",
                "--header", "Authorization: Bearer " + stack.bootstrapKey,
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
                        + "response_schema_conformance",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", "15", "--seed", "20261129", "--workers", "2", "--request-timeout", "30",
                "--no-color", "--report", "junit", "--report-junit-path", report.toString()));
        Process p = new ProcessBuilder(cmd).directory(stack.dir.toFile()).redirectErrorStream(true)
                .redirectOutput(stack.dir.resolve("schemathesis.log").toFile()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), "schemathesis did not end within 15 minutes");
        String log = Files.readString(stack.dir.resolve("schemathesis.log"));
        assertEquals(0, p.exitValue(), "schemathesis found answers the document does not describe:\n"
                + log.substring(Math.max(0, log.length() - 6000)).replace(stack.bootstrapKey, "<key>"));
        // every operation of the document was exercised, and every generated case passed
        java.util.regex.Matcher selected = java.util.regex.Pattern.compile("Selected: (\\d+)/(\\d+)").matcher(log);
        java.util.regex.Matcher tested = java.util.regex.Pattern.compile("Tested: (\\d+)").matcher(log);
        java.util.regex.Matcher cases = java.util.regex.Pattern.compile("(\\d+) generated, (\\d+) passed").matcher(log);
        assertTrue(selected.find() && tested.find() && cases.find(), log);
        assertEquals(selected.group(2), selected.group(1), "operations selected");
        assertEquals(selected.group(2), tested.group(1), "operations tested");
        assertTrue(Integer.parseInt(tested.group(1)) >= 30, "the document has at least the 30 operations of docs/identity.md");
        assertEquals(cases.group(1), cases.group(2), "generated cases that passed");
        assertTrue(Integer.parseInt(cases.group(1)) > 500, "a bounded but real run: " + cases.group(1) + " cases");
    }
}
