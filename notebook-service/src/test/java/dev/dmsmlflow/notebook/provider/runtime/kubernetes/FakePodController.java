package dev.dmsmlflow.notebook.provider.runtime.kubernetes;

import dev.dmsmlflow.infra.LocalKubernetes;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test's Kubernetes: the JVM's real API server ({@link LocalKubernetes}) with the namespace {@value #NAMESPACE}, and this
 * class playing the scheduler and the kubelet, which that server does not run: every Pod of the namespace that is created
 * gets, through the status subresource, an address and the status of a ready JupyterLab (its init container done), unless
 * the test said otherwise for its name (the package installation fails). Started as a test resource, before the service
 * under test starts.
 */
public class FakePodController implements QuarkusTestResourceLifecycleManager {

    static final String NAMESPACE = "notebooks-test";
    static final String PIP_ERROR = "ERROR: No matching distribution found for nosuchpkg-dms";

    /** What the "cluster" does with a Pod of that name. */
    enum Outcome {
        /** Scheduled, packages installed, JupyterLab ready. */
        READY,
        /** The init container's pip fails; the kubelet retries it in a back-off. */
        PACKAGES_FAIL
    }

    static final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    static final AtomicInteger addresses = new AtomicInteger(10);
    /** The namespace's label that has the API server admit only Pods meeting that Pod Security Standard. */
    static final String PSS_ENFORCE = "pod-security.kubernetes.io/enforce";
    /** The tests' client, as the API server's super user. */
    static volatile KubernetesClient client;
    /**
     * A NetworkPolicy labelled as a session's that the service does not know, made before the service starts: its startup
     * reconcile removes it once it has listed every kind (NetworkPolicies last).
     */
    static final String STARTUP_CANARY = "dms-nb-canary-" + UUID.randomUUID().toString().substring(0, 8);
    private Watch watch;

    @Override
    public Map<String, String> start() {
        LocalKubernetes kube = LocalKubernetes.shared();
        kube.ensureNamespace(NAMESPACE, Map.of(PSS_ENFORCE, "restricted"));
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(kube.url())
                .withOauthToken(kube.token()).withCaCertFile(kube.caCertificateFile().toString()).withNamespace(NAMESPACE).build())
                .build();
        FakePodController.client = client;
        client.network().v1().networkPolicies().inNamespace(NAMESPACE).resource(new NetworkPolicyBuilder().withNewMetadata()
                .withName(STARTUP_CANARY).addToLabels(KubernetesRuntime.MANAGED_BY, KubernetesRuntime.MANAGER)
                .addToLabels(KubernetesRuntime.APP, KubernetesRuntime.APP_NAME)
                .addToLabels(KubernetesRuntime.SESSION, "canary-" + UUID.randomUUID()).endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "nothing").endPodSelector().endSpec().build()).create();
        watch = client.pods().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (action == Action.ADDED) {
                    settle(client, p);
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

    private static void settle(KubernetesClient client, Pod p) {
        String name = p.getMetadata().getName();
        Outcome outcome = outcomes.getOrDefault(name, Outcome.READY);
        try {
            client.pods().inNamespace(NAMESPACE).withName(name).editStatus(current -> {
                current.setStatus(outcome == Outcome.READY ? ready() : packagesFail());
                return current;
            });
        } catch (KubernetesClientException e) {
            // deleted meanwhile
        }
    }

    static PodStatus ready() {
        return new PodStatusBuilder().withPhase("Running").withPodIP("10.244.1." + addresses.incrementAndGet())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build())
                .withInitContainerStatuses(new ContainerStatusBuilder().withName(KubernetesRuntime.INIT_CONTAINER).withReady(true)
                        .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").endTerminated().endState().build())
                .withContainerStatuses(new ContainerStatusBuilder().withName(KubernetesRuntime.CONTAINER).withReady(true)
                        .withNewState().withNewRunning().endRunning().endState().build())
                .build();
    }

    static PodStatus packagesFail() {
        return new PodStatusBuilder().withPhase("Pending").withPodIP("10.244.1." + addresses.incrementAndGet())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus("False").build())
                .withInitContainerStatuses(new ContainerStatusBuilder().withName(KubernetesRuntime.INIT_CONTAINER).withReady(false)
                        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                        .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").withMessage(PIP_ERROR)
                        .endTerminated().endLastState().build())
                .build();
    }
}
