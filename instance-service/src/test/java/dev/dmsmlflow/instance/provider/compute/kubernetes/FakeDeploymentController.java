package dev.dmsmlflow.instance.provider.compute.kubernetes;

import dev.dmsmlflow.infra.LocalKubernetes;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import dev.dmsmlflow.instance.support.Eventually;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.time.Duration;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The test's Kubernetes: the JVM's real API server ({@link LocalKubernetes}) with the namespace {@value #NAMESPACE}, and this
 * class playing the Deployment controller and the kubelet, which that server does not run: every Deployment of the namespace
 * that is created or changed gets, through the status subresource, the status of one available, up-to-date replica, unless
 * the test said otherwise for its name (its pod never gets ready: the rollout gives up). Started as a test resource, before
 * the service under test starts, so that its startup reconcile sees servers come up too.
 */
public class FakeDeploymentController implements QuarkusTestResourceLifecycleManager {

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
    /** The namespace's label that has the API server admit only Pods meeting that Pod Security Standard. */
    static final String PSS_ENFORCE = "pod-security.kubernetes.io/enforce";
    /** The tests' client, as the API server's super user. */
    static volatile KubernetesClient client;
    /**
     * A NetworkPolicy labelled as an instance's that the service does not know, made before the service starts: its startup
     * reconcile removes it once it has listed every kind (NetworkPolicies last).
     */
    static final String STARTUP_CANARY = "dms-mlflow-canary-" + UUID.randomUUID().toString().substring(0, 8);
    private Watch watch;

    /**
     * Waits until the service's startup reconcile has listed every kind: it removes every object of ours whose instance it
     * does not know, PodDisruptionBudgets last, and so the canary budget; a test makes objects only after that.
     */
    static void awaitStartupReconcile() {
        Eventually.until(() -> client.policy().v1().podDisruptionBudget().inNamespace(NAMESPACE).withName(STARTUP_CANARY)
                .get() == null, Duration.ofSeconds(60), "the startup reconcile");
    }

    @Override
    public Map<String, String> start() {
        LocalKubernetes kube = LocalKubernetes.shared();
        kube.ensureNamespace(NAMESPACE, Map.of(PSS_ENFORCE, "restricted"));
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(kube.url())
                .withOauthToken(kube.token()).withCaCertFile(kube.caCertificateFile().toString()).withNamespace(NAMESPACE).build())
                .build();
        // the canary is of the kind the startup reconcile lists last (PodDisruptionBudgets), so its removal says the
        // reconcile has listed every kind; a canary of an earlier test class of this JVM is replaced
        var budgets = client.policy().v1().podDisruptionBudget().inNamespace(NAMESPACE);
        budgets.withName(STARTUP_CANARY).delete();
        budgets.resource(new PodDisruptionBudgetBuilder().withNewMetadata()
                .withName(STARTUP_CANARY).addToLabels(KubernetesCompute.MANAGED_BY, KubernetesCompute.MANAGER)
                .addToLabels(KubernetesCompute.INSTANCE, "canary-" + UUID.randomUUID()).endMetadata()
                .withNewSpec().withMinAvailable(new IntOrString(0)).withNewSelector().addToMatchLabels("app", "nothing")
                .endSelector().endSpec().build()).create();
        KubernetesClient c = client;
        watch = c.apps().deployments().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    settle(c, d);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // closed at stop
            }
        });
        return kube.quarkusConfig(NAMESPACE);
    }

    @Override
    public void stop() {
        if (watch != null) {
            watch.close();
        }
        if (client != null) {
            client.close();
        }
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
            // deleted or changed meanwhile (a conflict): the next event settles it
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
