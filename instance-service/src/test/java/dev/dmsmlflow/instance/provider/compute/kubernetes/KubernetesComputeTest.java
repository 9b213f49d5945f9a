package dev.dmsmlflow.instance.provider.compute.kubernetes;

import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.provider.compute.aliyun.StorageCredentialsResource;
import dev.dmsmlflow.instance.provider.compute.aliyun.StorageSecrets;
import dev.dmsmlflow.instance.support.Eventually;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kubernetes compute provider inside the service, against a real Kubernetes API server (local-infra's
 * {@code LocalKubernetes}: kube-apiserver and etcd, which validate, version and store what they are sent and run no pods:
 * {@link FakeDeploymentController} sets the Deployments' status). Every assertion reads the objects back from that server.
 */
@QuarkusTest
@TestProfile(KubernetesComputeTest.Kubernetes.class)
@QuarkusTestResource(value = FakeDeploymentController.class, restrictToAnnotatedClass = true)
class KubernetesComputeTest {

    static final String IMAGE = "registry.example/dms/tracking-server:1.0";
    static final String NEXT_IMAGE = "registry.example/dms/tracking-server:2.0";
    static final String CREDENTIALS_URL = "http://instance-service.dms-mlflow:8081";
    static final String TOKENS_URL = "http://network-service.dms-mlflow:8082";
    static final String DIGEST = "cd".repeat(32);
    static final String NS = FakeDeploymentController.NAMESPACE;

    /** The service with the kubernetes compute provider (pointed at the API server by {@link FakeDeploymentController}). */
    public static class Kubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("dms.compute.provider", "kubernetes"),
                    Map.entry("dms.compute.kubernetes.namespace", NS),
                    Map.entry("dms.compute.kubernetes.image", IMAGE),
                    Map.entry("dms.compute.kubernetes.versions.next", NEXT_IMAGE),
                    Map.entry("dms.compute.kubernetes.poll-interval", "20ms"),
                    Map.entry("dms.compute.kubernetes.health-timeout", "20s"),
                    Map.entry("dms.compute.kubernetes.credentials-url", CREDENTIALS_URL),
                    Map.entry("dms.compute.kubernetes.tokens-url", TOKENS_URL + "/"),
                    Map.entry("dms.compute.kubernetes.load-balancer.pod-selector", "app.kubernetes.io/name=dms-lb"),
                    Map.entry("dms.compute.kubernetes.load-balancer.namespace-selector", "kubernetes.io/metadata.name=dms-mlflow"),
                    Map.entry("dms.compute.kubernetes.egress.database.cidrs", "10.0.8.0/24"),
                    Map.entry("dms.compute.kubernetes.egress.object-storage.cidrs", "100.118.28.0/24,100.118.29.0/24"));
        }
    }

    @Inject
    Compute compute;
    @Inject
    KubernetesComputeConfig config;
    @Inject
    KubernetesClient serviceClient;
    @Inject
    StorageSecrets storageSecrets;

    @BeforeEach
    void startupReconcileDone() {
        FakeDeploymentController.awaitStartupReconcile();
    }

    static KubernetesClient k8s() {
        return FakeDeploymentController.client;
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    static ComputeRequest request(String id, int cpu, int memory, String version) {
        return new ComputeRequest(id, cpu == 2 ? "mlflow.medium" : "mlflow.large", cpu, memory,
                "jdbc:postgresql://10.0.8.5:5432/mlflow_" + id.replace('-', '_'), "mlflow_u" + id.substring(0, 8),
                "pw-" + UUID.randomUUID(), "team-bucket", "ws-1/" + id, null, version, DIGEST, "vsw-a", "vsw-b", "sg-1");
    }

    static Deployment deployment(String name) {
        return k8s().apps().deployments().inNamespace(NS).withName(name).get();
    }

    static Service service(String name) {
        return k8s().services().inNamespace(NS).withName(name).get();
    }

    static Secret secret(String name) {
        return k8s().secrets().inNamespace(NS).withName(name).get();
    }

    static NetworkPolicy policy(String instanceId) {
        return k8s().network().v1().networkPolicies().inNamespace(NS).withName(KubernetesCompute.policyName(instanceId)).get();
    }

    static String decoded(Secret s, String key) {
        String v = s.getData().get(key);
        return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    static Map<String, EnvVar> env(Deployment d) {
        return container(d).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    static Container container(Deployment d) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    /** What of the instance's objects exists on the server: "Kind/name". */
    static Set<String> objectsOf(String instanceId) {
        Map<String, String> labels = Map.of(KubernetesCompute.MANAGED_BY, KubernetesCompute.MANAGER, KubernetesCompute.INSTANCE, instanceId);
        Set<String> all = new java.util.TreeSet<>();
        k8s().apps().deployments().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        k8s().services().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        k8s().secrets().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        k8s().network().v1().networkPolicies().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        return all;
    }

    static String key(HasMetadata o) {
        return o.getKind() + "/" + o.getMetadata().getName();
    }

    static Set<String> fourObjects(String id, String slot) {
        String name = "dms-mlflow-" + id + "-" + slot;
        return Set.of("Deployment/" + name, "Service/" + name, "Secret/" + name, "NetworkPolicy/dms-mlflow-" + id);
    }

    @Test
    void aDeploymentSizedByTheSpecProbedNonRootWithItsSecretsOnlyByReference() throws Exception {
        String id = newId();
        ComputeRequest req = request(id, 2, 4, null);
        ComputeAddress a = compute.start(req);
        String name = "dms-mlflow-" + id + "-a";
        assertEquals(new ComputeAddress(name + "." + NS + ".svc.cluster.local", 5000), a, "the Service's DNS name and port");
        assertEquals(fourObjects(id, "a"), objectsOf(id));

        Deployment d = deployment(name);
        assertEquals("dms-mlflow", d.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
        assertEquals(id, d.getMetadata().getLabels().get("dms-mlflow/instance"));
        assertEquals(1, d.getSpec().getReplicas());
        Container c = container(d);
        assertEquals(IMAGE, c.getImage());
        Map<String, Quantity> expected = Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi"));
        assertEquals(expected, c.getResources().getRequests());
        assertEquals(expected, c.getResources().getLimits(), "requests = limits");
        assertEquals(5000, c.getPorts().get(0).getContainerPort());
        assertEquals("http", c.getPorts().get(0).getName());
        assertEquals("/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("http", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
        assertEquals("/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/health/live", c.getStartupProbe().getHttpGet().getPath());

        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "no service-account token in the pod");
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(10001L, pod.getSecurityContext().getRunAsUser());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals("/tmp", c.getVolumeMounts().get(0).getMountPath());
        assertEquals(c.getVolumeMounts().get(0).getName(), pod.getVolumes().get(0).getName());
        assertNotNull(pod.getVolumes().get(0).getEmptyDir(), "/tmp is an emptyDir");
        // the pods it would make are admitted where the "restricted" Pod Security Standard is enforced (the namespace's
        // label): the API server's PodSecurity admission judges a Pod of the template, made as a dry run
        k8s().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name + "-pss")
                .withLabels(d.getSpec().getTemplate().getMetadata().getLabels()).endMetadata().withSpec(pod).build()).dryRun().create();
        assertEquals(d.getSpec().getSelector().getMatchLabels().entrySet().stream().allMatch(
                e -> e.getValue().equals(d.getSpec().getTemplate().getMetadata().getLabels().get(e.getKey()))), true);

        // the Secret holds the login and the secrets; the Deployment refers to them and holds none of them
        Secret s = secret(name);
        assertEquals(req.dbPassword(), decoded(s, "DMS_TRACKING_DB_PASSWORD"));
        assertEquals(req.jdbcUrl(), decoded(s, "DMS_TRACKING_DB_URL"));
        assertEquals(req.dbUser(), decoded(s, "DMS_TRACKING_DB_USER"));
        assertEquals(DIGEST, decoded(s, "DMS_BACKEND_AUTH_DIGEST"));
        String storageSecret = decoded(s, "DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        assertTrue(storageSecret.length() >= 43, "a 256-bit secret");
        assertEquals(new StorageSecrets.Root(id, "team-bucket", "ws-1/" + id), storageSecrets.verify(id, storageSecret).orElseThrow(),
                "the pod's storage secret opens its instance's root");
        Map<String, EnvVar> env = env(d);
        for (String key : List.of("DMS_TRACKING_DB_PASSWORD", "DMS_TRACKING_DB_URL", "DMS_TRACKING_DB_USER",
                "DMS_TRACKING_OSS_CREDENTIALS_SECRET", "DMS_BACKEND_AUTH_DIGEST")) {
            EnvVar e = env.get(key);
            assertNull(e.getValue(), key + " is no literal");
            assertEquals(name, e.getValueFrom().getSecretKeyRef().getName(), key);
            assertEquals(key, e.getValueFrom().getSecretKeyRef().getKey(), key);
        }
        assertEquals("oss://team-bucket/ws-1/" + id, env.get("DMS_TRACKING_ARTIFACT_ROOT").getValue());
        assertEquals(CREDENTIALS_URL + "/compute/instances/" + id + "/storage-credentials",
                env.get("DMS_TRACKING_OSS_CREDENTIALS_URL").getValue());
        // token mode: the server fetches its instance's token list from network-service (the trailing slash of the setting
        // dropped) and presents its storage secret there, so no other secret is needed
        assertEquals(TOKENS_URL + "/data-plane/instances/" + id + "/access-tokens", env.get("DMS_TRACKING_AUTH_TOKENS_URL").getValue());
        assertNull(env.get("DMS_TRACKING_AUTH_TOKENS_SECRET"), "the storage secret is the one presented for the token list");
        assertEquals("5000", env.get("QUARKUS_HTTP_PORT").getValue());
        assertEquals("0.0.0.0", env.get("QUARKUS_HTTP_HOST").getValue());
        String whole = k8s().getKubernetesSerialization().asJson(d);
        assertFalse(whole.contains(req.dbPassword()), "the database password appears nowhere in the Deployment");
        assertFalse(whole.contains(storageSecret), "the storage secret appears nowhere in the Deployment");

        Service svc = service(name);
        assertEquals("ClusterIP", svc.getSpec().getType());
        assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector());
        assertEquals(5000, svc.getSpec().getPorts().get(0).getPort());
        assertEquals("http", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        assertTrue(compute.isRunning(id));
        assertTrue(compute.isLive(id));
    }

    @Test
    void theNetworkPolicyAdmitsOnlyTheLoadBalancerAndLetsOutOnlyDnsDatabaseStorageThisServiceAndNetworkService() throws Exception {
        String id = newId();
        compute.start(request(id, 2, 4, null));
        NetworkPolicy p = policy(id);
        Deployment d = deployment("dms-mlflow-" + id + "-a");
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(p.getSpec().getPodSelector().getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(podLabels.get(e.getKey()))), "selects the instance's pods");
        assertEquals(Map.of("app.kubernetes.io/managed-by", "dms-mlflow", "dms-mlflow/instance", id),
                p.getSpec().getPodSelector().getMatchLabels(), "selects the instance's pods only");
        assertEquals(List.of("Ingress", "Egress"), p.getSpec().getPolicyTypes());

        List<NetworkPolicyIngressRule> in = p.getSpec().getIngress();
        assertEquals(1, in.size());
        assertEquals(1, in.get(0).getFrom().size());
        NetworkPolicyPeer lb = in.get(0).getFrom().get(0);
        assertEquals(Map.of("app.kubernetes.io/name", "dms-lb"), lb.getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "dms-mlflow"), lb.getNamespaceSelector().getMatchLabels());
        assertNull(lb.getIpBlock());
        assertEquals(Set.of("TCP/5000", "TCP/5001"), ports(in.get(0).getPorts()), "the tracking ports of both slots only");

        List<NetworkPolicyEgressRule> out = p.getSpec().getEgress();
        assertEquals(5, out.size(), "DNS, database, object storage, this service, network-service");
        NetworkPolicyEgressRule dns = out.get(0);
        assertEquals(Set.of("UDP/53", "TCP/53"), ports(dns.getPorts()));
        assertEquals(Map.of("k8s-app", "kube-dns"), dns.getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "kube-system"), dns.getTo().get(0).getNamespaceSelector().getMatchLabels());
        NetworkPolicyEgressRule db = out.get(1);
        assertEquals(Set.of("TCP/5432"), ports(db.getPorts()));
        assertEquals(List.of("10.0.8.0/24"), db.getTo().stream().map(t -> t.getIpBlock().getCidr()).toList());
        NetworkPolicyEgressRule oss = out.get(2);
        assertEquals(Set.of("TCP/443"), ports(oss.getPorts()));
        assertEquals(List.of("100.118.28.0/24", "100.118.29.0/24"), oss.getTo().stream().map(t -> t.getIpBlock().getCidr()).toList());
        NetworkPolicyEgressRule cp = out.get(3);
        assertEquals(Set.of("TCP/8081"), ports(cp.getPorts()), "the port of the credentials URL");
        assertEquals(Map.of("app.kubernetes.io/name", "instance-service"), cp.getTo().get(0).getPodSelector().getMatchLabels());
        NetworkPolicyEgressRule tokens = out.get(4);
        assertEquals(Set.of("TCP/8082"), ports(tokens.getPorts()), "the port of the tokens URL");
        assertEquals(1, tokens.getTo().size());
        assertEquals(Map.of("app.kubernetes.io/name", "network-service"), tokens.getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "dms-mlflow"), tokens.getTo().get(0).getNamespaceSelector().getMatchLabels());
        assertNull(tokens.getTo().get(0).getIpBlock());
        for (NetworkPolicyEgressRule r : out) {
            assertFalse(r.getTo().isEmpty(), "no rule lets out to everywhere");
            assertFalse(r.getPorts().isEmpty(), "no rule opens every port");
            r.getTo().stream().filter(t -> t.getIpBlock() != null)
                    .forEach(t -> assertNotEquals("0.0.0.0/0", t.getIpBlock().getCidr()));
        }
    }

    @Test
    void withoutATokensUrlAStartIsRefusedBeforeAnythingIsMade() {
        for (Optional<String> unset : List.of(Optional.<String>empty(), Optional.of("  "))) {
            KubernetesCompute noTokens = new KubernetesCompute(withTokensUrl(config, unset), serviceClient, storageSecrets);
            String id = newId();
            ComputeException e = assertThrows(ComputeException.class, () -> noTokens.start(request(id, 2, 4, null)));
            assertTrue(e.getMessage().startsWith("dms.compute.kubernetes.tokens-url is not set: "), e.getMessage());
            assertTrue(e.getMessage().contains("MLflow access tokens"), e.getMessage());
            assertEquals(Set.of(), objectsOf(id), "no object of the instance was made");
            assertFalse(noTokens.isRunning(id));
        }
    }

    /** The service's settings with another {@code tokens-url} (every other setting as configured). */
    static KubernetesComputeConfig withTokensUrl(KubernetesComputeConfig config, Optional<String> tokensUrl) {
        return (KubernetesComputeConfig) Proxy.newProxyInstance(KubernetesComputeConfig.class.getClassLoader(),
                new Class<?>[] {KubernetesComputeConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("tokensUrl")) {
                        return tokensUrl;
                    }
                    try {
                        return method.invoke(config, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    static Set<String> ports(List<NetworkPolicyPort> ports) {
        return ports.stream().map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).collect(Collectors.toSet());
    }

    @Test
    void aSecondStartAdoptsWhatExistsWithoutChangingIt() throws Exception {
        String id = newId();
        ComputeRequest req = request(id, 2, 4, null);
        ComputeAddress first = compute.start(req);
        Map<String, String> versions = resourceVersions(id);
        assertEquals(4, versions.size());

        assertEquals(first, compute.start(req));
        assertEquals(versions, resourceVersions(id), "nothing written on a second start");

        // the service crashed after making the objects and recorded nothing: a fresh provider finds them by name
        KubernetesCompute restarted = new KubernetesCompute(config, serviceClient, storageSecrets);
        assertEquals(first, restarted.start(req.withPreferredPort(null)));
        assertEquals(versions, resourceVersions(id), "adopted, not made again");
        assertEquals(fourObjects(id, "a"), objectsOf(id));
    }

    static Map<String, String> resourceVersions(String id) {
        String name = "dms-mlflow-" + id + "-a";
        Map<String, String> v = new java.util.TreeMap<>();
        v.put("Deployment", deployment(name).getMetadata().getResourceVersion());
        v.put("Service", service(name).getMetadata().getResourceVersion());
        v.put("Secret", secret(name).getMetadata().getResourceVersion());
        v.put("NetworkPolicy", policy(id).getMetadata().getResourceVersion());
        return v;
    }

    @Test
    void aNewPasswordOrVersionUpdatesTheSecretAndRollsTheDeployment() throws Exception {
        String id = newId();
        ComputeRequest req = request(id, 2, 4, null);
        compute.start(req);
        String name = "dms-mlflow-" + id + "-a";
        Deployment before = deployment(name);
        String storageSecret = decoded(secret(name), "DMS_TRACKING_OSS_CREDENTIALS_SECRET");

        ComputeRequest rekeyed = new ComputeRequest(id, req.spec(), 2, 4, req.jdbcUrl(), req.dbUser(), "new-" + req.dbPassword(),
                req.ossBucket(), req.ossPath(), null, "next", DIGEST, null, null, null);
        compute.start(rekeyed);
        assertEquals("new-" + req.dbPassword(), decoded(secret(name), "DMS_TRACKING_DB_PASSWORD"));
        assertEquals(storageSecret, decoded(secret(name), "DMS_TRACKING_OSS_CREDENTIALS_SECRET"), "the storage secret is kept");
        Deployment after = deployment(name);
        assertEquals(NEXT_IMAGE, container(after).getImage());
        assertEquals(before.getMetadata().getUid(), after.getMetadata().getUid(), "the same Deployment, updated");
        assertNotEquals(before.getSpec().getTemplate().getMetadata().getAnnotations().get(KubernetesCompute.SECRET_DIGEST),
                after.getSpec().getTemplate().getMetadata().getAnnotations().get(KubernetesCompute.SECRET_DIGEST),
                "a changed Secret changes the pod template, so the pods restart with it");
        assertTrue(compute.supportsVersion("next"));
        assertFalse(compute.supportsVersion("nope"));
        assertThrows(ComputeException.class, () -> compute.start(request(newId(), 2, 4, "nope")));
    }

    @Test
    void stopAfterACrashRemovesAllFourObjectsAndTheStorageSecret() throws Exception {
        String id = newId();
        compute.start(request(id, 2, 4, null));
        String storageSecret = decoded(secret("dms-mlflow-" + id + "-a"), "DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        assertEquals(4, objectsOf(id).size());

        new KubernetesCompute(config, serviceClient, storageSecrets).stop(id); // a restarted service that recorded nothing
        assertEquals(Set.of(), objectsOf(id));
        assertNull(deployment("dms-mlflow-" + id + "-a"));
        assertNull(policy(id));
        assertTrue(storageSecrets.verify(id, storageSecret).isEmpty(), "the storage secret opens nothing any more");
        assertFalse(compute.isRunning(id));
        assertFalse(compute.isLive(id));
        compute.stop(id); // nothing left: does nothing
    }

    @Test
    void reconcileBringsBackADeletedDeploymentAndService() throws Exception {
        String id = newId();
        ComputeRequest req = request(id, 2, 4, null);
        ComputeAddress a = compute.start(req);
        String name = "dms-mlflow-" + id + "-a";
        String deploymentUid = deployment(name).getMetadata().getUid();
        String secretVersion = secret(name).getMetadata().getResourceVersion();
        k8s().apps().deployments().inNamespace(NS).withName(name).delete();
        k8s().services().inNamespace(NS).withName(name).delete();
        Eventually.until(() -> deployment(name) == null && service(name) == null, Duration.ofSeconds(10), "the deletion");
        assertFalse(compute.isRunning(id));

        compute.reconcile(List.of(req.withPreferredPort(a.port())), List.of());
        assertEquals(fourObjects(id, "a"), objectsOf(id));
        assertNotEquals(deploymentUid, deployment(name).getMetadata().getUid(), "a new Deployment");
        assertEquals(secretVersion, secret(name).getMetadata().getResourceVersion(), "the Secret kept as it was");
        assertTrue(compute.isRunning(id));
        assertTrue(compute.isLive(id));
    }

    @Test
    void reconcileRemovesOrphansOfOursAndNeverTouchesObjectsWithoutOurLabels() throws Exception {
        String orphan = newId();
        String wanted = newId();
        String busy = newId();
        compute.start(request(orphan, 2, 4, null));
        compute.start(request(wanted, 2, 4, null));
        compute.start(request(busy, 2, 4, null));
        String orphanStorageSecret = decoded(secret("dms-mlflow-" + orphan + "-a"), "DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        // someone else's objects in the namespace: no labels, another manager, our manager without an instance
        k8s().apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName("dms-mlflow-" + orphan + "-b").endMetadata().withNewSpec().withReplicas(1).withNewSelector()
                .addToMatchLabels("app", "x").endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "x").endMetadata()
                .withNewSpec().addNewContainer().withName("x").withImage("x").endContainer().endSpec().endTemplate().endSpec().build())
                .create();
        k8s().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("helm-release-secret")
                .addToLabels("app.kubernetes.io/managed-by", "Helm").addToLabels("dms-mlflow/instance", orphan).endMetadata()
                .addToData("k", "dg==").build()).create();
        k8s().services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("dms-mlflow-shared")
                .addToLabels("app.kubernetes.io/managed-by", "dms-mlflow").endMetadata().withNewSpec().addNewPort().withPort(80)
                .endPort().endSpec().build()).create();

        compute.reconcile(List.of(request(wanted, 2, 4, null)), List.of(busy));

        assertEquals(Set.of(), objectsOf(orphan), "the orphan's objects are gone");
        assertTrue(storageSecrets.verify(orphan, orphanStorageSecret).isEmpty());
        assertEquals(fourObjects(wanted, "a"), objectsOf(wanted));
        assertEquals(fourObjects(busy, "a"), objectsOf(busy), "an instance whose step is running is left alone");
        assertNotNull(deployment("dms-mlflow-" + orphan + "-b"), "an unlabelled Deployment is not ours, whatever its name");
        assertNotNull(secret("helm-release-secret"), "another manager's Secret is not ours");
        assertNotNull(service("dms-mlflow-shared"), "ours without an instance label names no instance that could be gone");
    }

    @Test
    void aResizeRunsASecondDeploymentOnTheNextPortAndRetiresTheFirst() throws Exception {
        String id = newId();
        ComputeAddress serving = compute.start(request(id, 2, 4, null));
        ComputeAddress next = compute.startSuccessor(request(id, 4, 8, null), serving.port());
        String b = "dms-mlflow-" + id + "-b";
        assertEquals(new ComputeAddress(b + "." + NS + ".svc.cluster.local", 5001), next);
        assertNotNull(deployment("dms-mlflow-" + id + "-a"), "the serving one is untouched");
        Container c = container(deployment(b));
        assertEquals(Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi")), c.getResources().getLimits());
        assertEquals(5001, c.getPorts().get(0).getContainerPort());
        assertEquals(5001, service(b).getSpec().getPorts().get(0).getPort());
        assertEquals("5001", env(deployment(b)).get("QUARKUS_HTTP_PORT").getValue());

        compute.retireAllBut(id, next.port());
        assertEquals(fourObjects(id, "b"), objectsOf(id), "the first slot's objects are gone, the policy stays");
        assertTrue(compute.isRunning(id));
        // a restart of the service while b serves: start adopts b
        assertEquals(next, compute.start(request(id, 4, 8, null).withPreferredPort(next.port())));
        assertEquals(fourObjects(id, "b"), objectsOf(id));
    }

    @Test
    void aServerThatNeverGetsReadyFailsTheStartAndLeavesNothing() throws Exception {
        String id = newId();
        FakeDeploymentController.outcomes.put("dms-mlflow-" + id + "-a", FakeDeploymentController.Outcome.NEVER_READY);
        ComputeException e = assertThrows(ComputeException.class, () -> compute.start(request(id, 2, 4, null)));
        assertTrue(e.getMessage().contains("progress deadline"), e.getMessage());
        assertEquals(Set.of(), objectsOf(id), "nothing of it is left");
        assertFalse(compute.isRunning(id));
    }

    @Test
    void livenessFollowsTheDeploymentStatus() throws Exception {
        String id = newId();
        compute.start(request(id, 2, 4, null));
        String name = "dms-mlflow-" + id + "-a";
        assertTrue(compute.isLive(id));
        // unready (its database is down) but still progressing: the kubelet's probes handle the pod, no replacement
        FakeDeploymentController.outcomes.put(name, FakeDeploymentController.Outcome.UNTOUCHED);
        k8s().apps().deployments().inNamespace(NS).withName(name).editStatus(d -> {
            d.getStatus().setAvailableReplicas(0);
            d.getStatus().setReadyReplicas(0);
            return d;
        });
        assertTrue(compute.isRunning(id));
        assertTrue(compute.isLive(id), "unavailable while progressing is no verdict");
        k8s().apps().deployments().inNamespace(NS).withName(name).editStatus(d -> {
            d.setStatus(FakeDeploymentController.gaveUp(d));
            return d;
        });
        assertTrue(compute.isRunning(id));
        assertFalse(compute.isLive(id), "a rollout past its deadline is not live");

        // the watcher replaces it: a new Deployment that becomes available
        FakeDeploymentController.outcomes.remove(name);
        String uid = deployment(name).getMetadata().getUid();
        ComputeAddress a = compute.replace(request(id, 2, 4, null).withPreferredPort(5000));
        assertEquals(5000, a.port());
        assertNotEquals(uid, deployment(name).getMetadata().getUid());
        assertTrue(compute.isLive(id));
    }

    @Test
    void theCredentialsEndpointServesTheKubernetesProvidersPodsOnlyWithTheirSecret() throws Exception {
        String id = newId();
        compute.start(request(id, 2, 4, null));
        String path = "/compute/instances/" + id + "/storage-credentials";
        given().get(path).then().statusCode(401).header("WWW-Authenticate", StorageCredentialsResource.SECRET_HEADER);
        given().header(StorageCredentialsResource.SECRET_HEADER, "not-the-secret").get(path).then().statusCode(401);
        String other = decoded(secret("dms-mlflow-" + id + "-a"), "DMS_TRACKING_OSS_CREDENTIALS_SECRET");
        given().header(StorageCredentialsResource.SECRET_HEADER, other).get("/compute/instances/" + newId() + "/storage-credentials")
                .then().statusCode(401);
    }
}
