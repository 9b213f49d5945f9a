package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.application.Reconciler;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole service with {@code dms.network.provider=kubernetes} against a real Kubernetes API server (local-infra's
 * {@code LocalKubernetes}: kube-apiserver and etcd, which validate, version and store what they are sent and run nothing:
 * {@link FakeLoadBalancerController} plays the Deployment controller and the cloud's load balancer controller). Every
 * assertion reads the objects back from that server.
 */
@QuarkusTest
@TestProfile(KubernetesProviderIT.Kubernetes.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = FakeLoadBalancerController.class, restrictToAnnotatedClass = true)
class KubernetesProviderIT {

    static final String NS = FakeLoadBalancerController.NAMESPACE;
    static final String IMAGE = "registry.example/nginx-unprivileged:1.27.4-alpine";

    /** The service with the kubernetes provider, pointed at the API server by {@link FakeLoadBalancerController}; a reconciliation every second. */
    public static class Kubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("dms.network.provider", "kubernetes"),
                    Map.entry("dms.network.kubernetes.namespace", NS),
                    Map.entry("dms.network.kubernetes.image", IMAGE),
                    Map.entry("dms.network.kubernetes.poll-interval", "20ms"),
                    Map.entry("dms.network.kubernetes.ready-timeout", "10s"),
                    Map.entry("dms.network.kubernetes.reconcile-interval", "1s"),
                    Map.entry("dms.network.kubernetes.service-annotations.\"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type\"",
                            "intranet"));
        }
    }

    @Inject
    NetworkService service;
    @Inject
    Reconciler reconciler;

    static KubernetesClient k8s() {
        return FakeLoadBalancerController.client;
    }

    static String newId() {
        return "mlf-k8s-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ConfigMap configMap(String id) {
        return k8s().configMaps().inNamespace(NS).withName(KubernetesLoadBalancers.name(id)).get();
    }

    static Deployment deployment(String id) {
        return k8s().apps().deployments().inNamespace(NS).withName(KubernetesLoadBalancers.name(id)).get();
    }

    static Service service(String id) {
        return k8s().services().inNamespace(NS).withName(KubernetesLoadBalancers.name(id)).get();
    }

    static String checksum(String id) {
        return deployment(id).getSpec().getTemplate().getMetadata().getAnnotations().get(KubernetesLoadBalancers.CONFIG_CHECKSUM);
    }

    /** Waits (polling the API server) until {@code done} holds. */
    static void until(Supplier<Boolean> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Boolean.TRUE.equals(done.get())) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.onSpinWait();
            Thread.sleep(20);
        }
    }

    private void provision(String ws, String id) {
        Steps.run(id, () -> service.onInstanceRequested(new InstanceRequested(id, ws, "n", null, "vpc-local", "vsw-local-a",
                "vsw-local-b", "sg-local-basic", "b", "p-" + id, "2C4G", null, Instant.now())));
    }

    private void release(String ws, String id) {
        Steps.run(id, () -> service.onReleaseRequested(new InstanceReleaseRequested(id, ws, null, Instant.now())));
    }

    /** instance-service's default {@code dms.compute.kubernetes.load-balancer.pod-selector}, read from its source. */
    static Map<String, String> computeSideSelector() throws Exception {
        Path source = Path.of("..", "instance-service", "src", "main", "java", "dev", "dmsmlflow", "instance", "provider", "compute",
                "kubernetes", "KubernetesComputeConfig.java");
        String text = Files.readString(source);
        Matcher m = Pattern.compile("@WithDefault\\(\"([^\"]*)\"\\)\\s*String podSelector\\(\\)").matcher(text);
        assertTrue(m.find(), "no pod-selector default in " + source);
        return KubernetesLoadBalancers.selector(m.group(1));
    }

    @Test
    void aLoadBalancerIsADeploymentAConfigMapAndALoadBalancerServiceWithTheAcl() throws Exception {
        String ws = "ws-k8s-1";
        ServiceTokens.viewerOf(ws).get("/networks/auth-modes").then().statusCode(200)
                .body("authModes", equalTo(List.of("network"))); // the tracking servers do not check tokens by default here
        String id = newId();
        provision(ws, id);
        String name = KubernetesLoadBalancers.name(id);
        String address = FakeLoadBalancerController.addresses.get(name);
        assertNotNull(address);
        ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("ACTIVE"))
                .body("vpcAddress", equalTo(address)).body("vpcPort", equalTo(80)).body("loadBalancerId", equalTo(name));

        // deny-all: no allow line, and the cloud's load balancer admits no source either
        ConfigMap cm = configMap(id);
        assertEquals("", cm.getData().get("acl"));
        String conf = cm.getData().get("nginx.conf");
        assertFalse(conf.contains("allow "), conf);
        assertTrue(conf.contains("deny all;"), conf);
        Service svc = service(id);
        assertEquals("LoadBalancer", svc.getSpec().getType());
        assertEquals("Local", svc.getSpec().getExternalTrafficPolicy(), "the client's source address reaches nginx");
        assertEquals(List.of(KubernetesLoadBalancers.NO_SOURCE), svc.getSpec().getLoadBalancerSourceRanges());
        assertEquals("intranet", svc.getMetadata().getAnnotations().get("service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"));
        assertEquals(80, svc.getSpec().getPorts().get(0).getPort());
        assertEquals("http", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());

        // the pods: what instance-service's NetworkPolicy admits to the tracking server, hardened
        Deployment d = deployment(id);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        computeSideSelector().forEach((k, v) -> assertEquals(v, podLabels.get(k), "pod label " + k));
        assertEquals(podLabels, svc.getSpec().getSelector());
        assertEquals(d.getSpec().getSelector().getMatchLabels(), podLabels);
        assertNotEquals("dms-mlflow", podLabels.get("app.kubernetes.io/managed-by"),
                "instance-service's cleanup and orphan removal select managed-by=dms-mlflow: never ours");
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(101L, pod.getSecurityContext().getRunAsUser());
        Container c = pod.getContainers().get(0);
        assertEquals(IMAGE, c.getImage());
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals(NginxConfig.HEALTH_PATH, c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(NginxConfig.HEALTH_PATH, c.getLivenessProbe().getHttpGet().getPath());
        assertNotNull(c.getResources().getRequests().get("cpu"));
        assertNotNull(c.getResources().getLimits().get("memory"));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")
                && pod.getVolumes().stream().anyMatch(v -> v.getName().equals(m.getName()) && v.getEmptyDir() != null)), "an emptyDir for /tmp");
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/dms-lb") && Boolean.TRUE.equals(m.getReadOnly())
                && pod.getVolumes().stream().anyMatch(v -> v.getName().equals(m.getName()) && v.getConfigMap() != null
                && name.equals(v.getConfigMap().getName()))), "the ConfigMap mounted read-only");
        assertEquals(List.of("nginx", "-e", "stderr", "-c", "/etc/dms-lb/nginx.conf", "-g", "daemon off;"), c.getCommand());
        assertEquals(0, d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        // the pods it would make are admitted where the "restricted" Pod Security Standard is enforced (the namespace's
        // label): the API server's PodSecurity admission judges a Pod of the template, made as a dry run
        k8s().pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name + "-pss").withLabels(podLabels)
                .endMetadata().withSpec(pod).build()).dryRun().create();

        // an ACL entry: in the ConfigMap's nginx configuration, in the Service's source ranges, and the pods roll
        String before = checksum(id);
        long generationBefore = FakeLoadBalancerController.generation(deployment(id));
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("cidr", "10.20.3.4/16"))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200);
        cm = configMap(id);
        assertEquals("10.20.0.0/16\n", cm.getData().get("acl"));
        assertTrue(cm.getData().get("nginx.conf").contains("allow 10.20.0.0/16;"), cm.getData().get("nginx.conf"));
        assertEquals(List.of("10.20.0.0/16"), service(id).getSpec().getLoadBalancerSourceRanges());
        String afterAdd = checksum(id);
        assertNotEquals(before, afterAdd, "a changed configuration rolls the pods");
        assertEquals(KubernetesLoadBalancers.sha256(cm.getData().get("nginx.conf")), afterAdd);
        Deployment rolled = deployment(id);
        assertTrue(FakeLoadBalancerController.generation(rolled) > generationBefore, "a new template: " + rolled.getMetadata());
        assertTrue(KubernetesLoadBalancers.rolledOut(rolled), "the call answered after the rollout of that template: " + rolled.getStatus());

        // the tracking server's Service as the backend
        String backendHost = "dms-mlflow-" + id + "-a.dms-mlflow-instances.svc.cluster.local";
        Steps.run(id, () -> service.onInstanceDeployed(new InstanceDeployed(id, ws, new Backend(backendHost, 5000), "db", Instant.now())));
        ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).body("backendRegistered", equalTo(true))
                .body("serverGroupId", equalTo(name));
        cm = configMap(id);
        assertEquals(backendHost + ":5000", cm.getData().get("backend"));
        assertTrue(cm.getData().get("nginx.conf").contains("server " + backendHost + ":5000;"), cm.getData().get("nginx.conf"));
        assertTrue(cm.getData().get("nginx.conf").contains("allow 10.20.0.0/16;"), "the ACL is kept");

        // a removal takes it out of both again
        ServiceTokens.editorOf(ws).when().delete("/networks/" + id + "/acl/entries?cidr=10.20.0.0/16").then().statusCode(200);
        assertEquals("", configMap(id).getData().get("acl"));
        assertFalse(configMap(id).getData().get("nginx.conf").contains("allow "));
        assertEquals(List.of(KubernetesLoadBalancers.NO_SOURCE), service(id).getSpec().getLoadBalancerSourceRanges());

        release(ws, id);
        ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("RELEASED"));
        assertNull(configMap(id));
        assertNull(deployment(id));
        assertNull(service(id));
    }

    @Test
    void deletedOrChangedObjectsComeBackAndOrphansGo() throws Exception {
        String ws = "ws-k8s-2";
        String id = newId();
        provision(ws, id);
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("cidr", "192.168.5.0/24"))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200);
        String backendHost = "dms-mlflow-" + id + "-a.dms-mlflow-instances.svc.cluster.local";
        Steps.run(id, () -> service.onInstanceDeployed(new InstanceDeployed(id, ws, new Backend(backendHost, 5000), "db", Instant.now())));
        String name = KubernetesLoadBalancers.name(id);

        // deleted by hand: the periodic reconciliation makes them again, with the ACL and backend of the database
        k8s().apps().deployments().inNamespace(NS).withName(name).delete();
        k8s().services().inNamespace(NS).withName(name).delete();
        k8s().configMaps().inNamespace(NS).withName(name).delete();
        until(() -> deployment(id) != null && service(id) != null && configMap(id) != null, "the objects of " + id + " back");
        assertEquals("192.168.5.0/24\n", configMap(id).getData().get("acl"));
        assertEquals(backendHost + ":5000", configMap(id).getData().get("backend"));
        assertEquals(List.of("192.168.5.0/24"), service(id).getSpec().getLoadBalancerSourceRanges());
        assertEquals(KubernetesLoadBalancers.sha256(configMap(id).getData().get("nginx.conf")), checksum(id));

        // opened to everyone by hand: put back
        k8s().configMaps().inNamespace(NS).withName(name).edit(m -> new ConfigMapBuilder(m)
                .addToData("nginx.conf", m.getData().get("nginx.conf").replace("deny all;", "allow all;")).build());
        k8s().services().inNamespace(NS).withName(name).edit(s -> new ServiceBuilder(s).editSpec()
                .withLoadBalancerSourceRanges("0.0.0.0/0").endSpec().build());
        until(() -> configMap(id).getData().get("nginx.conf").contains("deny all;")
                && List.of("192.168.5.0/24").equals(service(id).getSpec().getLoadBalancerSourceRanges()), "the ACL of " + id + " put back");

        // orphans: the objects of an instance the database does not know (or released) go; instance-service's stay
        String gone = "mlf-gone-" + UUID.randomUUID().toString().substring(0, 8);
        Deployment orphan = new DeploymentBuilder(deployment(id)).editMetadata().withName(KubernetesLoadBalancers.name(gone))
                .withResourceVersion(null).withUid(null).addToAnnotations(KubernetesLoadBalancers.INSTANCE_ID, gone)
                .addToLabels(KubernetesLoadBalancers.OF, gone).endMetadata().withStatus(null).build();
        k8s().apps().deployments().inNamespace(NS).resource(orphan).create();
        k8s().configMaps().inNamespace(NS).resource(new ConfigMapBuilder(configMap(id)).editMetadata()
                .withName(KubernetesLoadBalancers.name(gone)).withResourceVersion(null).withUid(null)
                .addToAnnotations(KubernetesLoadBalancers.INSTANCE_ID, gone).endMetadata().build()).create();
        Deployment computes = new DeploymentBuilder().withNewMetadata().withName("dms-mlflow-" + gone + "-a")
                .addToLabels("app.kubernetes.io/managed-by", "dms-mlflow").addToLabels("dms-mlflow/instance", gone).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("dms-mlflow/instance", gone).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("dms-mlflow/instance", gone).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("x:1").endContainer().endSpec().endTemplate().endSpec().build();
        k8s().apps().deployments().inNamespace(NS).resource(computes).create();
        until(() -> k8s().apps().deployments().inNamespace(NS).withName(KubernetesLoadBalancers.name(gone)).get() == null
                && k8s().configMaps().inNamespace(NS).withName(KubernetesLoadBalancers.name(gone)).get() == null, "the orphans removed");
        assertNotNull(k8s().apps().deployments().inNamespace(NS).withName("dms-mlflow-" + gone + "-a").get(),
                "a tracking server's Deployment is not ours to remove");
        assertNotNull(deployment(id), "a live instance's load balancer stays");
        assertTrue(reconciler.reconcile() >= 1, "the reconciler looks at the ACTIVE network");
        release(ws, id);
        assertNull(deployment(id));
    }

    @Test
    void aLoadBalancerWhosePodsNeverGetReadyFailsTheProvisioningAndLeavesNothing() {
        String ws = "ws-k8s-3";
        String id = newId();
        FakeLoadBalancerController.neverReady.add(KubernetesLoadBalancers.name(id));
        provision(ws, id);
        ServiceTokens.editorOf(ws).when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("FAILED"))
                .body("failure.code", equalTo("LOAD_BALANCER_CREATION_FAILED"));
        assertNull(deployment(id));
        assertNull(service(id));
        assertNull(configMap(id));
    }
}
