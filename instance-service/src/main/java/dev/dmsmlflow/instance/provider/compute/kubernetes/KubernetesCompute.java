package dev.dmsmlflow.instance.provider.compute.kubernetes;

import dev.dmsmlflow.platform.kubernetes.LabelSelectors;
import dev.dmsmlflow.instance.provider.compute.CallbackUrls;
import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.provider.compute.ServerSlots;
import dev.dmsmlflow.instance.provider.compute.ServerSlots.Slot;
import dev.dmsmlflow.instance.provider.compute.aliyun.StorageSecrets;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Kubernetes compute provider: per tracking server a Deployment ({@code tracking-server-replicas} replicas spread over
 * nodes, each sized by the spec, probed on the tracking
 * server's health endpoints, non-root on a read-only root filesystem, no service-account token), a Secret with its database
 * login and secrets (referenced by the Deployment, never copied into it), and a ClusterIP Service whose DNS name is the
 * address handed to the load balancer; per instance a NetworkPolicy that admits only the load balancer's pods and lets the
 * server reach only DNS, its database, the object storage, this service (its storage credentials) and network-service (its
 * MLflow token list: the server checks tokens itself, behind a load balancer that passes them through), and with more than one
 * replica a PodDisruptionBudget that keeps all but one of them through node drains. Objects are named after the instance and the
 * slot ({@code dms-mlflow-<instance>-a}, {@code -b} for the second server of a resize, on the next port) and labelled with
 * it, so a restarted service finds by name what it made before a crash that recorded nothing.
 */
@ApplicationScoped
@Typed(KubernetesCompute.class)
public class KubernetesCompute implements Compute {

    private static final Logger LOG = Logger.getLogger(KubernetesCompute.class);
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "dms-mlflow";
    static final String INSTANCE = "dms-mlflow/instance";
    static final String SLOT = "dms-mlflow/slot";
    static final String APP = "app.kubernetes.io/name";
    static final String APP_NAME = "mlflow-tracking-server";
    /** On every object: a digest of what this service wanted it to be, so an unchanged object is adopted without a write. */
    static final String WANTED = "dms-mlflow/wanted";
    /** On the pod template: a digest of the Secret's data, so a changed password or secret rolls the pods. */
    static final String SECRET_DIGEST = "dms-mlflow/secret-digest";
    static final String CONTAINER = "tracking-server";
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

    /** Keys of the Secret; the Deployment refers to them by name. */
    static final String DB_URL = "DMS_TRACKING_DB_URL";
    static final String DB_USER = "DMS_TRACKING_DB_USER";
    static final String DB_PASSWORD = "DMS_TRACKING_DB_PASSWORD";
    static final String STORAGE_SECRET = "DMS_TRACKING_OSS_CREDENTIALS_SECRET";
    static final String BACKEND_AUTH = "DMS_BACKEND_AUTH_DIGEST";

    private final KubernetesComputeConfig config;
    private final KubernetesClient client;
    private final StorageSecrets secrets;
    private final ServerSlots slots;

    @Inject
    public KubernetesCompute(KubernetesComputeConfig config, KubernetesClient client, StorageSecrets secrets) {
        this.config = config;
        this.client = client;
        this.secrets = secrets;
        this.slots = new ServerSlots(config.port(), LOG);
    }

    // ---- names and labels

    /** The name of the Deployment, Service and Secret of {@code slot}: a DNS label (lower case, at most 63 characters). */
    static String name(String instanceId, Slot slot) {
        return "dms-mlflow-" + shortId(instanceId) + "-" + slot.label();
    }

    /** The name of the instance's NetworkPolicy. */
    static String policyName(String instanceId) {
        return "dms-mlflow-" + shortId(instanceId);
    }

    private static String shortId(String instanceId) {
        String id = instanceId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (id.length() > 40 || !id.equals(instanceId) || id.endsWith("-")) {
            // keep names unique for ids that are not DNS labels already (instance ids are UUIDs: never here)
            String head = id.substring(0, Math.min(id.length(), 28)).replaceAll("-+$", "");
            id = (head.isEmpty() ? "x" : head) + "-" + sha256(instanceId).substring(0, 10);
        }
        return id;
    }

    /** The value of the instance label: the id itself when it is a valid label value, else a digest of it. */
    static String instanceLabel(String instanceId) {
        return LABEL_VALUE.matcher(instanceId).matches() ? instanceId : "h" + sha256(instanceId).substring(0, 40);
    }

    private static Map<String, String> instanceLabels(String instanceId) {
        Map<String, String> l = new TreeMap<>();
        l.put(MANAGED_BY, MANAGER);
        l.put(INSTANCE, instanceLabel(instanceId));
        return l;
    }

    private static Map<String, String> slotLabels(String instanceId, Slot slot) {
        Map<String, String> l = instanceLabels(instanceId);
        l.put(SLOT, slot.label());
        return l;
    }

    private static Map<String, String> objectLabels(String instanceId, Slot slot) {
        Map<String, String> l = slotLabels(instanceId, slot);
        l.put(APP, APP_NAME);
        return l;
    }

    int port(Slot slot) {
        return slots.port(slot);
    }

    /** The Service's DNS name and port: what the load balancer forwards to. */
    ComputeAddress address(String instanceId, Slot slot) {
        return new ComputeAddress(name(instanceId, slot) + "." + config.namespace() + ".svc." + config.clusterDomain(), port(slot));
    }

    // ---- Compute

    @Override
    public ComputeAddress start(ComputeRequest request) throws ComputeException {
        String id = request.instanceId();
        synchronized (lock(id)) {
            Slot slot = slots.slotFor(request.preferredPort());
            if (deployment(id, slot) == null && deployment(id, slot.other()) != null) {
                slot = slot.other(); // started before a crash that recorded nothing, or the serving one after a resize
            }
            return run(request, slot);
        }
    }

    @Override
    public ComputeAddress startSuccessor(ComputeRequest request, int currentPort) throws ComputeException {
        synchronized (lock(request.instanceId())) {
            return run(request, slots.slotOf(currentPort).other());
        }
    }

    @Override
    public ComputeAddress replace(ComputeRequest request) throws ComputeException {
        String id = request.instanceId();
        synchronized (lock(id)) {
            Slot slot = slots.slotFor(request.preferredPort());
            LOG.warnf("deleting the Deployment %s of %s, whose tracking server is not live", name(id, slot), id);
            call(() -> client.apps().deployments().inNamespace(config.namespace()).withName(name(id, slot)).delete());
            return run(request, slot);
        }
    }

    @Override
    public void retireAllBut(String instanceId, int keepPort) {
        synchronized (lock(instanceId)) {
            Slot retired = slots.slotOf(keepPort).other();
            try {
                remove(instanceId, retired);
                LOG.infof("removed tracking server %s; the one on port %d serves", name(instanceId, retired), keepPort);
            } catch (ComputeException e) {
                LOG.errorf("could not retire the second tracking server of %s: %s", instanceId, e.getMessage());
            }
        }
    }

    @Override
    public void stop(String instanceId) {
        synchronized (lock(instanceId)) {
            try {
                for (Slot slot : Slot.values()) {
                    remove(instanceId, slot);
                }
                String ns = config.namespace();
                Map<String, String> ours = instanceLabels(instanceId);
                // whatever else carries the instance's labels (found by label, not by name)
                call(() -> client.apps().deployments().inNamespace(ns).withLabels(ours).delete());
                call(() -> client.services().inNamespace(ns).withLabels(ours).delete());
                call(() -> client.secrets().inNamespace(ns).withLabels(ours).delete());
                call(() -> client.network().v1().networkPolicies().inNamespace(ns).withLabels(ours).delete());
                deleteBudget(null, ours);
                LOG.infof("removed the tracking server objects of %s", instanceId);
            } catch (ComputeException e) {
                LOG.errorf("could not remove the tracking server of %s: %s", instanceId, e.getMessage());
            }
        }
    }

    @Override
    public boolean supportsVersion(String version) {
        return version == null || config.versions().containsKey(version);
    }

    @Override
    public boolean isRunning(String instanceId) {
        return slots.isRunning(instanceId, () -> deployments(instanceId).stream()
                .anyMatch(d -> d.getMetadata().getDeletionTimestamp() == null && replicas(d) > 0));
    }

    /**
     * From the Deployment's status: live while a replica is available, or while the Deployment still makes progress (a new
     * pod starting, or a pod unready because the database is down: the kubelet's own liveness probe restarts a hung
     * container, a replacement would not help). Not live when there is none, or the rollout gave up (its progress deadline
     * passed: Progressing=False).
     */
    @Override
    public boolean isLive(String instanceId) {
        return slots.isLive(instanceId, () -> {
            for (Deployment d : deployments(instanceId)) {
                if (d.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                DeploymentStatus s = d.getStatus();
                if (s == null || s.getAvailableReplicas() != null && s.getAvailableReplicas() > 0) {
                    return true;
                }
                if (!"False".equals(condition(d, "Progressing"))) {
                    return true;
                }
            }
            return false;
        });
    }

    @Override
    public void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress) {
        Set<String> keep = new HashSet<>();
        inProgress.forEach(i -> keep.add(instanceLabel(i)));
        wanted.forEach(w -> keep.add(instanceLabel(w.instanceId())));
        String ns = config.namespace();
        try {
            removeOrphans("Deployment", client.apps().deployments().inNamespace(ns), keep);
            removeOrphans("Service", client.services().inNamespace(ns), keep);
            removeOrphans("Secret", client.secrets().inNamespace(ns), keep);
            removeOrphans("NetworkPolicy", client.network().v1().networkPolicies().inNamespace(ns), keep);
            removeOrphans("PodDisruptionBudget", client.policy().v1().podDisruptionBudget().inNamespace(ns), keep);
        } catch (ComputeException e) {
            LOG.errorf("could not list the tracking servers to reconcile: %s", e.getMessage());
        }
        for (ComputeRequest w : wanted) {
            try {
                ComputeAddress a = start(w); // adopts what is there, brings back a deleted Deployment, Service or Secret
                LOG.infof("tracking server of %s at %s:%d", w.instanceId(), a.host(), a.port());
            } catch (ComputeException e) {
                LOG.errorf("could not restart tracking server of %s: %s", w.instanceId(), e.getMessage());
            }
        }
    }

    /** Deletes the objects of {@code kind} labelled as ours whose instance is not in {@code keep}; unlabelled ones are not ours. */
    private <T extends HasMetadata, L extends KubernetesResourceList<T>> void removeOrphans(String kind,
            NonNamespaceOperation<T, L, ? extends Resource<T>> op, Set<String> keep)
            throws ComputeException {
        List<T> ours = call(() -> op.withLabel(MANAGED_BY, MANAGER).withLabel(INSTANCE).list().getItems());
        for (T o : ours) {
            String instance = o.getMetadata().getLabels().get(INSTANCE);
            if (instance != null && !keep.contains(instance)) {
                String name = o.getMetadata().getName();
                LOG.infof("removing orphan %s %s of instance %s", kind, name, instance);
                call(() -> op.withName(name).delete());
                if (o instanceof Deployment) {
                    forget(name);
                }
            }
        }
    }

    // ---- the objects of a slot

    /**
     * Makes the objects of {@code slot} what the request asks (creating the missing ones, updating the changed ones, adopting
     * the rest untouched) and waits until the Deployment has an available replica. On failure the slot's objects are removed.
     */
    private ComputeAddress run(ComputeRequest request, Slot slot) throws ComputeException {
        String id = request.instanceId();
        return slots.starting(id, () -> {
            String image = imageFor(request.version());
            String credentialsBase = CallbackUrls.base(config.credentialsUrl(), "dms.compute.kubernetes.credentials-url",
                    "a tracking server on Kubernetes could not get its OSS credentials");
            String tokensBase = CallbackUrls.base(config.tokensUrl(), "dms.compute.kubernetes.tokens-url",
                    "a tracking server on Kubernetes could not check MLflow access tokens, which its load balancer passes through");
            NetworkPolicy policy = networkPolicy(id, credentialsBase, tokensBase);
            int replicas = replicas();
            try {
                apply(policy, client.network().v1().networkPolicies().inNamespace(config.namespace()));
                if (replicas > 1) {
                    apply(disruptionBudget(id, replicas), client.policy().v1().podDisruptionBudget().inNamespace(config.namespace()));
                } else {
                    deleteBudget(id); // one replica: a budget over one pod protects nothing or blocks every drain
                }
                Map<String, String> data = secretData(request, slot);
                apply(secret(id, slot, data), client.secrets().inNamespace(config.namespace()));
                apply(service(id, slot), client.services().inNamespace(config.namespace()));
                apply(deployment(request, slot, image, credentialsBase, tokensBase, data, replicas), client.apps().deployments().inNamespace(config.namespace()));
                LOG.infof("tracking server %s of %s: spec %s, image %s", name(id, slot), id, request.spec(), image);
                return awaitAvailable(id, slot);
            } catch (ComputeException e) {
                try {
                    remove(id, slot);
                } catch (ComputeException re) {
                    LOG.warnf("could not remove the failed tracking server %s: %s", name(id, slot), re.getMessage());
                }
                throw e;
            }
        });
    }

    /** The Secret's data: the database login, the storage secret (kept while it still opens the same root), the digest. */
    private Map<String, String> secretData(ComputeRequest request, Slot slot) throws ComputeException {
        String id = request.instanceId();
        String name = name(id, slot);
        Secret existing = call(() -> client.secrets().inNamespace(config.namespace()).withName(name).get());
        String storageSecret = null;
        try {
            if (existing != null && existing.getData() != null && existing.getData().get(STORAGE_SECRET) != null) {
                String held = new String(Base64.getDecoder().decode(existing.getData().get(STORAGE_SECRET)), StandardCharsets.UTF_8);
                Optional<StorageSecrets.Root> root = secrets.verify(id, held);
                if (root.isPresent() && root.get().bucket().equals(request.ossBucket()) && root.get().path().equals(request.ossPath())) {
                    storageSecret = held; // adopted with its server: the running pod holds this one
                }
            }
            if (storageSecret == null) {
                storageSecret = secrets.issue(name, id, request.ossBucket(), request.ossPath());
            }
        } catch (SQLException | IllegalArgumentException e) {
            throw new ComputeException("cannot record the storage secret of " + name + ": " + e.getMessage(), e);
        }
        Map<String, String> data = new TreeMap<>();
        data.put(DB_URL, request.jdbcUrl());
        data.put(DB_USER, request.dbUser());
        data.put(DB_PASSWORD, request.dbPassword());
        data.put(STORAGE_SECRET, storageSecret);
        if (request.backendAuthDigest() != null) {
            data.put(BACKEND_AUTH, request.backendAuthDigest());
        }
        return data;
    }

    private Secret secret(String id, Slot slot, Map<String, String> data) {
        Map<String, String> encoded = new TreeMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withMetadata(meta(name(id, slot), objectLabels(id, slot))).withType("Opaque")
                .withData(encoded).build();
    }

    private Service service(String id, Slot slot) {
        return new ServiceBuilder().withMetadata(meta(name(id, slot), objectLabels(id, slot)))
                .withNewSpec().withType("ClusterIP").withSelector(slotLabels(id, slot))
                .addNewPort().withName("http").withProtocol("TCP").withPort(port(slot)).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build();
    }

    private Deployment deployment(ComputeRequest request, Slot slot, String image, String credentialsBase, String tokensBase,
            Map<String, String> secretData, int replicas) {
        String id = request.instanceId();
        String name = name(id, slot);
        int port = port(slot);
        List<EnvVar> env = new ArrayList<>();
        // the secret values by reference only: the Deployment never holds them
        for (String key : secretData.keySet()) {
            env.add(new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef(key, name, false).endValueFrom().build());
        }
        env.add(literal("DMS_TRACKING_ARTIFACT_ROOT", "oss://" + request.ossBucket() + "/" + request.ossPath()));
        env.add(literal("DMS_TRACKING_CONFINE_ARTIFACT_LOCATIONS", "true"));
        env.add(literal("DMS_TRACKING_OSS_ENDPOINT", config.oss().endpoint()
                .orElse("https://oss-" + config.oss().region() + "-internal.aliyuncs.com")));
        env.add(literal("DMS_TRACKING_OSS_REGION", config.oss().region()));
        env.add(literal(CallbackUrls.CREDENTIALS_URL, CallbackUrls.credentials(credentialsBase, id)));
        // the server checks MLflow tokens itself, presenting its storage secret (from the Secret above) to network-service
        env.add(literal(CallbackUrls.TOKENS_URL, CallbackUrls.tokens(tokensBase, id)));
        env.add(literal("QUARKUS_HTTP_HOST", "0.0.0.0"));
        env.add(literal("QUARKUS_HTTP_PORT", Integer.toString(port)));
        env.add(literal("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=" + request.cpuCores() + " -Xmx" + (request.memoryGiB() * 768)
                + "m -Djava.io.tmpdir=/tmp"));
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(Integer.toString(request.cpuCores())),
                "memory", new Quantity(request.memoryGiB() + "Gi"));
        int deadline = (int) Math.max(60, config.healthTimeout().toSeconds());
        Map<String, String> podAnnotations = Map.of(SECRET_DIGEST, sha256(secretData.toString()));
        return new DeploymentBuilder().withMetadata(meta(name, objectLabels(id, slot)))
                .withNewSpec()
                .withReplicas(replicas)
                .withProgressDeadlineSeconds(deadline)
                .withRevisionHistoryLimit(2)
                .withSelector(new LabelSelectorBuilder().withMatchLabels(slotLabels(id, slot)).build())
                .withNewStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                .endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(objectLabels(id, slot)).withAnnotations(podAnnotations).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTopologySpreadConstraints(replicas > 1 ? spread(id, slot) : null) // none: an unchanged digest, no roll
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(config.runAsUser()).withRunAsGroup(config.runAsUser())
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withContainers(new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(image)
                        .withImagePullPolicy(config.imagePullPolicy())
                        .addNewPort().withName("http").withContainerPort(port).withProtocol("TCP").endPort()
                        .withEnv(env)
                        .withNewResources().withRequests(resources).withLimits(resources).endResources()
                        .withStartupProbe(probe("/health/live", 5, 2, (int) Math.max(1, config.healthTimeout().toSeconds() / 5)))
                        .withLivenessProbe(probe("/health/live", 10, 2, 3))
                        .withReadinessProbe(probe("/health/ready", 5, 3, 3))
                        .withNewSecurityContext()
                        .withRunAsNonRoot(true)
                        .withReadOnlyRootFilesystem(true)
                        .withAllowPrivilegeEscalation(false)
                        .withPrivileged(false)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .endSecurityContext()
                        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                        .build())
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("512Mi")).endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * With several replicas: at most one more of them on any node than on another (so two replicas never share a node while
     * another schedulable node exists; a cluster of one node still runs them all), and spread over zones where the cluster
     * has any, as far as it can. Only the pods of the current template count ({@code pod-template-hash}), so a rolling update
     * spreads its new pods on their own. Not set with one replica: nothing to spread, and Deployments made before stay as
     * they are.
     */
    static List<TopologySpreadConstraint> spread(String id, Slot slot) {
        LabelSelector pods = labels(slotLabels(id, slot));
        return List.of(
                new TopologySpreadConstraintBuilder().withTopologyKey("kubernetes.io/hostname").withMaxSkew(1)
                        .withWhenUnsatisfiable("DoNotSchedule").withLabelSelector(pods).withMatchLabelKeys("pod-template-hash")
                        .withNodeTaintsPolicy("Honor").build(),
                new TopologySpreadConstraintBuilder().withTopologyKey("topology.kubernetes.io/zone").withMaxSkew(1)
                        .withWhenUnsatisfiable("ScheduleAnyway").withLabelSelector(pods).withMatchLabelKeys("pod-template-hash")
                        .build());
    }

    /**
     * The instance's PodDisruptionBudget (over both slots, named like its NetworkPolicy): a drain may evict one replica at a
     * time, the others keep serving.
     */
    PodDisruptionBudget disruptionBudget(String id, int replicas) {
        return new PodDisruptionBudgetBuilder().withMetadata(meta(policyName(id), instanceLabels(id)))
                .withNewSpec()
                .withMinAvailable(new IntOrString(replicas - 1))
                .withSelector(labels(instanceLabels(id)))
                .endSpec().build();
    }

    /** Deletes the instance's PodDisruptionBudget, if any (see {@link #deleteBudget(String, Map)}). */
    private void deleteBudget(String id) throws ComputeException {
        deleteBudget(policyName(id), null);
    }

    /**
     * Deletes the PodDisruptionBudget of that name, or those with these labels. A Role made before budgets existed (an operator's
     * own, without {@code poddisruptionbudgets}) is refused (403): with one replica no budget was ever made, so that is logged and
     * the start or stop goes on rather than failing on an object that cannot exist.
     */
    private void deleteBudget(String name, Map<String, String> labels) throws ComputeException {
        var budgets = client.policy().v1().podDisruptionBudget().inNamespace(config.namespace());
        try {
            if (labels == null) {
                budgets.withName(name).delete();
            } else {
                budgets.withLabels(labels).delete();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 && config.trackingServerReplicas() <= 1) {
                LOG.warnf("may not delete PodDisruptionBudgets in %s (the Role lacks poddisruptionbudgets; instance-service/README.md): "
                        + "none is made with one replica", config.namespace());
                return;
            }
            throw new ComputeException("Kubernetes API: " + e.getMessage(), e);
        }
    }

    /** {@code dms.compute.kubernetes.tracking-server-replicas}, at least 1. */
    private int replicas() throws ComputeException {
        int r = config.trackingServerReplicas();
        if (r < 1) {
            throw new ComputeException("dms.compute.kubernetes.tracking-server-replicas must be at least 1, not " + r);
        }
        return r;
    }

    private static Probe probe(String path, int periodSeconds, int timeoutSeconds, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString("http")).withScheme("HTTP").endHttpGet()
                .withPeriodSeconds(periodSeconds).withTimeoutSeconds(timeoutSeconds).withFailureThreshold(failureThreshold).build();
    }

    private static EnvVar literal(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    /**
     * The instance's NetworkPolicy, over both slots: ingress only from the load balancer's pods on the tracking ports; egress
     * only to DNS, the database, the object storage, this service's credentials endpoint and network-service's token list.
     */
    NetworkPolicy networkPolicy(String id, String credentialsBase, String tokensBase) throws ComputeException {
        KubernetesComputeConfig.LoadBalancer lb = config.loadBalancer();
        Map<String, String> lbPods = selector(lb.podSelector());
        if (lbPods.isEmpty()) {
            throw new ComputeException("dms.compute.kubernetes.load-balancer.pod-selector is empty: it would admit every pod");
        }
        NetworkPolicyPeerBuilder from = new NetworkPolicyPeerBuilder().withPodSelector(labels(lbPods));
        lb.namespaceSelector().map(KubernetesCompute::selector).ifPresent(n -> from.withNamespaceSelector(labels(n)));
        KubernetesComputeConfig.Egress egress = config.egress();
        List<NetworkPolicyEgressRule> out = new ArrayList<>();
        rule(egress.dns(), "dns", List.of(tcpOrUdp("UDP", 53), tcpOrUdp("TCP", 53)), out);
        rule(egress.database(), "database", List.of(tcpOrUdp("TCP", egress.database().port().orElse(5432))), out);
        rule(egress.objectStorage(), "object-storage", List.of(tcpOrUdp("TCP", egress.objectStorage().port().orElse(443))), out);
        rule(egress.controlPlane(), "control-plane", List.of(tcpOrUdp("TCP", egress.controlPlane().port()
                .orElse(CallbackUrls.port(credentialsBase)))), out);
        rule(egress.networkService(), "network-service", List.of(tcpOrUdp("TCP", egress.networkService().port()
                .orElse(CallbackUrls.port(tokensBase)))), out);
        if (out.size() < 5) {
            throw new ComputeException("dms.compute.kubernetes.egress.{dns,database,object-storage,control-plane,network-service} each need cidrs "
                    + "or a pod-selector: a tracking server cannot work without reaching them");
        }
        return new NetworkPolicyBuilder().withMetadata(meta(policyName(id), instanceLabels(id)))
                .withNewSpec()
                .withPodSelector(labels(instanceLabels(id)))
                .withPolicyTypes("Ingress", "Egress")
                .addNewIngress().withFrom(from.build())
                .withPorts(tcpOrUdp("TCP", port(Slot.A)), tcpOrUdp("TCP", port(Slot.B))).endIngress()
                .withEgress(out)
                .endSpec().build();
    }

    private static void rule(KubernetesComputeConfig.Peer peer, String what, List<NetworkPolicyPort> ports, List<NetworkPolicyEgressRule> out) {
        List<NetworkPolicyPeer> to = new ArrayList<>();
        peer.cidrs().orElse(List.of()).stream().map(String::trim).filter(c -> !c.isEmpty())
                .forEach(c -> to.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(c).endIpBlock().build()));
        peer.podSelector().map(KubernetesCompute::selector).filter(m -> !m.isEmpty()).ifPresent(pods -> {
            NetworkPolicyPeerBuilder p = new NetworkPolicyPeerBuilder().withPodSelector(labels(pods));
            peer.namespaceSelector().map(KubernetesCompute::selector).ifPresent(n -> p.withNamespaceSelector(labels(n)));
            to.add(p.build());
        });
        if (to.isEmpty()) {
            LOG.errorf("no egress to the %s is configured for the tracking servers", what);
            return;
        }
        out.add(new NetworkPolicyEgressRuleBuilder().withTo(to).withPorts(ports).build());
    }

    private static NetworkPolicyPort tcpOrUdp(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    /** {@code a=b,c=d} as labels. */
    static Map<String, String> selector(String text) {
        return LabelSelectors.parse(text);
    }

    private static LabelSelector labels(Map<String, String> m) {
        return new LabelSelectorBuilder().withMatchLabels(m).build();
    }

    private ObjectMeta meta(String name, Map<String, String> labels) {
        return new ObjectMetaBuilder().withName(name).withNamespace(config.namespace()).withLabels(labels).build();
    }

    /**
     * Creates {@code wanted}, or updates the object of its name when it differs from what was wanted last (a digest in an
     * annotation), or adopts it untouched.
     */
    private <T extends HasMetadata, L extends KubernetesResourceList<T>> void apply(T wanted,
            NonNamespaceOperation<T, L, ? extends Resource<T>> op) throws ComputeException {
        String digest = sha256(client.getKubernetesSerialization().asJson(wanted));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(WANTED, digest);
        wanted.getMetadata().setAnnotations(annotations);
        String name = wanted.getMetadata().getName();
        T existing = call(() -> op.withName(name).get());
        if (existing == null) {
            try {
                op.resource(wanted).create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw new ComputeException("cannot create " + wanted.getKind() + " " + name + ": " + e.getMessage(), e);
                }
                existing = call(() -> op.withName(name).get()); // made meanwhile: update it below
                if (existing == null) {
                    throw new ComputeException(wanted.getKind() + " " + name + " conflicts but cannot be read");
                }
            }
        }
        Map<String, String> held = existing.getMetadata().getAnnotations();
        if (held != null && digest.equals(held.get(WANTED))) {
            return; // adopted as it is
        }
        wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        if (wanted instanceof Service s && existing instanceof Service e && e.getSpec() != null) {
            s.getSpec().setClusterIP(e.getSpec().getClusterIP()); // immutable once allocated
            s.getSpec().setClusterIPs(e.getSpec().getClusterIPs());
        }
        LOG.infof("updating %s %s to what is wanted now", wanted.getKind(), name);
        call(() -> op.resource(wanted).update());
    }

    /** Waits until the slot's Deployment has all its replicas of its current template available; its Service's address then. */
    private ComputeAddress awaitAvailable(String id, Slot slot) throws ComputeException {
        String name = name(id, slot);
        long deadline = System.nanoTime() + config.healthTimeout().toNanos();
        String last = "no status";
        while (System.nanoTime() < deadline) {
            Deployment d = deployment(id, slot);
            if (d == null) {
                throw new ComputeException("Deployment " + name + " was deleted while its tracking server started");
            }
            if (available(d)) {
                return address(id, slot);
            }
            if ("False".equals(condition(d, "Progressing"))) {
                throw new ComputeException("Deployment " + name + " exceeded its progress deadline: " + message(d, "Progressing"));
            }
            DeploymentStatus s = d.getStatus();
            if (s != null) {
                last = "available " + s.getAvailableReplicas() + ", updated " + s.getUpdatedReplicas();
            }
            pause(config.pollInterval());
        }
        throw new ComputeException("Deployment " + name + " had no available tracking server within "
                + config.healthTimeout().toSeconds() + "s (" + last + ")");
    }

    /** Whether the Deployment's current template has all its replicas updated and available. */
    static boolean available(Deployment d) {
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return false; // the controller has not seen the current template yet
        }
        int wanted = replicas(d);
        return wanted > 0 && nz(s.getUpdatedReplicas()) >= wanted && nz(s.getAvailableReplicas()) >= wanted;
    }

    private static int replicas(Deployment d) {
        return d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    private static int nz(Integer i) {
        return i == null ? 0 : i;
    }

    private static String condition(Deployment d, String type) {
        return d.getStatus() == null || d.getStatus().getConditions() == null ? null : d.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType())).map(DeploymentCondition::getStatus).findFirst().orElse(null);
    }

    private static String message(Deployment d, String type) {
        return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(c -> c.getReason() + " " + c.getMessage()).findFirst().orElse("");
    }

    private Deployment deployment(String id, Slot slot) throws ComputeException {
        return call(() -> client.apps().deployments().inNamespace(config.namespace()).withName(name(id, slot)).get());
    }

    private List<Deployment> deployments(String id) throws ComputeException {
        return call(() -> client.apps().deployments().inNamespace(config.namespace()).withLabels(instanceLabels(id)).list().getItems());
    }

    /** Deletes the slot's Deployment, Service and Secret and forgets its storage secret. */
    private void remove(String id, Slot slot) throws ComputeException {
        String ns = config.namespace();
        String name = name(id, slot);
        call(() -> client.apps().deployments().inNamespace(ns).withName(name).delete());
        call(() -> client.services().inNamespace(ns).withName(name).delete());
        call(() -> client.secrets().inNamespace(ns).withName(name).delete());
        if (deployment(id, slot.other()) == null) {
            call(() -> client.network().v1().networkPolicies().inNamespace(ns).withName(policyName(id)).delete());
            deleteBudget(id);
        }
        forget(name);
    }

    private void forget(String holder) {
        try {
            secrets.forget(holder);
        } catch (SQLException e) {
            LOG.warnf("could not forget the storage secret of %s: %s", holder, e.getMessage());
        }
    }

    private String imageFor(String version) throws ComputeException {
        if (version == null) {
            return config.image();
        }
        String image = config.versions().get(version);
        if (image == null) {
            throw new ComputeException("unknown tracking-server version " + version);
        }
        return image;
    }

    /** One API call; a failure of the API server is a {@link ComputeException}. */
    private static <T> T call(Supplier<T> apiCall) throws ComputeException {
        try {
            return apiCall.get();
        } catch (KubernetesClientException e) {
            throw new ComputeException("Kubernetes API: " + e.getMessage(), e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration d) throws ComputeException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComputeException("interrupted while waiting for a Deployment");
        }
    }

    private Object lock(String instanceId) {
        return slots.lock(instanceId);
    }
}
