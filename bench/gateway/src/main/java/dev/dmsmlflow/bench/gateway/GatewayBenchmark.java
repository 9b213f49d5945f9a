package dev.dmsmlflow.bench.gateway;

import dev.dmsmlflow.e2e.Api;
import dev.dmsmlflow.e2e.Stack;
import dev.dmsmlflow.infra.ServiceKeys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway benchmark (not a test). Brings up the packaged network-service, instance-service and api-gateway on real
 * PostgreSQL and Kafka, creates one instance, then drives {@code wrk} (a separate process) at one authenticated GET of
 * that instance, two ways in the same run:
 * <ul>
 *   <li>direct: {@code GET instance-service/instances/{id}} with a gateway service token (what the gateway sends);</li>
 *   <li>gateway: {@code GET api-gateway/api/v1/workspaces/{ws}/instances/{id}} with an API key (what users send).</li>
 * </ul>
 * Latency is measured with one connection (no queueing), alternating direct and gateway runs twice; throughput with
 * {@code --connections} connections. The gateway's rate limit is raised for the run (it is per key). Prints a table.
 */
public final class GatewayBenchmark {

    public static void main(String[] args) throws Exception {
        int seconds = 15;
        int connections = 32;
        Path dir = Path.of("bench/gateway/target/run-" + UUID.randomUUID().toString().substring(0, 8));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--duration" -> seconds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--duration S --connections C --dir D)");
            }
        }
        System.out.println("starting PostgreSQL, Kafka, network-service, instance-service and api-gateway (logs in " + dir.toAbsolutePath() + ")");
        try (Stack stack = Stack.start(dir)) {
            stack.startGateway(List.of("-Ddms.gateway.rate-limit.rate=10000000", "-Ddms.gateway.rate-limit.burst=10000000"));
            Api.KeyClient admin = Api.withKey(stack.bootstrapKey);
            String api = stack.gatewayUrl + "/api/v1";
            String member = admin.get(api + "/me").text("id");
            Map<String, Object> body = new HashMap<>(Map.of("name", "bench", "vpcId", "vpc-local", "vSwitchId", "vsw-local-a",
                    "secondaryVSwitchId", "vsw-local-b", "securityGroupId", "sg-local-basic", "ossBucket", "bench-bucket",
                    "ossPath", "mlflow", "spec", "mlflow.small"));
            Api.Resp created = admin.post(api + "/workspaces/ws-1/instances", body);
            if (created.status() != 201) {
                throw new IllegalStateException("could not create the instance: " + created);
            }
            String id = created.text("id");
            Api.await(() -> "RUNNING".equals(admin.get(api + "/workspaces/ws-1/instances/" + id).text("status")),
                    Duration.ofMinutes(3), "the instance to run", () -> "");
            String token = ServiceKeys.forTests().mint(member, "ws-1", "owner", Duration.ofMinutes(60));
            Target direct = new Target("direct", stack.instanceUrl + "/instances/" + id, "Bearer " + token);
            Target gateway = new Target("gateway", api + "/workspaces/ws-1/instances/" + id, "Bearer " + stack.bootstrapKey);
            for (Target t : List.of(direct, gateway)) {
                Api.Resp check = Api.withKey(t.auth.substring("Bearer ".length())).get(t.url);
                if (check.status() != 200) {
                    throw new IllegalStateException(t.name + " does not answer 200: " + check);
                }
            }
            System.out.printf(Locale.ROOT, "cores %d; wrk %ds per run; warming up both (10 s each)%n",
                    Runtime.getRuntime().availableProcessors(), seconds);
            wrk(direct, 2, 8, 10, dir);
            wrk(gateway, 2, 8, 10, dir);

            List<Result> latency = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                latency.add(wrk(direct, 1, 1, seconds, dir));
                latency.add(wrk(gateway, 1, 1, seconds, dir));
            }
            Result directThroughput = wrk(direct, 2, connections, seconds, dir);
            Result gatewayThroughput = wrk(gateway, 2, connections, seconds, dir);

            System.out.println();
            System.out.println("| run | connections | req/s | p50 | p99 |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (Result r : latency) {
                System.out.println(r.row(1));
            }
            System.out.println(directThroughput.row(connections));
            System.out.println(gatewayThroughput.row(connections));
            double addedP50 = median(latency, "gateway", true) - median(latency, "direct", true);
            double addedP99 = median(latency, "gateway", false) - median(latency, "direct", false);
            System.out.printf(Locale.ROOT, "%nadded by the gateway (one connection, median of 2 runs): p50 %.2f ms, p99 %.2f ms%n", addedP50, addedP99);
            System.out.printf(Locale.ROOT, "goal added p50 <= 2 ms: %s; added p99 <= 10 ms: %s; >= 3,000 authenticated req/s through the gateway: %s (%.0f)%n",
                    addedP50 <= 2 ? "met" : "MISSED", addedP99 <= 10 ? "met" : "MISSED",
                    gatewayThroughput.requestsPerSecond >= 3000 ? "met" : "MISSED", gatewayThroughput.requestsPerSecond);
        }
    }

    record Target(String name, String url, String auth) {
    }

    record Result(String name, int connections, double requestsPerSecond, double p50Ms, double p99Ms) {
        String row(int c) {
            return String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f ms | %.2f ms |", name, c, requestsPerSecond, p50Ms, p99Ms);
        }
    }

    static double median(List<Result> results, String name, boolean p50) {
        List<Double> v = results.stream().filter(r -> r.name.equals(name)).map(r -> p50 ? r.p50Ms : r.p99Ms).sorted().toList();
        return v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
    }

    /** Runs wrk against {@code t} and parses its requests/s and latency percentiles; any non-2xx answer fails the run. */
    static Result wrk(Target t, int threads, int connections, int seconds, Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("wrk-" + t.name + "-" + connections + "-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
                "-H", "Authorization: " + t.auth, t.url).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrk did not end");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        if (text.contains("Non-2xx or 3xx responses") || text.contains("Socket errors")) {
            throw new IllegalStateException(t.name + ": wrk saw errors:\n" + text);
        }
        double rps = number(text, "Requests/sec:\\s+([0-9.]+)");
        return new Result(t.name, connections, rps, millis(text, "50%"), millis(text, "99%"));
    }

    static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in wrk output:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    /** A latency-distribution line of wrk ({@code 50%  1.23ms}, {@code us}, {@code s}) in milliseconds. */
    static double millis(String text, String percentile) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + percentile + " in wrk output:\n" + text);
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }
}
