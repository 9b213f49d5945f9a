package dev.dmsmlflow.notebook.provider.runtime.kubernetes;

import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.RuntimeFailure;
import dev.dmsmlflow.notebook.provider.runtime.RuntimeRequest;
import dev.dmsmlflow.notebook.support.Eventually;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kubernetes runtime inside the service, against a real Kubernetes API server (local-infra's {@code LocalKubernetes}:
 * kube-apiserver and etcd, which validate, version and store what they are sent and run nothing: {@link FakePodController}
 * gives Pods an address and a status). Every assertion reads the objects back from that server.
 */
@QuarkusTest
@TestProfile(KubernetesRuntimeTest.Kubernetes.class)
@QuarkusTestResource(value = FakePodController.class, restrictToAnnotatedClass = true)
class KubernetesRuntimeTest {

    static final String NS = FakePodController.NAMESPACE;
    static final String IMAGE = "registry.example/dms/notebook-py311:1.1.0";
    static final String BASE = "/api/v1/workspaces/%s/notebook-sessions/%s/jupyter/";

    /** The service with the kubernetes runtime (pointed at the API server by {@link FakePodController}). */
    public static class Kubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("dms.notebook.runtime", "kubernetes"),
                    Map.entry("dms.notebook.kubernetes.namespace", NS),
                    Map.entry("dms.notebook.kubernetes.images.\"Python3.11:1.1.0\"", IMAGE),
                    Map.entry("dms.notebook.kubernetes.poll-interval", "20ms"),
                    Map.entry("dms.notebook.kubernetes.start-timeout", "20s"),
                    Map.entry("dms.notebook.kubernetes.storage-classes.nas", "nas-csi"),
                    Map.entry("dms.notebook.kubernetes.service-namespace-selector", "kubernetes.io/metadata.name=dms-mlflow"),
                    Map.entry("dms.notebook.kubernetes.egress.load-balancer-cidrs", "10.0.8.0/24"),
                    Map.entry("dms.notebook.kubernetes.egress.load-balancer-pod-selector", "app.kubernetes.io/component=load-balancer"),
                    Map.entry("dms.notebook.kubernetes.egress.load-balancer-namespace-selector", "kubernetes.io/metadata.name=mlflow-lb"),
                    Map.entry("dms.notebook.kubernetes.egress.https-cidrs", "100.100.0.0/16"));
        }
    }

    @Inject
    NotebookRuntime runtime;
    @Inject
    NotebookConfig config;
    @Inject
    KubernetesClient serviceClient;

    @BeforeEach
    void startupReconcileDone() {
        // the worker's reconcile at startup removes every session object the database does not know: it must have listed
        // (NetworkPolicies are listed last) before a test makes objects. It removes the canary when it has.
        Eventually.await(() -> k8s().network().v1().networkPolicies().inNamespace(NS).withName(FakePodController.STARTUP_CANARY)
                .get() == null, Duration.ofSeconds(60), () -> "the startup reconcile never removed the canary NetworkPolicy");
    }

    static KubernetesClient k8s() {
        return FakePodController.client;
    }

    static RuntimeRequest request(String id, String workspace, Storage storage, List<String> packages, Map<String, String> env,
                                  Map<String, String> managed) {
        return new RuntimeRequest(id, workspace, "Python3.11:1.1.0", "3.11", List.of("numpy", "mlflow"), packages, env, managed, 2, 8,
                storage, "10.1.0.7", String.format(BASE, workspace, id), false);
    }

    static RuntimeRequest simple(String id) {
        return request(id, "ws-k8s", Storage.TEMPORARY, List.of(), Map.of(), Map.of());
    }

    static NotebookRuntime.Progress ignore() {
        return (phase, message) -> { };
    }

    static String name(String id) {
        return KubernetesRuntime.name(id);
    }

    static Pod pod(String id) {
        return k8s().pods().inNamespace(NS).withName(name(id)).get();
    }

    static Secret secret(String id) {
        return k8s().secrets().inNamespace(NS).withName(name(id)).get();
    }

    static NetworkPolicy policy(String id) {
        return k8s().network().v1().networkPolicies().inNamespace(NS).withName(name(id)).get();
    }

    static String decoded(Secret s, String key) {
        String v = s.getData().get(key);
        return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    static Container jupyter(Pod p) {
        assertEquals(1, p.getSpec().getContainers().size());
        return p.getSpec().getContainers().get(0);
    }

    static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    /** What of the session's objects exists on the server: "Kind/name". */
    static Set<String> objectsOf(String id) {
        Map<String, String> labels = Map.of(KubernetesRuntime.MANAGED_BY, KubernetesRuntime.MANAGER, KubernetesRuntime.SESSION, id);
        Set<String> all = new TreeSet<>();
        k8s().pods().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        k8s().secrets().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        k8s().network().v1().networkPolicies().inNamespace(NS).withLabels(labels).list().getItems().forEach(o -> all.add(key(o)));
        return all;
    }

    static String key(HasMetadata o) {
        return o.getKind() + "/" + o.getMetadata().getName();
    }

    @Test
    void theRuntimeIsKubernetes() {
        assertEquals("kubernetes", config.runtime());
        assertTrue(runtime.limits().contains("Kubernetes"), runtime.limits());
    }

    @Test
    void theNamespaceAdmitsOnlyPodsMeetingTheRestrictedPodSecurityStandard() {
        // every session's Pod in these tests is made there, so each start shows that its Pod meets the standard; this shows
        // the standard is enforced: a Pod that may run as root and keeps its capabilities is refused
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> k8s().pods().inNamespace(NS)
                .resource(new PodBuilder().withNewMetadata().withName("rooted-" + UUID.randomUUID().toString().substring(0, 8))
                        .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x:1").endContainer().endSpec().build())
                .dryRun().create());
        assertEquals(403, e.getCode(), e.getMessage());
        assertTrue(e.getMessage().contains("violates PodSecurity \"restricted:latest\""), e.getMessage());
    }

    @Test
    void aSessionIsANonRootPodOnAReadOnlyRootWithItsSizeImageAndProbes() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        List<String> phases = new ArrayList<>();
        NotebookRuntime.Started started = runtime.start(simple(id), (phase, message) -> phases.add(phase.name()));
        assertEquals(8888, started.port());
        assertTrue(started.limits().startsWith("2 vCPU, 8 GiB"), started.limits());
        assertTrue(phases.contains("ENVIRONMENT"), phases.toString());

        Pod p = pod(id);
        assertNotNull(p);
        assertEquals(Map.of("app.kubernetes.io/managed-by", "dms-mlflow", "app.kubernetes.io/name", "notebook-session",
                "dms-mlflow/session", id, "dms-mlflow/workspace", "ws-k8s"), p.getMetadata().getLabels());
        assertEquals(Boolean.FALSE, p.getSpec().getAutomountServiceAccountToken());
        assertEquals(Boolean.TRUE, p.getSpec().getSecurityContext().getRunAsNonRoot());
        assertEquals(1000L, p.getSpec().getSecurityContext().getRunAsUser());
        assertEquals(100L, p.getSpec().getSecurityContext().getFsGroup());
        List<Container> all = new ArrayList<>(p.getSpec().getInitContainers());
        all.addAll(p.getSpec().getContainers());
        assertEquals(2, all.size());
        for (Container c : all) {
            assertEquals(IMAGE, c.getImage(), "the catalogue image's container image");
            assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
            assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
            assertEquals(new Quantity("2"), c.getResources().getLimits().get("cpu"));
            assertEquals(new Quantity("8Gi"), c.getResources().getLimits().get("memory"));
            assertEquals(c.getResources().getLimits(), c.getResources().getRequests());
            // every writable path is a volume: the home, the work dir (storage), the packages and /tmp
            Set<String> writable = c.getVolumeMounts().stream().filter(m -> !Boolean.TRUE.equals(m.getReadOnly()))
                    .map(VolumeMount::getMountPath).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(Set.of("/home/jovyan", "/home/jovyan/work", "/opt/dms/packages", "/tmp"), writable);
        }
        Container c = jupyter(p);
        String base = String.format(BASE, "ws-k8s", id);
        assertTrue(c.getCommand().contains("--ServerApp.base_url=" + base), c.getCommand().toString());
        assertEquals(base + "api", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(base + "api", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals(8888, c.getPorts().get(0).getContainerPort());

        Map<String, Volume> volumes = p.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertNotNull(volumes.get("work").getEmptyDir(), "temporary storage is an emptyDir: new at every start");
        assertNull(volumes.get("work").getPersistentVolumeClaim());
        assertEquals(name(id), volumes.get("session").getSecret().getSecretName());
        assertEquals(Set.of("wiring.json", "ipython-startup.py", "requirements.txt"), volumes.get("session").getSecret().getItems()
                .stream().map(i -> i.getKey()).collect(Collectors.toSet()), "only the files, not the variables, are mounted");
        runtime.stop(id);
    }

    @Test
    void theEnvironmentIsASecretThePodOnlyRefersTo() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        runtime.start(request(id, "ws-k8s", Storage.TEMPORARY, List.of("scikit-learn==1.5.2"),
                Map.of("DASHSCOPE_API_KEY", "sk-secret-value-1"), Map.of("MLFLOW_TRACKING_URI", "http://10.0.8.5:80")), ignore());
        Secret s = secret(id);
        assertEquals("sk-secret-value-1", decoded(s, "DASHSCOPE_API_KEY"));
        assertEquals("http://10.0.8.5:80", decoded(s, "MLFLOW_TRACKING_URI"));
        assertEquals("{\"MLFLOW_TRACKING_URI\":\"http://10.0.8.5:80\"}", decoded(s, "wiring.json"));
        assertEquals("numpy\nmlflow\nscikit-learn==1.5.2\n", decoded(s, "requirements.txt"));
        String token = decoded(s, "JUPYTER_TOKEN");
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), "256 random bits");
        assertTrue(decoded(s, "ipython-startup.py").contains("DMS_SESSION_WIRING"));
        assertEquals("ws-k8s", s.getMetadata().getLabels().get("dms-mlflow/workspace"));

        Pod p = pod(id);
        for (Container c : List.of(jupyter(p), p.getSpec().getInitContainers().get(0))) {
            Map<String, EnvVar> env = env(c);
            for (String key : List.of("DASHSCOPE_API_KEY", "MLFLOW_TRACKING_URI", "JUPYTER_TOKEN")) {
                EnvVar e = env.get(key);
                assertNull(e.getValue(), key + " is never a literal value");
                assertEquals(name(id), e.getValueFrom().getSecretKeyRef().getName());
                assertEquals(key, e.getValueFrom().getSecretKeyRef().getKey());
            }
            assertEquals(Boolean.TRUE, env.get("MLFLOW_TRACKING_URI").getValueFrom().getSecretKeyRef().getOptional());
        }
        String podJson = k8s().getKubernetesSerialization().asJson(p);
        assertFalse(podJson.contains("sk-secret-value-1"));
        assertFalse(podJson.contains(token));

        // a new tracking URI reaches the Secret (its mounted wiring file), and its removal too
        runtime.wire(id, Map.of("MLFLOW_TRACKING_URI", "http://10.0.8.9:80"));
        assertEquals("http://10.0.8.9:80", decoded(secret(id), "MLFLOW_TRACKING_URI"));
        assertEquals("{\"MLFLOW_TRACKING_URI\":\"http://10.0.8.9:80\"}", decoded(secret(id), "wiring.json"));
        runtime.wire(id, Map.of());
        assertNull(decoded(secret(id), "MLFLOW_TRACKING_URI"));
        assertEquals("{}", decoded(secret(id), "wiring.json"));
        assertEquals(token, decoded(secret(id), "JUPYTER_TOKEN"), "the token stays while the Pod runs");
        runtime.stop(id);
    }

    @Test
    void theNetworkPolicyAdmitsOnlyNotebookServiceAndLetsOutOnlyDnsTheLoadBalancersAndHttps() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        runtime.start(simple(id), ignore());
        NetworkPolicy np = policy(id);
        assertEquals(List.of("Ingress", "Egress"), np.getSpec().getPolicyTypes());
        assertEquals(Map.of("app.kubernetes.io/managed-by", "dms-mlflow", "app.kubernetes.io/name", "notebook-session",
                "dms-mlflow/session", id), np.getSpec().getPodSelector().getMatchLabels());
        assertEquals(1, np.getSpec().getIngress().size());
        NetworkPolicyIngressRule in = np.getSpec().getIngress().get(0);
        assertEquals(1, in.getFrom().size());
        assertEquals(Map.of("app.kubernetes.io/name", "notebook-service"), in.getFrom().get(0).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "dms-mlflow"), in.getFrom().get(0).getNamespaceSelector().getMatchLabels());
        assertEquals(List.of("TCP/8888"), in.getPorts().stream().map(pt -> pt.getProtocol() + "/" + pt.getPort().getIntVal()).toList());

        List<NetworkPolicyEgressRule> out = np.getSpec().getEgress();
        assertEquals(4, out.size());
        assertEquals(Map.of("k8s-app", "kube-dns"), out.get(0).getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(List.of("UDP/53", "TCP/53"), out.get(0).getPorts().stream().map(pt -> pt.getProtocol() + "/" + pt.getPort().getIntVal()).toList());
        assertEquals("10.0.8.0/24", out.get(1).getTo().get(0).getIpBlock().getCidr());
        assertEquals(List.of("TCP/80"), out.get(1).getPorts().stream().map(pt -> pt.getProtocol() + "/" + pt.getPort().getIntVal()).toList());
        // the load balancers' pods (network-service's kubernetes provider), on their own port
        assertEquals(Map.of("app.kubernetes.io/component", "load-balancer"), out.get(2).getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "mlflow-lb"), out.get(2).getTo().get(0).getNamespaceSelector().getMatchLabels());
        assertEquals(List.of("TCP/8080"), out.get(2).getPorts().stream().map(pt -> pt.getProtocol() + "/" + pt.getPort().getIntVal()).toList());
        assertEquals("100.100.0.0/16", out.get(3).getTo().get(0).getIpBlock().getCidr());
        assertEquals(List.of("TCP/443"), out.get(3).getPorts().stream().map(pt -> pt.getProtocol() + "/" + pt.getPort().getIntVal()).toList());
        runtime.stop(id);
        assertEquals(Set.of(), objectsOf(id), "stop removes the Pod, its Secret and its NetworkPolicy");
    }

    @Test
    void anyReplicaFindsTheSessionsAddressAndTokenOnTheApiServer() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        runtime.start(simple(id), ignore());
        NotebookRuntime.Endpoint here = runtime.endpoint(id).orElseThrow();
        String ip = pod(id).getStatus().getPodIP();
        assertEquals("http://" + ip + ":8888" + String.format(BASE, "ws-k8s", id), here.baseUri().toString());
        assertEquals(decoded(secret(id), "JUPYTER_TOKEN"), here.token());
        // another replica: a runtime that started nothing, with only the API server in common
        KubernetesRuntime other = new KubernetesRuntime(config, serviceClient);
        NotebookRuntime.Endpoint there = other.endpoint(id).orElseThrow();
        assertEquals(here.baseUri(), there.baseUri());
        assertEquals(here.token(), there.token());
        assertTrue(other.alive(id));
        other.stop(id);
        assertTrue(runtime.endpoint(id).isEmpty() || pod(id) == null, "gone for every replica");
        assertNull(pod(id));
        assertTrue(new KubernetesRuntime(config, serviceClient).endpoint(id).isEmpty());
    }

    @Test
    void startingARunningUnchangedSessionAdoptsItsPod() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        runtime.start(simple(id), ignore());
        String uid = pod(id).getMetadata().getUid();
        String token = decoded(secret(id), "JUPYTER_TOKEN");
        runtime.start(simple(id), ignore());
        assertEquals(uid, pod(id).getMetadata().getUid(), "the same Pod");
        assertEquals(token, decoded(secret(id), "JUPYTER_TOKEN"));
        // a changed session (another size) gets a new Pod and a new token
        RuntimeRequest bigger = new RuntimeRequest(id, "ws-k8s", "Python3.11:1.1.0", "3.11", List.of(), List.of(), Map.of(), Map.of(),
                4, 16, Storage.TEMPORARY, "10.1.0.7", String.format(BASE, "ws-k8s", id), false);
        runtime.start(bigger, ignore());
        assertNotEquals(uid, pod(id).getMetadata().getUid());
        assertNotEquals(token, decoded(secret(id), "JUPYTER_TOKEN"));
        assertEquals(new Quantity("4"), jupyter(pod(id)).getResources().getLimits().get("cpu"));
        runtime.stop(id);
    }

    @Test
    void persistentStorageIsAClaimOfTheWorkspaceThatOutlivesTheSession() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        String fs = "fs-" + UUID.randomUUID().toString().substring(0, 8);
        Storage storage = Storage.parse("nas://" + fs + "/team/data");
        runtime.start(request(id, "ws-k8s", storage, List.of(), Map.of(), Map.of()), ignore());
        String claim = KubernetesRuntime.claimName(storage);
        PersistentVolumeClaim pvc = k8s().persistentVolumeClaims().inNamespace(NS).withName(claim).get();
        assertNotNull(pvc);
        assertEquals("ws-k8s", pvc.getMetadata().getLabels().get("dms-mlflow/workspace"));
        assertNull(pvc.getMetadata().getLabels().get("dms-mlflow/session"), "not the session's: it stays when the session goes");
        assertEquals("nas-csi", pvc.getSpec().getStorageClassName());
        assertEquals(new Quantity("10Gi"), pvc.getSpec().getResources().getRequests().get("storage"));
        Pod p = pod(id);
        Volume work = p.getSpec().getVolumes().stream().filter(v -> v.getName().equals("work")).findFirst().orElseThrow();
        assertEquals(claim, work.getPersistentVolumeClaim().getClaimName());
        VolumeMount mount = jupyter(p).getVolumeMounts().stream().filter(m -> m.getName().equals("work")).findFirst().orElseThrow();
        assertEquals("team/data", mount.getSubPath());
        assertEquals("/home/jovyan/work", mount.getMountPath());

        runtime.discard(id);
        assertEquals(Set.of(), objectsOf(id));
        assertNotNull(k8s().persistentVolumeClaims().inNamespace(NS).withName(claim).get(), "persistent storage stays");

        // another workspace cannot mount that volume
        String foreign = UUID.randomUUID().toString();
        RuntimeFailure f = assertThrows(RuntimeFailure.class, () -> runtime.start(
                request(foreign, "ws-other", Storage.parse("nas://" + fs + "/elsewhere"), List.of(), Map.of(), Map.of()), ignore()));
        assertEquals("STORAGE_NOT_OWNED", f.code());
        assertEquals(Set.of(), objectsOf(foreign), "nothing left of the refused start");
    }

    @Test
    void aPackageThatCannotBeInstalledFailsTheStartWithPipsMessageAndLeavesNothing() {
        String id = UUID.randomUUID().toString();
        FakePodController.outcomes.put(name(id), FakePodController.Outcome.PACKAGES_FAIL);
        RuntimeFailure f = assertThrows(RuntimeFailure.class, () -> runtime.start(
                request(id, "ws-k8s", Storage.TEMPORARY, List.of("nosuchpkg-dms"), Map.of(), Map.of()), ignore()));
        assertEquals("PACKAGES_FAILED", f.code());
        assertTrue(f.getMessage().contains(FakePodController.PIP_ERROR), f.getMessage());
        assertEquals(Set.of(), objectsOf(id));
    }

    @Test
    void reconcileBringsBackADeletedPodOfARunningSessionAndRemovesOrphans() throws RuntimeFailure {
        String running = UUID.randomUUID().toString();
        String starting = UUID.randomUUID().toString();
        String orphan = UUID.randomUUID().toString();
        runtime.start(simple(running), ignore());
        runtime.start(simple(starting), ignore());
        runtime.start(simple(orphan), ignore());
        Pod before = pod(running);
        k8s().pods().inNamespace(NS).withName(name(running)).delete();
        Eventually.await(() -> pod(running) == null, Duration.ofSeconds(10), () -> "the Pod was not deleted");

        String lostOne = UUID.randomUUID().toString(); // RUNNING in the database, nothing of it on the cluster
        assertEquals(List.of(lostOne), List.copyOf(runtime.reconcile(List.of(running, lostOne), List.of(starting))));

        Pod after = pod(running);
        assertNotNull(after, "the running session's Pod is back");
        assertNotEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
        assertEquals(before.getSpec().getContainers(), after.getSpec().getContainers(), "made from the same definition");
        assertEquals(3, objectsOf(running).size());
        assertEquals(3, objectsOf(starting).size(), "a session in progress (perhaps on another replica) is left alone");
        assertEquals(Set.of(), objectsOf(orphan), "a session that should not run loses its Pod, Secret and NetworkPolicy");

        // objects of ours that no session owns go too; a foreign Pod without our labels stays
        // someone else's Pod (meeting the namespace's Pod Security Standard, or it is not admitted)
        k8s().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("someone-else").endMetadata()
                .withNewSpec().withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault")
                .endSeccompProfile().endSecurityContext().addNewContainer().withName("x").withImage("busybox").withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .endContainer().endSpec().build()).create();
        k8s().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("dms-nb-stray")
                .withLabels(Map.of(KubernetesRuntime.MANAGED_BY, KubernetesRuntime.MANAGER, KubernetesRuntime.APP, KubernetesRuntime.APP_NAME,
                        KubernetesRuntime.SESSION, "stray")).endMetadata().build()).create();
        runtime.reconcile(List.of(running), List.of());
        assertNull(k8s().secrets().inNamespace(NS).withName("dms-nb-stray").get());
        assertNotNull(k8s().pods().inNamespace(NS).withName("someone-else").get());
        assertEquals(Set.of(), objectsOf(starting));
        runtime.stop(running);
    }

    @Test
    void theIdleCheckOfARunningSessionWhosePodWasDeletedMakesItAgain() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        runtime.start(simple(id), ignore());
        String uid = pod(id).getMetadata().getUid();
        k8s().pods().inNamespace(NS).withName(name(id)).delete();
        Eventually.await(() -> pod(id) == null, Duration.ofSeconds(10), () -> "the Pod was not deleted");
        assertTrue(runtime.alive(id), "not lost: it comes back");
        assertNotNull(pod(id));
        assertNotEquals(uid, pod(id).getMetadata().getUid());
        runtime.stop(id);
        assertFalse(runtime.alive(id), "a stopped session has no copy to come back from");
    }

    @Test
    void aStartedSessionIsAtItsPodsAddressNotTheAllocatedOne() throws RuntimeFailure {
        String id = UUID.randomUUID().toString();
        NotebookRuntime.Started started = runtime.start(simple(id), ignore());
        String ip = pod(id).getStatus().getPodIP();
        assertNotNull(ip);
        assertEquals(ip, started.address(), "the Pod's IP, not the request's " + simple(id).sourceAddress());
        // adopting the running Pod answers its address too
        assertEquals(ip, runtime.start(simple(id), ignore()).address());
        runtime.stop(id);
    }
}
