package dev.dmsmlflow.notebook.provider.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Plays the scheduler and the kubelet, which fabric8's mock API server does not run: every Pod of the test namespace that is
 * created gets an address and the status of a ready JupyterLab (its init container done), unless the test said otherwise for
 * its name (the package installation fails). Started as the mock server's setup, before the service under test starts.
 */
public class FakePodController implements Consumer<KubernetesServer> {

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
    static volatile KubernetesServer server;

    @Override
    public void accept(KubernetesServer s) {
        server = s;
        KubernetesClient client = s.getClient();
        client.pods().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod p) {
                if (action == Action.ADDED) {
                    settle(client, p);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // the server stops with the test class
            }
        });
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
