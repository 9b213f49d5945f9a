package dev.dmsmlflow.bench.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.e2e.Api;
import dev.dmsmlflow.e2e.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Provisioning benchmark (not a test). Brings up the real stack (PostgreSQL, Kafka, network-service and
 * instance-service as packaged jars, local provider: a reverse proxy and a tracking-server process per instance),
 * then:
 * <ol>
 *   <li>creates {@code --instances} instances (default 20), {@code --concurrency} at a time (default 1), timing each
 *       from the {@code POST /instances} request to the first {@code GET} that answers {@code RUNNING};</li>
 *   <li>releases them all the same way, timing {@code POST /release} to {@code RELEASED}.</li>
 * </ol>
 * Status is polled every 50 ms, so figures carry up to ~50 ms of polling granularity. Prints p50/p99/max of each.
 * Instances stay up until the release phase, so the last creations run next to the earlier instances' servers.
 */
public final class ProvisioningBenchmark {

    static final Duration TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int instances = 20;
        int concurrency = 1;
        boolean throwAway = false; // --throwaway: the tests' PostgreSQL without fsync instead of a durable one
        boolean cluster = false; // --cluster: the 3-broker Kafka cluster instead of the single broker
        int replicas = 1; // --replicas N: replicas of instance-service and network-service
        Path dir = Path.of("bench/provisioning/target/run-" + UUID.randomUUID().toString().substring(0, 8));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--instances" -> instances = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--throwaway" -> throwAway = true;
                case "--cluster" -> cluster = true;
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--instances N --concurrency C --dir D --throwaway --cluster --replicas N)");
            }
        }
        long t0 = System.nanoTime();
        System.out.println("starting PostgreSQL, Kafka" + (cluster ? " (3 brokers)" : "") + ", " + replicas
                + " replica(s) each of network-service and instance-service (logs in " + dir.toAbsolutePath() + ")");
        // every instance lives in one workspace until the release phase: the quota must hold them all
        Map<String, String> env = Map.of("DMS_QUOTA_INSTANCES_PER_WORKSPACE", String.valueOf(Math.max(10, instances)));
        Stack.Options options = new Stack.Options(cluster, replicas, env, !throwAway);
        try (Stack stack = Stack.start(dir, options)) {
            System.out.printf(Locale.ROOT, "stack ready in %.1f s; PostgreSQL %s%n", (System.nanoTime() - t0) / 1e9,
                    stack.pg.durability());
            // one warm-up instance (created and released, not measured): first-use costs of the services' JVMs
            String warm = create(stack, "warmup");
            awaitStatus(stack, warm, "RUNNING");
            release(stack, warm);
            awaitStatus(stack, warm, "RELEASED");

            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            try {
                List<String> ids = Collections.synchronizedList(new ArrayList<>());
                List<Future<Double>> creates = new ArrayList<>();
                CpuUse before = CpuUse.sample(stack);
                long createStart = System.nanoTime();
                for (int i = 0; i < instances; i++) {
                    int n = i;
                    creates.add(pool.submit(() -> {
                        long start = System.nanoTime();
                        String id = create(stack, "bench-" + n);
                        ids.add(id);
                        awaitStatus(stack, id, "RUNNING");
                        return (System.nanoTime() - start) / 1e9;
                    }));
                }
                List<Double> createSeconds = collect(creates);
                double createWall = (System.nanoTime() - createStart) / 1e9;
                CpuUse after = CpuUse.sample(stack);
                System.out.printf(Locale.ROOT, "created %d instances in %.1f s: %.1f creates per minute (concurrency %d, %d replica(s), %s)%n",
                        instances, createWall, instances * 60 / createWall, concurrency, replicas, cluster ? "3 brokers" : "1 broker");
                after.minus(before).report(createWall);
                System.out.println("releasing them");

                List<Future<Double>> releases = new ArrayList<>();
                for (String id : List.copyOf(ids)) {
                    releases.add(pool.submit(() -> {
                        long start = System.nanoTime();
                        release(stack, id);
                        awaitStatus(stack, id, "RELEASED");
                        return (System.nanoTime() - start) / 1e9;
                    }));
                }
                List<Double> releaseSeconds = collect(releases);
                report("create -> RUNNING", createSeconds);
                report("release -> RELEASED", releaseSeconds);
                System.out.printf(Locale.ROOT, "instances=%d concurrency=%d total wall time %.1f s%n",
                        instances, concurrency, (System.nanoTime() - t0) / 1e9);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The services answer only a gateway's service token; the benchmark acts as an editor of workspace ws-bench. */
    static final Api.Client CALLER = Api.as("mem_bench", "ws-bench", "editor");

    static String create(Stack stack, String name) {
        Map<String, Object> b = new HashMap<>();
        b.put("name", name);
        b.put("description", "provisioning benchmark");
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-local-a");
        b.put("secondaryVSwitchId", "vsw-local-b");
        b.put("securityGroupId", "sg-local-basic");
        b.put("ossBucket", "bench-artifacts");
        b.put("ossPath", "bench/" + name);
        b.put("spec", "mlflow.small");
        Api.Resp r = CALLER.post(any(stack) + "/instances", b);
        if (r.status() != 201) {
            throw new IllegalStateException("create " + name + ": " + r);
        }
        return r.text("id");
    }

    static void release(Stack stack, String id) {
        Api.Resp r = CALLER.post(any(stack) + "/instances/" + id + "/release", Map.of());
        if (r.status() != 202) {
            throw new IllegalStateException("release " + id + ": " + r);
        }
    }

    static void awaitStatus(Stack stack, String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            JsonNode i = CALLER.get(any(stack) + "/instances/" + id).json();
            String s = i.path("status").asText();
            if (s.equals(status)) {
                return;
            }
            if (s.endsWith("_FAILED") || System.nanoTime() > deadline) {
                throw new IllegalStateException(id + " did not reach " + status + ": " + i);
            }
            Thread.sleep(50);
        }
    }

    /** A replica of instance-service picked at random: callers spread their requests as the gateway does. */
    static String any(Stack stack) {
        List<String> urls = stack.urls("instance-service");
        return urls.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(urls.size()));
    }

    static List<Double> collect(List<Future<Double>> futures) throws Exception {
        List<Double> out = new ArrayList<>();
        for (Future<Double> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    static void report(String what, List<Double> seconds) {
        List<Double> s = new ArrayList<>(seconds);
        Collections.sort(s);
        System.out.printf(Locale.ROOT, "%-20s n=%d  p50 %.2f s  p99 %.2f s  max %.2f s  min %.2f s  mean %.2f s%n", what, s.size(),
                percentile(s, 50), percentile(s, 99), s.get(s.size() - 1), s.get(0),
                s.stream().mapToDouble(Double::doubleValue).average().orElse(0));
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
