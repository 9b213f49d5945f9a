package dev.dmsmlflow.instance.provider.compute.aliyun;

import dev.dmsmlflow.infra.aliyun.AcsWire;

import static dev.dmsmlflow.infra.aliyun.AcsWire.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local server speaking Elastic Container Instance's RPC wire format for the actions the aliyun compute uses
 * (CreateContainerGroup, DescribeContainerGroups, DeleteContainerGroup), and ECS's (2014-05-26) DescribeSecurityGroups for
 * the groups in {@link #securityGroups}: parameters flattened in the query string ({@code Container.1.EnvironmentVar.2.Key}),
 * requests signed with ACS3-HMAC-SHA256 by the platform's key pair and verified here, JSON answers. A created group is
 * Pending for a few describes, then Running at its own loopback address (127.0.77.N), where a small HTTP server plays its
 * tracking server on the port its environment names ({@code QUARKUS_HTTP_PORT}); a group whose name is in {@link #failing}
 * goes Failed instead. Like ECI, the fake runs the container's readiness probe as the request configured it
 * ({@code Container.1.ReadinessProbe.HttpGet.Path/Port}) and reports the outcome as the container's {@code Ready}; a
 * container without a readiness probe is never reported ready.
 */
final class FakeEci implements AutoCloseable {

    static final int POLLS_TO_SETTLE = 2;
    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(1);

    /** A container group as the fake keeps it. */
    static final class Group {
        final String id;
        final String name;
        final Map<String, String> params;
        final Map<String, String> env = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final String ip;
        volatile String status = "Pending";
        final AtomicInteger polls = new AtomicInteger();
        volatile HttpServer server;

        Group(String id, String name, Map<String, String> params) {
            this.id = id;
            this.name = name;
            this.params = params;
            int n = NEXT_ADDRESS.getAndIncrement();
            this.ip = "127.0.77." + (n % 250 + 1);
        }
    }

    final List<String> calls = new CopyOnWriteArrayList<>();
    /** The parameters of every CreateContainerGroup accepted, in order. */
    final List<Map<String, String>> creates = new CopyOnWriteArrayList<>();
    final List<String> deleted = new CopyOnWriteArrayList<>();
    final Map<String, Group> groups = new ConcurrentHashMap<>();
    /** Names of groups that fail (status Failed) instead of running. */
    final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Security groups ECS knows: name -> id. */
    final Map<String, String> securityGroups = new ConcurrentHashMap<>();
    private static final java.net.http.HttpClient PROBES = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(1)).build();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();

    FakeEci() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The live groups named {@code name}. */
    List<Group> named(String name) {
        return groups.values().stream().filter(g -> g.name.equals(name)).toList();
    }

    int creates(String name) {
        return (int) creates.stream().filter(p -> name.equals(p.get("ContainerGroupName"))).count();
    }

    /** A running group made by someone else (a service that crashed before it recorded anything), serving on {@code port}. */
    Group seed(String name, Map<String, String> tags, int port) throws IOException {
        Group g = new Group("eci-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20), name, Map.of("ContainerGroupName", name,
                "Container.1.ReadinessProbe.HttpGet.Path", "/health", "Container.1.ReadinessProbe.HttpGet.Port", Integer.toString(port)));
        g.tags.putAll(tags);
        g.env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        g.status = "Running";
        boot(g);
        groups.put(g.id, g);
        return g;
    }

    @Override
    public void close() {
        server.stop(0);
        groups.values().forEach(FakeEci::halt);
    }

    // ------------------------------------------------------------------ transport and signature

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            String rawQuery = ex.getRequestURI().getRawQuery();
            Map<String, String> params = new TreeMap<>();
            parseForm(rawQuery, params);
            String contentType = ex.getRequestHeaders().getFirst("content-type");
            if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
                parseForm(new String(body, StandardCharsets.UTF_8), params);
            }
            String action = ex.getRequestHeaders().getFirst("x-acs-action");
            String version = ex.getRequestHeaders().getFirst("x-acs-version");
            String authError = verifyAcs3(ex, rawQuery, body, FakeSts.ACCESS_KEY_ID, FakeSts.ACCESS_KEY_SECRET);
            if (authError != null) {
                error(ex, 400, "SignatureDoesNotMatch", authError);
                return;
            }
            if ("2014-05-26".equals(version) && "DescribeSecurityGroups".equals(action)) {
                calls.add(action);
                String name = params.get("SecurityGroupName");
                List<Map<String, Object>> found = new ArrayList<>();
                securityGroups.forEach((n, id) -> {
                    if (name == null || name.equals(n)) {
                        found.add(Map.of("SecurityGroupId", id, "SecurityGroupName", n, "SecurityGroupType", "normal"));
                    }
                });
                respond(ex, 200, Map.of("SecurityGroups", Map.of("SecurityGroup", found), "TotalCount", found.size(),
                        "RequestId", UUID.randomUUID().toString().toUpperCase(Locale.ROOT)));
                return;
            }
            if (!"2018-08-08".equals(version)) {
                error(ex, 400, "InvalidVersion", "Specified version is not valid: " + version);
                return;
            }
            calls.add(action);
            Object answer = dispatch(action, params);
            if (answer instanceof String[] e) {
                error(ex, Integer.parseInt(e[0]), e[1], e[2]);
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> result = new LinkedHashMap<>((Map<String, Object>) answer);
            result.put("RequestId", UUID.randomUUID().toString().toUpperCase(Locale.ROOT));
            respond(ex, 200, result);
        } catch (RuntimeException e) {
            error(ex, 500, "InternalError", "The request processing has failed due to some unknown error: " + e);
        }
    }

    // ------------------------------------------------------------------ API behaviour

    private Object dispatch(String action, Map<String, String> p) {
        if (!"cn-hangzhou".equals(p.get("RegionId"))) {
            return new String[] {"400", "MissingRegionId", "RegionId is mandatory for this action."};
        }
        switch (action) {
            case "CreateContainerGroup": {
                String name = p.get("ContainerGroupName");
                if (name == null || !name.matches("[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?")) {
                    return new String[] {"400", "InvalidParameter.ContainerGroupName", "The container group name is invalid: " + name};
                }
                if (p.get("Container.1.Image") == null || p.get("Cpu") == null || p.get("Memory") == null) {
                    return new String[] {"400", "MissingParameter", "Container.1.Image, Cpu and Memory are required."};
                }
                String token = p.get("ClientToken");
                String existing = token == null ? null : tokens.get(token);
                if (existing != null) {
                    return Map.of("ContainerGroupId", existing);
                }
                Group g = new Group("eci-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20), name, Map.copyOf(p));
                for (int i = 1; p.containsKey("Container.1.EnvironmentVar." + i + ".Key"); i++) {
                    g.env.put(p.get("Container.1.EnvironmentVar." + i + ".Key"), p.get("Container.1.EnvironmentVar." + i + ".Value"));
                }
                for (int i = 1; p.containsKey("Tag." + i + ".Key"); i++) {
                    g.tags.put(p.get("Tag." + i + ".Key"), p.get("Tag." + i + ".Value"));
                }
                groups.put(g.id, g);
                creates.add(Map.copyOf(p));
                if (token != null) {
                    tokens.put(token, g.id);
                }
                return Map.of("ContainerGroupId", g.id);
            }
            case "DescribeContainerGroups": {
                List<Map<String, Object>> out = new ArrayList<>();
                String ids = p.get("ContainerGroupIds");
                Map<String, String> tagFilter = new LinkedHashMap<>();
                for (int i = 1; p.containsKey("Tag." + i + ".Key"); i++) {
                    tagFilter.put(p.get("Tag." + i + ".Key"), p.get("Tag." + i + ".Value"));
                }
                for (Group g : groups.values()) {
                    if (ids != null && !ids.contains("\"" + g.id + "\"")) {
                        continue;
                    }
                    if (p.get("ContainerGroupName") != null && !p.get("ContainerGroupName").equals(g.name)) {
                        continue;
                    }
                    if (!tagFilter.entrySet().stream().allMatch(t -> t.getValue().equals(g.tags.get(t.getKey())))) {
                        continue;
                    }
                    settle(g);
                    out.add(view(g));
                }
                return Map.of("ContainerGroups", out, "TotalCount", out.size(), "NextToken", "");
            }
            case "DeleteContainerGroup": {
                Group g = groups.remove(String.valueOf(p.get("ContainerGroupId")));
                if (g == null) {
                    return new String[] {"400", "InvalidParameter.NotFound", "The container group " + p.get("ContainerGroupId") + " is not found."};
                }
                halt(g);
                deleted.add(g.name);
                return Map.of();
            }
            default:
                return new String[] {"404", "InvalidAction.NotFound", "Specified api is not found, please check your url and method."};
        }
    }

    private void settle(Group g) {
        if ("Pending".equals(g.status) && g.polls.incrementAndGet() >= POLLS_TO_SETTLE) {
            if (failing.contains(g.name)) {
                g.status = "Failed";
                return;
            }
            try {
                boot(g);
                g.status = "Running";
            } catch (IOException e) {
                g.status = "Failed";
            }
        }
    }

    /** Starts the group's stand-in tracking server at its address, on the port its environment names. */
    private static void boot(Group g) throws IOException {
        int port = Integer.parseInt(g.env.getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        HttpServer s = HttpServer.create(new InetSocketAddress(g.ip, port), 0);
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            int status = path.equals("/health") || path.equals("/health/live") ? 200 : 404;
            byte[] out = (status == 200 ? "OK" : "not found").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        s.start();
        g.server = s;
    }

    private static void halt(Group g) {
        HttpServer s = g.server;
        if (s != null) {
            s.stop(0);
        }
    }

    private static Map<String, Object> view(Group g) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("ContainerGroupId", g.id);
        v.put("ContainerGroupName", g.name);
        v.put("Status", g.status);
        v.put("IntranetIp", g.ip);
        v.put("RegionId", "cn-hangzhou");
        v.put("VSwitchId", g.params.getOrDefault("VSwitchId", ""));
        v.put("SecurityGroupId", g.params.getOrDefault("SecurityGroupId", ""));
        v.put("Cpu", Double.parseDouble(g.params.getOrDefault("Cpu", "0")));
        v.put("Memory", Double.parseDouble(g.params.getOrDefault("Memory", "0")));
        List<Map<String, String>> tags = new ArrayList<>();
        g.tags.forEach((k, val) -> tags.add(Map.of("Key", k, "Value", val)));
        v.put("Tags", tags);
        List<Map<String, String>> env = new ArrayList<>();
        g.env.forEach((k, val) -> env.add(Map.of("Key", k, "Value", val)));
        v.put("Containers", List.of(Map.of("Name", "tracking-server", "Image", g.params.getOrDefault("Container.1.Image", ""),
                "EnvironmentVars", env, "Ready", "Running".equals(g.status) && readinessProbePasses(g))));
        return v;
    }

    // ------------------------------------------------------------------ helpers

    /** Runs the readiness probe the group's container was created with against its stand-in server. */
    private static boolean readinessProbePasses(Group g) {
        String path = g.params.get("Container.1.ReadinessProbe.HttpGet.Path");
        String port = g.params.get("Container.1.ReadinessProbe.HttpGet.Port");
        if (path == null || port == null) {
            return false;
        }
        try {
            var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + g.ip + ":" + port + path))
                    .timeout(java.time.Duration.ofSeconds(1)).GET().build();
            return PROBES.send(req, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }


    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        AcsWire.error(ex, status, "eci.cn-hangzhou.aliyuncs.com", code, message, Map.of());
    }
}
