package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tracking server that cannot start (instance-service's tracking-server jar is corrupt): the saga across both
 * services ends in CREATE_FAILED (COMPUTE_START_FAILED), the instance's database is dropped and network-service
 * removes the load balancer it had provisioned (its address refuses connections). Runs in its own JVM (failsafe
 * {@code reuseForks=false}), so its PostgreSQL and Kafka are its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComputeFailureIT {

    static final Api.Client EDITOR = Api.as("mem_e2e", "ws-e2e-broken", "editor");

    Stack stack;

    @BeforeAll
    void startServices() throws Exception {
        Path dir = Path.of(System.getProperty("dms.e2e.dir", "target/e2e"), "compute-failure-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(dir);
        Path broken = dir.resolve("broken-tracking-server.jar");
        Files.writeString(broken, "not a jar");
        stack = Stack.start(dir, Map.of("DMS_TRACKING_SERVER_JAR", broken.toAbsolutePath().toString()));
    }

    @AfterAll
    void stopServices() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aTrackingServerThatCannotStartEndsInCreateFailedWithNothingLeft() throws Exception {
        Map<String, Object> body = new HashMap<>(InstanceLifecycleIT.body("e2e-broken"));
        body.remove("workspaceId"); // the workspace is the token's
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body);
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");

        Api.await(() -> "CREATE_FAILED".equals(instance(id).path("status").asText()), Duration.ofSeconds(120),
                "CREATE_FAILED", () -> instance(id));
        JsonNode failed = instance(id);
        assertEquals("COMPUTE_START_FAILED", failed.path("statusReason").path("code").asText(), failed.toString());

        String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
        assertFalse(stack.databaseExists(database), "the tracking database is dropped");
        // network-service had provisioned the load balancer; InstanceReleaseRequested makes it go
        Api.await(() -> "RELEASED".equals(EDITOR.get(stack.networkUrl + "/networks/" + id).json().path("status").asText()),
                Duration.ofSeconds(60), "the network to be released", () -> EDITOR.get(stack.networkUrl + "/networks/" + id));
        JsonNode network = EDITOR.get(stack.networkUrl + "/networks/" + id).json();
        String host = network.path("vpcAddress").asText();
        int port = network.path("vpcPort").asInt();
        assertTrue(!host.isEmpty() && port > 0, "the released network keeps the address it had: " + network);
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
            }
        }, "the load balancer's address refuses connections");
        assertEquals(0, EDITOR.get(stack.networkUrl + "/networks?status=ACTIVE").json().path("items").size());
        String marker = "-Ddms.instance.id=" + id;
        assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.isAlive()
                && h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false)), "no tracking-server process");
    }

    private JsonNode instance(String id) {
        Api.Resp r = EDITOR.get(stack.instanceUrl + "/instances/" + id);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }
}
