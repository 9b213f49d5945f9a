package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public door as users and attackers meet it: the packaged api-gateway in front of the packaged instance-service and
 * network-service (real PostgreSQL, Kafka, proxies, tracking servers). Two workspaces, each with an owner, an editor and
 * a viewer holding workspace keys; every route is called by every member on their own workspace's resources and on the
 * other workspace's, and with no key, a revoked key and an expired key. Every cell must answer as docs/identity.md says,
 * nothing refused may change anything, no answer may show the other workspace's data, and the audit log must hold one
 * entry per mutation with the verified member. Also: idempotent retries, the per-key rate limit, and the {@code dms} CLI
 * (through the {@code ./dms} script, as users run it) against this stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayAccessIT {

    static final Duration SAGA = Duration.ofSeconds(120);
    static final List<String> ROLES = List.of("owner", "editor", "viewer");

    Stack stack;
    String api;
    Api.KeyClient admin;
    /** Failures collected over the matrix, reported together. */
    final List<String> failures = new ArrayList<>();

    /** One workspace of the matrix and what lives in it. */
    static final class Ws {
        String id;
        final Map<String, Member> members = new LinkedHashMap<>();
        String instanceId;
        String instanceName;
        /** A notebook session (CREATED, never started) the notebook routes aim at. */
        String sessionId;
        String sessionName;
        /** A member and a workspace key that the denied calls aim at (they must survive). */
        String targetMemberId;
        String targetKeyId;
        String targetTokenId;
        /** A billing export the export routes aim at. */
        String exportId;
    }

    /** A member with its working, revoked and expired keys. */
    record Member(String id, String role, String key, String revokedKey, String expiredKey) {
    }

    final Ws a = new Ws();
    final Ws b = new Ws();

    @BeforeAll
    void start() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "gateway-" + UUID.randomUUID().toString().substring(0, 8)));
        stack.startNotebookService(List.of());
        stack.startBilling();
        stack.startGateway(List.of("-Ddms.gateway.rate-limit.rate=100", "-Ddms.gateway.rate-limit.burst=300"));
        api = stack.gatewayUrl + "/api/v1";
        admin = Api.withKey(stack.bootstrapKey);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    // ---------------------------------------------------------------- set-up through the public API

    private void setUp(Ws ws, String label) {
        Api.Resp created = admin.post(api + "/workspaces", Map.of("name", label + "-" + suffix()));
        assertEquals(201, created.status(), created.toString());
        ws.id = created.text("id");
        Instant soon = Instant.now().plusSeconds(4);
        for (String role : ROLES) {
            Api.Resp m = admin.post(api + "/workspaces/" + ws.id + "/members", Map.of("displayName", label + "_" + role, "role", role));
            assertEquals(201, m.status(), m.toString());
            String memberId = m.text("memberId");
            String key = workspaceKey(ws, memberId, null);
            String revoked = workspaceKey(ws, memberId, null);
            Api.Resp k = admin.post(api + "/workspaces/" + ws.id + "/keys", Map.of("memberId", memberId, "expiresAt", soon.toString()));
            assertEquals(201, k.status(), k.toString());
            ws.members.put(role, new Member(memberId, role, key, revoked, k.text("apiKey")));
        }
        for (Member m : ws.members.values()) { // revoke each member's second key
            String keyId = keyId(m.revokedKey());
            Api.Resp r = admin.delete(api + "/workspaces/" + ws.id + "/keys/" + keyId);
            assertEquals(204, r.status(), r.toString());
        }
        Api.Resp target = admin.post(api + "/workspaces/" + ws.id + "/members", Map.of("displayName", label + "_target", "role", "viewer"));
        ws.targetMemberId = target.text("memberId");
        ws.targetKeyId = keyId(workspaceKey(ws, ws.targetMemberId, null));
        ws.instanceName = label + "-inst-" + suffix();
        Api.Resp inst = Api.withKey(ws.members.get("editor").key()).post(api + "/workspaces/" + ws.id + "/instances", instanceBody(ws.instanceName));
        assertEquals(201, inst.status(), inst.toString());
        ws.instanceId = inst.text("id");
        ws.sessionName = label + "_nb_" + suffix().replace('-', '_');
        Api.Resp nb = Api.withKey(ws.members.get("editor").key()).post(api + "/workspaces/" + ws.id + "/notebook-sessions",
                notebookBody(ws.sessionName));
        assertEquals(201, nb.status(), nb.toString());
        ws.sessionId = nb.text("id");
        Api.Resp export = Api.withKey(ws.members.get("editor").key()).post(api + "/workspaces/" + ws.id + "/billing/exports",
                Map.of("period", THIS_MONTH));
        assertEquals(202, export.status(), export.toString());
        ws.exportId = export.text("id");
    }

    /** The billing period of now (its statement is open) and the one before (ended: an owner may close it). */
    static final String THIS_MONTH = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
    static final String LAST_MONTH = java.time.YearMonth.now(java.time.ZoneOffset.UTC).minusMonths(1).toString();

    static Map<String, Object> notebookBody(String name) {
        return Map.of("name", name, "image", "Python3.11:1.1.0-slim", "spec", "1C4G");
    }

    private String workspaceKey(Ws ws, String memberId, Instant expiresAt) {
        Map<String, Object> body = new HashMap<>(Map.of("memberId", memberId));
        if (expiresAt != null) {
            body.put("expiresAt", expiresAt.toString());
        }
        Api.Resp k = admin.post(api + "/workspaces/" + ws.id + "/keys", body);
        assertEquals(201, k.status(), k.toString());
        return k.text("apiKey");
    }

    /** The key id inside {@code dms_<id>_<secret>}. */
    static String keyId(String apiKey) {
        String rest = apiKey.substring("dms_".length());
        return rest.substring(0, rest.indexOf('_'));
    }

    static Map<String, Object> instanceBody(String name) {
        Map<String, Object> b = new HashMap<>();
        b.put("name", name);
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-local-a");
        b.put("secondaryVSwitchId", "vsw-local-b");
        b.put("securityGroupId", "sg-local-basic");
        b.put("ossBucket", "bucket-" + name);
        b.put("ossPath", "mlflow");
        b.put("spec", "mlflow.small");
        return b;
    }

    static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private JsonNode instance(Ws ws) {
        Api.Resp r = admin.get(api + "/workspaces/" + ws.id + "/instances/" + ws.instanceId);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private void awaitStatus(Ws ws, String id, String status) {
        Api.await(() -> status.equals(admin.get(api + "/workspaces/" + ws.id + "/instances/" + id).text("status")), SAGA,
                id + " to be " + status, () -> admin.get(api + "/workspaces/" + ws.id + "/instances/" + id));
    }

    // ---------------------------------------------------------------- the routes

    /** A route: who may call it (null: any authenticated member), what an allowed call answers, and its path and body. */
    record Route(String method, String template, String minRole, int success, boolean workspaceScoped,
                 Function<Ws, Object> body) {
        String path(Ws ws, String instanceId) {
            return path(ws, instanceId, ws.sessionId);
        }

        /** With the resources of {@code ids}' workspace under {@code ws}'s path (the "foreign id" cells). */
        String crossed(Ws ws, Ws ids) {
            return path(ws, ids.instanceId, ids.sessionId, ids.exportId);
        }

        private String path(Ws ws, String instanceId, String sessionId) {
            return path(ws, instanceId, sessionId, ws.exportId);
        }

        private String path(Ws ws, String instanceId, String sessionId, String exportId) {
            return template.replace("{ws}", ws.id).replace("{id}", instanceId).replace("{nb}", sessionId)
                    .replace("{export}", exportId)
                    .replace("{member}", ws.targetMemberId).replace("{key}", ws.targetKeyId)
                    .replace("{token}", ws.targetTokenId == null ? "tok_000000000000" : ws.targetTokenId);
        }

        boolean mutates() {
            return !"GET".equals(method);
        }

        /**
         * A viewer's call the gateway admits and then judges by the resource (revoking a token: only their own browser
         * token), so an id that is not in their workspace is a 404 like an unknown one rather than a role's 403.
         */
        boolean viewerJudgedByResource() {
            return "DELETE".equals(method) && template.endsWith("/tokens/{token}");
        }

        boolean onInstance() {
            return template.contains("{id}") || template.contains("{nb}") || template.contains("{export}");
        }
    }

    static List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(new Route("GET", "/me", null, 200, false, w -> null));
        r.add(new Route("GET", "/keys", null, 200, false, w -> null));
        r.add(new Route("GET", "/workspaces", null, 200, false, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}", "viewer", 200, true, w -> null));
        r.add(new Route("PATCH", "/workspaces/{ws}", "owner", 200, true, w -> Map.of("name", "renamed-" + suffix())));
        r.add(new Route("GET", "/workspaces/{ws}/members", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/members", "owner", 201, true, w -> Map.of("displayName", "new_" + suffix().replace('-', '_'), "role", "viewer")));
        r.add(new Route("PATCH", "/workspaces/{ws}/members/{member}", "owner", 200, true, w -> Map.of("role", "editor")));
        r.add(new Route("DELETE", "/workspaces/{ws}/members/{member}", "owner", 204, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/keys", "owner", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/keys", "owner", 201, true, w -> Map.of("memberId", w.targetMemberId)));
        r.add(new Route("DELETE", "/workspaces/{ws}/keys/{key}", "owner", 204, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/audit", "owner", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/instances", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/instances", "editor", 201, true, w -> instanceBody("m-" + suffix())));
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}", "viewer", 200, true, w -> null));
        r.add(new Route("PATCH", "/workspaces/{ws}/instances/{id}", "editor", 200, true, w -> Map.of("description", "edited " + suffix())));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/stop", "editor", 202, true, w -> Map.of()));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/start", "editor", 202, true, w -> Map.of()));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/redeploy", "editor", 202, true, w -> Map.of()));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/release", "editor", 202, true, w -> Map.of()));
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}/usage", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}/vpc-address", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/instance-specs", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}/acl/entries", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/acl/entries", "editor", 200, true, w -> Map.of("cidr", "10.9.0.0/24", "description", "matrix")));
        r.add(new Route("DELETE", "/workspaces/{ws}/instances/{id}/acl/entries?cidr=10.8.0.0/24", "editor", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}/diagnose?source=127.0.0.1", "viewer", 200, true, w -> null));
        // the MLflow UI's sign-in link: any member; the matrix's instances are in network mode, so every allowed call is 409
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/ui-sign-in", "viewer", 409, true, w -> Map.of()));
        // tokens: a viewer lists the browser sign-in tokens they made (none here) and revokes only those, so their DELETE of the
        // target (an API token an editor made) is 403 like before, and of another workspace's instance's token 404
        r.add(new Route("GET", "/workspaces/{ws}/instances/{id}/tokens", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/instances/{id}/tokens", "editor", 201, true, w -> Map.of("name", "matrix", "scope", "read")));
        r.add(new Route("DELETE", "/workspaces/{ws}/instances/{id}/tokens/{token}", "editor", 204, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/notebook-sessions", "editor", 201, true, w -> notebookBody("nb_" + suffix().replace('-', '_'))));
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions/catalogue", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions/{nb}", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/notebook-sessions/{nb}/start", "editor", 202, true, w -> Map.of()));
        r.add(new Route("POST", "/workspaces/{ws}/notebook-sessions/{nb}/stop", "editor", 202, true, w -> Map.of()));
        r.add(new Route("DELETE", "/workspaces/{ws}/notebook-sessions/{nb}", "editor", 204, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/notebook-sessions/{nb}/executions", "editor", 202, true, w -> Map.of("code", "1")));
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions/{nb}/executions", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions/{nb}/usage", "viewer", 200, true, w -> null));
        // the session's JupyterLab: editors only (it runs code); a session that is not RUNNING answers 409
        r.add(new Route("GET", "/workspaces/{ws}/notebook-sessions/{nb}/jupyter/api/status", "editor", 409, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/billing/prices", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/billing/usage", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/billing/costs?granularity=day&groupBy=sku", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/billing/statements", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/billing/statements/" + THIS_MONTH, "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/billing/statements/" + LAST_MONTH + "/close", "owner", 200, true, w -> Map.of()));
        r.add(new Route("GET", "/workspaces/{ws}/billing/exports", "viewer", 200, true, w -> null));
        r.add(new Route("POST", "/workspaces/{ws}/billing/exports", "editor", 202, true, w -> Map.of("period", THIS_MONTH)));
        r.add(new Route("GET", "/workspaces/{ws}/billing/exports/{export}", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/network/vpcs", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/network/vpcs/vpc-local/vswitches", "viewer", 200, true, w -> null));
        r.add(new Route("GET", "/workspaces/{ws}/network/vpcs/vpc-local/security-groups", "viewer", 200, true, w -> null));
        return r;
    }

    static boolean allows(String role, String minRole) {
        return minRole == null || ROLES.indexOf(role) <= ROLES.indexOf(minRole);
    }

    /** Every call a member of {@code ws} made on {@code ws}'s own routes that the audit log must show. */
    final List<Call> audited = new ArrayList<>();

    record Call(String workspaceId, String memberId, String method, String path, int status, String requestId) {
    }

    private Api.Resp call(String key, String method, String path, Object body, Ws own, Member member) {
        String requestId = "matrix-" + UUID.randomUUID();
        Api.Resp r = Api.withKey(key).call(method, api + path, "GET".equals(method) || "DELETE".equals(method) ? null
                : body == null ? Map.of() : body, "X-Request-Id", requestId);
        if (own != null && member != null && !"GET".equals(method) && r.status() != 401 && r.status() != 429
                && !path.startsWith("/keys") && path.startsWith("/workspaces/" + own.id)) {
            audited.add(new Call(own.id, member.id(), method, path, r.status(), requestId));
        }
        return r;
    }

    private int cells;

    private void expect(String cell, int expected, Api.Resp r) {
        cells++;
        if (r.status() != expected) {
            failures.add(cell + ": expected " + expected + ", got " + r.status() + " " + r.body());
        } else if (expected >= 400 && !r.contentType().startsWith("application/problem+json")) {
            failures.add(cell + ": " + expected + " without problem+json: " + r.contentType());
        }
        if (expected == 401 && (r.header("WWW-Authenticate") == null || !r.header("WWW-Authenticate").startsWith("Bearer"))) {
            failures.add(cell + ": 401 without WWW-Authenticate: Bearer");
        }
    }

    private void noLeak(String cell, Api.Resp r, Ws other) {
        String body = r.body() == null ? "" : r.body();
        List<String> secrets = new ArrayList<>(List.of(other.instanceName, other.sessionName));
        other.members.values().forEach(m -> secrets.add(m.id()));
        for (String s : secrets) {
            if (body.contains(s)) {
                failures.add(cell + ": answer shows the other workspace's " + s + ": " + body);
            }
        }
    }

    // ---------------------------------------------------------------- the matrix

    @Test
    void everyRouteAnswersEveryCallerAsIdentityMdSaysAndRefusedCallsChangeNothing() {
        setUp(a, "wsa");
        setUp(b, "wsb");
        awaitStatus(a, a.instanceId, "RUNNING");
        awaitStatus(b, b.instanceId, "RUNNING");
        // a token the denied revocations aim at
        for (Ws ws : List.of(a, b)) {
            Api.Resp t = admin.post(api + "/workspaces/" + ws.id + "/instances/" + ws.instanceId + "/tokens", Map.of("name", "target", "scope", "read"));
            assertEquals(201, t.status(), t.toString());
            ws.targetTokenId = t.text("id");
        }
        // an ACL entry the denied removals aim at
        assertEquals(200, admin.post(api + "/workspaces/" + a.id + "/instances/" + a.instanceId + "/acl/entries", Map.of("cidr", "10.8.0.0/24")).status());
        assertEquals(200, admin.post(api + "/workspaces/" + b.id + "/instances/" + b.instanceId + "/acl/entries", Map.of("cidr", "10.8.0.0/24")).status());
        // the expired keys must have expired before they are tried
        Api.await(() -> Api.withKey(a.members.get("viewer").expiredKey()).get(api + "/me").status() == 401, Duration.ofSeconds(30),
                "the short-lived keys to expire", () -> "");

        Map<String, String> before = snapshot();
        List<Route> routes = routes();
        for (Ws ws : List.of(a, b)) {
            Ws other = ws == a ? b : a;
            for (Route route : routes) {
                String own = route.path(ws, ws.instanceId);
                // strangers: no key at all
                expect("no key " + route.method() + " " + own, 401, Api.withKey(null).call(route.method(), api + own,
                        route.mutates() && !"DELETE".equals(route.method()) ? route.body().apply(ws) : null));
                for (Member m : ws.members.values()) {
                    String who = ws.id + "/" + m.role() + " ";
                    expect(who + "revoked key " + route.method() + " " + own, 401, call(m.revokedKey(), route.method(), own, route.body().apply(ws), null, null));
                    expect(who + "expired key " + route.method() + " " + own, 401, call(m.expiredKey(), route.method(), own, route.body().apply(ws), null, null));
                    if (route.workspaceScoped()) {
                        // the other workspace's resources, through its own path and (for instances) under the caller's
                        Api.Resp foreign = call(m.key(), route.method(), route.path(other, other.instanceId), route.body().apply(other), ws, m);
                        expect(who + "foreign " + route.method() + " " + route.path(other, other.instanceId), 404, foreign);
                        noLeak(who + "foreign " + route.template(), foreign, other);
                        if (route.onInstance()) {
                            // under the caller's own workspace path the role is checked first: a viewer's change is 403
                            // whether or not the id exists, so the answer tells nothing about the other workspace
                            Api.Resp crossed = call(m.key(), route.method(), route.crossed(ws, other), route.body().apply(ws), ws, m);
                            expect(who + "foreign id " + route.method() + " " + route.crossed(ws, other),
                                    allows(m.role(), route.minRole()) || (route.viewerJudgedByResource() && "viewer".equals(m.role()))
                                            ? 404 : 403, crossed);
                            noLeak(who + "foreign id " + route.template(), crossed, other);
                        }
                    }
                    if (!allows(m.role(), route.minRole())) {
                        Api.Resp denied = call(m.key(), route.method(), own, route.body().apply(ws), ws, m);
                        expect(who + route.method() + " " + own, 403, denied);
                    } else if (!route.mutates() || route.success() >= 400) {
                        // (a route whose allowed answer is a refusal changes nothing: every member calls it here)
                        Api.Resp ok = call(m.key(), route.method(), own, null, ws, m);
                        expect(who + route.method() + " " + own, route.success(), ok);
                        noLeak(who + route.template(), ok, other);
                    }
                }
            }
        }
        assertEquals(List.of(), failures, "cells that answered wrongly");
        // 2 workspaces x 48 routes: no key, and per member (3) revoked, expired, foreign (+ foreign id) and own
        assertTrue(cells > 900, "the matrix checked " + cells + " cells");
        System.out.println("access matrix: " + cells + " cells checked");
        Map<String, String> after = snapshot();
        for (String k : before.keySet()) {
            assertEquals(before.get(k), after.get(k), "refused calls changed " + k);
        }

        // the allowed mutations, in an order the instances' states allow
        for (Ws ws : List.of(a, b)) {
            for (String role : List.of("editor", "owner")) {
                allowedMutations(ws, ws.members.get(role));
            }
        }
        assertEquals(List.of(), failures, "allowed mutations that answered wrongly");
        // a scoped key cannot create a workspace, and can still create a key of its own
        Member viewer = a.members.get("viewer");
        expect("scoped key POST /workspaces", 403, call(viewer.key(), "POST", "/workspaces", Map.of("name", "nope"), null, null));
        expect("POST /keys", 201, call(viewer.key(), "POST", "/keys", Map.of("name", "mine"), null, null));
        assertEquals(List.of(), failures);

        assertAuditHasOneEntryPerMutation();
    }

    private void allowedMutations(Ws ws, Member m) {
        String who = ws.id + "/" + m.role() + " ";
        String inst = "/workspaces/" + ws.id + "/instances/" + ws.instanceId;
        Api.Resp created = call(m.key(), "POST", "/workspaces/" + ws.id + "/instances", instanceBody("n-" + suffix()), ws, m);
        expect(who + "POST instances", 201, created);
        expect(who + "PATCH instance", 200, call(m.key(), "PATCH", inst, Map.of("description", "by " + m.role()), ws, m));
        expect(who + "POST acl", 200, call(m.key(), "POST", inst + "/acl/entries", Map.of("cidr", "10.7.0.0/24"), ws, m));
        Api.Resp nb = call(m.key(), "POST", "/workspaces/" + ws.id + "/notebook-sessions", notebookBody("mine_" + suffix().replace('-', '_')), ws, m);
        expect(who + "POST notebook-sessions", 201, nb);
        expect(who + "DELETE notebook-session", 204, call(m.key(), "DELETE", "/workspaces/" + ws.id + "/notebook-sessions/" + nb.text("id"), null, ws, m));
        expect(who + "DELETE acl", 200, call(m.key(), "DELETE", inst + "/acl/entries?cidr=10.7.0.0/24", null, ws, m));
        Api.Resp token = call(m.key(), "POST", inst + "/tokens", Map.of("name", "by-" + m.role(), "scope", "read-write"), ws, m);
        expect(who + "POST token", 201, token);
        expect(who + "DELETE token", 204, call(m.key(), "DELETE", inst + "/tokens/" + token.text("id"), null, ws, m));
        Api.Resp export = call(m.key(), "POST", "/workspaces/" + ws.id + "/billing/exports", Map.of("period", THIS_MONTH), ws, m);
        expect(who + "POST billing export", 202, export);
        expect(who + "GET own billing export", 200, call(m.key(), "GET", "/workspaces/" + ws.id + "/billing/exports/" + export.text("id"), null, ws, m));
        expect(who + "stop", 202, call(m.key(), "POST", inst + "/stop", Map.of(), ws, m));
        awaitStatus(ws, ws.instanceId, "STOPPED");
        expect(who + "start", 202, call(m.key(), "POST", inst + "/start", Map.of(), ws, m));
        awaitStatus(ws, ws.instanceId, "RUNNING");
        expect(who + "redeploy", 202, call(m.key(), "POST", inst + "/redeploy", Map.of(), ws, m));
        awaitStatus(ws, ws.instanceId, "RUNNING");
        if ("owner".equals(m.role())) {
            String ownerPath = "/workspaces/" + ws.id;
            Api.Resp closed = call(m.key(), "POST", ownerPath + "/billing/statements/" + LAST_MONTH + "/close", Map.of(), ws, m);
            expect(who + "close billing period", 200, closed);
            expect(who + "PATCH workspace", 200, call(m.key(), "PATCH", ownerPath, Map.of("name", "renamed-" + suffix()), ws, m));
            Api.Resp added = call(m.key(), "POST", ownerPath + "/members", Map.of("displayName", "added_" + suffix().replace('-', '_'), "role", "viewer"), ws, m);
            expect(who + "POST members", 201, added);
            String memberId = added.text("memberId");
            expect(who + "PATCH member", 200, call(m.key(), "PATCH", ownerPath + "/members/" + memberId, Map.of("role", "editor"), ws, m));
            Api.Resp key = call(m.key(), "POST", ownerPath + "/keys", Map.of("memberId", memberId), ws, m);
            expect(who + "POST keys", 201, key);
            expect(who + "DELETE key", 204, call(m.key(), "DELETE", ownerPath + "/keys/" + key.text("id"), null, ws, m));
            expect(who + "DELETE member", 204, call(m.key(), "DELETE", ownerPath + "/members/" + memberId, null, ws, m));
            String createdId = created.text("id");
            awaitStatus(ws, createdId, "RUNNING");
            expect(who + "release", 202, call(m.key(), "POST", "/workspaces/" + ws.id + "/instances/" + createdId + "/release", Map.of(), ws, m));
        } else {
            awaitStatus(ws, created.text("id"), "RUNNING");
            expect(who + "release", 202, call(m.key(), "POST", "/workspaces/" + ws.id + "/instances/" + created.text("id") + "/release", Map.of(), ws, m));
        }
    }

    /** What the refused calls must not change: instances, ACLs, members, keys, workspace names. */
    private Map<String, String> snapshot() {
        Map<String, String> s = new LinkedHashMap<>();
        for (Ws ws : List.of(a, b)) {
            JsonNode i = instance(ws);
            s.put(ws.id + " instance", i.path("name").asText() + "|" + i.path("description").asText() + "|" + i.path("status").asText());
            s.put(ws.id + " instances", ids(admin.get(api + "/workspaces/" + ws.id + "/instances?pageSize=100").json()));
            s.put(ws.id + " acl", admin.get(api + "/workspaces/" + ws.id + "/instances/" + ws.instanceId + "/acl/entries").json().path("items").toString());
            s.put(ws.id + " members", admin.get(api + "/workspaces/" + ws.id + "/members?pageSize=100").json().path("items").toString());
            JsonNode keys = admin.get(api + "/workspaces/" + ws.id + "/keys?pageSize=100").json().path("items").deepCopy();
            keys.forEach(k -> ((com.fasterxml.jackson.databind.node.ObjectNode) k).remove("lastUsedAt")); // using a key is no change
            s.put(ws.id + " keys", keys.toString());
            s.put(ws.id + " workspace", admin.get(api + "/workspaces/" + ws.id).json().path("name").asText());
            s.put(ws.id + " tokens", admin.get(api + "/workspaces/" + ws.id + "/instances/" + ws.instanceId + "/tokens").json().path("items").toString());
            JsonNode sessions = admin.get(api + "/workspaces/" + ws.id + "/notebook-sessions?pageSize=100").json().path("items").deepCopy();
            s.put(ws.id + " notebook sessions", sessions.toString());
            // the exports' ids (their status moves on by itself) and the periods' states
            s.put(ws.id + " billing exports", ids(admin.get(api + "/workspaces/" + ws.id + "/billing/exports?pageSize=100").json()));
            List<String> periods = new ArrayList<>();
            admin.get(api + "/workspaces/" + ws.id + "/billing/statements").json().path("items")
                    .forEach(p -> periods.add(p.path("period").asText() + ":" + p.path("status").asText()));
            s.put(ws.id + " billing periods", periods.toString());
        }
        return s;
    }

    private static String ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(i -> ids.add(i.path("id").asText()));
        return ids.toString();
    }

    private void assertAuditHasOneEntryPerMutation() {
        for (Ws ws : List.of(a, b)) {
            Map<String, JsonNode> byRequest = new HashMap<>();
            String token = null;
            do {
                Api.Resp page = admin.get(api + "/workspaces/" + ws.id + "/audit?pageSize=100" + (token == null ? "" : "&pageToken=" + token));
                assertEquals(200, page.status(), page.toString());
                for (JsonNode e : page.json().path("items")) {
                    JsonNode previous = byRequest.put(e.path("requestId").asText(), e);
                    assertTrue(previous == null || !e.path("requestId").asText().startsWith("matrix-"),
                            "two audit entries for request " + e.path("requestId").asText());
                }
                token = page.json().path("nextPageToken").isTextual() ? page.json().path("nextPageToken").asText() : null;
            } while (token != null);
            int checked = 0;
            for (Call c : audited) {
                if (!c.workspaceId().equals(ws.id) || c.status() == 404) {
                    continue; // refused as not the caller's workspace: kept without a workspace, not shown to its owners
                }
                JsonNode e = byRequest.get(c.requestId());
                assertNotNull(e, "no audit entry for " + c);
                assertEquals(c.memberId(), e.path("memberId").asText(), "audited principal of " + c);
                assertEquals(c.status(), e.path("outcome").asInt(), "audited outcome of " + c);
                assertEquals(c.method(), e.path("method").asText());
                checked++;
            }
            assertTrue(checked > 20, "the audit check covered " + checked + " calls of " + ws.id);
            // nobody, not even the database's owner of the table, edits history: the gateway refuses it in the database
        }
    }

    // ---------------------------------------------------------------- retries and limits

    @Test
    void anIdempotentRetryThroughTheGatewayCreatesOneInstance() {
        Api.Resp ws = admin.post(api + "/workspaces", Map.of("name", "idem-" + suffix()));
        String w = ws.text("id");
        String key = "retry-" + UUID.randomUUID();
        Map<String, Object> body = instanceBody("idem-" + suffix());
        Api.Resp first = admin.post(api + "/workspaces/" + w + "/instances", body, "Idempotency-Key", key);
        Api.Resp second = admin.post(api + "/workspaces/" + w + "/instances", body, "Idempotency-Key", key);
        assertEquals(201, first.status(), first.toString());
        assertEquals(201, second.status(), second.toString());
        assertEquals(first.text("id"), second.text("id"));
        assertEquals("true", second.header("Idempotent-Replayed"));
        Map<String, Object> other = new HashMap<>(body);
        other.put("name", "idem-other-" + suffix());
        Api.Resp conflict = admin.post(api + "/workspaces/" + w + "/instances", other, "Idempotency-Key", key);
        assertEquals(409, conflict.status(), conflict.toString());
        JsonNode list = admin.get(api + "/workspaces/" + w + "/instances").json();
        assertEquals(1, list.path("items").size(), list.toString());
        awaitStatus(wsOf(w), first.text("id"), "RUNNING");
        assertEquals(202, admin.post(api + "/workspaces/" + w + "/instances/" + first.text("id") + "/release", Map.of()).status());
    }

    private static Ws wsOf(String id) {
        Ws ws = new Ws();
        ws.id = id;
        return ws;
    }

    @Test
    void tooManyRequestsForOneKeyAre429WithRetryAfterThenServedAgain() throws Exception {
        Api.Resp k = admin.post(api + "/keys", Map.of("name", "burst"));
        assertEquals(201, k.status(), k.toString());
        Api.KeyClient burst = Api.withKey(k.text("apiKey"));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Api.Resp>> calls = new ArrayList<>();
            for (int i = 0; i < 800; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> burst.get(api + "/me"), pool));
            }
            List<Api.Resp> answers = calls.stream().map(CompletableFuture::join).toList();
            Set<Integer> statuses = new java.util.TreeSet<>();
            answers.forEach(r -> statuses.add(r.status()));
            assertEquals(Set.of(200, 429), statuses, "a burst over the limit is partly refused");
            Api.Resp limited = answers.stream().filter(r -> r.status() == 429).findFirst().orElseThrow();
            assertTrue(limited.contentType().startsWith("application/problem+json"), limited.toString());
            long retryAfter = Long.parseLong(limited.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            // another key is not limited by this one's burst
            assertEquals(200, admin.get(api + "/me").status());
            Thread.sleep(retryAfter * 1000 + 200);
            assertEquals(200, burst.get(api + "/me").status());
        } finally {
            pool.shutdownNow();
        }
        assertFalse(false);
    }

    // ---------------------------------------------------------------- the dms CLI, through the ./dms script

    record Run(int exit, String out, String err) {
    }

    private Run dms(Path config, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(stack.root.resolve("dms").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(stack.root.toFile());
        pb.environment().put("DMS_NO_BUILD", "1");
        pb.environment().put("DMS_CONFIG", config.toString());
        pb.environment().remove("DMS_API_KEY");
        pb.environment().remove("DMS_URL");
        pb.environment().remove("DMS_WORKSPACE");
        Path out = java.nio.file.Files.createTempFile(stack.dir, "cli", ".out");
        Path err = java.nio.file.Files.createTempFile(stack.dir, "cli", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "dms " + String.join(" ", args) + " did not end");
        return new Run(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
    }

    private Run dmsWithStdin(Path config, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(stack.root.resolve("dms").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(stack.root.toFile());
        pb.environment().put("DMS_NO_BUILD", "1");
        pb.environment().put("DMS_CONFIG", config.toString());
        pb.environment().remove("DMS_API_KEY");
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, "");
    }

    @Test
    void theCliLogsInCreatesWaitsOpensTheAclDiagnosesAndReleases() throws Exception {
        String w = admin.post(api + "/workspaces", Map.of("name", "cli-" + suffix())).text("id");
        Api.Resp member = admin.post(api + "/workspaces/" + w + "/members", Map.of("displayName", "cli_editor", "role", "editor"));
        String key = admin.post(api + "/workspaces/" + w + "/keys", Map.of("memberId", member.text("memberId"))).text("apiKey");
        Path config = stack.dir.resolve("cli-config-" + suffix() + ".json");

        Run login = dmsWithStdin(config, key + "\n", "login", "--url", stack.gatewayUrl, "--api-key-stdin");
        assertEquals(0, login.exit(), login.out());
        assertTrue(login.out().contains("workspace " + w), login.out());
        assertFalse(login.out().contains(key), "the key is never printed");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(config)));

        String name = "cli-" + suffix();
        Run create = dms(config, "instance", "create", "--name", name, "--vpc", "vpc-local", "--vswitch", "vsw-local-a",
                "--secondary-vswitch", "vsw-local-b", "--security-group", "sg-local-basic", "--oss-bucket", "bucket-" + name,
                "--oss-path", "mlflow", "--wait", "-o", "json");
        assertEquals(0, create.exit(), create.err());
        JsonNode created = Api.JSON.readTree(create.out());
        assertEquals("RUNNING", created.path("status").asText(), create.out());
        assertTrue(create.err().contains("CREATING") && create.err().contains("RUNNING"), "progress is shown: " + create.err());

        // a bad field is named with the option to fix, and nothing is created
        Run bad = dms(config, "instance", "create", "--name", name + "-x", "--vpc", "vpc-local", "--vswitch", "vsw-local-a",
                "--secondary-vswitch", "vsw-local-a2", "--security-group", "sg-local-basic", "--oss-bucket", "bucket-x" + suffix(),
                "--oss-path", "mlflow");
        assertEquals(1, bad.exit(), bad.err());
        assertTrue(bad.err().contains("fix --secondary-vswitch"), bad.err());

        // the instance is reached by its name: ACL entry, diagnosis for an admitted and a refused source
        Run refusedBefore = dms(config, "diagnose", name, "--source", "127.0.0.1");
        assertEquals(1, refusedBefore.exit(), refusedBefore.out() + refusedBefore.err());
        Run add = dms(config, "acl", "add", name, "127.0.0.1", "--description", "my notebook");
        assertEquals(0, add.exit(), add.err());
        Run list = dms(config, "acl", "list", name);
        assertTrue(list.out().contains("127.0.0.1") && list.out().contains("my notebook"), list.out());
        Run admitted = dms(config, "diagnose", name, "--source", "127.0.0.1");
        assertEquals(0, admitted.exit(), admitted.out() + admitted.err());
        assertTrue(admitted.out().contains("admitted"), admitted.out());
        Run elsewhere = dms(config, "diagnose", name, "--source", "127.0.0.9");
        assertEquals(1, elsewhere.exit(), elsewhere.out());
        Run address = dms(config, "instance", "vpc-address", name);
        assertEquals(0, address.exit(), address.err());
        assertTrue(address.out().contains("mlflow.set_tracking_uri(\"http://"), address.out());
        // the VPC address is the full URI, the same through the instance view and the vpc-address route
        String vpcAddress = created.path("vpcAddress").asText();
        assertTrue(vpcAddress.matches("http://127\\.[0-9.]+:[0-9]+"), created.toString());
        assertTrue(address.out().contains(vpcAddress) && address.out().contains("mlflow.set_tracking_uri(\"" + vpcAddress + "\")"), address.out());
        Run get = dms(config, "instance", "get", name);
        assertEquals(0, get.exit(), get.err());
        assertTrue(get.out().contains("mlflow.set_tracking_uri(\"" + vpcAddress + "\")"), get.out());
        Run specs = dms(config, "instance", "specs");
        assertEquals(0, specs.exit(), specs.err());
        assertTrue(specs.out().contains("mlflow.medium") && specs.out().contains("MLFLOW-INSTANCE-MEDIUM"), specs.out());

        // an editor may not manage members: the CLI says so and exits with the auth code
        Run members = dms(config, "member", "add", "--name", "someone", "--role", "viewer");
        assertEquals(3, members.exit(), members.err());
        assertTrue(members.err().contains("403"), members.err());

        Run release = dms(config, "instance", "release", name, "--wait");
        assertEquals(0, release.exit(), release.err());
        assertTrue(release.out().contains("RELEASED"), release.out());
        String id = created.path("id").asText();
        JsonNode released = admin.get(api + "/workspaces/" + w + "/instances/" + id).json();
        assertEquals("RELEASED", released.path("status").asText());
        // a released instance shows no address, through the gateway and the CLI
        assertFalse(released.has("vpcAddress") || released.has("trackingUri"), released.toString());
        JsonNode releasedAddress = admin.get(api + "/workspaces/" + w + "/instances/" + id + "/vpc-address").json();
        assertFalse(releasedAddress.has("vpcAddress") || releasedAddress.has("vpcPort"), releasedAddress.toString());
        Run gone = dms(config, "instance", "vpc-address", id);
        assertEquals(0, gone.exit(), gone.err());
        assertFalse(gone.out().contains("set_tracking_uri") || gone.out().contains("http://"), gone.out());
    }
}
