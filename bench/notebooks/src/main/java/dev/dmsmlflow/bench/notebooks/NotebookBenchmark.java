package dev.dmsmlflow.bench.notebooks;

import dev.dmsmlflow.e2e.Api;
import dev.dmsmlflow.e2e.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Notebook benchmark (not a test). Brings up the real stack with notebook-service (local runtime: a uv-made environment
 * and a JupyterLab process per session), then, one session at a time:
 * <ol>
 *   <li>first time: a session of {@code --image} with {@code --packages}, with empty caches (uv's wheel cache and the
 *       service's cache of resolved environments in the run's directory): resolution and every download included;</li>
 *   <li>{@code --sessions} more sessions (default 10) of the same image and packages: caches warm.</li>
 * </ol>
 * Each figure runs from {@code POST /sessions} (then {@code POST /start}) to the first {@code GET} answering RUNNING,
 * which the service reports only once JupyterLab answers its {@code /api/status}; polled every 50 ms. Each measured
 * session is stopped and deleted before the next one starts.
 */
public final class NotebookBenchmark {

    static final Api.Client CALLER = Api.as("mem_bench", "ws-bench", "editor");

    public static void main(String[] args) throws Exception {
        int sessions = 10;
        String image = "Python3.9:1.0.9";
        String packages = "scikit-learn";
        Path dir = Path.of("bench/notebooks/target/run-" + UUID.randomUUID().toString().substring(0, 8));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--image" -> image = args[++i];
                case "--packages" -> packages = args[++i];
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--sessions N --image I --packages P --dir D)");
            }
        }
        dir = dir.toAbsolutePath().normalize();
        long t0 = System.nanoTime();
        System.out.println("starting PostgreSQL, Kafka, the services and notebook-service with empty caches (logs in " + dir + ")");
        try (Stack stack = Stack.start(dir)) {
            stack.startNotebookService(List.of("-Ddms.notebook.worker.poll-interval=50ms"), Map.of(
                    "DMS_CACHE_DIR", dir.resolve("cache").toString(), "UV_CACHE_DIR", dir.resolve("uv-cache").toString()));
            System.out.printf(Locale.ROOT, "stack ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            System.out.println("image " + image + ", packages \"" + packages + "\"");
            Sample first = createToRunning(stack, image, packages, "first");
            System.out.printf(Locale.ROOT, "first time (empty caches)   %.2f s   (phases first seen at: %s)%n", first.seconds(),
                    describe(first.phases()));
            List<Sample> cached = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                cached.add(createToRunning(stack, image, packages, "cached" + i));
            }
            List<Double> totals = sorted(cached.stream().map(Sample::seconds).toList());
            System.out.printf(Locale.ROOT, "cached environment          n=%d  p50 %.2f s  p90 %.2f s  max %.2f s  min %.2f s%n",
                    totals.size(), percentile(totals, 50), percentile(totals, 90), totals.get(totals.size() - 1), totals.get(0));
            // where the time goes (medians): request -> the SERVER phase seen (environment and packages from the caches),
            // then SERVER -> RUNNING (JupyterLab's own start until it answers)
            List<Double> untilServer = sorted(cached.stream().map(c -> c.phases().getOrDefault("SERVER", Double.NaN)).toList());
            List<Double> server = sorted(cached.stream().map(c -> c.seconds() - c.phases().getOrDefault("SERVER", Double.NaN)).toList());
            System.out.printf(Locale.ROOT, "cached, medians             request -> SERVER phase %.2f s, SERVER -> RUNNING %.2f s%n",
                    percentile(untilServer, 50), percentile(server, 50));
        }
    }

    /** One session's create -> RUNNING time and when each start phase was first seen (seconds from the request). */
    record Sample(double seconds, Map<String, Double> phases) {
    }

    static String describe(Map<String, Double> phases) {
        StringBuilder b = new StringBuilder();
        phases.forEach((phase, at) -> b.append(b.length() == 0 ? "" : ", ").append(phase).append(String.format(Locale.ROOT, " %.2f s", at)));
        return b.toString();
    }

    static List<Double> sorted(List<Double> values) {
        List<Double> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    static Sample createToRunning(Stack stack, String image, String packages, String label) throws InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "bench_" + label + "_" + UUID.randomUUID().toString().substring(0, 6));
        body.put("image", image);
        body.put("spec", "1C4G");
        if (!packages.isBlank()) {
            body.put("pypiPackages", packages);
        }
        long start = System.nanoTime();
        Api.Resp created = CALLER.post(stack.notebookUrl + "/sessions", body);
        if (created.status() != 201) {
            throw new IllegalStateException("create answered " + created);
        }
        String id = created.text("id");
        Api.Resp started = CALLER.post(stack.notebookUrl + "/sessions/" + id + "/start", Map.of());
        if (started.status() != 202) {
            throw new IllegalStateException("start answered " + started);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        Map<String, Double> phases = new LinkedHashMap<>();
        while (true) {
            Api.Resp r = CALLER.get(stack.notebookUrl + "/sessions/" + id);
            String status = r.text("status");
            String phase = r.json().path("progress").path("phase").asText("");
            if (!phase.isEmpty()) {
                phases.putIfAbsent(phase, (System.nanoTime() - start) / 1e9);
            }
            if ("RUNNING".equals(status)) {
                break;
            }
            if ("FAILED".equals(status) || System.nanoTime() > deadline) {
                throw new IllegalStateException("session " + id + ": " + r);
            }
            Thread.sleep(50);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        CALLER.post(stack.notebookUrl + "/sessions/" + id + "/stop", Map.of());
        while (!"STOPPED".equals(CALLER.get(stack.notebookUrl + "/sessions/" + id).text("status"))) {
            Thread.sleep(100);
        }
        CALLER.delete(stack.notebookUrl + "/sessions/" + id);
        return new Sample(seconds, phases);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
