package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.BackendHealth;
import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import dev.dmsmlflow.network.provider.SignInCodes;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Local load balancers: a real reverse proxy per instance ({@link LocalProxy}) on the configured loopback address and
 * its own port. Ids are derived from the instance id, which makes creation idempotent.
 */
@ApplicationScoped
@Typed(LocalLoadBalancers.class)
public class LocalLoadBalancers implements LoadBalancers {

    private static final Logger LOG = Logger.getLogger(LocalLoadBalancers.class);

    private final Vertx vertx;
    private final LocalNetworkFacts facts;
    private final NetworkConfig.Local config;
    private final Map<String, LocalProxy> proxies = new ConcurrentHashMap<>();
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private volatile HttpClient client;
    /** Spends the browser sign-in codes the proxies receive. */
    private final SignInCodes signIns;

    public LocalLoadBalancers(Vertx vertx, LocalNetworkFacts facts, NetworkConfig config, SignInCodes signIns) {
        this.vertx = vertx;
        this.facts = facts;
        this.config = config.local();
        this.signIns = signIns;
    }

    private HttpClient client() {
        if (client == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions()
                            .setConnectTimeout((int) config.connectTimeout().toMillis())
                            .setKeepAlive(true).setMaxPoolSize(64));
                }
            }
        }
        return client;
    }

    private LocalProxy newProxy(String loadBalancerId, String instanceId, String securityGroupId) {
        NetworkConfig.HealthCheck hc = config.healthCheck();
        return new LocalProxy(vertx, loadBalancerId, instanceId, signIns, () -> facts.securityGroup(securityGroupId).orElse(null), client(),
                new LocalProxy.Limits(config.maxBodySize(), config.connectTimeout(), config.upstreamTimeout()),
                new BackendHealthCheck.Settings(hc.interval(), hc.timeout(), hc.healthyThreshold(), hc.unhealthyThreshold()));
    }

    static String suffix(String instanceId) {
        return instanceId.toLowerCase().replaceAll("[^a-z0-9-]", "-");
    }

    @Override
    public synchronized Handle create(Spec spec) throws ProviderException {
        String id = suffix(spec.instanceId());
        String lbId = "alb-" + id;
        LocalProxy existing = proxies.get(lbId);
        int port;
        if (existing != null) {
            port = ports.get(lbId);
        } else {
            String groupId = spec.securityGroup().id();
            LocalProxy proxy = newProxy(lbId, spec.instanceId(), groupId);
            try {
                port = proxy.listen(config.bindHost(), 0);
            } catch (Exception e) {
                proxy.close();
                throw new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED,
                        "the local load balancer could not listen on " + config.bindHost() + ": " + e.getMessage(), e);
            }
            proxies.put(lbId, proxy);
            ports.put(lbId, port);
            LOG.infof("load balancer %s of instance %s listens on %s:%d (ACL denies all)", lbId, spec.instanceId(), config.bindHost(), port);
        }
        return new Handle(lbId, "lsn-" + id, "acl-" + id, "sgp-" + id, config.bindHost(), port,
                List.of(spec.primary().zoneId(), spec.secondary().zoneId()));
    }

    private LocalProxy proxy(Network network) throws ProviderException {
        LocalProxy p = network.loadBalancerId() == null ? null : proxies.get(network.loadBalancerId());
        if (p == null) {
            throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "load balancer " + network.loadBalancerId() + " is not running");
        }
        return p;
    }

    @Override
    public void addAclEntries(Network network, List<AclRule> entries) throws ProviderException {
        LocalProxy p = proxy(network);
        entries.forEach(e -> p.addAcl(IpBlock.parse(e.cidr())));
    }

    @Override
    public void removeAclEntries(Network network, List<String> cidrs) throws ProviderException {
        LocalProxy p = proxy(network);
        cidrs.forEach(c -> p.removeAcl(IpBlock.parse(c)));
    }

    @Override
    public String registerBackend(Network network, String host, int port) throws ProviderException {
        proxy(network).backend(host, port);
        return "sgp-" + suffix(network.instanceId());
    }

    @Override
    public boolean checksTokens() {
        return true;
    }

    @Override
    public void authentication(Network network, String mode, List<dev.dmsmlflow.network.domain.AccessToken> tokens)
            throws ProviderException {
        Map<String, LocalProxy.Grant> grants = new java.util.HashMap<>();
        for (var t : tokens) {
            grants.put(t.hash(), new LocalProxy.Grant(t.id(), t.scope(), t.expiresAt()));
        }
        proxy(network).authentication("token".equals(mode), grants);
    }

    @Override
    public boolean addsBackendSecret() {
        return true;
    }

    @Override
    public void backendSecret(Network network, String secret) throws ProviderException {
        proxy(network).backendSecret(secret);
    }

    @Override
    public synchronized void delete(Network network) {
        String lbId = network.loadBalancerId() != null ? network.loadBalancerId() : "alb-" + suffix(network.instanceId());
        LocalProxy p = proxies.remove(lbId);
        ports.remove(lbId);
        if (p != null) {
            p.close();
            LOG.infof("load balancer %s of instance %s deleted", lbId, network.instanceId());
        }
    }

    @Override
    public synchronized Network restore(Network n, List<AclRule> entries) throws ProviderException {
        if (proxies.containsKey(n.loadBalancerId())) {
            return n;
        }
        String groupId = n.securityGroupId();
        LocalProxy proxy = newProxy(n.loadBalancerId(), n.instanceId(), groupId);
        int port;
        try {
            port = proxy.listen(n.vpcAddress(), n.vpcPort());
        } catch (Exception first) {
            LOG.warnf("port %d of load balancer %s is taken; it gets a new port", n.vpcPort(), n.loadBalancerId());
            try {
                port = proxy.listen(n.vpcAddress(), 0);
            } catch (Exception e) {
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "cannot restore " + n.loadBalancerId() + ": " + e.getMessage(), e);
            }
        }
        entries.forEach(e -> proxy.addAcl(IpBlock.parse(e.cidr())));
        if (n.backendHost() != null && n.backendPort() != null) {
            proxy.backend(n.backendHost(), n.backendPort());
        }
        proxies.put(n.loadBalancerId(), proxy);
        ports.put(n.loadBalancerId(), port);
        return new Network(n.instanceId(), n.workspaceId(), n.vpcId(), n.vSwitchId(), n.secondaryVSwitchId(), n.zoneIds(),
                n.securityGroupId(), n.loadBalancerId(), n.listenerId(), n.aclId(), n.serverGroupId(), n.vpcAddress(), port,
                n.backendHost(), n.backendPort(), n.status(), n.failureCode(), n.failureMessage(), n.createdAt(), n.updatedAt(),
                n.version());
    }

    /** The verdict of the load balancer's health check; empty when no proxy runs for it. */
    @Override
    public Optional<BackendHealth> backendHealth(String loadBalancerId) {
        LocalProxy p = loadBalancerId == null ? null : proxies.get(loadBalancerId);
        return p == null ? Optional.empty() : Optional.of(p.backendHealth());
    }

    /** Whether a proxy runs for this load balancer (diagnosis: reachable or not). */
    public boolean isRunning(String loadBalancerId) {
        return loadBalancerId != null && proxies.containsKey(loadBalancerId);
    }

    void onStop(@Observes ShutdownEvent event) {
        closeAll();
    }

    /** Another replica holds the load balancers now: this one's proxies close, so that their ports are free for it. */
    @Override
    public void standDown() {
        closeAll();
    }

    /** Stops every proxy (what a process exit does); {@code restore} brings them back. */
    @PreDestroy
    public void closeAll() {
        proxies.values().forEach(LocalProxy::close);
        proxies.clear();
        ports.clear();
    }
}
