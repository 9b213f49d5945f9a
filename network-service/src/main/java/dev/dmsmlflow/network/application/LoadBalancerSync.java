package dev.dmsmlflow.network.application;

import dev.dmsmlflow.contracts.network.AclEntry;
import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.network.persistence.AccessTokenRepository;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;

/**
 * Tells an instance's load balancer what the database says of its ACL and its access tokens, with no transaction open
 * (issue 15): the API (or the saga's intent) commits the change first; this reads the committed state, calls the load
 * balancer, and records the confirmation in a new short transaction. Calls for one instance are serialized in this process
 * and each reads the state afresh, so the load balancer ends with the latest committed state whatever the order in which
 * concurrent changes arrive. What it could not tell the load balancer stays pending; the {@link NetworkWorker} retries it.
 */
@ApplicationScoped
public class LoadBalancerSync {

    private static final Logger LOG = Logger.getLogger(LoadBalancerSync.class);
    private static final int STRIPES = 64;
    /** Tries of a record that lost a race with another writer of the same rows before it gives up. */
    private static final int RECORD_TRIES = 5;

    private final Object[] locks = new Object[STRIPES];
    private final NetworkRepository networks;
    private final AccessTokenRepository tokens;
    private final LoadBalancers loadBalancers;
    private final EventPublisher events;

    public LoadBalancerSync(NetworkRepository networks, AccessTokenRepository tokens, LoadBalancers loadBalancers,
                            EventPublisher events) {
        this.networks = networks;
        this.tokens = tokens;
        this.loadBalancers = loadBalancers;
        this.events = events;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /** The lock of an instance's load balancer in this process (also taken by the worker's backend and release steps). */
    Object lockOf(String instanceId) {
        return locks[Math.floorMod(instanceId.hashCode(), STRIPES)];
    }

    private static void noTransaction() {
        if (QuarkusTransaction.isActive()) {
            throw new IllegalStateException("the load balancer is never called inside a database transaction");
        }
    }

    /**
     * Applies the instance's unconfirmed ACL changes (removals first, so an ACL at its quota can take a replacement), then
     * confirms them with one AlbAclUpdated. False when the load balancer refused or the network is not ACTIVE: the
     * changes stay pending.
     */
    public boolean syncAcl(String instanceId) {
        noTransaction();
        synchronized (lockOf(instanceId)) {
            NetworkRepository.PendingAcl pending = networks.pendingAcl(instanceId);
            if (pending.isEmpty()) {
                return true;
            }
            Network n = networks.find(instanceId).orElse(null);
            if (n == null || n.status() != NetworkStatus.ACTIVE) {
                return false;
            }
            try {
                if (!pending.removing().isEmpty()) {
                    loadBalancers.removeAclEntries(n, pending.removing().stream().map(AclRule::cidr).toList());
                }
                if (!pending.adding().isEmpty()) {
                    loadBalancers.addAclEntries(n, pending.adding());
                }
            } catch (ProviderException | RuntimeException e) {
                LOG.warnf("the load balancer of %s did not take its ACL changes (%s); they stay pending", instanceId, e.toString());
                return false;
            }
            try {
                // an API call changing one of these entries meanwhile makes the confirmation lose the race: read again
                ConcurrentChangeException.retrying(RECORD_TRIES, NetworkRepository.KIND, instanceId,
                        () -> QuarkusTransaction.requiringNew().call(() -> {
                            NetworkRepository.PendingAcl done = networks.confirmAcl(instanceId, pending.adding(), pending.removing());
                            networks.flush();
                            if (!done.isEmpty()) {
                                events.publish(new AlbAclUpdated(n.instanceId(), n.workspaceId(), n.aclId(), wire(done.adding()),
                                        wire(done.removing()), Instant.now()));
                            }
                            return done;
                        }));
            } catch (ConcurrentChangeException e) {
                LOG.warnf("the ACL changes of %s kept changing while being confirmed; they stay pending", instanceId);
                return false;
            }
            return true;
        }
    }

    /**
     * Brings the load balancer of an ACTIVE network back to what the database says (its enforced ACL, backend), serialized
     * with this process's ACL changes, backend registrations and releases of the instance: an entry, a backend or a release
     * being recorded meanwhile is never undone by a reconciliation that read the network before it. Null when the network
     * is not ACTIVE (any more).
     */
    public Network restore(String instanceId) throws ProviderException {
        noTransaction();
        synchronized (lockOf(instanceId)) {
            // read under the lock: a backend registered or a release recorded since the caller listed it is seen
            Network n = networks.find(instanceId).filter(f -> f.status() == NetworkStatus.ACTIVE).orElse(null);
            return n == null ? null : loadBalancers.restore(n, networks.enforcedAclEntries(instanceId));
        }
    }

    private static List<AclEntry> wire(List<AclRule> rules) {
        return rules.stream().map(r -> new AclEntry(r.cidr(), r.description())).toList();
    }

    /**
     * Tells the load balancer of {@code n} the instance's authentication mode and its active tokens as committed now.
     *
     * @throws ProviderException when the load balancer refused
     */
    public void applyAuth(Network n) throws ProviderException {
        if (!loadBalancers.checksTokens()) {
            return;
        }
        noTransaction();
        synchronized (lockOf(n.instanceId())) {
            Instant now = Instant.now();
            String mode = networks.authMode(n.instanceId());
            List<AccessToken> active = tokens.all(n.instanceId()).stream().filter(t -> t.activeAt(now)).toList();
            loadBalancers.authentication(n, mode, active);
        }
    }

    /**
     * After a token change committed: tells the load balancer at once; when it cannot be told, records the APPLY_AUTH
     * intent (a new transaction) for the worker to retry. Returns whether the load balancer has it.
     */
    public boolean tokensChanged(String instanceId) {
        Network n = networks.find(instanceId).orElse(null);
        if (n == null || n.status() != NetworkStatus.ACTIVE) {
            return false;
        }
        try {
            applyAuth(n);
            return true;
        } catch (ProviderException | RuntimeException e) {
            LOG.warnf("the load balancer of %s did not take its tokens (%s); the worker retries", instanceId, e.getMessage());
            // the intent goes on the network row, which the worker and the consumer write too: a lost race reads again
            ConcurrentChangeException.retrying(RECORD_TRIES, NetworkRepository.KIND, instanceId,
                    () -> QuarkusTransaction.requiringNew().call(() -> {
                        if (networks.find(instanceId).filter(f -> f.status() == NetworkStatus.ACTIVE).isPresent()) {
                            recordAuthIntent(instanceId);
                            networks.flush();
                        }
                        return null;
                    }));
            return false;
        }
    }

    /**
     * Records, in the caller's transaction, that the load balancer has to learn the mode and tokens again: a pending
     * PROVISION or REGISTER_BACKEND applies them itself (a new intent makes it apply them again if it ran already),
     * otherwise the APPLY_AUTH step.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordAuthIntent(String instanceId) {
        NetworkStep pending = networks.step(instanceId).map(NetworkStep.Pending::step).orElse(null);
        if (pending == NetworkStep.PROVISION || pending == NetworkStep.REGISTER_BACKEND) {
            networks.bumpStep(instanceId);
        } else if (pending != NetworkStep.RELEASE) {
            networks.setStep(instanceId, NetworkStep.APPLY_AUTH, null, null);
        }
    }
}
