package dev.dmsmlflow.instance.provider.compute.aliyun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.provider.compute.ServerSlots;
import dev.dmsmlflow.instance.support.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aliyun compute provider inside the service, against local servers speaking ECI's and STS's wire formats (signatures
 * checked): what the SDK sends for a tracking server's container group, idempotent starts, a crash that recorded nothing,
 * a resize's second group, and the credentials endpoint that hands each tracking server credentials for its own root only.
 */
@QuarkusTest
@TestProfile(AliyunComputeTest.Aliyun.class)
class AliyunComputeTest {

    /** The service with the aliyun compute provider, pointed at the local ECI and STS servers. */
    public static class Aliyun implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(AliyunCloudResource.class));
        }
    }

    static final String BUCKET = "team-bucket";
    static final String DIGEST = "ab".repeat(32);
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Compute compute;

    @BeforeEach
    void platformKeys() {
        AliyunCloudResource.platformKeys(); // another test class of this JVM may have cleared them
        // the service's reconcile at startup (nothing should run: it removes every group of ours) has looked before a test makes one
        Eventually.until(() -> eci().calls.contains("DescribeContainerGroups"), Duration.ofSeconds(30), "the startup reconcile");
    }

    /** A new instance id, whose compute security group network-service has made (as it does with the load balancer). */
    static String newId() {
        String id = "i-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        eci().securityGroups.put(AliyunCompute.computeSecurityGroupName(id), computeGroup(id));
        return id;
    }

    static String computeGroup(String id) {
        return "sg-c" + id.substring(2, 12);
    }

    static ComputeRequest request(String id, int cpu, int memory, String version) {
        return new ComputeRequest(id, cpu == 2 ? "mlflow.medium" : "mlflow.large", cpu, memory,
                "jdbc:postgresql://pg.internal:5432/mlflow_" + id, "mlflow_" + id, "tracking-password-" + id, BUCKET, "ws-1/" + id,
                null, version, DIGEST, "vsw-h1", "vsw-i1", "sg-basic");
    }

    static FakeEci eci() {
        return AliyunCloudResource.eci;
    }

    static FakeEci.Group only(String name) {
        List<FakeEci.Group> groups = eci().named(name);
        assertEquals(1, groups.size(), "groups named " + name);
        return groups.get(0);
    }

    static Response secretCheck(String instanceId, String secret) {
        var r = given();
        if (secret != null) {
            r = r.header(StorageCredentialsResource.SECRET_HEADER, secret);
        }
        return r.get("/compute/instances/" + instanceId + "/storage-secret");
    }

    static Response credentials(String instanceId, String secret) {
        var r = given();
        if (secret != null) {
            r = r.header(StorageCredentialsResource.SECRET_HEADER, secret);
        }
        return r.get("/compute/instances/" + instanceId + "/storage-credentials");
    }

    @Test
    void oneContainerGroupInTheInstancesNetworkWithOnlyWhatItsServerNeeds() throws Exception {
        String id = newId();
        ComputeAddress a = compute.start(request(id, 2, 4, null));
        String name = AliyunCompute.groupName(id, ServerSlots.Slot.A);
        assertEquals("dms-mlflow-" + id + "-a", name);
        FakeEci.Group g = only(name);
        assertEquals(new ComputeAddress(g.ip, AliyunCloudResource.port), a);
        assertEquals("Running", g.status);

        Map<String, String> sent = g.params;
        assertEquals("vsw-h1,vsw-i1", sent.get("VSwitchId"));
        // the security group network-service made for this instance's servers (its load balancer only), not the instance's own
        assertEquals(computeGroup(id), sent.get("SecurityGroupId"));
        // ECI probes the container itself; this service could not reach it through that group
        assertEquals("/health", sent.get("Container.1.ReadinessProbe.HttpGet.Path"));
        assertEquals(Integer.toString(AliyunCloudResource.port), sent.get("Container.1.ReadinessProbe.HttpGet.Port"));
        assertEquals("/health/live", sent.get("Container.1.LivenessProbe.HttpGet.Path"));
        assertEquals(Integer.toString(AliyunCloudResource.port), sent.get("Container.1.LivenessProbe.HttpGet.Port"));
        assertEquals(2.0, Double.parseDouble(sent.get("Cpu")));
        assertEquals(4.0, Double.parseDouble(sent.get("Memory")));
        assertEquals(AliyunCloudResource.IMAGE, sent.get("Container.1.Image"));
        assertEquals(Integer.toString(AliyunCloudResource.port), sent.get("Container.1.Port.1.Port"));
        assertEquals(Map.of(AliyunCompute.OWNER_TAG, "dms-mlflow", AliyunCompute.INSTANCE_TAG, id), g.tags);

        Map<String, String> env = g.env;
        assertEquals(Set.of("DMS_TRACKING_DB_URL", "DMS_TRACKING_DB_USER", "DMS_TRACKING_DB_PASSWORD", "DMS_TRACKING_ARTIFACT_ROOT",
                "DMS_TRACKING_CONFINE_ARTIFACT_LOCATIONS", "DMS_TRACKING_OSS_ENDPOINT", "DMS_TRACKING_OSS_REGION",
                "DMS_TRACKING_OSS_CREDENTIALS_URL", "DMS_TRACKING_OSS_CREDENTIALS_SECRET", "DMS_BACKEND_AUTH_DIGEST",
                "DMS_TRACKING_AUTH_TOKENS_URL", "QUARKUS_HTTP_HOST", "QUARKUS_HTTP_PORT", "JAVA_TOOL_OPTIONS"), env.keySet());
        assertEquals("tracking-password-" + id, env.get("DMS_TRACKING_DB_PASSWORD"));
        assertEquals("oss://" + BUCKET + "/ws-1/" + id, env.get("DMS_TRACKING_ARTIFACT_ROOT"));
        assertEquals(AliyunCloudResource.CREDENTIALS_URL + "/compute/instances/" + id + "/storage-credentials",
                env.get("DMS_TRACKING_OSS_CREDENTIALS_URL"));
        assertEquals(DIGEST, env.get("DMS_BACKEND_AUTH_DIGEST"));
        // the server checks MLflow access tokens itself (an ALB cannot): network-service's list of the instance's digests,
        // fetched with the same secret as its storage credentials (so no second secret in the environment)
        assertEquals(AliyunCloudResource.TOKENS_URL + "/data-plane/instances/" + id + "/access-tokens",
                env.get("DMS_TRACKING_AUTH_TOKENS_URL"));
        assertTrue(env.get("JAVA_TOOL_OPTIONS").contains("-XX:ActiveProcessorCount=2"), env.get("JAVA_TOOL_OPTIONS"));
        assertTrue(env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET").length() >= 43, "a 256-bit secret");

        // never the platform's keys, never this service's own database or Kafka password
        List<String> forbidden = new ArrayList<>(List.of(FakeSts.ACCESS_KEY_ID, FakeSts.ACCESS_KEY_SECRET));
        String adminPassword = ConfigProvider.getConfig().getValue("quarkus.datasource.password", String.class);
        assertFalse(adminPassword.isEmpty(), "the service's database password is set in this test");
        forbidden.add(adminPassword);
        ConfigProvider.getConfig().getOptionalValue("kafka.sasl.jaas.config", String.class).ifPresent(jaas -> {
            Matcher m = Pattern.compile("password=\"([^\"]+)\"").matcher(jaas);
            if (m.find()) {
                forbidden.add(m.group(1));
            }
        });
        for (Map.Entry<String, String> e : env.entrySet()) {
            for (String secret : forbidden) {
                assertFalse(e.getValue().contains(secret), e.getKey() + " holds a secret of the platform");
            }
            assertFalse(e.getKey().startsWith("ALIBABA_CLOUD") || e.getKey().startsWith("OSS_ACCESS_KEY"), e.getKey());
        }
        for (String value : sent.values()) {
            assertFalse(value.contains(FakeSts.ACCESS_KEY_SECRET) || value.contains(adminPassword), "nothing sent holds a platform secret");
        }

        // idempotent: the running group is adopted, not made twice
        assertEquals(a, compute.start(request(id, 2, 4, null)));
        assertEquals(1, eci().creates(name));
        assertTrue(compute.isRunning(id));
        assertTrue(compute.isLive(id));

        compute.stop(id);
        assertTrue(eci().named(name).isEmpty());
        assertFalse(compute.isRunning(id));
        assertFalse(compute.isLive(id));
    }

    @Test
    void theCredentialsEndpointAnswersOnlyAnInstancesOwnSecret() throws Exception {
        String a = newId();
        String b = newId();
        compute.start(request(a, 2, 4, null));
        compute.start(request(b, 2, 4, null));
        String secretA = only(AliyunCompute.groupName(a, ServerSlots.Slot.A)).env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        String secretB = only(AliyunCompute.groupName(b, ServerSlots.Slot.A)).env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        assertNotEquals(secretA, secretB);

        int before = AliyunCloudResource.sts.assumeRoles.size();
        Response ok = credentials(a, secretA);
        assertEquals(200, ok.statusCode(), ok.asString());
        assertEquals("no-store", ok.header("Cache-Control"));
        JsonNode body = JSON.readTree(ok.asString());
        assertEquals("Success", body.get("Code").asText());
        assertTrue(body.get("AccessKeyId").asText().startsWith("STS."), body.toString());
        assertEquals("scoped-token", body.get("SecurityToken").asText());
        assertFalse(body.get("Expiration").asText().isEmpty());
        assertNotEquals(FakeSts.ACCESS_KEY_ID, body.get("AccessKeyId").asText());
        assertEquals(before + 1, AliyunCloudResource.sts.assumeRoles.size());

        Map<String, String> assume = AliyunCloudResource.sts.assumeRoles.get(AliyunCloudResource.sts.assumeRoles.size() - 1);
        assertEquals(AliyunCloudResource.ROLE, assume.get("RoleArn"));
        JsonNode policy = JSON.readTree(assume.get("Policy"));
        List<String> resources = new ArrayList<>();
        policy.findValues("Resource").forEach(r -> r.forEach(x -> resources.add(x.asText())));
        assertEquals(List.of("acs:oss:*:*:" + BUCKET + "/ws-1/" + a + "/*", "acs:oss:*:*:" + BUCKET), resources);
        assertEquals("[\"ws-1/" + a + "/*\",\"ws-1/" + a + "/\"]",
                policy.at("/Statement/1/Condition/StringLike/oss:Prefix").toString(), "listing only under the prefix");
        assertEquals("[\"oss:ListObjects\"]", policy.at("/Statement/1/Action").toString());

        // another instance's secret, none, a wrong one, an unknown instance: 401, and STS is not asked
        for (Response refused : List.of(credentials(a, secretB), credentials(a, null), credentials(a, secretA + "x"),
                credentials(a, ""), credentials(newId(), secretA))) {
            assertEquals(401, refused.statusCode(), refused.asString());
            assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
            assertEquals(StorageCredentialsResource.SECRET_HEADER, refused.jsonPath().getString("field"));
            assertFalse(refused.asString().contains("STS."));
        }
        assertEquals(before + 1, AliyunCloudResource.sts.assumeRoles.size());

        Response forB = credentials(b, secretB);
        assertEquals(200, forB.statusCode());
        assertTrue(AliyunCloudResource.sts.assumeRoles.get(AliyunCloudResource.sts.assumeRoles.size() - 1).get("Policy")
                .contains(BUCKET + "/ws-1/" + b + "/*"));

        // the secret goes with the container group
        compute.stop(a);
        assertEquals(401, credentials(a, secretA).statusCode());
        compute.stop(b);
    }

    @Test
    void theSecretCheckNetworkServiceAsksSaysOnlyWhetherItIsOneOfTheInstancesOwnSecrets() throws Exception {
        String a = newId();
        String b = newId();
        compute.start(request(a, 2, 4, null));
        compute.start(request(b, 2, 4, null));
        String secretA = only(AliyunCompute.groupName(a, ServerSlots.Slot.A)).env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        String secretB = only(AliyunCompute.groupName(b, ServerSlots.Slot.A)).env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        int before = AliyunCloudResource.sts.assumeRoles.size();
        Response ok = secretCheck(a, secretA);
        assertEquals(204, ok.statusCode(), ok.asString());
        assertEquals("", ok.asString(), "nothing but the verdict");
        assertEquals(204, secretCheck(b, secretB).statusCode());
        for (Response refused : List.of(secretCheck(a, secretB), secretCheck(a, null), secretCheck(a, secretA + "x"),
                secretCheck(a, ""), secretCheck(newId(), secretA))) {
            assertEquals(401, refused.statusCode(), refused.asString());
            assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
            assertEquals(StorageCredentialsResource.SECRET_HEADER, refused.jsonPath().getString("field"));
        }
        assertEquals(before, AliyunCloudResource.sts.assumeRoles.size(), "no credentials issued for a check");
        compute.stop(a);
        assertEquals(401, secretCheck(a, secretA).statusCode(), "the secret goes with its container group");
        compute.stop(b);
    }

    @Test
    void aGroupMadeBeforeACrashThatRecordedNothingIsFoundByName() throws Exception {
        String id = newId();
        String name = AliyunCompute.groupName(id, ServerSlots.Slot.A);
        Map<String, String> tags = Map.of(AliyunCompute.OWNER_TAG, "dms-mlflow", AliyunCompute.INSTANCE_TAG, id);
        FakeEci.Group seeded = eci().seed(name, tags, AliyunCloudResource.port);
        assertTrue(compute.isRunning(id));
        // a start adopts it: no second group
        assertEquals(new ComputeAddress(seeded.ip, AliyunCloudResource.port), compute.start(request(id, 2, 4, null)));
        assertEquals(0, eci().creates(name));
        compute.stop(id);
        assertTrue(eci().named(name).isEmpty());
        assertTrue(eci().deleted.contains(name));

        // the same when the service only crashed before it could use the group: stop finds it by its name
        String other = newId();
        String otherName = AliyunCompute.groupName(other, ServerSlots.Slot.A);
        eci().seed(otherName, Map.of(AliyunCompute.OWNER_TAG, "dms-mlflow", AliyunCompute.INSTANCE_TAG, other), AliyunCloudResource.port);
        compute.stop(other);
        assertTrue(eci().named(otherName).isEmpty());
    }

    @Test
    void aResizeRunsASecondGroupOnTheNextPortAndRetiresTheFirst() throws Exception {
        String id = newId();
        ComputeAddress serving = compute.start(request(id, 2, 4, null));
        ComputeAddress successor = compute.startSuccessor(request(id, 4, 8, null), serving.port());
        assertEquals(AliyunCloudResource.port + 1, successor.port());
        FakeEci.Group b = only(AliyunCompute.groupName(id, ServerSlots.Slot.B));
        assertEquals(new ComputeAddress(b.ip, successor.port()), successor);
        assertEquals(4.0, Double.parseDouble(b.params.get("Cpu")));
        assertEquals(8.0, Double.parseDouble(b.params.get("Memory")));
        assertEquals(Integer.toString(AliyunCloudResource.port + 1), b.env.get("QUARKUS_HTTP_PORT"));
        // both hold a secret that works
        String secretA = only(AliyunCompute.groupName(id, ServerSlots.Slot.A)).env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        assertEquals(200, credentials(id, b.env.get("DMS_TRACKING_OSS_CREDENTIALS_SECRET")).statusCode());
        assertEquals(200, credentials(id, secretA).statusCode());
        // adopting: asked again, no third group
        assertEquals(successor, compute.startSuccessor(request(id, 4, 8, null), serving.port()));
        assertEquals(1, eci().creates(AliyunCompute.groupName(id, ServerSlots.Slot.B)));

        compute.retireAllBut(id, successor.port());
        assertTrue(eci().named(AliyunCompute.groupName(id, ServerSlots.Slot.A)).isEmpty());
        assertEquals(1, eci().named(AliyunCompute.groupName(id, ServerSlots.Slot.B)).size());
        assertEquals(401, credentials(id, secretA).statusCode(), "the retired group's secret is gone");
        // a restart on the port in use finds the serving group
        assertEquals(successor, compute.start(request(id, 4, 8, null).withPreferredPort(successor.port())));
        compute.stop(id);
        assertFalse(compute.isRunning(id));
    }

    @Test
    void aGroupThatFailsIsRemovedWithItsSecretAndVersionsAreImages() throws Exception {
        String id = newId();
        String name = AliyunCompute.groupName(id, ServerSlots.Slot.A);
        eci().failing.add(name);
        ComputeException e = assertThrows(ComputeException.class, () -> compute.start(request(id, 2, 4, null)));
        assertTrue(e.getMessage().contains("Failed"), e.getMessage());
        assertTrue(eci().named(name).isEmpty(), "nothing of it is left");
        Map<String, String> sent = eci().creates.stream().filter(p -> name.equals(p.get("ContainerGroupName"))).findFirst().orElseThrow();
        String key = sent.entrySet().stream().filter(x -> x.getKey().endsWith(".Key") && "DMS_TRACKING_OSS_CREDENTIALS_SECRET".equals(x.getValue()))
                .findFirst().orElseThrow().getKey();
        String secret = sent.get(key.substring(0, key.length() - ".Key".length()) + ".Value");
        assertFalse(secret.isEmpty());
        assertEquals(401, credentials(id, secret).statusCode(), "the failed group's secret is gone with it");
        eci().failing.remove(name);

        assertTrue(compute.supportsVersion(null));
        assertTrue(compute.supportsVersion("next"));
        assertFalse(compute.supportsVersion("nope"));
        assertThrows(ComputeException.class, () -> compute.start(request(id, 2, 4, "nope")));
        compute.start(request(id, 2, 4, "next"));
        assertEquals(AliyunCloudResource.NEXT_IMAGE, only(name).params.get("Container.1.Image"));
        compute.stop(id);
    }

    @Test
    void reconcileRemovesOrphansKeepsOthersAndRestartsWhatShouldRun() throws Exception {
        String orphan = newId();
        String foreign = newId();
        String wanted = newId();
        String orphanName = AliyunCompute.groupName(orphan, ServerSlots.Slot.A);
        String foreignName = AliyunCompute.groupName(foreign, ServerSlots.Slot.A);
        eci().seed(orphanName, Map.of(AliyunCompute.OWNER_TAG, "dms-mlflow", AliyunCompute.INSTANCE_TAG, orphan), AliyunCloudResource.port);
        eci().seed(foreignName, Map.of(AliyunCompute.OWNER_TAG, "someone-else", AliyunCompute.INSTANCE_TAG, foreign), AliyunCloudResource.port);

        compute.reconcile(List.of(request(wanted, 2, 4, null)), List.of());
        assertTrue(eci().named(orphanName).isEmpty(), "an orphan of ours is removed");
        assertEquals(1, eci().named(foreignName).size(), "another owner's group is not ours to touch");
        assertEquals("Running", only(AliyunCompute.groupName(wanted, ServerSlots.Slot.A)).status);
        compute.stop(wanted);
        eci().groups.values().removeIf(g -> g.name.equals(foreignName));
    }

    @Test
    void withoutTheComputeSecurityGroupNothingIsCreatedAndAServerThatNeverGetsReadyIsNotServed() throws Exception {
        String id = newId();
        String name = AliyunCompute.groupName(id, ServerSlots.Slot.A);
        eci().securityGroups.remove(AliyunCompute.computeSecurityGroupName(id));
        ComputeException e = assertThrows(ComputeException.class, () -> compute.start(request(id, 2, 4, null)));
        assertTrue(e.getMessage().contains(AliyunCompute.computeSecurityGroupName(id)), e.getMessage());
        assertEquals(0, eci().creates(name), "no container group outside the compute security group");

        // a group of ours that runs but whose readiness probe never passes (the stand-in server is not there) is not served
        eci().securityGroups.put(AliyunCompute.computeSecurityGroupName(id), computeGroup(id));
        FakeEci.Group hung = eci().seed(name, Map.of(AliyunCompute.OWNER_TAG, "dms-mlflow", AliyunCompute.INSTANCE_TAG, id),
                AliyunCloudResource.port);
        hung.server.stop(0);
        ComputeAddress a = compute.start(request(id, 2, 4, null));
        FakeEci.Group serving = only(name);
        assertNotEquals(hung.id, serving.id, "the unready group was replaced");
        assertEquals(new ComputeAddress(serving.ip, AliyunCloudResource.port), a);
        compute.stop(id);
    }
}
