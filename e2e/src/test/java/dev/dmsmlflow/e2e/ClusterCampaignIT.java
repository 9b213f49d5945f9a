package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.infra.LocalKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14's distributed proof: the stack on the 3-broker cluster (topics with 3 copies, {@code min.insync.replicas=2})
 * with 2 replicas of instance-, network- and billing-service. Instances are created and released, each call sent to a
 * replica picked at random, while a scheduler kills (SIGKILL) and restarts a broker or a replica of a service at random;
 * once a share of the instances was asked for, one broker dies for good and the rest of the run has 2 of 3.
 * <p>
 * Asserted afterwards: every saga reached RUNNING and then RELEASED (a fault may delay one, never fail it); every event one
 * service published for another is in that one's inbox exactly once; each instance's tracking database was created once,
 * its tracking server started once and its load balancer made once (the services' own log lines, over every replica's
 * logs); nothing is left: no tracking-server process, no tracking database, no listening load balancer, no ACTIVE network.
 * <p>
 * {@code dms.cluster.instances} (default 2; {@code ./dms chaos --cluster --instances 200} runs the long one),
 * {@code dms.cluster.parallel} lifecycles at once (default 4), {@code dms.cluster.seed} replays a campaign's faults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterCampaignIT {

    static final String WORKSPACE = "ws-cluster";
    /** Instances per workspace (the workspace quota is 10). */
    static final int PER_WORKSPACE = 8;
    /** How long one step of a saga may take, faults included (a replica restarts in 20-40 s on 2 busy cores). */
    static final Duration STEP = Duration.ofSeconds(300);
    static final List<String> SERVICES = List.of("instance-service", "network-service", "billing-service");

    Stack stack;
    final Map<String, Integer> faults = new ConcurrentHashMap<>();
    /** The broker that died for good, or -1. */
    volatile int deadBroker = -1;

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "cluster-" + UUID.randomUUID().toString().substring(0, 8)), Stack.Options.cluster(2));
        stack.startBilling(); // the usage ledger: every UsageMetered must reach it, through either replica
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
        // a broker that died for good is started again for whatever else this JVM runs
        if (deadBroker > 0 && stack != null) {
            stack.cluster.node(deadBroker).start();
        }
    }

    @Test
    void everySagaEndsNothingIsLostOrDoneTwiceAndNothingIsLeftWhileBrokersAndReplicasDie() throws Exception {
        int instances = Integer.getInteger("dms.cluster.instances", 2);
        int parallel = Math.min(instances, Integer.getInteger("dms.cluster.parallel", 4));
        long seed = Long.getLong("dms.cluster.seed", System.nanoTime());
        System.out.println("cluster campaign: " + instances + " instances, " + parallel + " at once, seed " + seed
                + " (-Ddms.cluster.seed=" + seed + " replays the faults)");
        Random random = new Random(seed);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger requested = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        ExecutorService faultPool = Executors.newSingleThreadExecutor();
        Map<String, java.net.URI> addresses = new ConcurrentHashMap<>();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        Future<?> scheduler = faultPool.submit(() -> {
            faultsUntil(done, random, requested, instances);
            return null;
        });
        List<Future<?>> lifecycles = new ArrayList<>();
        for (int k = 0; k < instances; k++) {
            String name = "cluster-" + k + "-" + UUID.randomUUID().toString().substring(0, 4);
            Api.Client editor = Api.as("mem_cluster", WORKSPACE + "-" + (k / PER_WORKSPACE), "editor");
            lifecycles.add(pool.submit(() -> {
                lifecycle(editor, name, ids, addresses, requested);
                return null;
            }));
        }
        try {
            for (Future<?> f : lifecycles) {
                f.get(STEP.toSeconds() * 3 * (1 + instances / parallel), TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            scheduler.get(STEP.toSeconds(), TimeUnit.SECONDS);
            pool.shutdownNow();
            faultPool.shutdownNow();
        }
        long sagaSeconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.printf("cluster campaign: %d instances created and released in %d s, faults %s, broker %d dead for good%n",
                instances, sagaSeconds, new java.util.TreeMap<>(faults), deadBroker);
        assertEquals(instances, ids.size());
        assertTrue(deadBroker > 0, "a broker must have died for good during the run");

        // nothing is left: processes, databases, load balancers, networks
        Api.await(() -> stack.trackingServers().isEmpty(), Duration.ofSeconds(60), "no tracking server to remain",
                () -> stack.trackingServers());
        for (String id : ids) {
            assertTrue(!stack.databaseExists(database(id)), "the tracking database of " + id + " remains");
        }
        for (Map.Entry<String, java.net.URI> a : addresses.entrySet()) {
            assertTrue(!Campaigns.listening(a.getValue()), "the load balancer of " + a.getKey() + " still listens at " + a.getValue());
        }
        for (int w = 0; w <= (instances - 1) / PER_WORKSPACE; w++) {
            Api.Client member = Api.as("mem_cluster", WORKSPACE + "-" + w, "editor");
            for (String network : stack.urls("network-service")) {
                JsonNode active = retrying(() -> member.get(network + "/networks?status=ACTIVE&pageSize=100")).json();
                assertEquals(0, active.path("items").size(), active.toString());
            }
        }

        // none lost, none twice: every event one service published for another is in that one's inbox, once
        assertAllHandledOnce("instance_service",
                "'InstanceRequested','InstanceDeployed','InstanceReleaseRequested','InstanceUpdated'",
                "network_service", "network-service.instance-events", "event_id");
        assertAllHandledOnce("network_service",
                "'NetworkProvisioned','NetworkProvisionFailed','BackendRegistered','NetworkReleased'",
                "instance_service", "instance-service", "event_id");
        assertAllHandledOnce("instance_service", "'UsageMetered'", "billing_service", "billing-service",
                "substring(event_id from '[^ ]+$')");

        // each side effect happened once per instance, whichever replica did it and however often the saga was taken over
        Map<String, Map<Path, Integer>> databases = countPerInstance("instance-service",
                Pattern.compile("created tracking database (mlflow_\\w+)"), Function.identity());
        Map<String, Map<Path, Integer>> servers = countPerInstance("instance-service",
                Pattern.compile("started tracking server of (\\S+) \\(pid"), ClusterCampaignIT::database);
        Map<String, Map<Path, Integer>> balancers = countPerInstance("network-service",
                Pattern.compile("load balancer \\S+ of instance (\\S+) listens on"), ClusterCampaignIT::database);
        int balancersAgain = 0;
        for (String id : ids) {
            String db = database(id);
            // a crash between CREATE DATABASE and its log line would log none; never two
            assertTrue(total(databases.get(db)) <= 1, "tracking databases created for " + id + ": " + databases.get(db));
            // a replica killed mid-deploy leaves its server running, and the step's next run adopts it: one start
            assertEquals(1, total(servers.get(db)), "tracking servers started for " + id + ": " + servers.get(db));
            // a load balancer lives in the network-service process that holds the steps: one per process lifetime (a log
            // file), and a second only after the first's process was killed (its log is not the last of its replica)
            Map<Path, Integer> made = balancers.getOrDefault(db, Map.of());
            assertTrue(total(made) >= 1, "no load balancer was made for " + id);
            made.forEach((log, n) -> assertEquals(1, n, "load balancers made for " + id + " by the process of " + log));
            assertTrue(made.keySet().stream().filter(this::outlivedTheRun).count() <= 1,
                    "load balancers of " + id + " made by two processes that both lived on: " + made);
            balancersAgain += made.size() - 1;
        }
        System.out.printf("cluster campaign: checked %d instances: each one tracking database, one tracking server, one load"
                + " balancer per network-service lifetime (%d made again after their holder was killed); all done in %d s%n",
                ids.size(), balancersAgain, (System.nanoTime() - started) / 1_000_000_000L);
    }

    private static int total(Map<Path, Integer> perLog) {
        return perLog == null ? 0 : perLog.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Whether the log is its replica's last one (the process lived to the end of the run; an earlier one was killed). */
    private boolean outlivedTheRun(Path log) {
        String name = log.getFileName().toString().replaceAll("\\.log$", "");
        String next = name.matches(".*-\\d+$") && !name.matches(".*-r\\d+$")
                ? name.replaceAll("-(\\d+)$", "") + "-" + (Integer.parseInt(name.replaceAll(".*-", "")) + 1)
                : name + "-2";
        return !Files.exists(log.resolveSibling(next + ".log"));
    }

    /** Create → RUNNING → release → RELEASED, each call to a replica picked at random and retried while it is down. */
    private void lifecycle(Api.Client editor, String name, List<String> ids, Map<String, java.net.URI> addresses,
                           AtomicInteger requested) {
        String key = UUID.randomUUID().toString();
        Api.Resp created = retrying(() -> editor.postWithKey(any("instance-service") + "/instances", body(editor.workspace(), name), key));
        assertEquals(201, created.status(), created.toString());
        requested.incrementAndGet();
        String id = created.text("id");
        ids.add(id);
        JsonNode running = awaitStatus(editor, id, "RUNNING");
        addresses.put(id, java.net.URI.create(running.path("trackingUri").asText()));

        Api.Resp release = retrying(() -> editor.post(any("instance-service") + "/instances/" + id + "/release", Map.of()));
        assertTrue(release.status() == 202 || release.status() == 409, release.toString()); // 409: a retry after it landed
        awaitStatus(editor, id, "RELEASED");
    }

    private String any(String module) {
        List<String> urls = stack.urls(module);
        return urls.get(ThreadLocalRandom.current().nextInt(urls.size()));
    }

    private JsonNode awaitStatus(Api.Client editor, String id, String goal) {
        return Campaigns.awaitStatus(editor, () -> any("instance-service"), id, goal, STEP);
    }

    /**
     * The scheduler: a fault every 3-7 s until the sagas are done, each killed process started again before the next
     * fault; once a third of the instances were asked for (or after the sixth fault), a broker is killed for good.
     */
    private void faultsUntil(AtomicBoolean done, Random random, AtomicInteger requested, int instances) throws Exception {
        int count = 0;
        while (!done.get()) {
            long until = System.currentTimeMillis() + 3_000 + random.nextInt(4_000);
            while (!done.get() && System.currentTimeMillis() < until) {
                Thread.sleep(100); // the campaign's pace, not a wait for a condition
            }
            if (done.get()) {
                return;
            }
            count++;
            if (deadBroker < 0 && (requested.get() * 3 >= instances || count > 6)) {
                LocalKafka victim = stack.cluster.nodes().get(random.nextInt(stack.cluster.nodes().size()));
                victim.kill();
                deadBroker = victim.nodeId();
                faults.merge("broker killed for good", 1, Integer::sum);
                System.out.println("cluster campaign: broker " + deadBroker + " killed for good");
                continue;
            }
            int pick = random.nextInt(SERVICES.size() + 1);
            if (pick == SERVICES.size()) {
                if (deadBroker > 0) {
                    continue; // with 2 of 3 left, one more broker down would stop every acks=all write
                }
                LocalKafka victim = stack.cluster.nodes().get(random.nextInt(stack.cluster.nodes().size()));
                victim.kill();
                Thread.sleep(1_000 + random.nextInt(4_000)); // how long it stays down is the fault
                victim.start();
                faults.merge("broker killed and restarted", 1, Integer::sum);
            } else {
                String service = SERVICES.get(pick);
                int replica = 1 + random.nextInt(stack.replicas(service));
                stack.kill(service, replica);
                stack.restart(service, replica);
                faults.merge(service + " replica killed", 1, Integer::sum);
            }
        }
    }

    /** Every published event of {@code types} is in the consumer's inbox, and each exactly once. */
    private void assertAllHandledOnce(String publisher, String types, String consumerDb, String consumer, String inboxId) {
        Set<String> published = Campaigns.awaitAllHandled(stack, publisher, types, consumerDb, consumer, inboxId, Duration.ofSeconds(120));
        Map<String, Integer> handled = new HashMap<>();
        for (String id : stack.column(consumerDb, "SELECT " + inboxId + " FROM inbox_event WHERE consumer = '" + consumer + "'")) {
            if (published.contains(id)) {
                handled.merge(id, 1, Integer::sum);
            }
        }
        handled.forEach((id, n) -> assertEquals(1, n, "event " + id + " of " + publisher + " in " + consumer + "'s inbox"));
        System.out.println("cluster campaign: " + consumer + " handled all " + published.size() + " events of " + publisher
                + " once each");
    }

    /** How often {@code line} occurs per instance (its group 1 mapped by {@code key}) in each log of each replica of {@code module}. */
    private Map<String, Map<Path, Integer>> countPerInstance(String module, Pattern line, Function<String, String> key) throws IOException {
        Map<String, Map<Path, Integer>> counts = new HashMap<>();
        try (Stream<Path> logs = Files.list(stack.dir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith(module) && p.toString().endsWith(".log")).toList()) {
                for (String l : Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    Matcher m = line.matcher(l);
                    if (m.find()) {
                        counts.computeIfAbsent(key.apply(m.group(1)), k -> new HashMap<>()).merge(log, 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }

    private static String database(String instanceId) {
        return "mlflow_" + instanceId.toLowerCase().replaceAll("[^a-z0-9]", "");
    }

    /** A call retried while the replica is down or restarting, up to {@link #STEP}. */
    private static Api.Resp retrying(java.util.function.Supplier<Api.Resp> call) {
        return Campaigns.retrying(call, STEP);
    }

    private static Map<String, Object> body(String workspace, String name) {
        return Campaigns.instanceBody(workspace, name, "cluster");
    }
}
