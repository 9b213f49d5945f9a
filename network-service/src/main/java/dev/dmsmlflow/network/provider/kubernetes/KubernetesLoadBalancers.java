package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.platform.kubernetes.LabelSelectors;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Load balancers made of Kubernetes objects, one set per instance in one namespace: a ConfigMap holding the instance's ACL,
 * its tracking server's Service and the nginx configuration written from both ({@link NginxConfig}); a Deployment of an
 * unprivileged nginx that mounts it (non-root, read-only root filesystem, an emptyDir for its temporary files, probed on a
 * path nginx answers itself), whose pods carry the labels instance-service's NetworkPolicy admits to the tracking server; a
 * Service of type LoadBalancer with {@code externalTrafficPolicy: Local}, so that nginx sees the client's own address, and
 * the ACL again as {@code loadBalancerSourceRanges}, so the cloud's load balancer refuses what nginx would; a NetworkPolicy
 * that admits to the pods only the ACL's blocks on the proxy port (none for an empty ACL) and lets them reach only the
 * cluster DNS and their own instance's tracking server pods on its port.
 *
 * <p>The ConfigMap is the ACL's record here (as an ALB's ACL is on Alibaba Cloud): a change reads it, changes it and writes
 * it back under its resourceVersion (a lost race is read again), then brings the Deployment and the Service in line; the
 * pod template carries a checksum of the configuration, so a change rolls the pods (a surge pod first: nothing is
 * unavailable meanwhile) and the call returns once the rollout is done: the entry is enforced. Objects are found by name
 * ({@code dms-mlflow-lb-<instance>}) and by label, so whatever a crash left is adopted; {@link #restore} makes a deleted or
 * changed object what it should be again and {@link #removeOrphans} deletes those of instances that are gone.
 */
@ApplicationScoped
@Typed(KubernetesLoadBalancers.class)
public class KubernetesLoadBalancers implements LoadBalancers {

    private static final Logger LOG = Logger.getLogger(KubernetesLoadBalancers.class);

    /** Not instance-service's {@code dms-mlflow}: its selectors (cleanup, orphans, its NetworkPolicy) never match ours. */
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "dms-mlflow-network-service";
    static final String APP = "app.kubernetes.io/name";
    static final String APP_NAME = "dms-mlflow-load-balancer";
    /** Label: which instance the object is the load balancer of (the id, or a digest of an id that is no label value). */
    static final String OF = "dms-mlflow/load-balancer-of";
    /** Annotation: the instance id exactly. */
    static final String INSTANCE_ID = "dms-mlflow/instance-id";
    /** Annotation: a digest of what this service wanted the object to be; an object that still carries it is adopted as is. */
    static final String WANTED = "dms-mlflow/wanted";
    /** Pod template annotation: a digest of the nginx configuration, so a changed ACL or backend rolls the pods. */
    static final String CONFIG_CHECKSUM = "dms-mlflow/config-checksum";

    static final String CONF_KEY = "nginx.conf";
    static final String ACL_KEY = "acl";
    static final String BACKEND_KEY = "backend";
    static final String CONTAINER = "nginx";
    static final String CONF_DIR = "/etc/dms-lb";
    static final String RUN_DIR = "/tmp";
    static final int PROXY_PORT = 8080;
    static final int LISTENER_PORT = 80;
    /**
     * The source range of an empty ACL. No {@code loadBalancerSourceRanges} at all would admit every source at the cloud's
     * load balancer; the broadcast address is never a client's, so this admits none, as the ACL says.
     */
    static final String NO_SOURCE = "255.255.255.255/32";
    /**
     * The labels instance-service's kubernetes compute puts on every tracking server pod and selects them by (its
     * {@code KubernetesCompute.MANAGED_BY}/{@code MANAGER} and {@code INSTANCE}, with the same instance label value as
     * {@link #instanceLabel}): a load balancer pod may reach the pods of its own instance only.
     */
    static final String TRACKING_MANAGER = "dms-mlflow";
    static final String TRACKING_INSTANCE = "dms-mlflow/instance";
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
    private static final int WRITE_TRIES = 5;
    private static final int STRIPES = 64;

    private final NetworkConfig.Kubernetes config;
    private final KubernetesClient client;
    private final Object[] locks = new Object[STRIPES];

    public KubernetesLoadBalancers(NetworkConfig config, KubernetesClient client) {
        this.config = config.kubernetes();
        this.client = client;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    private Object lock(String instanceId) {
        return locks[Math.floorMod(instanceId.hashCode(), STRIPES)];
    }

    // ---- names and labels

    /** The name of the instance's ConfigMap, Deployment and Service: a DNS label starting with a letter. */
    static String name(String instanceId) {
        String id = instanceId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (id.length() > 45 || !id.equals(instanceId) || id.endsWith("-")) {
            String head = id.substring(0, Math.min(id.length(), 30)).replaceAll("-+$", "");
            id = (head.isEmpty() ? "x" : head) + "-" + sha256(instanceId).substring(0, 10);
        }
        return "dms-mlflow-lb-" + id;
    }

    static String instanceLabel(String instanceId) {
        return LABEL_VALUE.matcher(instanceId).matches() ? instanceId : "h" + sha256(instanceId).substring(0, 40);
    }

    /** The pods' labels: the configured ones (what the tracking servers' NetworkPolicy admits) and the instance's. */
    Map<String, String> podLabels(String instanceId) {
        Map<String, String> l = selector(config.podLabels());
        l.put(OF, instanceLabel(instanceId));
        return l;
    }

    private Map<String, String> objectLabels(String instanceId) {
        Map<String, String> l = podLabels(instanceId);
        l.put(MANAGED_BY, MANAGER);
        l.put(APP, APP_NAME);
        return l;
    }

    /** {@code a=b,c=d} as labels. */
    static Map<String, String> selector(String text) {
        return LabelSelectors.parse(text);
    }

    private ObjectMeta meta(String instanceId) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(INSTANCE_ID, instanceId);
        return new ObjectMetaBuilder().withName(name(instanceId)).withNamespace(config.namespace())
                .withLabels(objectLabels(instanceId)).withAnnotations(annotations).build();
    }

    // ---- the state a load balancer holds: its ACL and its backend

    /** What the ConfigMap records: the admitted blocks (normalized, sorted) and the tracking server, if registered. */
    record State(Collection<String> acl, String backendHost, Integer backendPort) {
        State {
            TreeSet<String> blocks = new TreeSet<>();
            acl.forEach(c -> blocks.add(IpBlock.parse(c).toString()));
            acl = java.util.Collections.unmodifiableSet(blocks);
        }

        static final State EMPTY = new State(Set.of(), null, null);

        State with(Collection<String> add, Collection<String> remove) {
            TreeSet<String> next = new TreeSet<>(acl);
            remove.forEach(c -> next.remove(IpBlock.parse(c).toString()));
            add.forEach(c -> next.add(IpBlock.parse(c).toString()));
            return new State(next, backendHost, backendPort);
        }

        State backend(String host, Integer port) {
            return new State(acl, host, port);
        }

        static State of(ConfigMap cm) {
            if (cm == null || cm.getData() == null) {
                return EMPTY;
            }
            Set<String> acl = new TreeSet<>();
            String text = cm.getData().getOrDefault(ACL_KEY, "");
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    acl.add(line.trim());
                }
            }
            String backend = cm.getData().get(BACKEND_KEY);
            if (backend == null || backend.isBlank()) {
                return new State(acl, null, null);
            }
            int colon = backend.lastIndexOf(':');
            return new State(acl, backend.substring(0, colon), Integer.parseInt(backend.substring(colon + 1).trim()));
        }
    }

    NginxConfig.Settings nginxSettings() {
        return new NginxConfig.Settings(Integer.toString(PROXY_PORT), RUN_DIR, "auto", config.maxBodySize(),
                config.connectTimeout(), config.upstreamTimeout());
    }

    private ConfigMap configMap(String instanceId, State s) {
        Map<String, String> data = new TreeMap<>();
        data.put(CONF_KEY, NginxConfig.render(nginxSettings(), s.acl(), s.backendHost(), s.backendPort()));
        data.put(ACL_KEY, s.acl().isEmpty() ? "" : String.join("\n", s.acl()) + "\n");
        if (s.backendHost() != null) {
            data.put(BACKEND_KEY, s.backendHost() + ":" + s.backendPort());
        }
        return new ConfigMapBuilder().withMetadata(meta(instanceId)).withData(data).build();
    }

    // ---- LoadBalancers

    @Override
    public Handle create(Spec spec) throws ProviderException {
        String id = spec.instanceId();
        String name = name(id);
        try {
            change(id, s -> s); // adopts what an interrupted creation made (its ACL included), makes the rest
            String address = awaitReady(id, true);
            LOG.infof("load balancer %s of instance %s answers at %s:%d (ACL denies all)", name, id, address, LISTENER_PORT);
            return new Handle(name, name + ":" + LISTENER_PORT, name, null, address, LISTENER_PORT,
                    List.of(spec.primary().zoneId(), spec.secondary().zoneId()));
        } catch (ProviderException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // the service stops: the step stays pending and adopts these objects when it runs again
            }
            try {
                deleteObjects(id);
            } catch (ProviderException ce) {
                e.addSuppressed(ce);
            }
            if (e instanceof ProviderException pe && pe.code() != NetworkFailureCode.PROVIDER_ERROR) {
                throw pe;
            }
            throw new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED,
                    "load balancer " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void addAclEntries(Network network, List<AclRule> entries) throws ProviderException {
        change(network.instanceId(), s -> s.with(entries.stream().map(AclRule::cidr).toList(), List.of()));
        awaitReady(network.instanceId(), false);
    }

    @Override
    public void removeAclEntries(Network network, List<String> cidrs) throws ProviderException {
        change(network.instanceId(), s -> s.with(List.of(), cidrs));
        awaitReady(network.instanceId(), false);
    }

    @Override
    public String registerBackend(Network network, String host, int port) throws ProviderException {
        change(network.instanceId(), s -> s.backend(host, port)); // the policy admits the old backend's port and the new one
        awaitReady(network.instanceId(), false);
        change(network.instanceId(), s -> s); // every pod proxies to the new backend now: the old port is closed again
        return name(network.instanceId());
    }

    /**
     * Token mode only when the tracking servers check tokens themselves ({@code trackingServersCheckTokens}); nginx passes
     * the {@code Authorization} header on and has nothing to learn of a token change.
     */
    @Override
    public boolean checksTokens() {
        return config.trackingServersCheckTokens();
    }

    @Override
    public void delete(Network network) throws ProviderException {
        deleteObjects(network.instanceId());
        LOG.infof("load balancer %s of instance %s deleted", name(network.instanceId()), network.instanceId());
    }

    /**
     * Makes the instance's objects what the database says (its enforced ACL, its registered backend): a deleted ConfigMap,
     * Deployment, Service or NetworkPolicy comes back, a changed one is put back, an unchanged one is left alone. Does not
     * wait for pods. Answers the network at the Service's address when the cloud gave a Service made again another one
     * (the caller records and announces it); while a new Service has no address yet, the recorded one is kept.
     */
    @Override
    public Network restore(Network n, List<AclRule> entries) throws ProviderException {
        State wanted = new State(entries.stream().map(AclRule::cidr).toList(), n.backendHost(), n.backendPort());
        change(n.instanceId(), s -> wanted);
        Service svc = call(() -> client.services().inNamespace(config.namespace()).withName(name(n.instanceId())).get());
        String address = address(svc);
        if (address != null && !address.equals(n.vpcAddress())) {
            LOG.warnf("the load balancer of %s now answers at %s, not at its recorded address %s (its Service was made again)",
                    n.instanceId(), address, n.vpcAddress());
            return n.withVpcAddress(address, LISTENER_PORT);
        }
        return n;
    }

    @Override
    public Optional<Duration> reconcileInterval() {
        return Optional.of(config.reconcileInterval());
    }

    @Override
    public void removeOrphans(Predicate<String> live) throws ProviderException {
        String ns = config.namespace();
        // listed first, asked about after: an object listed here was made after its network's row committed
        List<HasMetadata> ours = new ArrayList<>();
        ours.addAll(call(() -> client.apps().deployments().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).list().getItems()));
        ours.addAll(call(() -> client.services().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).list().getItems()));
        ours.addAll(call(() -> client.configMaps().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).list().getItems()));
        ours.addAll(call(() -> policies().withLabel(MANAGED_BY, MANAGER).list().getItems()));
        Set<String> gone = new TreeSet<>();
        for (HasMetadata o : ours) {
            Map<String, String> a = o.getMetadata().getAnnotations();
            String id = a == null ? null : a.get(INSTANCE_ID);
            if (id != null && !gone.contains(id) && !live.test(id)) {
                gone.add(id);
            }
        }
        for (String id : gone) {
            synchronized (lock(id)) {
                LOG.infof("removing the orphan load balancer %s of instance %s", name(id), id);
                deleteObjects(id);
            }
        }
    }

    // ---- objects

    private void deleteObjects(String instanceId) throws ProviderException {
        String ns = config.namespace();
        String name = name(instanceId);
        String label = instanceLabel(instanceId);
        synchronized (lock(instanceId)) {
            call(() -> client.services().inNamespace(ns).withName(name).delete());
            call(() -> client.apps().deployments().inNamespace(ns).withName(name).delete());
            call(() -> client.configMaps().inNamespace(ns).withName(name).delete());
            call(() -> policies().withName(name).delete());
            // whatever else carries the instance's label and our mark
            call(() -> client.services().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).withLabel(OF, label).delete());
            call(() -> client.apps().deployments().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).withLabel(OF, label).delete());
            call(() -> client.configMaps().inNamespace(ns).withLabel(MANAGED_BY, MANAGER).withLabel(OF, label).delete());
            call(() -> policies().withLabel(MANAGED_BY, MANAGER).withLabel(OF, label).delete());
        }
    }

    private NonNamespaceOperation<NetworkPolicy, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyList,
            Resource<NetworkPolicy>> policies() {
        return client.network().v1().networkPolicies().inNamespace(config.namespace());
    }

    /**
     * Reads the ConfigMap's state, applies {@code change}, writes it back under the resourceVersion it read (a conflict reads
     * again), then brings the NetworkPolicy (first, so no pod of a new Deployment runs unguarded), the Deployment and the
     * Service in line with it. While the backend's port changes the policy admits the previous port too: the pods that still
     * run the previous configuration keep reaching their tracking server until the rollout replaced them.
     */
    private State change(String instanceId, UnaryOperator<State> change) throws ProviderException {
        synchronized (lock(instanceId)) {
            var maps = client.configMaps().inNamespace(config.namespace());
            String name = name(instanceId);
            for (int attempt = 1; ; attempt++) {
                ConfigMap held = call(() -> maps.withName(name).get());
                State next;
                try {
                    next = change.apply(State.of(held));
                } catch (IllegalArgumentException e) {
                    throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "ConfigMap " + name + ": " + e.getMessage(), e);
                }
                ConfigMap wanted;
                try {
                    wanted = configMap(instanceId, next);
                } catch (IllegalArgumentException e) {
                    throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "load balancer " + name + ": " + e.getMessage(), e);
                }
                try {
                    if (held == null) {
                        maps.resource(wanted).create();
                    } else if (!Objects.equals(held.getData(), wanted.getData())
                            || !Objects.equals(held.getMetadata().getLabels(), wanted.getMetadata().getLabels())) {
                        wanted.getMetadata().setResourceVersion(held.getMetadata().getResourceVersion());
                        maps.resource(wanted).update();
                    }
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 409 && attempt < WRITE_TRIES) {
                        continue; // another writer (a second replica of this service) came first: read its state
                    }
                    throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "cannot write ConfigMap " + name + ": " + e.getMessage(), e);
                }
                String conf = wanted.getData().get(CONF_KEY);
                State previous = State.of(held);
                Integer previousPort = previous.backendPort() != null && !previous.backendPort().equals(next.backendPort())
                        ? previous.backendPort() : null;
                apply(networkPolicy(instanceId, next, previousPort), policies());
                apply(deployment(instanceId, sha256(conf)), client.apps().deployments().inNamespace(config.namespace()));
                apply(service(instanceId, next), client.services().inNamespace(config.namespace()));
                return next;
            }
        }
    }

    Deployment deployment(String instanceId, String configChecksum) {
        String name = name(instanceId);
        Map<String, String> podLabels = podLabels(instanceId);
        Map<String, String> podAnnotations = Map.of(CONFIG_CHECKSUM, configChecksum);
        Probe readiness = probe(2, 3);
        Probe liveness = probe(10, 3);
        return new DeploymentBuilder().withMetadata(meta(instanceId))
                .withNewSpec()
                .withReplicas(config.replicas())
                .withNewSelector().withMatchLabels(podLabels).endSelector()
                .withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(podLabels).withAnnotations(podAnnotations).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(config.runAsUser()).withRunAsGroup(config.runAsUser())
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewTopologySpreadConstraint().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
                .withWhenUnsatisfiable("ScheduleAnyway").withNewLabelSelector().withMatchLabels(podLabels).endLabelSelector()
                .endTopologySpreadConstraint()
                .addNewContainer()
                .withName(CONTAINER).withImage(config.image()).withImagePullPolicy(config.imagePullPolicy())
                .withCommand("nginx", "-e", "stderr", "-c", CONF_DIR + "/" + CONF_KEY, "-g", "daemon off;")
                .addNewPort().withName("http").withContainerPort(PROXY_PORT).withProtocol("TCP").endPort()
                .withReadinessProbe(readiness).withLivenessProbe(liveness)
                .withNewResources()
                .withRequests(Map.of("cpu", new Quantity(config.cpuRequest()), "memory", new Quantity(config.memoryRequest())))
                .withLimits(Map.of("memory", new Quantity(config.memoryLimit())))
                .endResources()
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("config").withMountPath(CONF_DIR).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("run").withMountPath(RUN_DIR).endVolumeMount()
                .endContainer()
                .addNewVolume().withName("config").withNewConfigMap().withName(name).withDefaultMode(0644)
                .addNewItem().withKey(CONF_KEY).withPath(CONF_KEY).endItem().endConfigMap().endVolume()
                .addNewVolume().withName("run").withNewEmptyDir().withSizeLimit(new Quantity("256Mi")).endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec().build();
    }

    private static Probe probe(int period, int failures) {
        return new ProbeBuilder().withNewHttpGet().withPath(NginxConfig.HEALTH_PATH).withPort(new IntOrString("http")).endHttpGet()
                .withPeriodSeconds(period).withTimeoutSeconds(2).withFailureThreshold(failures).build();
    }

    /**
     * The pods' NetworkPolicy. Ingress: only from the ACL's blocks (by the client's own address, which {@code
     * externalTrafficPolicy: Local} keeps), only on the proxy port; an empty ACL is no rule at all, which admits nothing.
     * (Kubelet probes come from the node, which NetworkPolicies do not judge.) Egress: only the cluster DNS, and the
     * instance's tracking server pods on the registered backend's port ({@code previousPort} too while the pods roll from
     * an older backend to a newer one); nothing else before a backend is registered.
     */
    NetworkPolicy networkPolicy(String instanceId, State s, Integer previousPort) {
        List<NetworkPolicyIngressRule> in = new ArrayList<>();
        if (!s.acl().isEmpty()) {
            List<NetworkPolicyPeer> from = s.acl().stream()
                    .map(c -> new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(c).endIpBlock().build()).toList();
            in.add(new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(port("TCP", PROXY_PORT)).build());
        }
        List<NetworkPolicyEgressRule> out = new ArrayList<>();
        out.add(new NetworkPolicyEgressRuleBuilder()
                .addToTo(new NetworkPolicyPeerBuilder()
                        .withNewPodSelector().withMatchLabels(selector(config.dnsPodSelector())).endPodSelector()
                        .withNewNamespaceSelector().withMatchLabels(selector(config.dnsNamespaceSelector())).endNamespaceSelector()
                        .build())
                .withPorts(port("UDP", 53), port("TCP", 53)).build());
        if (s.backendPort() != null) {
            List<NetworkPolicyPort> ports = new ArrayList<>();
            ports.add(port("TCP", s.backendPort()));
            if (previousPort != null && !previousPort.equals(s.backendPort())) {
                ports.add(port("TCP", previousPort));
            }
            out.add(new NetworkPolicyEgressRuleBuilder()
                    .addToTo(new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(trackingServerPods(instanceId))
                            .endPodSelector().build())
                    .withPorts(ports).build());
        }
        return new NetworkPolicyBuilder().withMetadata(meta(instanceId))
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(podLabels(instanceId)).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(in)
                .withEgress(out)
                .endSpec().build();
    }

    /** The labels of the instance's tracking server pods (of both slots of a resize), as instance-service sets them. */
    static Map<String, String> trackingServerPods(String instanceId) {
        Map<String, String> l = new TreeMap<>();
        l.put(MANAGED_BY, TRACKING_MANAGER);
        l.put(TRACKING_INSTANCE, instanceLabel(instanceId));
        return l;
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    Service service(String instanceId, State s) {
        ObjectMeta meta = meta(instanceId);
        meta.getAnnotations().putAll(new TreeMap<>(config.serviceAnnotations()));
        List<String> ranges = s.acl().isEmpty() ? List.of(NO_SOURCE) : List.copyOf(s.acl());
        return new ServiceBuilder().withMetadata(meta)
                .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Local")
                .withSelector(podLabels(instanceId)).withLoadBalancerSourceRanges(ranges)
                .addNewPort().withName("http").withProtocol("TCP").withPort(LISTENER_PORT).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build();
    }

    /**
     * Creates {@code wanted}, or writes it over the object of its name when that no longer carries the digest of what is
     * wanted now (changed by hand, or wanted differently), or adopts it untouched.
     */
    private <T extends HasMetadata, L extends KubernetesResourceList<T>> void apply(T wanted,
            NonNamespaceOperation<T, L, ? extends Resource<T>> op) throws ProviderException {
        String digest = sha256(client.getKubernetesSerialization().asJson(wanted));
        wanted.getMetadata().getAnnotations().put(WANTED, digest);
        String name = wanted.getMetadata().getName();
        for (int attempt = 1; ; attempt++) {
            T existing = call(() -> op.withName(name).get());
            try {
                if (existing == null) {
                    op.resource(wanted).create();
                    return;
                }
                Map<String, String> held = existing.getMetadata().getAnnotations();
                if (held != null && digest.equals(held.get(WANTED)) && !drifted(existing, wanted)) {
                    return;
                }
                wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                if (wanted instanceof Service s && existing instanceof Service e && e.getSpec() != null) {
                    keepAllocated(s, e);
                }
                op.resource(wanted).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < WRITE_TRIES) {
                    continue;
                }
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR,
                        "cannot write " + wanted.getKind() + " " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Whether an object that still carries the digest of what is wanted was changed by hand where it matters: what the
     * Service admits and selects, what the pods run and mount, the whole NetworkPolicy. (The rest of a spec is defaulted by the API server, so it is
     * not compared.)
     */
    static boolean drifted(HasMetadata existing, HasMetadata wanted) {
        if (existing instanceof Service e && wanted instanceof Service w) {
            var es = e.getSpec();
            var ws = w.getSpec();
            return es == null || !Objects.equals(es.getType(), ws.getType())
                    || !Objects.equals(es.getExternalTrafficPolicy(), ws.getExternalTrafficPolicy())
                    || !Objects.equals(es.getLoadBalancerSourceRanges(), ws.getLoadBalancerSourceRanges())
                    || !Objects.equals(es.getSelector(), ws.getSelector());
        }
        if (existing instanceof NetworkPolicy e && wanted instanceof NetworkPolicy w) {
            return !Objects.equals(e.getSpec(), w.getSpec());
        }
        if (existing instanceof Deployment e && wanted instanceof Deployment w) {
            if (e.getSpec() == null || e.getSpec().getTemplate() == null || e.getSpec().getTemplate().getSpec() == null) {
                return true;
            }
            var et = e.getSpec().getTemplate();
            var wt = w.getSpec().getTemplate();
            if (!Objects.equals(et.getMetadata().getLabels(), wt.getMetadata().getLabels())
                    || !Objects.equals(annotation(et.getMetadata(), CONFIG_CHECKSUM), annotation(wt.getMetadata(), CONFIG_CHECKSUM))
                    || !Objects.equals(et.getSpec().getAutomountServiceAccountToken(), wt.getSpec().getAutomountServiceAccountToken())
                    || !Objects.equals(et.getSpec().getSecurityContext(), wt.getSpec().getSecurityContext())
                    || !Objects.equals(et.getSpec().getVolumes(), wt.getSpec().getVolumes())
                    || et.getSpec().getContainers().size() != wt.getSpec().getContainers().size()) {
                return true;
            }
            for (int i = 0; i < wt.getSpec().getContainers().size(); i++) {
                var ec = et.getSpec().getContainers().get(i);
                var wc = wt.getSpec().getContainers().get(i);
                if (!Objects.equals(ec.getImage(), wc.getImage()) || !Objects.equals(ec.getCommand(), wc.getCommand())
                        || !Objects.equals(ec.getSecurityContext(), wc.getSecurityContext())
                        || !Objects.equals(ec.getVolumeMounts(), wc.getVolumeMounts())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String annotation(ObjectMeta meta, String key) {
        return meta == null || meta.getAnnotations() == null ? null : meta.getAnnotations().get(key);
    }

    /** What the API server allocated for a Service and does not let an update change or drop. */
    private static void keepAllocated(Service wanted, Service existing) {
        wanted.getSpec().setClusterIP(existing.getSpec().getClusterIP());
        wanted.getSpec().setClusterIPs(existing.getSpec().getClusterIPs());
        wanted.getSpec().setHealthCheckNodePort(existing.getSpec().getHealthCheckNodePort());
        if (existing.getSpec().getPorts() != null) {
            for (ServicePort p : wanted.getSpec().getPorts()) {
                existing.getSpec().getPorts().stream().filter(e -> Objects.equals(e.getName(), p.getName())).findFirst()
                        .ifPresent(e -> p.setNodePort(e.getNodePort()));
            }
        }
    }

    /**
     * Waits until the Deployment's rollout is done (every replica of the current template available) and, when asked, the
     * Service has its address; returns the address (null when not asked and not known yet).
     */
    private String awaitReady(String instanceId, boolean needAddress) throws ProviderException {
        String name = name(instanceId);
        long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        String last;
        while (true) {
            Deployment d = call(() -> client.apps().deployments().inNamespace(config.namespace()).withName(name).get());
            if (d == null) {
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "Deployment " + name + " was deleted meanwhile");
            }
            String address = needAddress
                    ? address(call(() -> client.services().inNamespace(config.namespace()).withName(name).get())) : null;
            boolean rolledOut = rolledOut(d);
            if (rolledOut && (address != null || !needAddress)) {
                return address;
            }
            last = !rolledOut ? "its pods are not all ready with the current configuration" : "its Service has no address yet";
            if (System.nanoTime() > deadline) {
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR,
                        "load balancer " + name + " not ready after " + config.readyTimeout() + ": " + last);
            }
            try {
                Thread.sleep(config.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "interrupted waiting for load balancer " + name);
            }
        }
    }

    /** Whether the controller saw the current template and every wanted replica of it is available. */
    static boolean rolledOut(Deployment d) {
        var st = d.getStatus();
        if (st == null) {
            return false;
        }
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        long observed = st.getObservedGeneration() == null ? -1 : st.getObservedGeneration();
        int wanted = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        int updated = st.getUpdatedReplicas() == null ? 0 : st.getUpdatedReplicas();
        int available = st.getAvailableReplicas() == null ? 0 : st.getAvailableReplicas();
        int total = st.getReplicas() == null ? 0 : st.getReplicas();
        return observed >= generation && updated >= wanted && available >= wanted && total <= wanted;
    }

    /** The Service's address from its status: the first ingress IP or host name. */
    static String address(Service svc) {
        if (svc == null || svc.getStatus() == null || svc.getStatus().getLoadBalancer() == null
                || svc.getStatus().getLoadBalancer().getIngress() == null) {
            return null;
        }
        for (LoadBalancerIngress i : svc.getStatus().getLoadBalancer().getIngress()) {
            if (i.getIp() != null && !i.getIp().isBlank()) {
                return i.getIp();
            }
            if (i.getHostname() != null && !i.getHostname().isBlank()) {
                return i.getHostname();
            }
        }
        return null;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run();
    }

    private static <T> T call(Call<T> c) throws ProviderException {
        try {
            return c.run();
        } catch (KubernetesClientException e) {
            throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "Kubernetes API: " + e.getMessage(), e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
