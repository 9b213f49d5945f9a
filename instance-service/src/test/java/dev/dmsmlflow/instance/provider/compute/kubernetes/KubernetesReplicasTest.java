package dev.dmsmlflow.instance.provider.compute.kubernetes;

import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.support.Eventually;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several replicas of each tracking server ({@code dms.compute.kubernetes.tracking-server-replicas=3}) with the kubernetes
 * compute, against the real API server of local-infra's {@code LocalKubernetes} ({@link FakeDeploymentController} plays the
 * Deployment controller):
 * the Deployment's replica count and spread over nodes, the instance's PodDisruptionBudget (made, repaired, kept through a
 * resize, removed with the instance and as an orphan), and readiness only once every replica is available.
 */
@QuarkusTest
@TestProfile(KubernetesReplicasTest.ThreeReplicas.class)
@QuarkusTestResource(value = FakeDeploymentController.class, restrictToAnnotatedClass = true)
class KubernetesReplicasTest {

    static final String NS = FakeDeploymentController.NAMESPACE;
    static final String DIGEST = "ab".repeat(32);

    /** The service with the kubernetes compute provider and three replicas per tracking server. */
    public static class ThreeReplicas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("dms.compute.provider", "kubernetes"),
                    Map.entry("dms.compute.kubernetes.namespace", NS),
                    Map.entry("dms.compute.kubernetes.image", "registry.example/dms/tracking-server:1.0"),
                    Map.entry("dms.compute.kubernetes.tracking-server-replicas", "3"),
                    Map.entry("dms.compute.kubernetes.poll-interval", "20ms"),
                    Map.entry("dms.compute.kubernetes.health-timeout", "20s"),
                    Map.entry("dms.compute.kubernetes.credentials-url", "http://instance-service.dms-mlflow:8081"),
                    Map.entry("dms.compute.kubernetes.tokens-url", "http://network-service.dms-mlflow:8082"),
                    Map.entry("dms.compute.kubernetes.load-balancer.pod-selector", "app.kubernetes.io/name=dms-lb"),
                    Map.entry("dms.compute.kubernetes.egress.database.cidrs", "10.0.8.0/24"),
                    Map.entry("dms.compute.kubernetes.egress.object-storage.cidrs", "100.118.28.0/24"));
        }
    }

    @Inject
    Compute compute;

    @BeforeEach
    void startupReconcileDone() {
        FakeDeploymentController.awaitStartupReconcile();
    }

    static KubernetesClient k8s() {
        return KubernetesComputeTest.k8s();
    }

    static ComputeRequest request(String id) {
        return new ComputeRequest(id, "mlflow.medium", 2, 4, "jdbc:postgresql://10.0.8.5:5432/mlflow_" + id.replace('-', '_'),
                "mlflow_u" + id.substring(0, 8), "pw-" + UUID.randomUUID(), "team-bucket", "ws-1/" + id, null, null, DIGEST,
                "vsw-a", "vsw-b", "sg-1");
    }

    static Deployment deployment(String name) {
        return KubernetesComputeTest.deployment(name);
    }

    static PodDisruptionBudget budget(String id) {
        return k8s().policy().v1().podDisruptionBudget().inNamespace(NS).withName("dms-mlflow-" + id).get();
    }

    @Test
    void threeReplicasSpreadOverNodesWithABudgetThatKeepsTwo() throws Exception {
        String id = UUID.randomUUID().toString();
        String name = "dms-mlflow-" + id + "-a";
        ComputeAddress address = compute.start(request(id));
        assertEquals(new ComputeAddress(name + "." + NS + ".svc.cluster.local", 5000), address,
                "one address for all replicas: the Service's");

        Deployment d = deployment(name);
        assertEquals(3, d.getSpec().getReplicas());
        assertEquals(3, d.getStatus().getAvailableReplicas(), "start returned once all three were available");
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        List<TopologySpreadConstraint> spread = d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints();
        TopologySpreadConstraint byNode = spread.stream().filter(c -> c.getTopologyKey().equals("kubernetes.io/hostname"))
                .findFirst().orElseThrow();
        assertEquals(1, byNode.getMaxSkew());
        assertEquals("DoNotSchedule", byNode.getWhenUnsatisfiable(), "never two on a node while another node can take one");
        assertEquals(List.of("pod-template-hash"), byNode.getMatchLabelKeys());
        Map<String, String> selected = byNode.getLabelSelector().getMatchLabels();
        assertTrue(podLabels.entrySet().containsAll(selected.entrySet()), "the constraint selects the Deployment's own pods");
        assertEquals(d.getSpec().getSelector().getMatchLabels(), selected, "and only those of this slot");
        TopologySpreadConstraint byZone = spread.stream().filter(c -> c.getTopologyKey().equals("topology.kubernetes.io/zone"))
                .findFirst().orElseThrow();
        assertEquals("ScheduleAnyway", byZone.getWhenUnsatisfiable());

        PodDisruptionBudget pdb = budget(id);
        assertNotNull(pdb, "a PodDisruptionBudget for the instance");
        assertEquals(2, pdb.getSpec().getMinAvailable().getIntVal(), "a drain may take one replica at a time");
        assertNull(pdb.getSpec().getMaxUnavailable());
        Map<String, String> budgeted = pdb.getSpec().getSelector().getMatchLabels();
        assertEquals(Map.of("app.kubernetes.io/managed-by", "dms-mlflow", "dms-mlflow/instance", id), budgeted);
        assertTrue(podLabels.entrySet().containsAll(budgeted.entrySet()), "it covers the tracking server's pods");
        assertEquals(id, pdb.getMetadata().getLabels().get("dms-mlflow/instance"));

        compute.stop(id);
        assertNull(budget(id), "removed with the instance");
        assertNull(deployment(name));
    }

    @Test
    void aDeletedBudgetIsRepairedByReconcileAndAnOrphanRemoved() throws Exception {
        String id = UUID.randomUUID().toString();
        ComputeRequest req = request(id);
        compute.start(req);
        k8s().policy().v1().podDisruptionBudget().inNamespace(NS).withName("dms-mlflow-" + id).delete();
        Eventually.until(() -> budget(id) == null, Duration.ofSeconds(10), "the budget deleted");

        compute.reconcile(List.of(req), List.of());
        PodDisruptionBudget back = budget(id);
        assertNotNull(back, "reconcile made it again");
        assertEquals(2, back.getSpec().getMinAvailable().getIntVal());

        // an instance nobody wants any more: its budget goes with its other objects
        compute.reconcile(List.of(), List.of());
        assertNull(budget(id), "an orphan budget is removed");
        assertNull(deployment("dms-mlflow-" + id + "-a"));
    }

    @Test
    void theBudgetStaysThroughAResizeAndGoesWithTheLastServer() throws Exception {
        String id = UUID.randomUUID().toString();
        ComputeRequest req = request(id);
        ComputeAddress first = compute.start(req);
        ComputeAddress second = compute.startSuccessor(req, first.port());
        assertEquals(3, deployment("dms-mlflow-" + id + "-b").getSpec().getReplicas(), "the new size runs three replicas too");
        compute.retireAllBut(id, second.port());
        assertNull(deployment("dms-mlflow-" + id + "-a"));
        assertNotNull(budget(id), "the budget covers the server that serves now");
        compute.retireAllBut(id, first.port()); // the one that serves goes: nothing of the instance is left to budget
        assertNull(budget(id));
    }

    @Test
    void aDeploymentIsAvailableOnlyWhenEveryReplicaIs() {
        Deployment d = new DeploymentBuilder().withNewMetadata().withName("x").withGeneration(2L).endMetadata()
                .withNewSpec().withReplicas(3).endSpec()
                .withStatus(new DeploymentStatusBuilder().withObservedGeneration(2L).withReplicas(3).withUpdatedReplicas(3)
                        .withReadyReplicas(2).withAvailableReplicas(2).build())
                .build();
        assertFalse(KubernetesCompute.available(d), "two of three is not ready yet");
        d.getStatus().setAvailableReplicas(3);
        d.getStatus().setUpdatedReplicas(2);
        assertFalse(KubernetesCompute.available(d), "one replica still runs the old template");
        d.getStatus().setUpdatedReplicas(3);
        assertTrue(KubernetesCompute.available(d));
    }
}
