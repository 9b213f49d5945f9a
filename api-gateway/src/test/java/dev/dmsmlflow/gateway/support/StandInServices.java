package dev.dmsmlflow.gateway.support;

import dev.dmsmlflow.infra.TempDirs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.infra.ServiceKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for instance-service and network-service in the gateway's tests: one small Vert.x HTTP server that checks the
 * service token as a real service would (RS256 signature with the test public key, issuer, audience, expiry), records
 * every request, and answers like the services' internal APIs (scoping instances to the token's {@code dms_ws}).
 * Also points the gateway's bootstrap at a fresh key file. instance-service is given to the gateway as three replicas: a
 * port nothing listens on and two servers (see {@link #instanceReplicaPorts}), as {@code ./dms up --cluster} lists them;
 * notebook-service the same way (the same two servers, another closed port first), for its HTTP calls and Jupyter sockets.
 */
public class StandInServices implements QuarkusTestResourceLifecycleManager {

    /** One request as the stand-in received it. */
    public record Received(String method, String uri, Map<String, String> headers, String body, JsonNode claims) {
    }

    public static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    public static volatile Path bootstrapKeyFile;
    /** The ports of the two serving instance-service replicas (a third, listed first, is down). */
    public static volatile List<Integer> instanceReplicaPorts = List.of();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ObjectNode> INSTANCES = new ConcurrentHashMap<>();
    private static final Map<String, String> EXPORTS = new ConcurrentHashMap<>();
    private static final Map<String, String> BY_IDEMPOTENCY_KEY = new ConcurrentHashMap<>();
    /** Instances whose ACL got 0.0.0.0/0 with allowAll (network-service's aclAllowsAll). */
    private static final Set<String> ALLOWING_ALL = ConcurrentHashMap.newKeySet();
    /** Instances whose network the stand-in shows as RELEASED (its address gone). */
    public static final Set<String> RELEASED_NETWORKS = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger SEQ = new AtomicInteger();
    /**
     * Access tokens per instance, as network-service keeps them: {@code id, name, scope, kind, createdBy, createdAt,
     * expiresAt, revokedAt}; its list answers {@code status} from them.
     */
    public static final Map<String, List<ObjectNode>> TOKENS = new ConcurrentHashMap<>();
    /** Instances whose token routes answer 503 (network-service unavailable for them). */
    public static final Set<String> TOKENS_UNAVAILABLE = ConcurrentHashMap.newKeySet();

    private Vertx vertx;
    private PublicKey publicKey;

    @Override
    public Map<String, String> start() {
        try {
            String pem = Files.readString(ServiceKeys.forTests().publicKeyFile(), StandardCharsets.US_ASCII);
            byte[] der = Base64.getDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
            publicKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
            bootstrapKeyFile = TempDirs.forThisJvm("dms-gw-").resolve("bootstrap-api-key");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        vertx = Vertx.vertx();
        int port = listen();
        // instance-service as three replicas (./dms up --cluster): one that is down (its port closed), and two serving
        int second = listen();
        instanceReplicaPorts = List.of(port, second);
        String url = "http://127.0.0.1:" + port;
        String instanceUrls = "http://127.0.0.1:" + closedPort() + "," + url + ",http://127.0.0.1:" + second;
        String notebookUrls = "http://127.0.0.1:" + closedPort() + "," + url + ",http://127.0.0.1:" + second;
        return Map.of("dms.gateway.instance-service-url", instanceUrls, "dms.gateway.network-service-url", url, "dms.gateway.notebook-service-url", notebookUrls,
                "dms.gateway.billing-service-url", url,
                "dms.gateway.bootstrap.key-file", bootstrapKeyFile.toString());
    }

    /** A stand-in server on a free port (all share the recorded requests and the state): its port. */
    private int listen() {
        HttpServer server = vertx.createHttpServer().webSocketHandler(this::socket).requestHandler(req -> req.body().onSuccess(body -> handle(req, body.toString())));
        try {
            return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A port nothing listens on (taken, then given back). */
    private static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }

    /** Adds a token to an instance as network-service would have made it; returns its id. */
    public static String addToken(String instanceId, String name, String scope, String kind, String createdBy, java.time.Instant expiresAt) {
        String tokenId = "tok_" + String.format("%012x", (long) SEQ.incrementAndGet() + 0x100000000L);
        ObjectNode t = JSON.createObjectNode().put("id", tokenId).put("name", name).put("scope", scope).put("kind", kind)
                .put("createdBy", createdBy).put("createdAt", java.time.Instant.now().toString());
        if (expiresAt != null) {
            t.put("expiresAt", expiresAt.toString());
        }
        TOKENS.computeIfAbsent(instanceId, k -> new CopyOnWriteArrayList<>()).add(t);
        return tokenId;
    }

    /** The token's current record (with {@code revokedAt} once revoked). */
    public static ObjectNode token(String instanceId, String tokenId) {
        return TOKENS.getOrDefault(instanceId, List.of()).stream().filter(t -> t.get("id").asText().equals(tokenId)).findFirst()
                .orElseThrow();
    }

    /** The requests received whose URI starts with {@code prefix}. */
    public static List<Received> received(String prefix) {
        return RECEIVED.stream().filter(r -> r.uri().startsWith(prefix)).toList();
    }

    public static String bootstrapKey() {
        try {
            return Files.readString(bootstrapKeyFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(HttpServerRequest req, String body) {
        Map<String, String> headers = new ConcurrentHashMap<>();
        req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        JsonNode claims = verify(req.getHeader("Authorization"));
        RECEIVED.add(new Received(req.method().name(), req.uri(), headers, body, claims));
        if (claims == null) {
            problem(req, 401, "unauthorized", "a valid service token is required", null, null);
            return;
        }
        String ws = claims.get("dms_ws").asText();
        String path = req.path();
        try {
            if (req.method().name().equals("POST") && path.equals("/instances")) {
                createInstance(req, ws, body);
            } else if (req.method().name().equals("GET") && path.equals("/specs")) {
                var items = JSON.createArrayNode();
                items.addObject().put("name", "mlflow.small").put("cpuCores", 1).put("memoryGiB", 2).put("sku", "MLFLOW-INSTANCE-SMALL");
                reply(req, 200, JSON.createObjectNode().set("items", items), null);
            } else if (req.method().name().equals("GET") && path.equals("/instances")) {
                var items = JSON.createArrayNode();
                INSTANCES.values().stream().filter(i -> i.get("workspaceId").asText().equals(ws)).forEach(items::add);
                reply(req, 200, JSON.createObjectNode().set("items", items), null);
            } else if (path.startsWith("/instances/")) {
                String[] parts = path.substring("/instances/".length()).split("/");
                ObjectNode instance = INSTANCES.get(parts[0]);
                if (instance == null || !instance.get("workspaceId").asText().equals(ws)) {
                    problem(req, 404, "not-found", "no instance " + parts[0], null, null);
                } else if (parts.length == 1 && req.method().name().equals("GET")) {
                    reply(req, 200, instance, null);
                } else if (parts.length == 1 && req.method().name().equals("PATCH")) {
                    reply(req, 200, instance, null);
                } else if (parts.length == 2 && parts[1].equals("usage") && req.method().name().equals("GET")) {
                    reply(req, 200, JSON.createObjectNode().set("items", JSON.createArrayNode()), null);
                } else if (parts.length == 2 && req.method().name().equals("POST")) {
                    ObjectNode copy = instance.deepCopy();
                    copy.put("status", parts[1].equals("release") ? "RELEASING" : "REDEPLOYING");
                    reply(req, 202, copy, null);
                } else {
                    problem(req, 404, "not-found", "no route", null, null);
                }
            } else if (path.startsWith("/billing/")) {
                // billing-service scopes everything to the token's workspace: exports are known by workspace
                if (req.method().name().equals("POST") && path.equals("/billing/exports")) {
                    String id = "exp-" + ws.replaceAll("[^a-z0-9]", "") + SEQ.incrementAndGet();
                    EXPORTS.put(id, ws);
                    reply(req, 202, JSON.createObjectNode().put("id", id).put("workspaceId", ws).put("status", "REQUESTED"), null);
                } else if (path.startsWith("/billing/exports/")) {
                    String id = path.substring("/billing/exports/".length());
                    if (!ws.equals(EXPORTS.get(id))) {
                        problem(req, 404, "not-found", "No export " + id + " in this workspace.", null, null);
                    } else {
                        reply(req, 200, JSON.createObjectNode().put("id", id).put("workspaceId", ws).put("status", "COMPLETED"), null);
                    }
                } else {
                    reply(req, 200, JSON.createObjectNode().put("workspaceId", ws).set("items", JSON.createArrayNode()), null);
                }
            } else if (path.startsWith("/registry/vpcs")) {
                registry(req, path);
            } else if (path.startsWith("/networks/")) {
                String[] parts = path.substring("/networks/".length()).split("/", 2);
                String id = parts[0];
                ObjectNode instance = INSTANCES.get(id);
                if (instance == null || !instance.get("workspaceId").asText().equals(ws)) {
                    problem(req, 404, "not-found", "no network for " + id, null, null);
                } else if (parts.length == 2 && parts[1].equals("acl/entries")) {
                    if (req.method().name().equals("GET")) {
                        reply(req, 200, JSON.createObjectNode().set("items", JSON.createArrayNode()), null);
                    } else {
                        JsonNode b = JSON.readTree(body);
                        if (req.method().name().equals("POST") && "0.0.0.0/0".equals(b.path("cidr").asText())
                                && b.path("allowAll").asBoolean(false)) {
                            ALLOWING_ALL.add(id);
                        }
                        reply(req, 200, JSON.createObjectNode().put("instanceId", id).put("aclId", "acl-1").put("total", 1), null);
                    }
                } else if (parts.length == 2 && parts[1].equals("ui-sign-in") && req.method().name().equals("POST")) {
                    // network-service: a one-time link for any member; an instance named netmode-* is in network mode. The
                    // stand-in has no load balancer to open it at: it adds the browser token the link buys at once
                    if (instance.get("name").asText().startsWith("netmode")) {
                        problem(req, 409, "conflict", "instance " + id + " is not in token mode", null, "AUTH_MODE_NOT_TOKEN");
                    } else {
                        String role = claims.path("dms_role").asText();
                        addToken(id, "browser sign-in", "viewer".equals(role) ? "read" : "read-write", "browser",
                                claims.path("sub").asText(), java.time.Instant.now().plusSeconds(8 * 3600));
                        reply(req, 201, JSON.createObjectNode().put("url", "http://127.0.0.1:18080/.dms/sign-in?code=" + UUID.randomUUID())
                                .put("expiresAt", java.time.Instant.now().plusSeconds(60).toString()), null);
                    }
                } else if (parts.length == 2 && (parts[1].equals("tokens") || parts[1].startsWith("tokens/"))
                        && TOKENS_UNAVAILABLE.contains(id)) {
                    problem(req, 503, "service-unavailable", "tokens unavailable", null, null);
                } else if (parts.length == 2 && (parts[1].equals("tokens") || parts[1].startsWith("tokens/"))
                        && !List.of("editor", "owner").contains(claims.path("dms_role").asText())) {
                    problem(req, 403, "forbidden", "tokens need the editor role", null, "ROLE_EDITOR");
                } else if (parts.length == 2 && parts[1].equals("tokens") && req.method().name().equals("GET")) {
                    var items = JSON.createArrayNode();
                    java.time.Instant now = java.time.Instant.now();
                    for (ObjectNode t : TOKENS.getOrDefault(id, List.of())) {
                        ObjectNode v = t.deepCopy();
                        v.put("instanceId", id).put("status", t.hasNonNull("revokedAt") ? "revoked"
                                : t.hasNonNull("expiresAt") && !java.time.Instant.parse(t.get("expiresAt").asText()).isAfter(now) ? "expired" : "active");
                        items.add(v);
                    }
                    reply(req, 200, JSON.createObjectNode().set("items", items), null);
                } else if (parts.length == 2 && parts[1].equals("tokens") && req.method().name().equals("POST")) {
                    JsonNode b = JSON.readTree(body);
                    if (TOKENS.getOrDefault(id, List.of()).stream().noneMatch(t -> t.get("id").asText().equals("tok_0123456789ab"))) {
                        ObjectNode t = JSON.createObjectNode().put("id", "tok_0123456789ab").put("name", b.path("name").asText())
                                .put("scope", b.path("scope").asText()).put("kind", "api").put("createdBy", claims.path("sub").asText())
                                .put("createdAt", "2026-01-01T00:00:00Z");
                        TOKENS.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(t);
                    }
                    reply(req, 201, JSON.createObjectNode().put("id", "tok_0123456789ab").put("instanceId", id)
                            .put("name", b.path("name").asText()).put("scope", b.path("scope").asText()).put("status", "active")
                            .put("createdAt", "2026-01-01T00:00:00Z").put("token", "mlft_0123456789ab_" + UUID.randomUUID()), null);
                } else if (parts.length == 2 && parts[1].startsWith("tokens/") && req.method().name().equals("DELETE")) {
                    String tokenId = parts[1].substring("tokens/".length());
                    var token = TOKENS.getOrDefault(id, List.of()).stream().filter(t -> t.get("id").asText().equals(tokenId)).findFirst();
                    if (token.isEmpty()) {
                        problem(req, 404, "not-found", "no token " + tokenId, null, null);
                    } else {
                        if (!token.get().hasNonNull("revokedAt")) {
                            token.get().put("revokedAt", java.time.Instant.now().toString());
                        }
                        req.response().setStatusCode(204).end();
                    }
                } else if (parts.length == 2 && parts[1].equals("diagnose")) {
                    reply(req, 200, JSON.createObjectNode().put("instanceId", id).put("source", req.getParam("source"))
                            .put("admitted", false).set("layers", JSON.createArrayNode()), null);
                } else {
                    ObjectNode n = JSON.createObjectNode().put("instanceId", id).put("workspaceId", ws)
                            .put("status", RELEASED_NETWORKS.contains(id) ? "RELEASED" : "ACTIVE")
                            .put("vpcAddress", "127.0.0.1").put("vpcPort", 18080).put("loadBalancerId", "lb-1")
                            .put("aclAllowsAll", ALLOWING_ALL.contains(id));
                    n.putObject("backendHealth").put("status", "UNHEALTHY").put("since", "2026-01-01T00:00:00Z")
                            .put("lastCheckedAt", "2026-01-01T00:00:05Z").put("reason", "no answer within 2s");
                    reply(req, 200, n, null);
                }
            } else if (path.startsWith("/sessions/")) {
                session(req, ws, claims.path("sub").asText(), path.substring("/sessions/".length()));
            } else {
                problem(req, 404, "not-found", "no route", null, null);
            }
        } catch (IOException e) {
            problem(req, 400, "invalid-body", "bad json", null, null);
        }
    }

    /** Notebook sessions the stand-in knows: id → [workspace, status]; tests add theirs with {@link #session}. */
    private static final Map<String, String[]> SESSIONS = new ConcurrentHashMap<>();

    /** Makes the stand-in's notebook-service know a session of {@code ws} in {@code status}. */
    public static void session(String ws, String id, String status) {
        SESSIONS.put(id, new String[] {ws, status});
    }

    /** notebook-service in short: a session's view, and its JupyterLab answering with the member and path it saw. */
    private void session(HttpServerRequest req, String ws, String member, String rest) {
        String[] parts = rest.split("/", 3);
        String[] s = SESSIONS.get(parts[0]);
        if (s == null || !s[0].equals(ws)) {
            problem(req, 404, "not-found", "No notebook session " + parts[0] + ".", null, null);
        } else if (parts.length == 1) {
            reply(req, 200, JSON.createObjectNode().put("id", parts[0]).put("workspaceId", ws).put("status", s[1]), null);
        } else if (parts.length == 3 && parts[1].equals("jupyter")) {
            if (!s[1].equals("RUNNING")) {
                problem(req, 409, "conflict", "The session is " + s[1] + ".", null, "SESSION_" + s[1]);
            } else {
                req.response().setStatusCode(200).putHeader("Content-Type", "text/plain")
                        .end("jupyter " + req.method().name() + " " + parts[2] + " for " + member);
            }
        } else {
            problem(req, 404, "not-found", "no route", null, null);
        }
    }

    /**
     * A session's Jupyter sockets: checks the service token and the session like the HTTP routes, then echoes each text
     * message back as {@code echo <member>: <text>} and binary messages unchanged.
     */
    private void socket(io.vertx.core.http.ServerWebSocket ws) {
        JsonNode claims = verify(ws.headers().get("Authorization"));
        RECEIVED.add(new Received("WEBSOCKET", ws.uri(), Map.of("host", String.valueOf(ws.headers().get("Host"))), "", claims));
        String path = ws.path();
        if (claims == null) {
            ws.reject(401);
            return;
        }
        String[] parts = path.startsWith("/sessions/") ? path.substring("/sessions/".length()).split("/", 3) : new String[0];
        String[] s = parts.length == 3 ? SESSIONS.get(parts[0]) : null;
        if (s == null || !parts[1].equals("jupyter") || !s[0].equals(claims.get("dms_ws").asText())) {
            ws.reject(404);
            return;
        }
        if (!s[1].equals("RUNNING")) {
            ws.reject(409);
            return;
        }
        String member = claims.path("sub").asText();
        ws.textMessageHandler(t -> ws.writeTextMessage("echo " + member + ": " + t));
        ws.binaryMessageHandler(ws::writeBinaryMessage);
    }

    /** The local provider's seeded registry, in short: one VPC, a zone-a pair and a zone-b vSwitch, a basic and a managed group. */
    private void registry(HttpServerRequest req, String path) {
        if (path.equals("/registry/vpcs")) {
            var items = JSON.createArrayNode().add(JSON.createObjectNode().put("id", "vpc-local").put("cidr", "127.0.0.0/8"));
            reply(req, 200, JSON.createObjectNode().set("items", items), null);
        } else if (path.equals("/registry/vpcs/vpc-local/vswitches")) {
            var items = JSON.createArrayNode();
            for (String[] v : new String[][] {{"vsw-local-a", "zone-a"}, {"vsw-local-a2", "zone-a"}, {"vsw-local-b", "zone-b"}}) {
                items.add(JSON.createObjectNode().put("id", v[0]).put("vpcId", "vpc-local").put("zoneId", v[1])
                        .put("cidr", "127.0.0.0/16").put("availableIpAddressCount", 250));
            }
            reply(req, 200, JSON.createObjectNode().set("items", items), null);
        } else if (path.equals("/registry/vpcs/vpc-local/security-groups")) {
            var items = JSON.createArrayNode()
                    .add(JSON.createObjectNode().put("id", "sg-local-basic").put("vpcId", "vpc-local").put("type", "normal")
                            .put("managed", false).put("basic", true).set("inboundRules", JSON.createArrayNode()))
                    .add(JSON.createObjectNode().put("id", "sg-local-managed").put("vpcId", "vpc-local").put("type", "normal")
                            .put("managed", true).put("basic", false).set("inboundRules", JSON.createArrayNode()));
            reply(req, 200, JSON.createObjectNode().set("items", items), null);
        } else {
            problem(req, 404, "not-found", "no VPC", null, null);
        }
    }

    private void createInstance(HttpServerRequest req, String ws, String body) throws IOException {
        JsonNode b = JSON.readTree(body);
        String name = b.path("name").asText();
        if (name.startsWith("reject")) {
            problem(req, 400, "invalid-field", "the two vSwitches are in the same zone", "secondaryVSwitchId", "VSWITCH_SAME_ZONE");
            return;
        }
        if (name.startsWith("quota")) {
            problem(req, 409, "quota-exceeded", "the workspace has its maximum of instances", null, "INSTANCES_PER_WORKSPACE");
            return;
        }
        String key = req.getHeader("Idempotency-Key");
        if (key != null && BY_IDEMPOTENCY_KEY.containsKey(ws + key)) {
            ObjectNode existing = INSTANCES.get(BY_IDEMPOTENCY_KEY.get(ws + key));
            req.response().putHeader("Idempotent-Replayed", "true");
            reply(req, 201, existing, "/instances/" + existing.get("id").asText());
            return;
        }
        String id = "mlflow-" + SEQ.incrementAndGet();
        ObjectNode instance = JSON.createObjectNode().put("id", id).put("workspaceId", ws).put("name", name)
                .put("status", "CREATING").put("spec", b.path("spec").asText());
        INSTANCES.put(id, instance);
        if (key != null) {
            BY_IDEMPOTENCY_KEY.put(ws + key, id);
        }
        reply(req, 201, instance, "http://127.0.0.1:8081/instances/" + id);
    }

    /** The token's claims when it is a valid service token, else null. */
    private JsonNode verify(String authorization) {
        try {
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                return null;
            }
            String[] parts = authorization.substring(7).split("\\.");
            if (parts.length != 3) {
                return null;
            }
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initVerify(publicKey);
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return null;
            }
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            long now = System.currentTimeMillis() / 1000;
            boolean audienceOk = claims.path("aud").isArray() ? claims.path("aud").toString().contains("\"dms-services\"")
                    : "dms-services".equals(claims.path("aud").asText());
            if (!"RS256".equals(header.path("alg").asText()) || !"dms-gateway".equals(claims.path("iss").asText()) || !audienceOk
                    || claims.path("exp").asLong() < now) {
                return null;
            }
            return claims;
        } catch (Exception e) {
            return null;
        }
    }

    private static void reply(HttpServerRequest req, int status, JsonNode body, String location) {
        if (location != null) {
            req.response().putHeader("Location", location);
        }
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }

    private static void problem(HttpServerRequest req, int status, String slug, String detail, String field, String code) {
        ObjectNode p = JSON.createObjectNode().put("type", "https://dms-mlflow.dev/problems/" + slug).put("title", slug)
                .put("status", status).put("detail", detail);
        if (field != null) {
            p.put("field", field);
        }
        if (code != null) {
            p.put("code", code);
        }
        req.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json").end(p.toString());
    }
}
