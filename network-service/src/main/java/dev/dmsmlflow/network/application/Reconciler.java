package dev.dmsmlflow.network.application;

import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Objects;

/** After a restart or a take-over of the network steps, brings every ACTIVE network's runtime back (local proxies with their ACL and backend). */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    private final NetworkRepository repository;
    private final LoadBalancers loadBalancers;
    private final BackendSecrets backendSecrets;
    private final AccessTokens accessTokens;
    private final StepLeadership leadership;

    public Reconciler(NetworkRepository repository, LoadBalancers loadBalancers, BackendSecrets backendSecrets, AccessTokens accessTokens,
                      StepLeadership leadership) {
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
            reconcile();
        } else {
            LOG.info("another replica runs the network steps; this one stands by");
        }
    }

    /** Restores what is missing; returns how many networks were looked at. */
    public int reconcile() {
        int n = 0;
        for (Network network : repository.active()) {
            n++;
            try {
                Network restored = loadBalancers.restore(network, repository.enforcedAclEntries(network.instanceId()));
                if (loadBalancers.addsBackendSecret()) {
                    var secret = backendSecrets.find(network.instanceId());
                    if (secret.isPresent()) {
                        loadBalancers.backendSecret(restored, secret.get().value());
                    }
                }
                accessTokens.apply(restored);
                if (!Objects.equals(restored.vpcPort(), network.vpcPort())) {
                    // only the port, read and written in one transaction: nothing another writer changed is overwritten
                    QuarkusTransaction.requiringNew().run(() -> repository.recordVpcPort(restored.instanceId(), restored.vpcPort()));
                }
            } catch (Exception e) {
                LOG.errorf(e, "could not restore the load balancer of %s", network.instanceId());
            }
        }
        if (n > 0) {
            LOG.infof("reconciled %d active networks", n);
        }
        return n;
    }
}
