package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's fault campaign: instances are created, redeployed and released in parallel while a scheduler kills
 * instance-service, network-service, billing-service and tracking servers with SIGKILL at random and pauses the Kafka
 * broker (SIGSTOP).
 * Every saga must reach its goal (RUNNING, RUNNING again, RELEASED: a crash may delay a saga, never fail or lose it), and
 * afterwards nothing may remain: no tracking-server process, no tracking database, no listening load balancer, no ACTIVE
 * network, and every event one service published for the other is in the other's inbox (handled, none lost), every
 * UsageMetered in billing-service's (the usage ledger is complete).
 *
 * <p>{@code ./dms test} runs a short campaign ({@code dms.chaos.sagas}, default 3); {@code ./dms chaos --sagas N} a long
 * one. {@code dms.chaos.seed} replays a campaign's choice of faults (the seed is printed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultCampaignIT {

    static final String WORKSPACE = "ws-faults";
    /** Instances per workspace (the workspace quota is 10). */
    static final int PER_WORKSPACE = 5;
    /** How long one step of a saga may take, faults included (a killed service restarts in ~10-20 s on 2 cores). */
    static final Duration STEP = Duration.ofSeconds(240);

    Stack stack;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "faults-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startBilling(); // the usage ledger: every UsageMetered must reach it
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /** What the scheduler did, for the report. */
    final Map<String, Integer> faults = new ConcurrentHashMap<>();

    @Test
    void everySagaReachesItsGoalUnderKillsAndPausesAndNothingIsLeftOrLost() throws Exception {
        int sagas = Integer.getInteger("dms.chaos.sagas", 3);
        long seed = Long.getLong("dms.chaos.seed", System.nanoTime());
        System.out.println("fault campaign: " + sagas + " instances, seed " + seed + " (-Ddms.chaos.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        AtomicBoolean done = new AtomicBoolean();
        // at most dms.chaos.parallel lifecycles at once (each starts tracking-server JVMs on a small machine)
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(sagas, Integer.getInteger("dms.chaos.parallel", 4)));
        ExecutorService faultPool = Executors.newSingleThreadExecutor();
        Map<String, java.net.URI> addresses = new ConcurrentHashMap<>();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        Future<?> scheduler = faultPool.submit(() -> {
            faultsUntil(done, random);
            return null;
        });
        List<Future<?>> lifecycles = new ArrayList<>();
        for (int k = 0; k < sagas; k++) {
            String name = "chaos-" + k + "-" + UUID.randomUUID().toString().substring(0, 4);
            Api.Client editor = Api.as("mem_faults", WORKSPACE + "-" + (k / PER_WORKSPACE), "editor");
            lifecycles.add(pool.submit(() -> {
                lifecycle(editor, name, ids, addresses);
                return null;
            }));
        }
        try {
            for (Future<?> f : lifecycles) {
                f.get(STEP.toSeconds() * 4 * (1 + sagas / 4), TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            scheduler.get(STEP.toSeconds(), TimeUnit.SECONDS);
            pool.shutdownNow();
            faultPool.shutdownNow();
        }
        System.out.printf("fault campaign: %d sagas (create, redeploy, release each) in %d s, faults %s%n", sagas * 3,
                (System.nanoTime() - started) / 1_000_000_000L, faults);
        assertEquals(sagas, ids.size());

        // nothing is left: processes, databases, load balancers, networks
        Api.await(() -> stack.trackingServers().isEmpty(), Duration.ofSeconds(30), "no tracking server to remain",
                () -> stack.trackingServers());
        for (String id : ids) {
            String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
            assertTrue(!stack.databaseExists(database), "the tracking database of " + id + " remains");
        }
        for (Map.Entry<String, java.net.URI> a : addresses.entrySet()) {
            assertTrue(!Campaigns.listening(a.getValue()), "the load balancer of " + a.getKey() + " still listens at " + a.getValue());
        }
        for (int w = 0; w <= (sagas - 1) / PER_WORKSPACE; w++) {
            Api.Client member = Api.as("mem_faults", WORKSPACE + "-" + w, "editor");
            JsonNode active = retrying(() -> member.get(stack.networkUrl + "/networks?status=ACTIVE&pageSize=100")).json();
            assertEquals(0, active.path("items").size(), active.toString());
        }

        // none lost: every event one service published for the other is in the other's inbox
        assertAllHandled("instance_service",
                "'InstanceRequested','InstanceDeployed','InstanceReleaseRequested','InstanceUpdated'",
                "network_service", "network-service.instance-events");
        assertAllHandled("network_service",
                "'NetworkProvisioned','NetworkProvisionFailed','BackendRegistered','NetworkReleased'",
                "instance_service", "instance-service");
        // the ledger is complete: every usage reading instance-service published is in billing-service's inbox
        // (its inbox keys an event by "<source> <id>")
        assertAllHandled("instance_service", "'UsageMetered'", "billing_service", "billing-service", "substring(event_id from '[^ ]+$')");
    }

    /** Create → RUNNING → redeploy → RUNNING → release → RELEASED, each call retried while a service is down. */
    private void lifecycle(Api.Client editor, String name, List<String> ids, Map<String, java.net.URI> addresses) {
        String key = UUID.randomUUID().toString();
        Api.Resp created = retrying(() -> editor.postWithKey(stack.instanceUrl + "/instances", body(editor.workspace(), name), key));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        ids.add(id);
        JsonNode running = awaitStatus(editor, id, "RUNNING");
        addresses.put(id, java.net.URI.create(running.path("trackingUri").asText()));

        Api.Resp redeploy = retrying(() -> editor.post(stack.instanceUrl + "/instances/" + id + "/redeploy", Map.of()));
        assertTrue(redeploy.status() == 202 || redeploy.status() == 409, redeploy.toString()); // 409: a retry after it landed
        awaitStatus(editor, id, "RUNNING");

        Api.Resp release = retrying(() -> editor.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()));
        assertTrue(release.status() == 202 || release.status() == 409, release.toString());
        awaitStatus(editor, id, "RELEASED");
    }

    private JsonNode awaitStatus(Api.Client editor, String id, String goal) {
        return Campaigns.awaitStatus(editor, () -> stack.instanceUrl, id, goal, STEP);
    }

    /** The scheduler: a fault every 3-7 s until the sagas are done; every killed service is started again before the next. */
    private void faultsUntil(AtomicBoolean done, Random random) throws Exception {
        while (!done.get()) {
            long pause = 3_000 + random.nextInt(4_000);
            long until = System.currentTimeMillis() + pause;
            while (!done.get() && System.currentTimeMillis() < until) {
                Thread.sleep(100); // the campaign's pace, not a wait for a condition
            }
            if (done.get()) {
                return;
            }
            switch (random.nextInt(5)) {
                case 0 -> {
                    stack.killInstanceService();
                    stack.restartInstanceService();
                    faults.merge("instance-service killed", 1, Integer::sum);
                }
                case 1 -> {
                    stack.killNetworkService();
                    stack.restartNetworkService();
                    faults.merge("network-service killed", 1, Integer::sum);
                }
                case 3 -> {
                    stack.killBilling();
                    stack.restartBilling();
                    faults.merge("billing-service killed", 1, Integer::sum);
                }
                case 2 -> {
                    List<ProcessHandle> servers = stack.trackingServers();
                    if (!servers.isEmpty()) {
                        servers.get(random.nextInt(servers.size())).destroyForcibly();
                        faults.merge("tracking server killed", 1, Integer::sum);
                    }
                }
                default -> {
                    long broker = stack.kafkaBroker().pid();
                    signal("STOP", broker);
                    try {
                        Thread.sleep(2_000 + random.nextInt(3_000)); // the length of the pause is the fault
                    } finally {
                        signal("CONT", broker);
                    }
                    faults.merge("kafka paused", 1, Integer::sum);
                }
            }
        }
    }

    private void assertAllHandled(String publisher, String types, String consumerDb, String consumer) {
        assertAllHandled(publisher, types, consumerDb, consumer, "event_id");
    }

    private void assertAllHandled(String publisher, String types, String consumerDb, String consumer, String inboxId) {
        Set<String> published = Campaigns.awaitAllHandled(stack, publisher, types, consumerDb, consumer, inboxId, Duration.ofSeconds(60));
        System.out.println("fault campaign: " + consumer + " handled all " + published.size() + " events of " + publisher);
    }

    /** A call retried while the service is down or restarting, up to {@link #STEP}. */
    private static Api.Resp retrying(Supplier<Api.Resp> call) {
        return Campaigns.retrying(call, STEP);
    }

    private static Map<String, Object> body(String workspace, String name) {
        return Campaigns.instanceBody(workspace, name, "chaos");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }
}
