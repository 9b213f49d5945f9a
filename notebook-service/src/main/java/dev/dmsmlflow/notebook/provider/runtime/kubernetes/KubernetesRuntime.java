package dev.dmsmlflow.notebook.provider.runtime.kubernetes;

import dev.dmsmlflow.platform.kubernetes.LabelSelectors;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.notebook.NotebookConfig;
import dev.dmsmlflow.notebook.domain.Storage;
import dev.dmsmlflow.notebook.provider.runtime.JupyterApi;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.notebook.provider.runtime.RuntimeRequest;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The kubernetes runtime: per session a Pod running JupyterLab (image and resources from the session's image and
 * specification; probed on Jupyter's unauthenticated {@code api} path; non-root on a read-only root filesystem; no
 * service-account token), a Secret with its environment (the user's variables, the managed tracking URI, Jupyter's token:
 * the Pod refers to them by key, never holds a value) and a NetworkPolicy (ingress only from notebook-service's pods on the
 * Jupyter port; egress only to DNS, the instances' load balancers and the configured HTTPS destinations). Temporary
 * storage is an emptyDir, so it is new at every start; persistent storage ({@code oss://b/p}, {@code nas://f/p}) is a
 * PersistentVolumeClaim per location that outlives its sessions, mounted at the path's sub-directory. An init container
 * installs the image's libraries and the session's packages into a writable volume.
 *
 * <p>Nothing lives in this replica's memory that another replica could not read back: the Pod's address, the base path
 * (an annotation) and the token (the Secret) are read from the API server, so any replica relays any session. The Pod's
 * own definition is kept as an annotation of the Secret, so a deleted Pod of a RUNNING session is made again.
 */
@ApplicationScoped
@Typed(KubernetesRuntime.class)
public class KubernetesRuntime implements NotebookRuntime {

    private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "dms-mlflow";
    static final String APP = "app.kubernetes.io/name";
    static final String APP_NAME = "notebook-session";
    static final String SESSION = "dms-mlflow/session";
    static final String WORKSPACE = "dms-mlflow/workspace";
    static final String STORAGE = "dms-mlflow/storage";
    /** On the Pod: a digest of its definition, so a start of a running, unchanged session adopts it. */
    static final String WANTED = "dms-mlflow/wanted";
    /** On the Pod: the public path Jupyter serves under. */
    static final String BASE_PATH = "dms-mlflow/base-path";
    /** On the Secret: the Pod's definition, to bring it back when it was deleted. */
    static final String POD_TEMPLATE = "dms-mlflow/pod";
    static final String CONTAINER = "jupyter";
    static final String INIT_CONTAINER = "prepare";

    /** Keys of the Secret beyond the session's variables. */
    static final String TOKEN = "JUPYTER_TOKEN";
    static final String WIRING = "wiring.json";
    static final String STARTUP = "ipython-startup.py";
    static final String REQUIREMENTS = "requirements.txt";
    static final String SECRET_MOUNT = "/etc/dms/session";
    static final String HOME = "/home/jovyan";
    static final String WORK = HOME + "/work";
    static final String PACKAGES = "/opt/dms/packages";

    private final NotebookConfig.Kubernetes config;
    private final KubernetesClient client;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, String> kernels = new ConcurrentHashMap<>();
    private final Map<String, CachedEndpoint> endpoints = new ConcurrentHashMap<>();

    private record CachedEndpoint(Endpoint endpoint, long readAt) {
    }

    @Inject
    public KubernetesRuntime(NotebookConfig config, KubernetesClient client) {
        this.config = config.kubernetes();
        this.client = client;
    }

    // ---- names and labels

    /** The name of the session's Pod, Secret and NetworkPolicy: a DNS label. */
    static String name(String sessionId) {
        String id = sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (id.length() > 48 || !id.equals(sessionId) || id.endsWith("-")) {
            id = id.substring(0, Math.min(id.length(), 28)).replaceAll("-+$", "") + "-" + sha256(sessionId).substring(0, 10);
        }
        return "dms-nb-" + id;
    }

    /** The PersistentVolumeClaim of a persistent storage location (one per container, whatever the path). */
    static String claimName(Storage storage) {
        return "dms-nb-data-" + sha256(storage.scheme() + "://" + storage.container()).substring(0, 20);
    }

    static String labelValue(String value) {
        return LABEL_VALUE.matcher(value).matches() ? value : "h" + sha256(value).substring(0, 40);
    }

    private static Map<String, String> sessionLabels(String sessionId) {
        Map<String, String> l = new TreeMap<>();
        l.put(MANAGED_BY, MANAGER);
        l.put(APP, APP_NAME);
        l.put(SESSION, labelValue(sessionId));
        return l;
    }

    private static Map<String, String> ownerLabels(RuntimeRequest r) {
        Map<String, String> l = sessionLabels(r.sessionId());
        l.put(WORKSPACE, labelValue(r.workspaceId()));
        return l;
    }

    private ObjectMeta meta(String name, Map<String, String> labels) {
        return new ObjectMetaBuilder().withName(name).withNamespace(config.namespace()).withLabels(labels).build();
    }

    // ---- NotebookRuntime

    @Override
    public String limits() {
        return "enforced by Kubernetes: the Pod's CPU and memory limits";
    }

    @Override
    public Started start(RuntimeRequest r, Progress progress) throws RuntimeFailure {
        String id = r.sessionId();
        String name = name(id);
        synchronized (lock(id)) {
            String image = image(r);
            Pod wanted = pod(r, image);
            String digest = digest(wanted);
            wanted.getMetadata().getAnnotations().put(WANTED, digest);
            Pod existing = pod(id);
            if (existing != null && existing.getMetadata().getDeletionTimestamp() == null
                    && digest.equals(annotation(existing, WANTED)) && !failed(existing)) {
                LOG.infof("session %s: adopting its running Pod %s", id, name);
                progress.report(Phase.SERVER, "JupyterLab runs in Pod " + name);
                return started(r, image, awaitReady(id, progress));
            }
            try {
                progress.report(Phase.ENVIRONMENT, "creating Pod " + name + " from " + image);
                deletePodAndWait(id);
                endpoints.remove(id);
                kernels.remove(id);
                apply(networkPolicy(r), call(() -> client.network().v1().networkPolicies().inNamespace(config.namespace())));
                if (!r.storage().temporary()) {
                    claim(r);
                }
                apply(secret(r, wanted), call(() -> client.secrets().inNamespace(config.namespace())));
                call(() -> client.pods().inNamespace(config.namespace()).resource(wanted).create());
                Pod ready = awaitReady(id, progress);
                LOG.infof("session %s: Pod %s ready at %s (%s, %d vCPU, %d GiB)", id, name, ready.getStatus().getPodIP(), image,
                        r.cpus(), r.memoryGib());
                return started(r, image, ready);
            } catch (RuntimeFailure e) {
                remove(id);
                throw e;
            }
        }
    }

    /** What the start gave: among it the ready Pod's own IP, the session's address from now on (not the allocated one). */
    private Started started(RuntimeRequest r, String image, Pod ready) {
        String podIp = ready.getStatus() == null ? null : ready.getStatus().getPodIP();
        return new Started(config.port(), r.python(), "the image " + image, sha256(image + r.libraries() + r.packages()).substring(0, 16),
                r.cpus() + " vCPU, " + r.memoryGib() + " GiB " + limits(), podIp == null || podIp.isBlank() ? null : podIp);
    }

    private String image(RuntimeRequest r) {
        String mapped = config.images().get(r.image());
        return mapped != null && !mapped.isBlank() ? mapped : String.format(config.image(), r.python());
    }

    @Override
    public void stop(String sessionId) {
        synchronized (lock(sessionId)) {
            try {
                remove(sessionId);
            } catch (RuntimeFailure e) {
                LOG.errorf("could not remove the Pod of session %s: %s", sessionId, e.getMessage());
            }
        }
    }

    /** Deletes the session's Pod, Secret and NetworkPolicy (found by label too); a persistent volume stays. */
    private void remove(String sessionId) throws RuntimeFailure {
        endpoints.remove(sessionId);
        kernels.remove(sessionId);
        String ns = config.namespace();
        String name = name(sessionId);
        call(() -> client.pods().inNamespace(ns).withName(name).delete());
        call(() -> client.secrets().inNamespace(ns).withName(name).delete());
        call(() -> client.network().v1().networkPolicies().inNamespace(ns).withName(name).delete());
        Map<String, String> ours = sessionLabels(sessionId);
        call(() -> client.pods().inNamespace(ns).withLabels(ours).delete());
        call(() -> client.secrets().inNamespace(ns).withLabels(ours).delete());
        call(() -> client.network().v1().networkPolicies().inNamespace(ns).withLabels(ours).delete());
    }

    /**
     * Whether the session's Pod is there and not given up (the kubelet restarts its container; an unready one may come
     * back). A RUNNING session's Pod that was deleted is made again here from the Secret's copy.
     */
    @Override
    public boolean alive(String sessionId) {
        try {
            Pod p = pod(sessionId);
            if (p == null) {
                return repair(sessionId);
            }
            return p.getMetadata().getDeletionTimestamp() == null && !failed(p);
        } catch (RuntimeFailure e) {
            LOG.warnf("cannot read the Pod of session %s: %s", sessionId, e.getMessage());
            return true; // the API server's trouble is not the session's death
        }
    }

    @Override
    public Activity activity(String sessionId) throws RuntimeFailure {
        Endpoint e = endpoint(sessionId).orElseThrow(() -> new RuntimeFailure("SERVER_GONE", "the session's Pod is not ready"));
        return new JupyterApi(e).activity();
    }

    /** Writes the new managed variables into the Secret: the kubelet updates its files, the kernels' hook reads them. */
    @Override
    public void wire(String sessionId, Map<String, String> managed) throws RuntimeFailure {
        String name = name(sessionId);
        Secret s = call(() -> client.secrets().inNamespace(config.namespace()).withName(name).get());
        if (s == null) {
            throw new RuntimeFailure("WIRING_FAILED", "the session's Secret " + name + " is gone");
        }
        Map<String, String> data = new TreeMap<>(s.getData() == null ? Map.of() : s.getData());
        data.remove(TRACKING_URI);
        managed.forEach((k, v) -> data.put(k, b64(v)));
        data.put(WIRING, b64(json(new TreeMap<>(managed))));
        s.setData(data);
        call(() -> client.secrets().inNamespace(config.namespace()).resource(s).update());
    }

    @Override
    public ExecutionOutcome execute(String sessionId, String code, Duration timeout, Output output) throws RuntimeFailure {
        Endpoint e = endpoint(sessionId).orElseThrow(() -> new RuntimeFailure("SERVER_GONE", "the session's Pod is not ready"));
        JupyterApi api = new JupyterApi(e);
        try {
            String kernel;
            synchronized (lock(sessionId)) {
                kernel = api.kernel(kernels.get(sessionId));
                kernels.put(sessionId, kernel);
            }
            return api.execute(kernel, code, timeout, output);
        } catch (IOException ex) {
            throw new RuntimeFailure("KERNEL_FAILED", "the session's kernel failed: " + ex.getMessage(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure("INTERRUPTED", "interrupted");
        }
    }

    /** The ready Pod's address and the token from its Secret, read from the API server (cached briefly), so any replica has it. */
    @Override
    public Optional<Endpoint> endpoint(String sessionId) {
        CachedEndpoint cached = endpoints.get(sessionId);
        if (cached != null && System.nanoTime() - cached.readAt() < config.endpointCacheTime().toNanos()) {
            return Optional.of(cached.endpoint());
        }
        try {
            Pod p = pod(sessionId);
            if (p == null || !ready(p) || p.getStatus().getPodIP() == null) {
                endpoints.remove(sessionId);
                return Optional.empty();
            }
            Secret s = call(() -> client.secrets().inNamespace(config.namespace()).withName(name(sessionId)).get());
            if (s == null || s.getData() == null || s.getData().get(TOKEN) == null) {
                return Optional.empty();
            }
            String basePath = Optional.ofNullable(annotation(p, BASE_PATH)).orElse("/");
            Endpoint e = new Endpoint(URI.create("http://" + host(p.getStatus().getPodIP()) + ":" + config.port() + basePath),
                    unb64(s.getData().get(TOKEN)));
            endpoints.put(sessionId, new CachedEndpoint(e, System.nanoTime()));
            return Optional.of(e);
        } catch (RuntimeFailure e) {
            LOG.warnf("cannot read the Pod of session %s: %s", sessionId, e.getMessage());
            return Optional.empty();
        }
    }

    private static String host(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }

    @Override
    public void discard(String sessionId) {
        stop(sessionId);
        locks.remove(sessionId);
    }

    @Override
    public Collection<String> reconcile(Collection<String> running, Collection<String> inProgress) {
        Set<String> keep = new HashSet<>();
        running.forEach(i -> keep.add(labelValue(i)));
        inProgress.forEach(i -> keep.add(labelValue(i)));
        String ns = config.namespace();
        try {
            removeOrphans("Pod", call(() -> client.pods().inNamespace(ns)), keep);
            removeOrphans("Secret", call(() -> client.secrets().inNamespace(ns)), keep);
            removeOrphans("NetworkPolicy", call(() -> client.network().v1().networkPolicies().inNamespace(ns)), keep);
        } catch (RuntimeFailure e) {
            LOG.errorf("could not list the sessions' objects to reconcile: %s", e.getMessage());
            return List.of(); // nothing is known lost when nothing could be read
        }
        List<String> lost = new ArrayList<>();
        for (String id : running) {
            try {
                Pod p = pod(id);
                if (p != null && p.getMetadata().getDeletionTimestamp() == null) {
                    LOG.infof("session %s: adopted its Pod %s", id, name(id));
                } else if (!repair(id)) {
                    lost.add(id);
                }
            } catch (RuntimeFailure e) {
                LOG.errorf("could not reconcile session %s: %s", id, e.getMessage());
            }
        }
        return lost;
    }

    /** Makes the session's Pod again from the copy its Secret holds; false when there is none. */
    private boolean repair(String sessionId) throws RuntimeFailure {
        synchronized (lock(sessionId)) {
            Secret s = call(() -> client.secrets().inNamespace(config.namespace()).withName(name(sessionId)).get());
            String template = s == null || s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(POD_TEMPLATE);
            if (template == null) {
                return false;
            }
            Pod p;
            try {
                p = client.getKubernetesSerialization().unmarshal(template, Pod.class);
            } catch (RuntimeException e) {
                LOG.warnf("session %s: the Pod kept in its Secret cannot be read: %s", sessionId, e.getMessage());
                return false;
            }
            if (pod(sessionId) == null) {
                LOG.warnf("session %s: its Pod %s was gone: made again", sessionId, p.getMetadata().getName());
                try {
                    client.pods().inNamespace(config.namespace()).resource(p).create();
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw new RuntimeFailure("KUBERNETES_API", "cannot make the Pod again: " + e.getMessage(), e);
                    }
                }
                endpoints.remove(sessionId);
                kernels.remove(sessionId);
            }
            return true;
        }
    }

    private <T extends HasMetadata, L extends KubernetesResourceList<T>> void removeOrphans(String kind,
            NonNamespaceOperation<T, L, ? extends Resource<T>> op, Set<String> keep) throws RuntimeFailure {
        List<T> ours = call(() -> op.withLabel(MANAGED_BY, MANAGER).withLabel(APP, APP_NAME).withLabel(SESSION).list().getItems());
        for (T o : ours) {
            String session = o.getMetadata().getLabels().get(SESSION);
            if (session != null && !keep.contains(session)) {
                String name = o.getMetadata().getName();
                LOG.infof("removing %s %s of session %s, which should not run", kind, name, session);
                call(() -> op.withName(name).delete());
            }
        }
    }

    // ---- the objects of a session

    /** The Pod: JupyterLab with the session's token from the Secret, its storage, and the packages from the init container. */
    Pod pod(RuntimeRequest r, String image) {
        String name = name(r.sessionId());
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(Integer.toString(r.cpus())),
                "memory", new Quantity(r.memoryGib() + "Gi"));
        List<EnvVar> env = new ArrayList<>();
        // the values by reference only: the Pod never holds one
        for (String key : new TreeMap<>(r.environment()).keySet()) {
            env.add(fromSecret(key, name, false));
        }
        env.add(fromSecret(TRACKING_URI, name, true)); // absent while the workspace has no RUNNING instance
        env.add(fromSecret(TOKEN, name, false));
        env.add(literal("HOME", HOME));
        env.add(literal("TMPDIR", "/tmp"));
        env.add(literal("PYTHONPATH", PACKAGES));
        env.add(literal("PIP_CACHE_DIR", HOME + "/.cache/pip"));
        env.add(literal("IPYTHONDIR", HOME + "/.ipython"));
        env.add(literal("DMS_SESSION_ID", r.sessionId()));
        env.add(literal("DMS_SESSION_WIRING", SECRET_MOUNT + "/" + WIRING));
        if (r.developmentMode()) {
            env.add(literal("DMS_SESSION_DEVELOPMENT_MODE", "1"));
        }
        String prepare = "set -e\n"
                + "mkdir -p \"$IPYTHONDIR/profile_default/startup\"\n"
                + "cp " + SECRET_MOUNT + "/" + STARTUP + " \"$IPYTHONDIR/profile_default/startup/00-dms-session.py\"\n"
                + "if [ -s " + SECRET_MOUNT + "/" + REQUIREMENTS + " ]; then\n"
                + "  python -m pip install --disable-pip-version-check --no-warn-script-location --target " + PACKAGES
                + " -r " + SECRET_MOUNT + "/" + REQUIREMENTS + "\n"
                + "fi\n";
        List<String> jupyter = List.of("jupyter", "lab", "--no-browser", "--ip=0.0.0.0", "--port=" + config.port(),
                "--ServerApp.port_retries=0", "--ServerApp.base_url=" + r.basePath(), "--ServerApp.root_dir=" + WORK,
                "--ServerApp.allow_remote_access=True", "--ServerApp.open_browser=False");
        Map<String, String> annotations = new TreeMap<>();
        annotations.put(BASE_PATH, r.basePath());
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(config.namespace()).withLabels(ownerLabels(r))
                .withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Always")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(config.runAsUser()).withRunAsGroup(config.fsGroup())
                .withFsGroup(config.fsGroup())
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewInitContainer()
                .withName(INIT_CONTAINER).withImage(image).withImagePullPolicy(config.imagePullPolicy())
                .withCommand("/bin/sh", "-c", prepare)
                .withTerminationMessagePolicy("FallbackToLogsOnError") // pip's own error becomes the session's reason
                .withEnv(env)
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(mounts(r))
                .endInitContainer()
                .addNewContainer()
                .withName(CONTAINER).withImage(image).withImagePullPolicy(config.imagePullPolicy())
                .withCommand(jupyter)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .addNewPort().withName("jupyter").withContainerPort(config.port()).withProtocol("TCP").endPort()
                .withEnv(env)
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withStartupProbe(probe(r.basePath(), 2, 2, 90))
                .withReadinessProbe(probe(r.basePath(), 5, 3, 3))
                .withLivenessProbe(probe(r.basePath(), 10, 5, 6))
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(mounts(r))
                .endContainer()
                .withVolumes(volumes(r))
                .endSpec()
                .build();
    }

    private static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().build();
    }

    private static List<io.fabric8.kubernetes.api.model.VolumeMount> mounts(RuntimeRequest r) {
        List<io.fabric8.kubernetes.api.model.VolumeMount> m = new ArrayList<>();
        m.add(mount("home", HOME, null, false));
        m.add(mount("work", WORK, r.storage().temporary() ? null : r.storage().path(), false));
        m.add(mount("packages", PACKAGES, null, false));
        m.add(mount("tmp", "/tmp", null, false));
        m.add(mount("session", SECRET_MOUNT, null, true));
        return m;
    }

    private static io.fabric8.kubernetes.api.model.VolumeMount mount(String name, String path, String subPath, boolean readOnly) {
        return new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(name).withMountPath(path)
                .withSubPath(subPath == null || subPath.isEmpty() ? null : subPath).withReadOnly(readOnly).build();
    }

    private List<Volume> volumes(RuntimeRequest r) {
        Quantity scratch = new Quantity(config.scratchSize());
        List<Volume> v = new ArrayList<>();
        v.add(new VolumeBuilder().withName("home").withNewEmptyDir().withSizeLimit(scratch).endEmptyDir().build());
        if (r.storage().temporary()) {
            v.add(new VolumeBuilder().withName("work").withNewEmptyDir().withSizeLimit(scratch).endEmptyDir().build());
        } else {
            v.add(new VolumeBuilder().withName("work").withNewPersistentVolumeClaim().withClaimName(claimName(r.storage()))
                    .withReadOnly(false).endPersistentVolumeClaim().build());
        }
        v.add(new VolumeBuilder().withName("packages").withNewEmptyDir().withSizeLimit(scratch).endEmptyDir().build());
        v.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("1Gi")).endEmptyDir().build());
        // only the files the session reads; the variables reach it as environment
        v.add(new VolumeBuilder().withName("session").withNewSecret().withSecretName(name(r.sessionId())).withDefaultMode(0440)
                .addNewItem().withKey(WIRING).withPath(WIRING).endItem()
                .addNewItem().withKey(STARTUP).withPath(STARTUP).endItem()
                .addNewItem().withKey(REQUIREMENTS).withPath(REQUIREMENTS).endItem()
                .endSecret().build());
        return v;
    }

    /** Probes Jupyter's {@code api} path, which answers its version without a token. */
    private static Probe probe(String basePath, int periodSeconds, int timeoutSeconds, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath(basePath + "api").withPort(new IntOrString("jupyter")).withScheme("HTTP")
                .endHttpGet().withPeriodSeconds(periodSeconds).withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failureThreshold).build();
    }

    private static EnvVar fromSecret(String key, String secret, boolean optional) {
        return new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef(key, secret, optional).endValueFrom().build();
    }

    private static EnvVar literal(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    /** The Secret: the variables, a new Jupyter token, the wiring file, the kernels' startup hook, the packages; the Pod's copy. */
    Secret secret(RuntimeRequest r, Pod pod) throws RuntimeFailure {
        Map<String, String> data = new TreeMap<>();
        r.environment().forEach((k, v) -> data.put(k, b64(v)));
        r.managed().forEach((k, v) -> data.put(k, b64(v)));
        data.put(TOKEN, b64(token()));
        data.put(WIRING, b64(json(new TreeMap<>(r.managed()))));
        data.put(STARTUP, b64(resource("runtime/ipython_startup.py")));
        List<String> requirements = new ArrayList<>(r.libraries());
        requirements.addAll(r.packages());
        data.put(REQUIREMENTS, b64(requirements.isEmpty() ? "" : String.join("\n", requirements) + "\n"));
        ObjectMeta meta = meta(name(r.sessionId()), ownerLabels(r));
        meta.setAnnotations(Map.of(POD_TEMPLATE, client.getKubernetesSerialization().asJson(pod)));
        return new SecretBuilder().withMetadata(meta).withType("Opaque").withData(data).build();
    }

    /**
     * Ingress only from notebook-service's pods on the Jupyter port; egress to DNS, the instances' load balancers and the
     * configured HTTPS destinations, nothing else (other sessions, the control plane, the cloud's metadata address).
     */
    NetworkPolicy networkPolicy(RuntimeRequest r) throws RuntimeFailure {
        Map<String, String> servicePods = selector(config.servicePodSelector());
        if (servicePods.isEmpty()) {
            throw new RuntimeFailure("CONFIGURATION", "dms.notebook.kubernetes.service-pod-selector is empty: it would admit every pod");
        }
        NetworkPolicyPeerBuilder from = new NetworkPolicyPeerBuilder().withPodSelector(labels(servicePods));
        config.serviceNamespaceSelector().map(KubernetesRuntime::selector).ifPresent(n -> from.withNamespaceSelector(labels(n)));
        NotebookConfig.Kubernetes.Egress egress = config.egress();
        List<NetworkPolicyEgressRule> out = new ArrayList<>();
        out.add(new NetworkPolicyEgressRuleBuilder().withTo(new NetworkPolicyPeerBuilder()
                        .withPodSelector(labels(selector(egress.dnsPodSelector())))
                        .withNamespaceSelector(labels(selector(egress.dnsNamespaceSelector()))).build())
                .withPorts(port("UDP", 53), port("TCP", 53)).build());
        List<NetworkPolicyPeer> lbs = cidrs(egress.loadBalancerCidrs());
        if (!lbs.isEmpty()) {
            out.add(new NetworkPolicyEgressRuleBuilder().withTo(lbs).withPorts(port("TCP", egress.loadBalancerPort())).build());
        }
        egress.loadBalancerPodSelector().map(KubernetesRuntime::selector).filter(m -> !m.isEmpty()).ifPresent(pods -> {
            NetworkPolicyPeerBuilder p = new NetworkPolicyPeerBuilder().withPodSelector(labels(pods));
            egress.loadBalancerNamespaceSelector().map(KubernetesRuntime::selector).ifPresent(n -> p.withNamespaceSelector(labels(n)));
            out.add(new NetworkPolicyEgressRuleBuilder().withTo(p.build()).withPorts(port("TCP", egress.loadBalancerPodPort())).build());
        });
        if (out.size() == 1) {
            LOG.warnf("no egress to the instances' load balancers is configured: session %s cannot reach MLflow", r.sessionId());
        }
        List<NetworkPolicyPeer> https = cidrs(egress.httpsCidrs());
        if (!https.isEmpty()) {
            out.add(new NetworkPolicyEgressRuleBuilder().withTo(https).withPorts(port("TCP", 443)).build());
        }
        return new NetworkPolicyBuilder().withMetadata(meta(name(r.sessionId()), ownerLabels(r)))
                .withNewSpec()
                .withPodSelector(labels(sessionLabels(r.sessionId())))
                .withPolicyTypes("Ingress", "Egress")
                .addNewIngress().withFrom(from.build()).withPorts(port("TCP", config.port())).endIngress()
                .withEgress(out)
                .endSpec().build();
    }

    private static List<NetworkPolicyPeer> cidrs(Optional<List<String>> list) {
        List<NetworkPolicyPeer> to = new ArrayList<>();
        list.orElse(List.of()).stream().map(String::trim).filter(c -> !c.isEmpty())
                .forEach(c -> to.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(c).endIpBlock().build()));
        return to;
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    /** The claim of a persistent storage location, made once; it belongs to the workspace, not to the session. */
    private void claim(RuntimeRequest r) throws RuntimeFailure {
        String name = claimName(r.storage());
        PersistentVolumeClaim existing = call(() -> client.persistentVolumeClaims().inNamespace(config.namespace()).withName(name).get());
        if (existing != null) {
            String owner = existing.getMetadata().getLabels() == null ? null : existing.getMetadata().getLabels().get(WORKSPACE);
            if (!labelValue(r.workspaceId()).equals(owner)) {
                throw new RuntimeFailure("STORAGE_NOT_OWNED", "the volume of " + r.storage().uri().orElse("") + " belongs to another workspace");
            }
            return;
        }
        Map<String, String> labels = new TreeMap<>();
        labels.put(MANAGED_BY, MANAGER);
        labels.put(WORKSPACE, labelValue(r.workspaceId()));
        labels.put(STORAGE, r.storage().scheme());
        String storageClass = config.storageClasses().get(r.storage().scheme());
        PersistentVolumeClaim pvc = new PersistentVolumeClaimBuilder().withMetadata(meta(name, labels))
                .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
                .withNewResources().withRequests(Map.of("storage", new Quantity(config.storageSize()))).endResources()
                .endSpec().build();
        try {
            client.persistentVolumeClaims().inNamespace(config.namespace()).resource(pvc).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw new RuntimeFailure("STORAGE_FAILED", "cannot make the volume " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** Creates the object or replaces the one of its name. */
    private <T extends HasMetadata, L extends KubernetesResourceList<T>> void apply(T wanted,
            NonNamespaceOperation<T, L, ? extends Resource<T>> op) throws RuntimeFailure {
        String name = wanted.getMetadata().getName();
        try {
            T existing = op.withName(name).get();
            if (existing == null) {
                op.resource(wanted).create();
            } else {
                wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                op.resource(wanted).update();
            }
        } catch (KubernetesClientException e) {
            throw new RuntimeFailure("KUBERNETES_API", "cannot write " + wanted.getKind() + " " + name + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the Pod is ready; a failed package installation or a container that cannot start ends it at once. */
    /** Waits until the session's Pod is ready; answers it as read then. */
    private Pod awaitReady(String id, Progress progress) throws RuntimeFailure {
        String name = name(id);
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        Phase reported = null;
        String last = "no status";
        while (System.nanoTime() < deadline) {
            Pod p = pod(id);
            if (p == null) {
                throw new RuntimeFailure("SERVER_FAILED", "the Pod " + name + " was deleted while it started");
            }
            if (ready(p)) {
                return p;
            }
            Optional<ContainerStatus> init = status(p.getStatus() == null ? null : p.getStatus().getInitContainerStatuses(), INIT_CONTAINER);
            // the current end, else the last one (restarted after a failure, the init container waits in a back-off)
            ContainerStateTerminated initEnd = init.map(s -> s.getState() != null && s.getState().getTerminated() != null
                    ? s.getState().getTerminated() : s.getLastState() == null ? null : s.getLastState().getTerminated()).orElse(null);
            if (initEnd != null && initEnd.getExitCode() != null && initEnd.getExitCode() != 0) {
                throw new RuntimeFailure("PACKAGES_FAILED", "installing the packages failed (exit " + initEnd.getExitCode() + "): "
                        + Optional.ofNullable(initEnd.getMessage()).orElse(Optional.ofNullable(initEnd.getReason()).orElse("")));
            }
            String stuck = stuck(p);
            if (stuck != null) {
                throw new RuntimeFailure("SERVER_FAILED", "the Pod " + name + " cannot start: " + stuck);
            }
            Phase now = initEnd != null || init.map(s -> Boolean.TRUE.equals(s.getReady())).orElse(false) ? Phase.SERVER : Phase.PACKAGES;
            if (now != reported) {
                progress.report(now, now == Phase.SERVER ? "JupyterLab starting in Pod " + name : "installing packages in Pod " + name);
                reported = now;
            }
            if (p.getStatus() != null) {
                last = "phase " + p.getStatus().getPhase();
            }
            pause(config.pollInterval());
        }
        throw new RuntimeFailure("SERVER_FAILED", "the Pod " + name + " was not ready within " + config.startTimeout().toSeconds()
                + " s (" + last + ")");
    }

    private static Optional<ContainerStatus> status(List<ContainerStatus> statuses, String container) {
        return statuses == null ? Optional.empty() : statuses.stream().filter(s -> container.equals(s.getName())).findFirst();
    }

    /** Why a container of the Pod will not start by itself (a missing image, a bad reference to the Secret), or null. */
    private static String stuck(Pod p) {
        if (p.getStatus() == null) {
            return null;
        }
        if ("Failed".equals(p.getStatus().getPhase())) {
            return "Pod failed: " + p.getStatus().getMessage();
        }
        List<ContainerStatus> all = new ArrayList<>();
        Optional.ofNullable(p.getStatus().getInitContainerStatuses()).ifPresent(all::addAll);
        Optional.ofNullable(p.getStatus().getContainerStatuses()).ifPresent(all::addAll);
        for (ContainerStatus s : all) {
            if (s.getState() != null && s.getState().getWaiting() != null) {
                String reason = s.getState().getWaiting().getReason();
                if (Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CrashLoopBackOff")
                        .contains(reason)) {
                    return s.getName() + ": " + reason + " " + Optional.ofNullable(s.getState().getWaiting().getMessage()).orElse("");
                }
            }
        }
        return null;
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getMetadata().getDeletionTimestamp() == null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean failed(Pod p) {
        return p.getStatus() != null && ("Failed".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase()));
    }

    private Pod pod(String id) throws RuntimeFailure {
        return call(() -> client.pods().inNamespace(config.namespace()).withName(name(id)).get());
    }

    private void deletePodAndWait(String id) throws RuntimeFailure {
        String name = name(id);
        call(() -> client.pods().inNamespace(config.namespace()).withName(name).delete());
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (pod(id) != null) {
            if (System.nanoTime() > deadline) {
                throw new RuntimeFailure("SERVER_FAILED", "the previous Pod " + name + " is still terminating");
            }
            pause(config.pollInterval());
        }
    }

    private static String annotation(HasMetadata o, String key) {
        return o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
    }

    /** {@code a=b,c=d} as labels. */
    static Map<String, String> selector(String text) {
        return LabelSelectors.parse(text);
    }

    private static LabelSelector labels(Map<String, String> m) {
        return new LabelSelectorBuilder().withMatchLabels(m).build();
    }

    private String digest(Pod pod) {
        return sha256(client.getKubernetesSerialization().asJson(pod));
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String path) {
        try (InputStream in = KubernetesRuntime.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** One API call; a failure of the API server is a {@link RuntimeFailure}. */
    private static <T> T call(Supplier<T> apiCall) throws RuntimeFailure {
        try {
            return apiCall.get();
        } catch (KubernetesClientException e) {
            throw new RuntimeFailure("KUBERNETES_API", "Kubernetes API: " + e.getMessage(), e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration d) throws RuntimeFailure {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure("INTERRUPTED", "interrupted while waiting for a Pod");
        }
    }

    private Object lock(String sessionId) {
        return locks.computeIfAbsent(sessionId, k -> new Object());
    }
}
