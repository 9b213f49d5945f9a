package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.tracking.MlflowClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MLflow instance lifecycle across the packaged instance-service and network-service, talking to each other over
 * the real Kafka broker (the saga) and HTTP (the dry-run), on real PostgreSQL, with the local provider: a real
 * reverse proxy per instance in network-service and a real tracking-server process per instance in instance-service.
 * Nothing is stubbed; the MLflow side is driven by the official Java client through the instance's VPC address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceLifecycleIT {

    static final Duration SAGA = Duration.ofSeconds(120);
    static final String WORKSPACE = "ws-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    /** The member the tests act as, with the editor role in {@link #WORKSPACE} (what the gateway would vouch for). */
    static final Api.Client EDITOR = Api.as("mem_e2e", WORKSPACE, "editor");

    Stack stack;

    @BeforeAll
    void startServices() {
        String dir = System.getProperty("dms.e2e.dir", "target/e2e");
        stack = Stack.start(Path.of(dir, "lifecycle-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterAll
    void stopServices() {
        if (stack != null) {
            stack.close();
        }
    }

    static Map<String, Object> body(String name) {
        Map<String, Object> b = new HashMap<>();
        b.put("workspaceId", WORKSPACE);
        b.put("name", name);
        b.put("description", "end-to-end");
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-local-a");
        b.put("secondaryVSwitchId", "vsw-local-b");
        b.put("securityGroupId", "sg-local-basic");
        b.put("ossBucket", "e2e-artifacts");
        b.put("ossPath", "team/" + name.toLowerCase().replaceAll("[^a-z0-9-]", "-")); // each test's own root: roots may not overlap
        b.put("spec", "mlflow.small");
        return b;
    }

    @Test
    void invalidNetworkAndNamesAreRefusedWithTheFieldAndNothingIsCreated() {
        record Case(String field, Object value, String expectedField) {
        }
        List<Case> cases = List.of(
                new Case("secondaryVSwitchId", "vsw-local-a2", "secondaryVSwitchId"), // same zone as vsw-local-a
                new Case("securityGroupId", "sg-local-managed", "securityGroupId"),   // managed: not basic
                new Case("vpcId", "vpc-nowhere", "vpcId"),                            // unknown VPC
                new Case("name", "1 bad name!", "name"));                             // bad name
        int instancesBefore = allInstances().size();
        int networksBefore = EDITOR.get(stack.networkUrl + "/networks").json().path("items").size();
        for (Case c : cases) {
            Map<String, Object> b = body("refused-" + c.field().toLowerCase());
            b.put(c.field(), c.value());
            Api.Resp r = EDITOR.post(stack.instanceUrl + "/instances", b);
            assertEquals(400, r.status(), c + " -> " + r);
            assertTrue(r.contentType().startsWith("application/problem+json"), c + " -> " + r);
            assertEquals(c.expectedField(), r.text("field"), c + " -> " + r);
            assertNotNull(r.text("detail") != null ? r.text("detail") : r.text("title"), c + " -> " + r);
        }
        // nothing was created: no instance of this workspace, and no network for it in network-service
        assertEquals(instancesBefore, allInstances().size(), "instances after refused requests: " + allInstances());
        Api.Resp networks = EDITOR.get(stack.networkUrl + "/networks");
        assertEquals(200, networks.status(), networks.toString());
        assertEquals(networksBefore, networks.json().path("items").size(), networks.toString());
    }

    @Test
    void aCreatedInstanceRunsBehindADenyAllAclAndServesTheOfficialMlflowClient() throws Exception {
        JsonNode running = createRunning("e2e-" + UUID.randomUUID().toString().substring(0, 6));
        String instanceId = running.path("id").asText();
        String trackingUri = running.path("trackingUri").asText();
        URI uri = URI.create(trackingUri);
        assertTrue(uri.getHost().startsWith("127."), "a VPC address in vpc-local: " + running);
        // the VPC address is the full URI a client needs (what the seed passes to mlflow.set_tracking_uri), the host apart
        String vpcAddress = running.path("vpcAddress").asText();
        assertEquals(trackingUri, vpcAddress, running.toString());
        assertEquals(uri.getHost(), running.path("vpcHost").asText(), running.toString());
        assertEquals("mlflow.set_tracking_uri(\"" + vpcAddress + "\")", running.path("setTrackingUri").asText(), running.toString());

        // the load balancer's ACL denies everything until an entry admits the source
        Api.Resp denied = Api.get(trackingUri + "/health");
        assertEquals(403, denied.status(), denied.toString());
        assertEquals("acl", denied.text("layer"), denied.toString());

        Api.Resp added = EDITOR.post(stack.networkUrl + "/networks/" + instanceId + "/acl/entries",
                Map.of("cidr", "127.0.0.1", "description", "the e2e test's client"));
        assertEquals(200, added.status(), added.toString());
        assertEquals("127.0.0.1/32", added.json().path("added").path(0).path("cidr").asText(), added.toString());
        Api.await(() -> Api.get(trackingUri + "/health").status() == 200, Duration.ofSeconds(10),
                "the ACL entry to admit 127.0.0.1", () -> Api.get(trackingUri + "/health"));

        // the official MLflow Java client, given the VPC address verbatim
        MlflowClient client = new MlflowClient(vpcAddress);
        try {
            String experimentId = client.createExperiment("e2e-experiment");
            RunInfo info = client.createRun(experimentId);
            client.logParam(info.getRunId(), "alpha", "0.5");
            client.logMetric(info.getRunId(), "rmse", 0.25);
            client.logMetric(info.getRunId(), "rmse", 0.125);
            client.setTag(info.getRunId(), "team", "e2e");
            client.setTerminated(info.getRunId());

            Run run = client.getRun(info.getRunId());
            assertEquals(experimentId, run.getInfo().getExperimentId());
            assertEquals("FINISHED", run.getInfo().getStatus().name());
            assertEquals("0.5", params(run).get("alpha"));
            assertEquals(0.125, metrics(run).get("rmse"));
            assertEquals("e2e", tags(run).get("team"));
            assertEquals(2, client.getMetricHistory(info.getRunId(), "rmse").size());
            assertEquals(experimentId, client.getExperimentByName("e2e-experiment").orElseThrow().getExperimentId());
        } finally {
            client.close();
        }

        // the console's "Open" action and the client's "View run at" links: the MLflow web UI, through the load balancer
        Api.Resp ui = Api.get(trackingUri + "/");
        assertEquals(200, ui.status(), ui.toString());
        assertTrue(ui.body().contains("<title>MLflow</title>"), ui.toString());

        // a client whose socket is bound to another loopback address, not covered by the ACL, is still refused
        RawResponse other = rawGet("127.0.0.9", uri.getHost(), uri.getPort(), "/api/2.0/mlflow/experiments/get-by-name?experiment_name=e2e-experiment");
        assertEquals(403, other.status(), other.toString());
        assertEquals("acl", Api.parse(other.body()).path("layer").asText(), other.toString());
        // network-service's diagnosis agrees with what the proxy did, layer by layer
        JsonNode diagnosis = EDITOR.get(stack.networkUrl + "/networks/" + instanceId + "/diagnose?source=127.0.0.9").json();
        assertFalse(diagnosis.path("admitted").asBoolean(true), diagnosis.toString());
        assertEquals("acl", diagnosis.path("layers").path(0).path("layer").asText(), diagnosis.toString());
        assertFalse(diagnosis.path("layers").path(0).path("admitted").asBoolean(true), diagnosis.toString());
        JsonNode admitted = EDITOR.get(stack.networkUrl + "/networks/" + instanceId + "/diagnose?source=127.0.0.1").json();
        assertTrue(admitted.path("admitted").asBoolean(false), admitted.toString());
        // ... while the same request from the covered address passes
        RawResponse covered = rawGet("127.0.0.1", uri.getHost(), uri.getPort(), "/api/2.0/mlflow/experiments/get-by-name?experiment_name=e2e-experiment");
        assertEquals(200, covered.status(), covered.toString());

        // an attacker on the host finds the tracking server's port in the process table (no API answer names it) and calls
        // it directly, bypassing the ACL: refused, with or without a made-up secret; only the load balancer is served
        int backendPort = trackingServerPort(instanceId);
        for (String view : List.of(EDITOR.get(stack.networkUrl + "/networks/" + instanceId).body(),
                EDITOR.get(stack.instanceUrl + "/instances/" + instanceId).body())) {
            assertFalse(view.contains(String.valueOf(backendPort)), "the backend port is published: " + view);
        }
        for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("X-Dms-Backend-Auth", "guess"))) {
            RawResponse direct = rawRequest("127.0.0.1", "127.0.0.1", backendPort,
                    "/api/2.0/mlflow/experiments/get-by-name?experiment_name=e2e-experiment", headers);
            assertEquals(403, direct.status(), direct.toString());
            assertEquals("PERMISSION_DENIED", Api.parse(direct.body()).path("error_code").asText(), direct.toString());
            assertFalse(direct.body().contains("e2e-experiment"), direct.toString());
        }
        // it listens on loopback only
        assertThrows(java.io.IOException.class, () -> {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.2", backendPort), 2000);
            }
        });
    }

    /** The port on a tracking server's command line, as {@code ps} shows it. */
    private static int trackingServerPort(String id) {
        long pid = trackingServerPid(id);
        String[] args = ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow();
        for (String arg : args) {
            if (arg.startsWith("-Dquarkus.http.port=")) {
                return Integer.parseInt(arg.substring("-Dquarkus.http.port=".length()));
            }
        }
        throw new AssertionError("no port on the command line of " + pid + ": " + List.of(args));
    }

    @Test
    void theServicesRefuseStrangersAndOtherWorkspacesAndChangeNothing() {
        JsonNode live = runningWithAcl();
        String id = live.path("id").asText();
        String trackingUri = live.path("trackingUri").asText();
        JsonNode before = instance(id);
        String entriesBefore = EDITOR.get(stack.networkUrl + "/networks/" + id + "/acl/entries").body();
        Map<String, Object> openToAll = Map.of("cidr", "0.0.0.0/0");

        // no token at all, straight to the services (what a fuzzer on the network would do)
        for (Api.Resp r : List.of(
                Api.get(stack.instanceUrl + "/instances"),
                Api.get(stack.instanceUrl + "/instances/" + id),
                Api.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()),
                Api.post(stack.instanceUrl + "/instances", body("stranger")),
                Api.get(stack.networkUrl + "/networks/" + id),
                Api.post(stack.networkUrl + "/networks/" + id + "/acl/entries", openToAll),
                Api.delete(stack.networkUrl + "/networks/" + id + "/acl/entries?cidr=127.0.0.1/32"))) {
            assertEquals(401, r.status(), r.toString());
            assertTrue(r.contentType().startsWith("application/problem+json"), r.toString());
        }
        // a valid token of another workspace: the instance and its network do not exist for it
        Api.Client other = Api.as("mem_other", "ws-e2e-other", "owner");
        for (Api.Resp r : List.of(
                other.get(stack.instanceUrl + "/instances/" + id),
                other.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()),
                other.patch(stack.instanceUrl + "/instances/" + id, Map.of("name", "taken")),
                other.get(stack.networkUrl + "/networks/" + id),
                other.post(stack.networkUrl + "/networks/" + id + "/acl/entries", openToAll),
                other.get(stack.networkUrl + "/networks/" + id + "/diagnose?source=127.0.0.1"))) {
            assertEquals(404, r.status(), r.toString());
        }
        assertEquals(0, other.get(stack.instanceUrl + "/instances").json().path("items").size());
        // a viewer of the workspace reads but changes nothing
        Api.Client viewer = Api.as("mem_viewer", WORKSPACE, "viewer");
        assertEquals(200, viewer.get(stack.instanceUrl + "/instances/" + id).status());
        assertEquals(403, viewer.post(stack.instanceUrl + "/instances/" + id + "/stop", Map.of()).status());
        assertEquals(403, viewer.post(stack.networkUrl + "/networks/" + id + "/acl/entries", openToAll).status());

        JsonNode after = instance(id);
        for (String field : List.of("status", "name", "description", "updatedAt")) {
            assertEquals(before.path(field), after.path(field), field + " changed by a refused call");
        }
        assertEquals(entriesBefore, EDITOR.get(stack.networkUrl + "/networks/" + id + "/acl/entries").body());
        assertEquals(200, Api.get(trackingUri + "/health").status(), "still serving");
        // health is on the management interfaces only
        assertEquals(200, Api.get(stack.instanceManagementUrl + "/q/health/ready").status());
        assertEquals(200, Api.get(stack.networkManagementUrl + "/q/health/ready").status());
        assertEquals(404, Api.get(stack.instanceUrl + "/q/health/ready").status());
    }

    @Test
    void anotherWorkspaceCannotRootAnInstanceInThisBucketNoRootNestsAndTheServerKeepsToItsRoot() throws Exception {
        JsonNode live = runningWithAcl();
        String trackingUri = live.path("trackingUri").asText();
        String root = live.path("ossPath").asText();
        // the reported attack: an instance of another workspace rooted in this workspace's bucket (to read its models and
        // replace a pickle) is refused with the field, whatever the path, and nothing is created for it
        Api.Client other = Api.as("mem_evil", "ws-e2e-evil", "owner");
        for (String path : List.of("team/experiments", "somewhere/else")) {
            Map<String, Object> foreign = body("evil-" + UUID.randomUUID().toString().substring(0, 6));
            foreign.put("workspaceId", "ws-e2e-evil");
            foreign.put("ossPath", path);
            Api.Resp r = other.post(stack.instanceUrl + "/instances", foreign);
            assertEquals(409, r.status(), path + " -> " + r);
            assertTrue(r.contentType().startsWith("application/problem+json"), r.toString());
            assertEquals("ossBucket", r.text("field"), r.toString());
            assertEquals("OSS_BUCKET_CLAIMED", r.text("code"), r.toString());
            assertFalse(r.body().contains(WORKSPACE), "the claim's owner is not told: " + r);
        }
        assertEquals(0, other.get(stack.instanceUrl + "/instances").json().path("items").size());
        // in its own workspace, a root may not equal, contain or sit inside a live instance's root
        int before = allInstances().size();
        for (String path : List.of(root, "team", root + "/nested")) {
            Map<String, Object> b = body("nested-" + UUID.randomUUID().toString().substring(0, 6));
            b.put("ossPath", path);
            Api.Resp r = EDITOR.post(stack.instanceUrl + "/instances", b);
            assertEquals(409, r.status(), path + " -> " + r);
            assertEquals("ossPath", r.text("field"), r.toString());
            assertEquals("OSS_PATH_OVERLAPS", r.text("code"), r.toString());
        }
        assertEquals(before, allInstances().size(), "nothing created: " + allInstances());

        // the instance's own tracking server, through its load balancer, takes no artifact location outside its root
        String name = "outside-" + UUID.randomUUID().toString().substring(0, 6);
        for (String location : List.of("file:///tmp/" + name, "/tmp/" + name, "mlflow-artifacts:/../" + name,
                "mlflow-artifacts:/%2e%2e/" + name, "oss://another-bucket/" + name, "s3://bucket/" + name)) {
            Api.Resp r = Api.post(trackingUri + "/api/2.0/mlflow/experiments/create",
                    Map.of("name", name, "artifact_location", location));
            assertEquals(400, r.status(), location + " -> " + r);
            assertEquals("INVALID_PARAMETER_VALUE", r.text("error_code"), location + " -> " + r);
        }
        Api.Resp absent = Api.get(trackingUri + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + name);
        assertEquals(404, absent.status(), absent.toString());
        Api.Resp inside = Api.post(trackingUri + "/api/2.0/mlflow/experiments/create",
                Map.of("name", name, "artifact_location", "mlflow-artifacts:/" + name));
        assertEquals(200, inside.status(), inside.toString());
    }

    @Test
    void redeployKeepsEveryExperimentAndRunAndEditChangesOnlyNameAndDescription() throws Exception {
        JsonNode live = runningWithAcl();
        String instanceId = live.path("id").asText();
        String trackingUri = live.path("trackingUri").asText();
        MlflowClient client = new MlflowClient(trackingUri);
        List<String> runIds = new ArrayList<>();
        List<String> experimentIds = new ArrayList<>();
        try {
            for (int e = 0; e < 2; e++) {
                String experimentId = client.createExperiment("before-redeploy-" + e);
                experimentIds.add(experimentId);
                for (int r = 0; r < 2; r++) {
                    RunInfo run = client.createRun(experimentId);
                    client.logParam(run.getRunId(), "n", e + "-" + r);
                    client.logMetric(run.getRunId(), "loss", e * 10 + r);
                    client.setTag(run.getRunId(), "phase", "before");
                    runIds.add(run.getRunId());
                }
            }
        } finally {
            client.close();
        }
        long serverBefore = trackingServerPid(instanceId);

        Api.Resp redeploy = EDITOR.post(stack.instanceUrl + "/instances/" + instanceId + "/redeploy", Map.of());
        assertEquals(202, redeploy.status(), redeploy.toString());
        Api.await(() -> "RUNNING".equals(instance(instanceId).path("status").asText()), SAGA, "RUNNING after redeploy",
                () -> instance(instanceId));
        assertNotEquals(serverBefore, trackingServerPid(instanceId), "the tracking server was restarted");
        assertEquals(trackingUri, instance(instanceId).path("trackingUri").asText(), "the VPC address is kept");

        Api.await(() -> Api.get(trackingUri + "/health").status() == 200, Duration.ofSeconds(30),
                "the redeployed server behind the load balancer", () -> Api.get(trackingUri + "/health"));
        client = new MlflowClient(trackingUri);
        try {
            for (int e = 0; e < 2; e++) {
                assertEquals(experimentIds.get(e),
                        client.getExperimentByName("before-redeploy-" + e).orElseThrow().getExperimentId());
            }
            for (int i = 0; i < runIds.size(); i++) {
                Run run = client.getRun(runIds.get(i));
                assertEquals((i / 2) + "-" + (i % 2), params(run).get("n"));
                assertEquals((double) ((i / 2) * 10 + (i % 2)), metrics(run).get("loss"));
                assertEquals("before", tags(run).get("phase"));
            }
            assertEquals(2, client.searchRuns(List.of(experimentIds.get(0)), "").size());
        } finally {
            client.close();
        }

        // edit: name and description only
        JsonNode before = instance(instanceId);
        String newName = "renamed-" + UUID.randomUUID().toString().substring(0, 6);
        Api.Resp edited = EDITOR.patch(stack.instanceUrl + "/instances/" + instanceId,
                Map.of("name", newName, "description", "edited by the e2e test"));
        assertEquals(200, edited.status(), edited.toString());
        JsonNode after = instance(instanceId);
        assertEquals(newName, after.path("name").asText());
        assertEquals("edited by the e2e test", after.path("description").asText());
        for (String field : List.of("id", "workspaceId", "status", "vpcId", "vSwitchId", "secondaryVSwitchId",
                "securityGroupId", "ossBucket", "ossPath", "artifactRoot", "spec", "trackingVersion", "vpcAddress",
                "trackingUri", "loadBalancerId", "createdAt")) {
            assertEquals(before.path(field), after.path(field), field + " changed by an edit");
        }
        Api.Resp other = EDITOR.patch(stack.instanceUrl + "/instances/" + instanceId, Map.of("vSwitchId", "vsw-local-b"));
        assertEquals(400, other.status(), other.toString());
        assertEquals("vSwitchId", other.text("field"), other.toString());
        assertEquals(200, Api.get(trackingUri + "/health").status(), "still serving after the edit");
    }

    /**
     * Issue 17: a resize through the real services. The new spec's server starts beside the serving one; the load balancer
     * (network-service's proxy) switches to it; every probe through the load balancer meanwhile is answered; the data is
     * kept; usage is metered at the old spec up to the switch and at the new one from it. Another workspace can neither
     * resize nor release it.
     */
    @Test
    void aResizeKeepsEveryRunServesThroughoutAndMetersTheNewSpecFromTheSwitch() throws Exception {
        JsonNode live = runningWithAcl();
        String id = live.path("id").asText();
        String trackingUri = live.path("trackingUri").asText();
        String experimentId;
        String runId;
        MlflowClient client = new MlflowClient(trackingUri);
        try {
            experimentId = client.createExperiment("before-resize-" + id.substring(0, 8));
            RunInfo run = client.createRun(experimentId);
            runId = run.getRunId();
            client.logParam(runId, "alpha", "0.5");
            client.logMetric(runId, "rmse", 0.5);
            client.logMetric(runId, "rmse", 0.25);
            client.setTag(runId, "phase", "before");
        } finally {
            client.close();
        }
        long before = trackingServerPid(id);
        assertEquals("1", jvmOption(before, "-XX:ActiveProcessorCount="));

        Api.Client other = Api.as("mem_other", "ws-e2e-other", "owner");
        assertEquals(404, other.patch(stack.instanceUrl + "/instances/" + id, Map.of("spec", "mlflow.medium")).status());
        assertEquals(404, other.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()).status());
        Api.Resp oss = EDITOR.patch(stack.instanceUrl + "/instances/" + id, Map.of("ossPath", "team/elsewhere"));
        assertEquals(400, oss.status(), oss.toString());
        assertEquals("ossPath", oss.text("field"), oss.toString());
        assertEquals("mlflow.small", instance(id).path("spec").asText());

        java.time.Instant asked = java.time.Instant.now();
        Api.Resp resize = EDITOR.patch(stack.instanceUrl + "/instances/" + id, Map.of("spec", "mlflow.medium"));
        assertEquals(200, resize.status(), resize.toString());
        assertEquals("UPDATING", resize.text("status"), resize.toString());
        assertEquals("mlflow.medium", resize.text("pendingSpec"), resize.toString());
        List<Integer> probes = new ArrayList<>();
        Api.await(() -> {
            probes.add(Api.get(trackingUri + "/health").status()); // the load balancer serves all along
            String s = instance(id).path("status").asText();
            assertTrue(s.equals("UPDATING") || s.equals("RUNNING"), s + ": " + instance(id));
            return s.equals("RUNNING");
        }, SAGA, "RUNNING at the new spec", () -> instance(id));
        java.time.Instant runningAgain = java.time.Instant.now();
        assertTrue(probes.stream().allMatch(p -> p == 200), "answers through the load balancer during the resize: " + probes);
        JsonNode resized = instance(id);
        assertEquals("mlflow.medium", resized.path("spec").asText(), resized.toString());
        assertFalse(resized.has("pendingSpec") || resized.has("statusReason"), resized.toString());
        assertEquals(trackingUri, resized.path("trackingUri").asText(), "the VPC address is kept");
        long after = trackingServerPid(id); // exactly one server: the old one is gone
        assertNotEquals(before, after);
        assertEquals("2", jvmOption(after, "-XX:ActiveProcessorCount="), "mlflow.medium: 2 CPUs");

        client = new MlflowClient(trackingUri);
        try {
            Run run = client.getRun(runId);
            assertEquals(experimentId, run.getInfo().getExperimentId());
            assertEquals("0.5", params(run).get("alpha"));
            assertEquals(0.25, metrics(run).get("rmse"));
            assertEquals("before", tags(run).get("phase"));
            assertEquals(2, client.getMetricHistory(runId, "rmse").size());
            client.logMetric(runId, "rmse", 0.125); // and it takes new data
            assertEquals(3, client.getMetricHistory(runId, "rmse").size());
        } finally {
            client.close();
        }

        assertEquals(202, EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()).status());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));
        JsonNode usage = EDITOR.get(stack.instanceUrl + "/instances/" + id + "/usage?pageSize=100").json();
        java.time.Instant switchedAt = null;
        for (JsonNode w : usage.path("items")) {
            if ("mlflow.medium".equals(w.path("spec").asText()) && switchedAt == null) {
                switchedAt = java.time.Instant.parse(w.path("windowStart").asText());
            }
            assertEquals(switchedAt == null ? "mlflow.small" : "mlflow.medium", w.path("spec").asText(), usage.toString());
        }
        assertTrue(switchedAt != null && switchedAt.isAfter(asked) && switchedAt.isBefore(runningAgain),
                "metered at the new spec from the switch (" + switchedAt + ") on: " + usage);
        assertEquals("mlflow.small", usage.path("items").path(0).path("spec").asText(), usage.toString());
    }

    /** Issue 17: a create released at once ends RELEASED through the real services, with no process, database or port. */
    @Test
    void aCreateReleasedRightAwayEndsReleasedWithNoServerDatabaseOrLoadBalancer() {
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body("e2e-cancel-" + UUID.randomUUID().toString().substring(0, 4)));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        Api.Resp release = EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of());
        assertEquals(202, release.status(), release.toString());
        assertEquals("RELEASING", release.text("status"), release.toString());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));
        assertNothingLeft(id);
    }

    /** Issue 17: a create released while instance-service deploys (database made, server starting) leaves nothing either. */
    @Test
    void aCreateReleasedDuringItsDeployEndsReleasedWithNoServerDatabaseOrLoadBalancer() {
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body("e2e-cancel-" + UUID.randomUUID().toString().substring(0, 4)));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
        Api.await(() -> stack.databaseExists(database), SAGA, "the deploy step to begin", () -> instance(id));
        // the load balancer exists by then (NetworkProvisioned started the deploy): its port listens
        JsonNode network = EDITOR.get(stack.networkUrl + "/networks/" + id).json();
        assertEquals("ACTIVE", network.path("status").asText(), network.toString());
        int port = network.path("vpcPort").asInt();
        Api.Resp release = EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of());
        assertEquals(202, release.status(), release.toString());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));
        assertNothingLeft(id);
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(network.path("vpcAddress").asText(), port), 2000);
            }
        }, "the load balancer's port " + port + " is closed");
    }

    /** No tracking server, no tracking database, the network RELEASED and its port (if it ever had one) closed. */
    private void assertNothingLeft(String id) {
        String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
        assertTrue(trackingServerPids(id).isEmpty(), "tracking servers left: " + trackingServerPids(id));
        assertFalse(stack.databaseExists(database), "the tracking database is left");
        JsonNode released = instance(id);
        assertFalse(released.has("vpcAddress") || released.has("trackingUri"), released.toString());
        Api.Resp network = EDITOR.get(stack.networkUrl + "/networks/" + id);
        assertEquals(200, network.status(), network.toString());
        assertEquals("RELEASED", network.json().path("status").asText(), network.toString());
        if (network.json().hasNonNull("vpcPort")) {
            int port = network.json().path("vpcPort").asInt();
            assertThrows(ConnectException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(network.json().path("vpcAddress").asText("127.0.0.1"), port), 2000);
                }
            }, "the load balancer's port " + port + " is closed");
        }
        Api.Resp active = EDITOR.get(stack.networkUrl + "/networks?status=ACTIVE&pageSize=100");
        active.json().path("items").forEach(n -> assertNotEquals(id, n.path("instanceId").asText(), "an active load balancer is left"));
    }

    private static String jvmOption(long pid, String prefix) {
        String[] args = ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow();
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        throw new AssertionError("no " + prefix + " on the command line of " + pid + ": " + List.of(args));
    }

    @Test
    void releaseDropsTheDatabaseStopsTheServerAndClosesTheAddress() {
        JsonNode live = runningWithAcl();
        String id = live.path("id").asText();
        String trackingUri = live.path("trackingUri").asText();
        URI uri = URI.create(trackingUri);
        String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
        assertTrue(stack.databaseExists(database), "the instance's tracking database " + database);

        Api.Resp release = EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of());
        assertEquals(202, release.status(), release.toString());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));
        JsonNode released = instance(id);
        for (String field : List.of("vpcAddress", "vpcHost", "trackingUri", "setTrackingUri")) {
            assertFalse(released.has(field), "a released instance shows no " + field + ": " + released);
        }

        assertFalse(stack.databaseExists(database), "the tracking database is dropped");
        assertTrue(trackingServerPids(id).isEmpty(), "the tracking server process is stopped");
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
            }
        }, "the VPC address refuses connections");
        assertEquals("RELEASED", EDITOR.get(stack.networkUrl + "/networks/" + id).json().path("status").asText());
    }

    @Test
    void instanceServiceKilledMidDeployFinishesTheSagaWithOneServerAndOneLoadBalancer() throws Exception {
        int activeBefore = activeNetworks();
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body("e2e-crash-" + UUID.randomUUID().toString().substring(0, 4)));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        String database = "mlflow_" + id.toLowerCase().replaceAll("[^a-z0-9]", "");
        // network-service provisioned the load balancer and instance-service began the deploy step: kill -9 it there
        Api.await(() -> stack.databaseExists(database), SAGA, "the deploy step to begin", () -> instance(id));
        stack.killInstanceService();
        stack.restartInstanceService();

        Api.await(() -> {
            String s = instance(id).path("status").asText();
            if (s.endsWith("_FAILED")) {
                throw new AssertionError(s + ": " + instance(id));
            }
            return "RUNNING".equals(s);
        }, SAGA, "RUNNING after the restart", () -> instance(id));
        String uri = instance(id).path("trackingUri").asText();
        trackingServerPid(id); // exactly one tracking server
        JsonNode network = EDITOR.get(stack.networkUrl + "/networks/" + id).json();
        assertEquals("ACTIVE", network.path("status").asText(), network.toString());
        assertEquals(uri, "http://" + network.path("vpcAddress").asText() + ":" + network.path("vpcPort").asInt(), network.toString());
        assertEquals(activeBefore + 1, activeNetworks(), "one load balancer more than before, not two");

        assertEquals(403, Api.get(uri + "/health").status(), "deny-all until an entry");
        assertEquals(200, EDITOR.post(stack.networkUrl + "/networks/" + id + "/acl/entries", Map.of("cidr", "127.0.0.0/30")).status());
        Api.await(() -> Api.get(uri + "/api/2.0/mlflow/experiments/search?max_results=10").status() == 200,
                Duration.ofSeconds(10), "the restarted instance to serve", () -> Api.get(uri + "/health"));

        assertEquals(202, EDITOR.post(stack.instanceUrl + "/instances/" + id + "/release", Map.of()).status());
        Api.await(() -> "RELEASED".equals(instance(id).path("status").asText()), SAGA, "RELEASED", () -> instance(id));
        assertFalse(stack.databaseExists(database));
        assertTrue(trackingServerPids(id).isEmpty(), "no tracking server left");
    }

    /**
     * Issue 10, health that tells the truth: a tracking server that hangs (SIGSTOP) is answered 504 by its load balancer
     * after the upstream timeout (10 s in this stack) instead of hanging the client, shown UNHEALTHY in the network view and
     * named by the diagnosis, then killed and replaced by instance-service's liveness watch; the instance serves again,
     * its data kept, and turns HEALTHY.
     */
    @Test
    void aHungTrackingServerIsA504ShownUnhealthyAndReplaced() throws Exception {
        JsonNode live = runningWithAcl();
        String id = live.path("id").asText();
        String trackingUri = live.path("trackingUri").asText();
        Api.Resp created = Api.post(trackingUri + "/api/2.0/mlflow/experiments/create", Map.of("name", "kept-" + id.substring(0, 8)));
        assertEquals(200, created.status(), created.toString());
        Api.await(() -> "HEALTHY".equals(backendHealth(id).path("status").asText()), Duration.ofSeconds(30),
                "the load balancer to find the server healthy", () -> backendHealth(id));

        long hung = trackingServerPid(id);
        signal("STOP", hung);
        try {
            long started = System.nanoTime();
            Api.Resp timedOut = Api.get(trackingUri + "/api/2.0/mlflow/experiments/search?max_results=1");
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(504, timedOut.status(), timedOut.toString());
            assertEquals("backend", timedOut.text("layer"), timedOut.toString());
            assertTrue(tookMs >= 9_000 && tookMs < 20_000, "504 after the 10 s upstream timeout, took " + tookMs + " ms");
            assertFalse(timedOut.body().contains(String.valueOf(trackingServerPort(id))), "no backend port: " + timedOut);

            Api.await(() -> "UNHEALTHY".equals(backendHealth(id).path("status").asText()), Duration.ofSeconds(30),
                    "the load balancer to mark the server unhealthy", () -> backendHealth(id));
            JsonNode diagnosis = EDITOR.get(stack.networkUrl + "/networks/" + id + "/diagnose?source=127.0.0.1").json();
            JsonNode backendLayer = null;
            for (JsonNode layer : diagnosis.path("layers")) {
                if ("backend".equals(layer.path("layer").asText())) {
                    backendLayer = layer;
                }
            }
            assertNotNull(backendLayer, diagnosis.toString());
            assertFalse(backendLayer.path("admitted").asBoolean(true), diagnosis.toString());

            // instance-service's watch (every 10 s) kills it after 3 failed liveness probes and starts a new one
            Api.await(() -> !ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false), SAGA,
                    "the hung server to be killed", () -> instance(id));
        } finally {
            ProcessHandle.of(hung).ifPresent(ProcessHandle::destroyForcibly);
        }
        Api.await(() -> Api.get(trackingUri + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=kept-" + id.substring(0, 8))
                .status() == 200, SAGA, "the replaced server to serve the kept experiment", () -> backendHealth(id));
        assertNotEquals(hung, trackingServerPid(id));
        assertEquals("RUNNING", instance(id).path("status").asText());
        Api.await(() -> "HEALTHY".equals(backendHealth(id).path("status").asText()), Duration.ofSeconds(30),
                "the load balancer to find the new server healthy", () -> backendHealth(id));
    }

    private JsonNode backendHealth(String id) {
        return EDITOR.get(stack.networkUrl + "/networks/" + id).json().path("backendHealth");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    // --- helpers

    private JsonNode createRunning(String name) {
        Api.Resp created = EDITOR.post(stack.instanceUrl + "/instances", body(name));
        assertEquals(201, created.status(), created.toString());
        String id = created.text("id");
        assertEquals("CREATING", created.text("status"), created.toString());
        Api.await(() -> {
            String s = instance(id).path("status").asText();
            if ("CREATE_FAILED".equals(s)) {
                throw new AssertionError("CREATE_FAILED: " + instance(id));
            }
            return "RUNNING".equals(s);
        }, SAGA, "instance " + id + " RUNNING", () -> instance(id));
        return instance(id);
    }

    /** A new instance of the calling test, RUNNING with an ACL entry for 127.0.0.1 and serving through its load balancer. */
    private JsonNode runningWithAcl() {
        JsonNode running = createRunning("e2e-" + UUID.randomUUID().toString().substring(0, 6));
        String id = running.path("id").asText();
        String trackingUri = running.path("trackingUri").asText();
        Api.Resp added = EDITOR.post(stack.networkUrl + "/networks/" + id + "/acl/entries",
                Map.of("cidr", "127.0.0.1/32", "description", "the e2e test's client"));
        assertEquals(200, added.status(), added.toString());
        Api.await(() -> Api.get(trackingUri + "/health").status() == 200, Duration.ofSeconds(10),
                "the instance to serve 127.0.0.1", () -> Api.get(trackingUri + "/health"));
        return running;
    }

    private JsonNode instance(String id) {
        Api.Resp r = EDITOR.get(stack.instanceUrl + "/instances/" + id);
        assertEquals(200, r.status(), r.toString());
        return r.json();
    }

    private int activeNetworks() {
        Api.Resp page = EDITOR.get(stack.networkUrl + "/networks?status=ACTIVE&pageSize=100");
        assertEquals(200, page.status(), page.toString());
        return page.json().path("items").size();
    }

    private List<JsonNode> allInstances() {
        List<JsonNode> all = new ArrayList<>();
        String token = null;
        do {
            Api.Resp page = EDITOR.get(stack.instanceUrl + "/instances?pageSize=100" + (token == null ? "" : "&pageToken=" + token));
            assertEquals(200, page.status(), page.toString());
            page.json().path("items").forEach(all::add);
            token = page.text("nextPageToken");
        } while (token != null && !token.isEmpty());
        return all;
    }

    private static List<Long> trackingServerPids(String id) {
        String marker = "-Ddms.instance.id=" + id;
        return ProcessHandle.allProcesses()
                .filter(h -> h.isAlive() && h.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    private static long trackingServerPid(String id) {
        List<Long> pids = trackingServerPids(id);
        assertEquals(1, pids.size(), "tracking servers of " + id + ": " + pids);
        return pids.get(0);
    }

    private static Map<String, String> params(Run run) {
        return run.getData().getParamsList().stream().collect(Collectors.toMap(Param::getKey, Param::getValue));
    }

    private static Map<String, Double> metrics(Run run) {
        return run.getData().getMetricsList().stream().collect(Collectors.toMap(Metric::getKey, Metric::getValue));
    }

    private static Map<String, String> tags(Run run) {
        return run.getData().getTagsList().stream().collect(Collectors.toMap(RunTag::getKey, RunTag::getValue, (a, b) -> a));
    }

    record RawResponse(int status, String head, String body) {
    }

    /** HTTP/1.1 GET over a socket bound to {@code source}, so the proxy sees that source address. */
    static RawResponse rawGet(String source, String host, int port, String path) throws IOException {
        return rawRequest(source, host, port, path, Map.of());
    }

    static RawResponse rawRequest(String source, String host, int port, String path, Map<String, String> headers) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            StringBuilder extra = new StringBuilder();
            headers.forEach((k, v) -> extra.append(k).append(": ").append(v).append("\r\n"));
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAccept: application/json\r\n"
                    + extra + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            String text = buf.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            return new RawResponse(status, head, body);
        }
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < chunked.length()) {
            int eol = chunked.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }

}
