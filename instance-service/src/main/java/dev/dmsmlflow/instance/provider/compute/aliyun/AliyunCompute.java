package dev.dmsmlflow.instance.provider.compute.aliyun;

import dev.dmsmlflow.instance.provider.compute.CallbackUrls;
import dev.dmsmlflow.instance.provider.compute.Compute;
import dev.dmsmlflow.instance.provider.compute.ComputeAddress;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.ComputeRequest;
import dev.dmsmlflow.instance.provider.compute.ServerSlots;
import dev.dmsmlflow.instance.provider.compute.ServerSlots.Slot;
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
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Alibaba Cloud compute provider: one Elastic Container Instance (container group) per tracking server, in the instance's
 * vSwitches and in the security group network-service made for its tracking servers ({@code dms-mlflow-<instance>-compute},
 * which admits only the load balancer's vSwitches), sized by its spec, running the configured image. ECI itself probes the
 * container (readiness on {@code GET /health}, liveness on {@code GET /health/live}, restarting a container that stops
 * answering): this service reads the verdict from the API and never needs a way into that security group. Groups are named after the instance
 * ({@code dms-mlflow-<instance>-a}, and {@code -b} for the second server of a resize, which listens on the next port), and
 * tagged with it, so a restarted service finds what it made by name even when it recorded nothing. The container's
 * environment holds only what its tracking server needs: its database login, its artifact root, the load balancer's
 * digest, and a secret of its own with which it fetches OSS credentials scoped to its root from this service
 * ({@link StorageCredentialsResource}); never the platform's keys.
 */
@ApplicationScoped
@Typed(AliyunCompute.class)
public class AliyunCompute implements Compute {

    private static final Logger LOG = Logger.getLogger(AliyunCompute.class);
    static final String OWNER_TAG = "dms-mlflow-owner";
    static final String INSTANCE_TAG = "dms-mlflow-instance";
    static final String CONTAINER = "tracking-server";
    private static final Set<String> ALIVE = Set.of("Pending", "Scheduling", "Running", "Restarting", "Updating");
    private static final Set<String> DEAD = Set.of("Failed", "ScheduleFailed", "Succeeded", "Expired");

    private final AliyunComputeConfig config;
    private final StorageSecrets secrets;
    private final EciClient eci;
    private final EciClient ecs;
    private final ServerSlots slots;

    @Inject
    public AliyunCompute(AliyunComputeConfig config, StorageSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
        this.slots = new ServerSlots(config.port(), LOG);
        this.eci = new EciClient(config);
        this.ecs = new EciClient(config, "2014-05-26", config.ecsEndpoint().orElse("ecs." + config.regionId() + ".aliyuncs.com"));
    }

    /** Name of the security group network-service makes for an instance's tracking servers (its load balancer only). */
    static String computeSecurityGroupName(String instanceId) {
        return "dms-mlflow-" + instanceId + "-compute";
    }

    /** The container group name of {@code slot} of an instance: lower-case letters, digits and hyphens, at most 128. */
    static String groupName(String instanceId, Slot slot) {
        String id = instanceId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (id.length() > 100) {
            id = id.substring(0, 100);
        }
        return "dms-mlflow-" + id + "-" + slot.label();
    }

    int port(Slot slot) {
        return slots.port(slot);
    }

    @Override
    public ComputeAddress start(ComputeRequest request) throws ComputeException {
        String id = request.instanceId();
        synchronized (lock(id)) {
            Slot preferred = request.preferredPort() == null ? null : slots.slotOf(request.preferredPort());
            List<Slot> order = preferred == null ? List.of(Slot.A, Slot.B) : List.of(preferred, preferred.other());
            for (Slot slot : order) {
                for (Map<String, Object> g : groups(id, slot)) {
                    if (alive(g)) {
                        try {
                            return awaitReady(id, str(g, "ContainerGroupId"), slot); // adopted (it may still be starting)
                        } catch (ComputeException e) {
                            LOG.warnf("tracking server %s of %s is not healthy (%s); replacing it", str(g, "ContainerGroupName"), id, e.getMessage());
                        }
                    }
                    delete(g);
                }
            }
            return create(request, preferred == null ? Slot.A : preferred);
        }
    }

    @Override
    public ComputeAddress startSuccessor(ComputeRequest request, int currentPort) throws ComputeException {
        String id = request.instanceId();
        Slot slot = slots.slotOf(currentPort).other();
        synchronized (lock(id)) {
            for (Map<String, Object> g : groups(id, slot)) {
                if (alive(g)) {
                    try {
                        return awaitReady(id, str(g, "ContainerGroupId"), slot); // started before a restart of this service
                    } catch (ComputeException e) {
                        LOG.warnf("second tracking server of %s is not healthy (%s); replacing it", id, e.getMessage());
                    }
                }
                delete(g);
            }
            return create(request, slot);
        }
    }

    @Override
    public void retireAllBut(String instanceId, int keepPort) {
        Slot retired = slots.slotOf(keepPort).other();
        synchronized (lock(instanceId)) {
            try {
                for (String name : remove(instanceId, retired)) {
                    LOG.infof("deleted tracking server %s; the one on port %d serves", name, keepPort);
                }
            } catch (ComputeException | SQLException e) {
                LOG.errorf("could not retire the second tracking server of %s: %s", instanceId, e.getMessage());
            }
        }
    }

    @Override
    public void stop(String instanceId) {
        synchronized (lock(instanceId)) {
            for (Slot slot : Slot.values()) {
                try {
                    for (String name : remove(instanceId, slot)) {
                        LOG.infof("deleted tracking server %s of %s", name, instanceId);
                    }
                } catch (ComputeException | SQLException e) {
                    LOG.errorf("could not delete the tracking server of %s: %s", instanceId, e.getMessage());
                }
            }
        }
    }

    /** Deletes the instance's container groups in {@code slot} and forgets their secret; returns the deleted groups' names. */
    private List<String> remove(String instanceId, Slot slot) throws ComputeException, SQLException {
        List<String> deleted = new ArrayList<>();
        for (Map<String, Object> g : groups(instanceId, slot)) {
            delete(g);
            deleted.add(str(g, "ContainerGroupName"));
        }
        secrets.forget(groupName(instanceId, slot));
        return deleted;
    }

    @Override
    public boolean supportsVersion(String version) {
        return version == null || config.versions().containsKey(version);
    }

    @Override
    public boolean isRunning(String instanceId) {
        return slots.isRunning(instanceId, () -> anyAlive(instanceId));
    }

    /**
     * A group of the instance is running (or being started or restarted by ECI). A hung server is ECI's to restart: its
     * liveness probe does that next to the container, where this service's requests could not reach through the compute's
     * security group.
     */
    @Override
    public boolean isLive(String instanceId) {
        return slots.isLive(instanceId, () -> anyAlive(instanceId)); // none alive: stopped, failed or gone
    }

    /** Whether a container group of the instance, in either slot, is alive. */
    private boolean anyAlive(String instanceId) throws ComputeException {
        for (Slot slot : Slot.values()) {
            if (groups(instanceId, slot).stream().anyMatch(AliyunCompute::alive)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ComputeAddress replace(ComputeRequest request) throws ComputeException {
        String id = request.instanceId();
        synchronized (lock(id)) {
            Slot slot = slots.slotFor(request.preferredPort());
            for (Map<String, Object> g : groups(id, slot)) {
                LOG.warnf("deleting unresponsive tracking server %s of %s", str(g, "ContainerGroupName"), id);
                delete(g);
            }
            return create(request, slot);
        }
    }

    @Override
    public void reconcile(Collection<ComputeRequest> wanted, Collection<String> inProgress) {
        Set<String> keep = new HashSet<>(inProgress);
        wanted.forEach(w -> keep.add(w.instanceId()));
        try {
            for (Map<String, Object> g : ownedGroups()) {
                String instance = tag(g, INSTANCE_TAG);
                if (instance != null && !keep.contains(instance)) {
                    LOG.infof("removing orphan tracking server %s of %s", str(g, "ContainerGroupName"), instance);
                    synchronized (lock(instance)) {
                        delete(g);
                        secrets.forget(str(g, "ContainerGroupName"));
                    }
                }
            }
        } catch (ComputeException | SQLException e) {
            LOG.errorf("could not list the tracking servers to reconcile: %s", e.getMessage());
        }
        for (ComputeRequest w : wanted) {
            try {
                ComputeAddress a = start(w); // adopts a healthy group, replaces an unhealthy one, recreates a missing one
                LOG.infof("tracking server of %s at %s:%d", w.instanceId(), a.host(), a.port());
            } catch (ComputeException e) {
                LOG.errorf("could not restart tracking server of %s: %s", w.instanceId(), e.getMessage());
            }
        }
    }

    /**
     * Creates the container group of {@code slot} and waits until it runs and answers its health check; a group that does
     * not is deleted again, with its secret.
     */
    private ComputeAddress create(ComputeRequest request, Slot slot) throws ComputeException {
        String id = request.instanceId();
        String name = groupName(id, slot);
        String image = imageFor(request.version());
        if (request.vSwitchId() == null) {
            throw new ComputeException("the instance " + id + " names no vSwitch for its tracking server");
        }
        String securityGroup = computeSecurityGroup(id);
        String base = CallbackUrls.base(config.credentialsUrl(), "dms.compute.aliyun.credentials-url",
                "a tracking server on Alibaba Cloud could not get its OSS credentials");
        String tokensBase = CallbackUrls.base(config.tokensUrl(), "dms.compute.aliyun.tokens-url",
                "a tracking server on Alibaba Cloud could not check MLflow access tokens");
        String secret;
        try {
            secret = secrets.issue(name, id, request.ossBucket(), request.ossPath());
        } catch (SQLException e) {
            throw new ComputeException("cannot record the storage secret of " + name + ": " + e.getMessage(), e);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("RegionId", config.regionId());
        p.put("ContainerGroupName", name);
        p.put("SecurityGroupId", securityGroup);
        p.put("VSwitchId", request.secondaryVSwitchId() == null ? request.vSwitchId()
                : request.vSwitchId() + "," + request.secondaryVSwitchId()); // the second zone when the first has no capacity
        p.put("Cpu", Double.toString(request.cpuCores()));
        p.put("Memory", Double.toString(request.memoryGiB()));
        p.put("RestartPolicy", "Always");
        // the same call retried is the same group; a new secret (a new attempt after a failure) is a new group
        p.put("ClientToken", token(name + ":" + StorageSecrets.digest(secret)));
        p.put("Tag", List.of(Map.of("Key", OWNER_TAG, "Value", config.owner()), Map.of("Key", INSTANCE_TAG, "Value", id)));
        List<Map<String, String>> env = new ArrayList<>();
        environment(request, slot, base, tokensBase, secret).forEach((k, v) -> env.add(Map.of("Key", k, "Value", v)));
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("Name", CONTAINER);
        container.put("Image", image);
        container.put("ImagePullPolicy", "IfNotPresent");
        container.put("Cpu", Double.toString(request.cpuCores()));
        container.put("Memory", Double.toString(request.memoryGiB()));
        container.put("Port", List.of(Map.of("Port", Integer.toString(port(slot)), "Protocol", "TCP")));
        container.put("EnvironmentVar", env);
        container.put("ReadinessProbe", probe("/health", port(slot), 5, 5, Duration.ofSeconds(2), 3));
        container.put("LivenessProbe", probe("/health/live", port(slot), 60, 10, config.livenessTimeout(), 3));
        p.put("Container", List.of(container));
        String groupId;
        try {
            groupId = str(eci.call("CreateContainerGroup", p), "ContainerGroupId");
            if (groupId == null) {
                throw new ComputeException("CreateContainerGroup answered no ContainerGroupId");
            }
        } catch (ComputeException e) {
            forget(name);
            throw e;
        }
        LOG.infof("created tracking server %s (%s) of %s, spec %s, image %s", name, groupId, id, request.spec(), image);
        try {
            return awaitReady(id, groupId, slot);
        } catch (ComputeException e) {
            try {
                eci.call("DeleteContainerGroup", Map.of("RegionId", config.regionId(), "ContainerGroupId", groupId));
            } catch (ComputeException de) {
                LOG.warnf("could not delete failed tracking server %s: %s", name, de.getMessage());
            }
            forget(name);
            throw e;
        }
    }

    /**
     * The whole environment of the tracking server's container: nothing of this service's own (no platform key, no admin
     * database login, no Kafka credential), only what the server needs.
     */
    Map<String, String> environment(ComputeRequest request, Slot slot, String credentialsBase, String tokensBase, String secret) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DMS_TRACKING_DB_URL", request.jdbcUrl());
        env.put("DMS_TRACKING_DB_USER", request.dbUser());
        env.put("DMS_TRACKING_DB_PASSWORD", request.dbPassword());
        env.put("DMS_TRACKING_ARTIFACT_ROOT", "oss://" + request.ossBucket() + "/" + request.ossPath());
        env.put("DMS_TRACKING_CONFINE_ARTIFACT_LOCATIONS", "true");
        env.put("DMS_TRACKING_OSS_ENDPOINT", config.oss().endpoint().orElse("https://oss-" + config.regionId() + "-internal.aliyuncs.com"));
        env.put("DMS_TRACKING_OSS_REGION", config.regionId());
        env.put(CallbackUrls.CREDENTIALS_URL, CallbackUrls.credentials(credentialsBase, request.instanceId()));
        env.put("DMS_TRACKING_OSS_CREDENTIALS_SECRET", secret);
        // MLflow access tokens are checked by the server itself (the ALB cannot): it fetches the instance's mode and token
        // digests with the same secret; in network mode the list says so and nothing is asked of clients
        env.put(CallbackUrls.TOKENS_URL, CallbackUrls.tokens(tokensBase, request.instanceId()));
        if (request.backendAuthDigest() != null) {
            env.put("DMS_BACKEND_AUTH_DIGEST", request.backendAuthDigest()); // the digest only: the secret stays with the load balancer
        }
        env.put("QUARKUS_HTTP_HOST", "0.0.0.0");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port(slot)));
        env.put("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=" + request.cpuCores() + " -Xmx" + (request.memoryGiB() * 768) + "m");
        return env;
    }

    /** An HTTP GET probe of the container, as ECI's {@code Container.N.ReadinessProbe} / {@code LivenessProbe} take it. */
    private static Map<String, Object> probe(String path, int port, int initialDelay, int period, Duration timeout, int failures) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("HttpGet", Map.of("Path", path, "Port", Integer.toString(port), "Scheme", "HTTP"));
        p.put("InitialDelaySeconds", Integer.toString(initialDelay));
        p.put("PeriodSeconds", Integer.toString(period));
        p.put("TimeoutSeconds", Long.toString(Math.max(1, timeout.toSeconds())));
        p.put("FailureThreshold", Integer.toString(failures));
        p.put("SuccessThreshold", "1");
        return p;
    }

    /**
     * The id of the instance's compute security group, which network-service makes when it provisions the load balancer
     * (before this saga step starts compute). Absent: refused, rather than falling back to a group that admits more.
     */
    private String computeSecurityGroup(String instanceId) throws ComputeException {
        String name = computeSecurityGroupName(instanceId);
        Map<String, Object> answer = ecs.call("DescribeSecurityGroups", Map.of("RegionId", config.regionId(), "SecurityGroupName", name));
        Object groups = answer.get("SecurityGroups") instanceof Map<?, ?> m ? m.get("SecurityGroup") : null;
        if (groups instanceof List<?> list) {
            for (Object g : list) {
                if (g instanceof Map<?, ?> sg && name.equals(sg.get("SecurityGroupName")) && sg.get("SecurityGroupId") != null) {
                    return sg.get("SecurityGroupId").toString();
                }
            }
        }
        throw new ComputeException("security group " + name + " of the tracking server does not exist (network-service makes it "
                + "with the load balancer)");
    }

    /** Whether ECI's readiness probe passes for the tracking-server container of the group. */
    private static boolean ready(Map<String, Object> g) {
        Object containers = g.get("Containers");
        if (containers instanceof List<?> list) {
            for (Object c : list) {
                if (c instanceof Map<?, ?> m && CONTAINER.equals(m.get("Name"))) {
                    return Boolean.parseBoolean(String.valueOf(m.get("Ready")));
                }
            }
        }
        return false;
    }

    /** Waits until the group runs and ECI's readiness probe (GET /health answers 200) passes; its address then. */
    private ComputeAddress awaitReady(String instanceId, String groupId, Slot slot) throws ComputeException {
        return slots.starting(instanceId, () -> {
            long deadline = System.nanoTime() + config.healthTimeout().toNanos();
            String last = "unknown";
            while (System.nanoTime() < deadline) {
                Map<String, Object> g = one(groupId);
                last = g.isEmpty() ? "gone" : str(g, "Status");
                if (g.isEmpty() || DEAD.contains(last)) {
                    throw new ComputeException("container group " + groupId + " is " + last + " before answering GET /health");
                }
                String ip = str(g, "IntranetIp");
                if ("Running".equals(last) && ip != null && !ip.isEmpty() && ready(g)) {
                    return new ComputeAddress(ip, port(slot));
                }
                pause(config.pollInterval());
            }
            throw new ComputeException("tracking server in container group " + groupId + " did not answer GET /health within "
                    + config.healthTimeout().toSeconds() + "s (last status " + last + ")");
        });
    }

    private Map<String, Object> one(String groupId) throws ComputeException {
        return EciClient.groups(eci.call("DescribeContainerGroups", Map.of("RegionId", config.regionId(),
                "ContainerGroupIds", "[\"" + groupId + "\"]"))).stream().findFirst().orElse(Map.of());
    }

    /** The container groups named for {@code slot} of the instance (normally none or one). */
    private List<Map<String, Object>> groups(String instanceId, Slot slot) throws ComputeException {
        String name = groupName(instanceId, slot);
        return EciClient.groups(eci.call("DescribeContainerGroups", Map.of("RegionId", config.regionId(), "ContainerGroupName", name,
                "Limit", "20"))).stream().filter(g -> name.equals(str(g, "ContainerGroupName"))).filter(g -> !"Terminating".equals(str(g, "Status")))
                .toList();
    }

    /** Every container group this service made (tag {@code dms-mlflow-owner}), page by page. */
    private List<Map<String, Object>> ownedGroups() throws ComputeException {
        List<Map<String, Object>> all = new ArrayList<>();
        String next = null;
        do {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("RegionId", config.regionId());
            p.put("Tag", List.of(Map.of("Key", OWNER_TAG, "Value", config.owner())));
            p.put("Limit", "100");
            if (next != null) {
                p.put("NextToken", next);
            }
            Map<String, Object> answer = eci.call("DescribeContainerGroups", p);
            all.addAll(EciClient.groups(answer));
            next = str(answer, "NextToken");
        } while (next != null && !next.isEmpty());
        return all;
    }

    private void delete(Map<String, Object> group) throws ComputeException {
        try {
            eci.call("DeleteContainerGroup", Map.of("RegionId", config.regionId(), "ContainerGroupId", str(group, "ContainerGroupId")));
        } catch (EciClient.EciException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
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

    private static boolean alive(Map<String, Object> g) {
        return ALIVE.contains(str(g, "Status"));
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    private static String tag(Map<String, Object> g, String key) {
        Object tags = g.get("Tags");
        if (tags instanceof List<?> list) {
            for (Object t : list) {
                if (t instanceof Map<?, ?> m && key.equals(m.get("Key"))) {
                    return String.valueOf(m.get("Value"));
                }
            }
        }
        return null;
    }

    private static String token(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 60);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration d) throws ComputeException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComputeException("interrupted while waiting for a container group");
        }
    }

    private Object lock(String instanceId) {
        return slots.lock(instanceId);
    }
}
