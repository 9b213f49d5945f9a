package dev.dmsmlflow.network.provider.kubernetes;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names, the ConfigMap's record of the ACL, and when a rollout counts as done. */
class KubernetesLoadBalancersTest {

    static final String DNS_1035 = "[a-z]([-a-z0-9]*[a-z0-9])?";

    @Test
    void namesAreServiceNamesForEveryInstanceId() {
        String uuid = UUID.randomUUID().toString();
        String name = KubernetesLoadBalancers.name(uuid);
        assertEquals("dms-mlflow-lb-" + uuid, name);
        for (String id : List.of(uuid, "Weird_ID!", "weird-id-", "x".repeat(200), "mlf-1")) {
            String n = KubernetesLoadBalancers.name(id);
            assertTrue(n.matches(DNS_1035) && n.length() <= 63, n);
        }
        assertNotEquals(KubernetesLoadBalancers.name("Weird_ID!"), KubernetesLoadBalancers.name("weird-id-"));
        assertTrue(KubernetesLoadBalancers.instanceLabel("Weird_ID!").matches("[a-z0-9]{1,63}"));
    }

    @Test
    void theAclIsKeptNormalizedAndChangesAreIdempotent() {
        var s = new KubernetesLoadBalancers.State(List.of("10.0.0.9/24", "192.168.1.1"), null, null);
        assertEquals(List.of("10.0.0.0/24", "192.168.1.1/32"), List.copyOf(s.acl()));
        var added = s.with(List.of("10.0.0.1/24", "172.16.0.0/12"), List.of());
        assertEquals(List.of("10.0.0.0/24", "172.16.0.0/12", "192.168.1.1/32"), List.copyOf(added.acl()));
        var removed = added.with(List.of(), List.of("192.168.1.1", "8.8.8.8"));
        assertEquals(List.of("10.0.0.0/24", "172.16.0.0/12"), List.copyOf(removed.acl()));
        assertEquals("h:1", removed.backend("h", 1).backendHost() + ":" + removed.backend("h", 1).backendPort());
    }

    static Deployment deployment(long generation, Long observed, int replicas, int updated, int available, int total) {
        return new DeploymentBuilder().withNewMetadata().withName("d").withGeneration(generation).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withObservedGeneration(observed).withUpdatedReplicas(updated).withAvailableReplicas(available)
                .withReplicas(total).endStatus().build();
    }

    @Test
    void aRolloutIsDoneWhenTheCurrentTemplateIsAvailableInFullAndNoOldPodIsLeft() {
        assertTrue(KubernetesLoadBalancers.rolledOut(deployment(3, 3L, 2, 2, 2, 2)));
        assertFalse(KubernetesLoadBalancers.rolledOut(deployment(3, 2L, 2, 2, 2, 2)), "the controller has not seen the new template");
        assertFalse(KubernetesLoadBalancers.rolledOut(deployment(3, 3L, 2, 1, 2, 3)), "one new pod, old ones still serve");
        assertFalse(KubernetesLoadBalancers.rolledOut(deployment(3, 3L, 2, 2, 1, 2)), "a new pod not ready");
        assertFalse(KubernetesLoadBalancers.rolledOut(deployment(3, 3L, 2, 2, 2, 3)), "an old pod still terminating");
        assertFalse(KubernetesLoadBalancers.rolledOut(new DeploymentBuilder().withNewMetadata().withGeneration(1L).endMetadata()
                .withNewSpec().withReplicas(1).endSpec().build()), "no status yet");
    }
}
