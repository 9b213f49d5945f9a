package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./dms demo} through the ./dms script against the packaged services (instance, network, notebook and billing
 * services behind the gateway), as a user runs it after {@code ./dms up}: every step passes and says so, it exits 0,
 * and afterwards the workspace has its instance released and no demo session left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoIT {

    Stack stack;
    String api;
    Api.KeyClient admin;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "demo-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startNotebookService(List.of());
        stack.startBilling();
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

    @Test
    void theDemoRunsTheSeedsStoryAndExitsZero() throws Exception {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(stack.root.resolve("dms").toString(), "demo").directory(stack.root.toFile());
        pb.environment().put("DMS_NO_BUILD", "1");
        pb.environment().put("DMS_CONFIG", stack.dir.resolve("cli-config.json").toString());
        pb.environment().put("DMS_URL", stack.gatewayUrl);
        pb.environment().put("DMS_API_KEY", stack.bootstrapKey);
        pb.environment().put("DMS_WORKSPACE", "ws-1");
        Path outFile = stack.dir.resolve("demo.out");
        Path errFile = stack.dir.resolve("demo.err");
        Process p = pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(900, TimeUnit.SECONDS);
        if (!ended) {
            p.destroy();
        }
        String out = Files.readString(outFile);
        String err = Files.readString(errFile);
        System.out.printf("dms demo took %.1f s:%n%s%n", (System.nanoTime() - t0) / 1e9, out);
        assertTrue(ended, "dms demo did not end: " + out + err);
        assertEquals(0, p.exitValue(), out + "\n--- stderr ---\n" + err);

        assertTrue(out.contains("[1/9] create MLflow instance demo-") && out.contains("vpc-local, vsw-local-a + vsw-local-b, sg-local-basic"), out);
        assertTrue(out.contains("[2/9]") && out.contains("RUNNING after"), out);
        assertTrue(err.contains("CREATING") && err.contains("RUNNING"), "progress on stderr: " + err);
        assertTrue(out.contains("[3/9]") && out.contains("HTTP 403 from the load balancer, layer acl"), out);
        assertTrue(out.contains("[4/9]") && out.contains("mlflow==3.12.0, scikit-learn") && out.contains("RUNNING after"), out);
        assertTrue(out.contains("[5/9]") && out.contains("admitted"), out);
        assertTrue(out.contains("[6/9]") && out.contains("| Accuracy: ") && out.contains("| Run ID: "), out);
        assertTrue(out.contains("[7/9]") && out.contains("run RandomForest_Iris (FINISHED)"), out);
        assertTrue(out.contains("params:  ") && out.contains("max_depth=3") && out.contains("n_estimators=100"), out);
        assertTrue(out.contains("metrics: ") && out.contains("accuracy=") && out.contains("f1_score="), out);
        assertTrue(out.contains("[8/9]") && out.contains("instance RELEASED, session deleted"), out);
        assertTrue(out.contains("[9/9]") && out.contains("MLFLOW-INSTANCE-SMALL") && out.contains("NOTEBOOK-VCPU")
                && out.contains("NOTEBOOK-MEMORY") && out.contains("total: ") && out.contains(" CNY"), out);
        assertTrue(out.contains("demo done in"), out);
        assertFalse(out.contains("FAILED at step") || out.contains("cleanup:"), out);

        // nothing of the demo is left running
        JsonNode instances = admin.get(api + "/workspaces/ws-1/instances?pageSize=100").json().path("items");
        int demos = 0;
        for (JsonNode i : instances) {
            if (i.path("name").asText().startsWith("demo-")) {
                demos++;
                assertEquals("RELEASED", i.path("status").asText(), i.toString());
            }
        }
        assertEquals(1, demos, instances.toString());
        for (JsonNode n : admin.get(api + "/workspaces/ws-1/notebook-sessions?pageSize=100").json().path("items")) {
            assertFalse(n.path("name").asText().startsWith("demo_"), n.toString());
        }
    }
}
