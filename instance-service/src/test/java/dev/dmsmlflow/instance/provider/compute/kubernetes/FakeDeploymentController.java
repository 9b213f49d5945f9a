package dev.dmsmlflow.instance.provider.compute.kubernetes;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Plays the Deployment controller and the kubelet, which fabric8's mock API server does not run: every Deployment of the test
 * namespace that is created or changed gets the status of one available, up-to-date replica, unless the test said otherwise
 * for its name (its pod never gets ready: the rollout gives up). Started as the mock server's setup, before the service
 * under test starts, so that its startup reconcile sees servers come up too.
 */
public class FakeDeploymentController implements Consumer<KubernetesServer> {

    static final String NAMESPACE = "mlflow-test";

    /** What the "cluster" does with a Deployment of that name. */
    enum Outcome {
        /** One replica becomes available. */
        AVAILABLE,
        /** Its pod never passes the readiness probe: the rollout gives up at its progress deadline. */
        NEVER_READY,
        /** The test sets the status itself. */
        UNTOUCHED
    }

    static final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    static volatile KubernetesServer server;

    @Override
    public void accept(KubernetesServer s) {
        server = s;
        KubernetesClient client = s.getClient();
        client.apps().deployments().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    settle(client, d);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // the server stops with the test class
            }
        });
    }

    private static void settle(KubernetesClient client, Deployment d) {
        String name = d.getMetadata().getName();
        Outcome outcome = outcomes.getOrDefault(name, Outcome.AVAILABLE);
        if (outcome == Outcome.UNTOUCHED
                || outcome == Outcome.AVAILABLE && KubernetesCompute.available(d)
                || outcome == Outcome.NEVER_READY && d.getStatus() != null && d.getStatus().getConditions() != null
                && d.getStatus().getConditions().stream().anyMatch(c -> "Progressing".equals(c.getType()) && "False".equals(c.getStatus()))) {
            return; // settled: no write, so no new event
        }
        try {
            client.apps().deployments().inNamespace(NAMESPACE).withName(name).editStatus(current -> {
                current.setStatus(outcome == Outcome.AVAILABLE ? availableStatus(current) : gaveUp(current));
                return current;
            });
        } catch (KubernetesClientException e) {
            // deleted or changed meanwhile: the next event settles it
        }
    }

    /** One replica of the current template, ready and available. */
    static DeploymentStatus availableStatus(Deployment d) {
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        return new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas)
                .withConditions(List.of(
                        new DeploymentConditionBuilder().withType("Available").withStatus("True").withReason("MinimumReplicasAvailable").build(),
                        new DeploymentConditionBuilder().withType("Progressing").withStatus("True").withReason("NewReplicaSetAvailable").build()))
                .build();
    }

    /** A pod that never passed its readiness probe, and a rollout past its progress deadline. */
    static DeploymentStatus gaveUp(Deployment d) {
        return new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(0).withAvailableReplicas(0).withUnavailableReplicas(1)
                .withConditions(List.of(
                        new DeploymentConditionBuilder().withType("Available").withStatus("False").withReason("MinimumReplicasUnavailable").build(),
                        new DeploymentConditionBuilder().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                                .withMessage("ReplicaSet has timed out progressing.").build()))
                .build();
    }
}
