package dev.dmsmlflow.network.application;

import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * After a restart or a take-over of the network steps (on the replica holding them: {@link StepLeadership}), brings every
 * ACTIVE network's runtime back (local proxies with their ACL and backend). For a provider whose load balancers live
 * outside this process (kubernetes) the holder does the same every {@code reconcileInterval} and removes the load
 * balancers of instances that are gone: a deleted object comes back, one changed by hand is put back.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final NetworkRepository repository;
    private final LoadBalancers loadBalancers;
    private final BackendSecrets backendSecrets;
    private final AccessTokens accessTokens;
    private final LoadBalancerSync sync;
    private final StepLeadership leadership;
    private final EventPublisher events;
    private volatile ScheduledExecutorService timer;

    /** Networks whose load balancer may exist on purpose (a provisioning makes it, a release deletes it). */
    private static final Set<NetworkStatus> LIVE = EnumSet.of(NetworkStatus.PROVISIONING, NetworkStatus.ACTIVE, NetworkStatus.RELEASING);

    public Reconciler(NetworkRepository repository, LoadBalancers loadBalancers, BackendSecrets backendSecrets, AccessTokens accessTokens,
                      LoadBalancerSync sync, StepLeadership leadership, EventPublisher events) {
        this.events = events;
        this.sync = sync;
        this.repository = repository;
        this.leadership = leadership;
        this.accessTokens = accessTokens;
        this.backendSecrets = backendSecrets;
        this.loadBalancers = loadBalancers;
    }

    /**
     * At startup, on the replica that takes the network steps' lock (with one replica: always); a standby restores nothing
     * (the holder's proxies listen on the recorded ports) and reconciles when it takes over ({@link NetworkWorker}).
     */
    void onStart(@Observes @Priority(10) StartupEvent event) {
        if (leadership.poll() == StepLeadership.State.TAKEN) {
            int n = reconcile();
            if (n > 0) {
                LOG.infof("reconciled %d active networks", n);
            }
        } else {
            LOG.info("another replica runs the network steps; this one stands by");
        }
        loadBalancers.reconcileInterval().ifPresent(this::every);
    }

    void onStop(@Observes ShutdownEvent event) {
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
    }

    private synchronized void every(Duration interval) {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "network-reconciler");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            try {
                if (leadership.held()) { // the holder's periodic round; a standby's would race it
                    reconcile();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "reconciling the load balancers failed; next try in %s", interval);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * The load balancer answers elsewhere than recorded (a local proxy restored on another port, a Kubernetes Service made
     * again with another address): records the address and announces it to the product (instance-service replaces the
     * instance's address and tracking URI) in one transaction. Only the address, read and written here: a row another
     * writer changed meanwhile refuses the write (its version), and the next round tries again; a network that already
     * records it (another round, another replica) announces nothing twice.
     */
    private void addressChanged(Network restored) {
        if (restored.vpcAddress() == null || restored.vpcPort() == null) {
            return;
        }
        repository.recordVpcAddress(restored.instanceId(), restored.vpcAddress(), restored.vpcPort()).ifPresent(before -> {
            LOG.infof("the load balancer of %s answers at %s:%d now (was %s:%s); announced", restored.instanceId(),
                    restored.vpcAddress(), restored.vpcPort(), before.vpcAddress(), before.vpcPort());
            events.publish(new LoadBalancerAddressChanged(before.instanceId(), before.workspaceId(), before.loadBalancerId(),
                    restored.vpcAddress(), restored.vpcPort(), before.vpcAddress(), before.vpcPort(), Instant.now()));
        });
    }

    /** Restores what is missing; returns how many networks were looked at. */
    public int reconcile() {
        int n = 0;
        for (Network network : repository.active()) {
            n++;
            try {
                Network restored = sync.restore(network.instanceId());
                if (restored == null) {
                    continue; // released (or failed) since it was listed
                }
                if (loadBalancers.addsBackendSecret()) {
                    var secret = backendSecrets.find(network.instanceId());
                    if (secret.isPresent()) {
                        loadBalancers.backendSecret(restored, secret.get().value());
                    }
                }
                accessTokens.apply(restored);
                if (!Objects.equals(restored.vpcAddress(), network.vpcAddress()) || !Objects.equals(restored.vpcPort(), network.vpcPort())) {
                    QuarkusTransaction.requiringNew().run(() -> addressChanged(restored));
                }
            } catch (Exception e) {
                LOG.errorf(e, "could not restore the load balancer of %s", network.instanceId());
            }
        }
        try {
            loadBalancers.removeOrphans(instanceId -> repository.find(instanceId).filter(found -> LIVE.contains(found.status())).isPresent());
        } catch (Exception e) {
            LOG.errorf(e, "could not remove the load balancers of instances that are gone");
        }
        return n;
    }
}
