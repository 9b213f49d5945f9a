package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NetworkPolicy of a kubernetes load balancer's pods, read back from the real API server (local-infra's
 * {@code LocalKubernetes}, with {@link FakeLoadBalancerController} playing the controllers): who may reach the pods (the ACL's blocks on the proxy port, nobody for an empty ACL)
 * and what they may reach (the cluster DNS, their own tracking server pods on the backend's port), kept in line with ACL
 * changes and backend registrations, put back by the reconciliation, removed with the instance.
 */
@QuarkusTest
@TestProfile(KubernetesProviderIT.Kubernetes.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = FakeLoadBalancerController.class, restrictToAnnotatedClass = true)
class KubernetesNetworkPolicyIT {

    static final String NS = FakeLoadBalancerController.NAMESPACE;

    @Inject
    NetworkService service;

    static KubernetesClient k8s() {
        return FakeLoadBalancerController.client;
    }

    static NetworkPolicy policy(String id) {
        return k8s().network().v1().networkPolicies().inNamespace(NS).withName(KubernetesLoadBalancers.name(id)).get();
    }

    private void provision(String ws, String id) {
        Steps.run(id, () -> service.onInstanceRequested(new InstanceRequested(id, ws, "n", null, "vpc-local", "vsw-local-a",
                "vsw-local-b", "sg-local-basic", "b", "p-" + id, "2C4G", null, Instant.now())));
    }

    private void deployed(String ws, String id, int port) {
        String host = "dms-mlflow-" + id + "-a.dms-mlflow-instances.svc.cluster.local";
        Steps.run(id, () -> service.onInstanceDeployed(new InstanceDeployed(id, ws, new Backend(host, port), "db", Instant.now())));
    }

    /** The labels instance-service's kubernetes compute selects an instance's tracking server pods by, read from its source. */
    static Map<String, String> trackingServerSelector(String instanceId) throws Exception {
        Path source = Path.of("..", "instance-service", "src", "main", "java", "dev", "dmsmlflow", "instance", "provider", "compute",
                "kubernetes", "KubernetesCompute.java");
        String text = Files.readString(source);
        // its NetworkPolicy selects the pods by instanceLabels(id): MANAGED_BY=MANAGER and INSTANCE=the instance label
        assertTrue(text.contains(".withPodSelector(labels(instanceLabels(id)))"), "instance-service selects its pods otherwise now");
        return Map.of(constant(text, "MANAGED_BY"), constant(text, "MANAGER"), constant(text, "INSTANCE"), instanceId);
    }

    private static String constant(String source, String name) {
        Matcher m = Pattern.compile("static final String " + name + " = \"([^\"]*)\";").matcher(source);
        assertTrue(m.find(), "no constant " + name);
        return m.group(1);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        NetworkPolicyPort p = new NetworkPolicyPort();
        p.setProtocol(protocol);
        p.setPort(new IntOrString(port));
        return p;
    }

    @Test
    void thePodsAdmitOnlyTheAclAndReachOnlyDnsAndTheirTrackingServer() throws Exception {
        String ws = "ws-k8s-np-1";
        String id = "mlf-np-" + UUID.randomUUID().toString().substring(0, 8);
        provision(ws, id);
        NetworkPolicy p = policy(id);
        assertNotNull(p, "a NetworkPolicy with the load balancer");
        var podLabels = k8s().apps().deployments().inNamespace(NS).withName(KubernetesLoadBalancers.name(id)).get()
                .getSpec().getTemplate().getMetadata().getLabels();
        assertEquals(podLabels, p.getSpec().getPodSelector().getMatchLabels(), "it guards this load balancer's pods");
        assertEquals(List.of("Ingress", "Egress"), p.getSpec().getPolicyTypes());
        assertTrue(p.getSpec().getIngress().isEmpty(), "an empty ACL admits nobody: " + p.getSpec().getIngress());
        // before a backend: DNS only
        assertEquals(1, p.getSpec().getEgress().size(), p.getSpec().getEgress().toString());
        NetworkPolicyEgressRule dns = p.getSpec().getEgress().get(0);
        assertEquals(Map.of("k8s-app", "kube-dns"), dns.getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(Map.of("kubernetes.io/metadata.name", "kube-system"), dns.getTo().get(0).getNamespaceSelector().getMatchLabels());
        assertEquals(List.of(port("UDP", 53), port("TCP", 53)), dns.getPorts());

        // two ACL entries: the only sources, on nginx's port
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON)
                .body(Map.of("entries", List.of(Map.of("cidr", "10.20.3.4/16"), Map.of("cidr", "192.168.7.9"))))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200);
        p = policy(id);
        assertEquals(1, p.getSpec().getIngress().size());
        assertEquals(List.of("10.20.0.0/16", "192.168.7.9/32"),
                p.getSpec().getIngress().get(0).getFrom().stream().map(f -> f.getIpBlock().getCidr()).toList());
        assertTrue(p.getSpec().getIngress().get(0).getFrom().stream().allMatch(f -> f.getPodSelector() == null
                && f.getNamespaceSelector() == null), "addresses only, no pods");
        assertEquals(List.of(port("TCP", KubernetesLoadBalancers.PROXY_PORT)), p.getSpec().getIngress().get(0).getPorts());

        // the backend: its own tracking server pods (instance-service's labels), on the backend's port
        deployed(ws, id, 5000);
        p = policy(id);
        assertEquals(2, p.getSpec().getEgress().size(), p.getSpec().getEgress().toString());
        NetworkPolicyEgressRule tracking = p.getSpec().getEgress().get(1);
        assertEquals(1, tracking.getTo().size());
        assertEquals(trackingServerSelector(id), tracking.getTo().get(0).getPodSelector().getMatchLabels());
        assertNull(tracking.getTo().get(0).getNamespaceSelector(), "the tracking servers' namespace is the load balancers' one");
        assertEquals(List.of(port("TCP", 5000)), tracking.getPorts());

        // a resize's second server on the next port: once the pods rolled, only that port
        deployed(ws, id, 5001);
        assertEquals(List.of(port("TCP", 5001)), policy(id).getSpec().getEgress().get(1).getPorts());

        // a removal takes the source out again; the last one leaves no rule (nobody)
        ServiceTokens.editorOf(ws).when().delete("/networks/" + id + "/acl/entries?cidr=10.20.0.0/16").then().statusCode(200);
        assertEquals(List.of("192.168.7.9/32"),
                policy(id).getSpec().getIngress().get(0).getFrom().stream().map(f -> f.getIpBlock().getCidr()).toList());
        ServiceTokens.editorOf(ws).when().delete("/networks/" + id + "/acl/entries?cidr=192.168.7.9").then().statusCode(200);
        assertTrue(policy(id).getSpec().getIngress().isEmpty());

        Steps.run(id, () -> service.onReleaseRequested(new InstanceReleaseRequested(id, ws, null, Instant.now())));
        assertNull(policy(id), "removed with the instance");
    }

    @Test
    void aDeletedOrOpenedPolicyIsPutBackAndAnOrphanGoes() throws Exception {
        String ws = "ws-k8s-np-2";
        String id = "mlf-np-" + UUID.randomUUID().toString().substring(0, 8);
        provision(ws, id);
        ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(Map.of("cidr", "172.16.4.0/24"))
                .when().post("/networks/" + id + "/acl/entries").then().statusCode(200);
        deployed(ws, id, 5000);
        NetworkPolicy wanted = policy(id);
        String name = KubernetesLoadBalancers.name(id);

        k8s().network().v1().networkPolicies().inNamespace(NS).withName(name).delete();
        KubernetesProviderIT.until(() -> policy(id) != null, "the policy of " + id + " back");
        assertEquals(wanted.getSpec(), policy(id).getSpec());

        // opened to every source by hand: put back
        k8s().network().v1().networkPolicies().inNamespace(NS).withName(name).edit(np -> new NetworkPolicyBuilder(np).editSpec()
                .editFirstIngress().withFrom(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr("0.0.0.0/0").endIpBlock().build())
                .endIngress().endSpec().build());
        KubernetesProviderIT.until(() -> wanted.getSpec().equals(policy(id).getSpec()), "the policy of " + id + " put back");

        // the policy of an instance the database does not know goes
        String gone = "mlf-gone-" + UUID.randomUUID().toString().substring(0, 8);
        k8s().network().v1().networkPolicies().inNamespace(NS).resource(new NetworkPolicyBuilder(wanted).editMetadata()
                .withName(KubernetesLoadBalancers.name(gone)).withResourceVersion(null).withUid(null)
                .addToAnnotations(KubernetesLoadBalancers.INSTANCE_ID, gone).addToLabels(KubernetesLoadBalancers.OF, gone)
                .endMetadata().build()).create();
        KubernetesProviderIT.until(() -> policy(gone) == null, "the orphan policy removed");
        assertNotNull(policy(id), "a live instance's policy stays");
        Steps.run(id, () -> service.onReleaseRequested(new InstanceReleaseRequested(id, ws, null, Instant.now())));
        assertNull(policy(id));
    }
}
