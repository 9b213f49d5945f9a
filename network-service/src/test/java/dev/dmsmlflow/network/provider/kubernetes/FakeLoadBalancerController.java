package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.infra.LocalKubernetes;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test's Kubernetes: the JVM's real API server ({@link LocalKubernetes}) with the namespace {@value #NAMESPACE}, and this
 * class playing what that server does not run, writing through the status subresource: the Deployment controller with its
 * kubelets (every replica of the current template becomes available, unless the test names the Deployment in
 * {@link #neverReady}) and the cloud's load balancer controller (a Service of type LoadBalancer gets an address in {@code status.loadBalancer.ingress}, one per
 * Service name, kept across updates). Started as a test resource, before the service under test starts.
 */
public class FakeLoadBalancerController implements QuarkusTestResourceLifecycleManager {

    static final String NAMESPACE = "dms-lb-test";

    /** Deployments whose pods never pass their readiness probe. */
    static final Set<String> neverReady = ConcurrentHashMap.newKeySet();
    /** The address handed to each Service (by name). */
    static final Map<String, String> addresses = new ConcurrentHashMap<>();
    private static final AtomicInteger next = new AtomicInteger(10);
    /** The namespace's label that has the API server admit only Pods meeting that Pod Security Standard. */
    static final String PSS_ENFORCE = "pod-security.kubernetes.io/enforce";
    /** The tests' client, as the API server's super user. */
    static volatile KubernetesClient client;
    private final java.util.List<Watch> watches = new java.util.ArrayList<>();

    @Override
    public Map<String, String> start() {
        LocalKubernetes kube = LocalKubernetes.shared();
        kube.ensureNamespace(NAMESPACE, Map.of(PSS_ENFORCE, "restricted"));
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(kube.url())
                .withOauthToken(kube.token()).withCaCertFile(kube.caCertificateFile().toString()).withNamespace(NAMESPACE).build())
                .build();
        FakeLoadBalancerController.client = client;
        watches.add(client.apps().deployments().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    settle(client, d);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // closed at stop
            }
        }));
        watches.add(client.services().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Service svc) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    address(client, svc);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // closed at stop
            }
        }));
        return kube.quarkusConfig(NAMESPACE);
    }

    @Override
    public void stop() {
        watches.forEach(Watch::close);
        if (client != null) {
            client.close();
        }
    }

    static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }

    private static void settle(KubernetesClient client, Deployment d) {
        String name = d.getMetadata().getName();
        if (neverReady.contains(name) || d.getStatus() != null && d.getStatus().getObservedGeneration() != null
                && d.getStatus().getObservedGeneration() == generation(d)) {
            return; // settled (or never will be): no write, so no new event
        }
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        try {
            client.apps().deployments().inNamespace(NAMESPACE).withName(name).editStatus(current -> {
                current.setStatus(new DeploymentStatusBuilder().withObservedGeneration(generation(current))
                        .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas)
                        .withAvailableReplicas(replicas).build());
                return current;
            });
        } catch (KubernetesClientException e) {
            // deleted or changed meanwhile: the next event settles it
        }
    }

    private static void address(KubernetesClient client, Service svc) {
        if (!"LoadBalancer".equals(svc.getSpec().getType()) || KubernetesLoadBalancers.address(svc) != null) {
            return;
        }
        String name = svc.getMetadata().getName();
        String ip = addresses.computeIfAbsent(name, n -> "203.0.113." + next.getAndIncrement());
        try {
            client.services().inNamespace(NAMESPACE).withName(name).editStatus(current -> {
                current.setStatus(new ServiceStatusBuilder().withNewLoadBalancer()
                        .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().build());
                return current;
            });
        } catch (KubernetesClientException e) {
            // deleted or changed meanwhile
        }
    }
}
