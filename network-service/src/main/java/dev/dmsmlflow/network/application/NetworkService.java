package dev.dmsmlflow.network.application;

import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.network.QuotaConfig;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Admission;
import dev.dmsmlflow.network.domain.BackendHealth;
import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkLifecycle;
import dev.dmsmlflow.network.domain.NetworkLifecycle.Effect;
import dev.dmsmlflow.network.domain.NetworkLifecycle.Transition;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import dev.dmsmlflow.platform.validation.Text;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The network of an instance: provisioning, backend registration and release (saga steps), ACL entries and the
 * connectivity diagnosis. Every state change and its event commit together through the outbox. The saga's handlers only
 * record the step an event asks for; the {@link NetworkWorker} does the cloud calls outside any transaction and records
 * their outcomes here, each in a new short transaction.
 */
@ApplicationScoped
public class NetworkService {

    private static final Logger LOG = Logger.getLogger(NetworkService.class);
    public static final int MAX_DESCRIPTION = 256;

    /** One requested ACL entry as the client wrote it. */
    public record EntryInput(String cidr, String description) {
    }

    /**
     * What an ACL change did; {@code pending} when the load balancer has not confirmed it yet (it stays recorded and the
     * worker keeps telling the load balancer).
     */
    public record AclChange(Network network, List<AclRule> added, List<AclRule> removed, int total, boolean pending) {
        AclChange(Network network, List<AclRule> added, List<AclRule> removed, int total) {
            this(network, added, removed, total, false);
        }
    }

    /** Per-layer verdict of the connectivity diagnosis. */
    public record Diagnosis(String instanceId, String source, boolean admitted, List<Admission.Decision> layers, List<String> warnings) {
    }

    /** What the diagnosis says of an ACL with an entry that admits every source. */
    public static final String ALLOWS_ALL_WARNING = "the ACL admits every source address (an entry 0.0.0.0/0): only the"
            + " security group (and the instance's token, in token mode) stand between the instance and any client in the VPC";

    /** Whether one of the entries admits every source. */
    public static boolean allowsAll(List<AclRule> entries) {
        return entries.stream().anyMatch(r -> IpBlock.parse(r.cidr()).prefixLength() == 0);
    }

    /** Whether the instance's ACL admits every source. */
    public boolean aclAllowsAll(String instanceId) {
        return allowsAll(repository.allAclEntries(instanceId));
    }

    private final NetworkRepository repository;
    private final NetworkFacts facts;
    private final LoadBalancers loadBalancers;
    private final EventPublisher events;
    private final QuotaConfig quota;
    private final BackendSecrets backendSecrets;
    private final AccessTokens accessTokens;
    private final LoadBalancerSync sync;

    public NetworkService(NetworkRepository repository, NetworkFacts facts,
                          LoadBalancers loadBalancers, EventPublisher events, QuotaConfig quota, BackendSecrets backendSecrets,
                          AccessTokens accessTokens, LoadBalancerSync sync) {
        this.sync = sync;
        this.backendSecrets = backendSecrets;
        this.accessTokens = accessTokens;
        this.repository = repository;
        this.facts = facts;
        this.loadBalancers = loadBalancers;
        this.events = events;
        this.quota = quota;
    }

    private void publish(Event event) {
        events.publish(event);
    }

    // ---------------------------------------------------------------- saga: intents (the handler's transaction, no remote call)

    /** The lifecycle's transition for {@code event}, or empty (logged) when the table ignores it in the network's state. */
    private static Optional<Transition> transition(Network n, NetworkLifecycle.Event event, String instanceId) {
        Optional<Transition> t = NetworkLifecycle.on(n, event);
        if (t.isEmpty()) {
            LOG.infof("%s for %s ignored: network is %s", event, instanceId, n == null ? "unknown" : n.status());
        }
        return t;
    }

    private static IllegalStateException unexpected(Effect effect, NetworkLifecycle.Event event) {
        return new IllegalStateException("effect " + effect + " is not one of " + event + "'s");
    }

    /**
     * InstanceRequested: records the network (PROVISIONING) with the PROVISION step; the worker validates and creates it.
     * A re-sent request (new event id) gets the stored answer again; the network is never provisioned twice, and a released
     * instance (its tombstone) never again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onInstanceRequested(InstanceRequested e) {
        Network existing = repository.find(e.instanceId()).orElse(null);
        Transition t = transition(existing, NetworkLifecycle.Event.INSTANCE_REQUESTED, e.instanceId()).orElse(null);
        if (t == null) {
            return;
        }
        Network n = existing;
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_REQUEST -> {
                    Instant now = Instant.now();
                    n = new Network(e.instanceId(), e.workspaceId(), e.vpcId(), e.vSwitchId(), e.secondaryVSwitchId(),
                            List.of(), e.securityGroupId(), null, null, null, null, null, null, null, null,
                            t.next().status(), null, null, now, now, 0);
                    repository.save(n);
                }
                case RECORD_AUTH_MODE -> accessTokens.setMode(n, e.authMode());
                case STEP_PROVISION -> repository.setStep(n.instanceId(), NetworkStep.PROVISION, null, null);
                case ANNOUNCE_PROVISIONED -> publish(provisioned(n, backendDigest(n)));
                case ANNOUNCE_PROVISION_FAILED -> publish(new NetworkProvisionFailed(n.instanceId(), n.workspaceId(),
                        NetworkFailureCode.valueOf(n.failureCode()), n.failureMessage(), Instant.now()));
                default -> throw unexpected(effect, NetworkLifecycle.Event.INSTANCE_REQUESTED);
            }
        }
    }

    /** InstanceUpdated: a change of the authentication mode is recorded for the load balancer; other changes are not ours. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onInstanceUpdated(dev.dmsmlflow.contracts.instance.InstanceUpdated e) {
        if (e.authMode() == null) {
            return;
        }
        Network n = repository.find(e.instanceId()).orElse(null);
        Transition t = transition(n, NetworkLifecycle.Event.AUTH_MODE_CHANGED, e.instanceId()).orElse(null);
        if (t == null) {
            return;
        }
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_AUTH_MODE -> accessTokens.setMode(n, e.authMode());
                case STEP_APPLY_AUTH -> sync.recordAuthIntent(n.instanceId());
                default -> throw unexpected(effect, NetworkLifecycle.Event.AUTH_MODE_CHANGED);
            }
        }
        LOG.infof("instance %s authenticates in %s mode", e.instanceId(), accessTokens.mode(e.instanceId()));
    }

    /** InstanceDeployed: records the tracking server to point the load balancer at (the REGISTER_BACKEND step). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean onInstanceDeployed(InstanceDeployed e) {
        Network n = repository.find(e.instanceId()).orElse(null);
        Transition t = transition(n, NetworkLifecycle.Event.INSTANCE_DEPLOYED, e.instanceId()).orElse(null);
        if (t == null) {
            return false;
        }
        for (Effect effect : t.effects()) {
            if (effect != Effect.STEP_REGISTER_BACKEND) {
                throw unexpected(effect, NetworkLifecycle.Event.INSTANCE_DEPLOYED);
            }
            Backend b = e.backend();
            repository.setStep(n.instanceId(), NetworkStep.REGISTER_BACKEND, b.host(), b.port());
        }
        return true;
    }

    /**
     * InstanceReleaseRequested: RELEASING with the RELEASE step, which replaces any other pending step (a release wins over
     * a provisioning that is pending or in flight); answered NetworkReleased by the step, at once when nothing existed.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onReleaseRequested(InstanceReleaseRequested e) {
        Network n = repository.find(e.instanceId()).orElse(null);
        Transition t = transition(n, NetworkLifecycle.Event.RELEASE_REQUESTED, e.instanceId()).orElse(null);
        if (t == null) {
            return;
        }
        Instant now = Instant.now();
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_TOMBSTONE -> {
                    // so that a late InstanceRequested never provisions a released instance
                    n = new Network(e.instanceId(), e.workspaceId(), null, null, null, List.of(), null, null, null,
                            null, null, null, null, null, null, t.next().status(), null, null, now, now, 0);
                    repository.save(n);
                }
                case STEP_RELEASE -> {
                    repository.save(n.withStatus(t.next().status()));
                    repository.setStep(n.instanceId(), NetworkStep.RELEASE, null, null);
                }
                case ANNOUNCE_RELEASED -> publish(new NetworkReleased(n.instanceId(), n.workspaceId(), n.loadBalancerId(), now));
                default -> throw unexpected(effect, NetworkLifecycle.Event.RELEASE_REQUESTED);
            }
        }
    }

    // ---------------------------------------------------------------- saga: outcomes (the worker, each a short transaction)

    /**
     * PROVISION's outcome: ACTIVE with the load balancer's ids and NetworkProvisioned. If a release won meanwhile, only the
     * ids are kept (for the RELEASE step to delete) and nothing is announced.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void provisioned(long seq, Network active, String backendDigest) {
        Network current = repository.find(active.instanceId()).orElse(null);
        if (current == null) {
            return;
        }
        Transition t = transition(current, NetworkLifecycle.Event.PROVISIONED, active.instanceId()).orElse(null);
        if (t == null) {
            return;
        }
        Network n = current;
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_LOAD_BALANCER -> {
                    n = new Network(current.instanceId(), current.workspaceId(), current.vpcId(), current.vSwitchId(),
                            current.secondaryVSwitchId(), active.zoneIds(), current.securityGroupId(), active.loadBalancerId(),
                            active.listenerId(), active.aclId(), active.serverGroupId(), active.vpcAddress(), active.vpcPort(),
                            null, null, t.next().status(), null, null, current.createdAt(), Instant.now(), current.version());
                    repository.save(n);
                    if (t.next() != NetworkLifecycle.State.ACTIVE) {
                        LOG.infof("network of %s was created while it was %s; a release deletes it", n.instanceId(), current.status());
                    }
                }
                case FINISH_STEP -> finishStep(n.instanceId(), NetworkStep.PROVISION, seq, null, null);
                case ANNOUNCE_PROVISIONED -> {
                    publish(provisioned(n, backendDigest));
                    LOG.infof("network of %s is active: %s at %s:%d", n.instanceId(), n.loadBalancerId(), n.vpcAddress(), n.vpcPort());
                }
                default -> throw unexpected(effect, NetworkLifecycle.Event.PROVISIONED);
            }
        }
        repository.flush(); // a lost race shows here, where the worker retries it
    }

    /** PROVISION's failure (nothing left behind): FAILED and NetworkProvisionFailed, unless a release won meanwhile. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void provisionFailed(String instanceId, long seq, NetworkFailureCode code, String message) {
        Network current = repository.find(instanceId).orElse(null);
        Transition t = transition(current, NetworkLifecycle.Event.PROVISION_FAILED, instanceId).orElse(null);
        if (t == null) {
            return;
        }
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_FAILURE -> repository.save(new Network(current.instanceId(), current.workspaceId(), current.vpcId(),
                        current.vSwitchId(), current.secondaryVSwitchId(), List.of(), current.securityGroupId(), null, null, null,
                        null, null, null, null, null, t.next().status(), code.name(), message, current.createdAt(), Instant.now(),
                        current.version()));
                case CLEAR_STEP -> repository.clearStep(instanceId);
                case ANNOUNCE_PROVISION_FAILED -> {
                    publish(new NetworkProvisionFailed(instanceId, current.workspaceId(), code, message, Instant.now()));
                    LOG.infof("network of %s failed: %s %s", instanceId, code, message);
                }
                default -> throw unexpected(effect, NetworkLifecycle.Event.PROVISION_FAILED);
            }
        }
        repository.flush(); // a lost race shows here, where the worker retries it
    }

    /** REGISTER_BACKEND's outcome: the backend recorded and BackendRegistered, unless the network is no longer ACTIVE. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void backendRegistered(String instanceId, long seq, Backend b, String serverGroupId) {
        Network n = repository.find(instanceId).orElse(null);
        Transition t = transition(n, NetworkLifecycle.Event.BACKEND_REGISTERED, instanceId).orElse(null);
        if (t == null) {
            return;
        }
        for (Effect effect : t.effects()) {
            switch (effect) {
                case RECORD_BACKEND -> repository.save(new Network(n.instanceId(), n.workspaceId(), n.vpcId(), n.vSwitchId(),
                        n.secondaryVSwitchId(), n.zoneIds(), n.securityGroupId(), n.loadBalancerId(), n.listenerId(), n.aclId(),
                        serverGroupId, n.vpcAddress(), n.vpcPort(), b.host(), b.port(), t.next().status(), null, null,
                        n.createdAt(), Instant.now(), n.version()));
                case FINISH_STEP -> finishStep(instanceId, NetworkStep.REGISTER_BACKEND, seq, b.host(), b.port());
                case ANNOUNCE_BACKEND_REGISTERED -> publish(new BackendRegistered(n.instanceId(), n.workspaceId(),
                        n.loadBalancerId(), serverGroupId, b, Instant.now()));
                default -> throw unexpected(effect, NetworkLifecycle.Event.BACKEND_REGISTERED);
            }
        }
        repository.flush(); // a lost race shows here, where the worker retries it
    }

    /** APPLY_AUTH's outcome (or a step that found nothing to do): the step is done unless a newer intent came. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void stepDone(String instanceId, NetworkStep step, long seq) {
        if (repository.find(instanceId).isPresent()) {
            finishStep(instanceId, step, seq, null, null);
        }
        repository.flush(); // a lost race shows here, where the worker retries it
    }

    /** RELEASE's outcome: ACL entries and backend secret gone, RELEASED, NetworkReleased. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void released(String instanceId) {
        Network n = repository.find(instanceId).orElse(null);
        Transition t = transition(n, NetworkLifecycle.Event.LOAD_BALANCER_DELETED, instanceId).orElse(null);
        if (t == null) {
            return;
        }
        for (Effect effect : t.effects()) {
            switch (effect) {
                case FORGET_ACL_AND_SECRET -> {
                    repository.deleteAllAclEntries(instanceId);
                    backendSecrets.delete(instanceId);
                    repository.save(n.withStatus(t.next().status()));
                }
                case CLEAR_STEP -> repository.clearStep(instanceId);
                case ANNOUNCE_RELEASED -> publish(new NetworkReleased(n.instanceId(), n.workspaceId(), n.loadBalancerId(), Instant.now()));
                default -> throw unexpected(effect, NetworkLifecycle.Event.LOAD_BALANCER_DELETED);
            }
        }
        repository.flush(); // a lost race shows here, where the worker retries it
    }

    /**
     * Ends the step started for intent {@code seq}. When newer intents arrived meanwhile, the newest one stays pending,
     * except when the only news was an auth mode change (same step, same backend): then APPLY_AUTH is what is left to do.
     */
    private void finishStep(String instanceId, NetworkStep done, long seq, String host, Integer port) {
        NetworkStep.Pending now = repository.step(instanceId).orElse(null);
        if (now == null || now.seq() == seq) {
            repository.clearStep(instanceId);
        } else if (now.step() == done && java.util.Objects.equals(now.backendHost(), host)
                && java.util.Objects.equals(now.backendPort(), port)) {
            repository.setStep(instanceId, NetworkStep.APPLY_AUTH, null, null);
        }
    }

    /** The instance's backend secret, made (and stored sealed) on first use, in a transaction of its own. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public BackendSecrets.Secret backendSecret(String instanceId) {
        return backendSecrets.getOrCreate(instanceId);
    }

    private static NetworkProvisioned provisioned(Network n, String backendDigest) {
        return new NetworkProvisioned(n.instanceId(), n.workspaceId(), n.vpcAddress(), n.vpcPort(), n.loadBalancerId(),
                n.listenerId(), n.aclId(), n.serverGroupId(), n.zoneIds(), n.updatedAt(), backendDigest);
    }

    private String backendDigest(Network n) {
        return loadBalancers.addsBackendSecret() ? backendSecrets.find(n.instanceId()).map(BackendSecrets.Secret::digest).orElse(null) : null;
    }

    // ---------------------------------------------------------------- queries

    /** The network of an instance of workspace {@code workspaceId}; 404 when there is none, also when it is another workspace's. */
    public Network get(String workspaceId, String instanceId) {
        return repository.find(instanceId).filter(n -> n.workspaceId().equals(workspaceId))
                .orElseThrow(() -> notFound(instanceId));
    }

    private static ProblemException notFound(String instanceId) {
        return ProblemException.notFound("no network for instance " + instanceId);
    }

    // ---------------------------------------------------------------- ACL

    /**
     * Adds entries (normalized; already-present ones are left alone); one AlbAclUpdated when something changed. The
     * workspace's ACL lock serializes additions, so the quotas hold under concurrent calls.
     */
    public AclChange addEntries(String workspaceId, String instanceId, List<EntryInput> inputs, String fieldPrefix) {
        return addEntries(workspaceId, instanceId, inputs, fieldPrefix, false);
    }

    /**
     * Tells the load balancer a committed ACL change, outside any transaction, before the caller answers: pending when it
     * did not confirm (the worker retries; AlbAclUpdated follows the confirmation).
     */
    private AclChange applied(AclChange c) {
        List<String> cidrs = new ArrayList<>();
        c.added().forEach(r -> cidrs.add(r.cidr()));
        c.removed().forEach(r -> cidrs.add(r.cidr()));
        if (cidrs.isEmpty()) {
            return c;
        }
        String instanceId = c.network().instanceId();
        sync.syncAcl(instanceId);
        List<String> unconfirmed = repository.unconfirmedAcl(instanceId, cidrs);
        if (unconfirmed.isEmpty()) {
            return c;
        }
        LOG.infof("ACL change of %s recorded; the load balancer has not confirmed %s yet", instanceId, unconfirmed);
        return new AclChange(c.network(), c.added(), c.removed(), c.total(), true);
    }

    /**
     * As {@link #addEntries(String, String, List, String)}; an entry that admits every source ({@code 0.0.0.0/0}) needs
     * {@code allowAll}. IPv6 entries are refused: the load balancer's address is IPv4 (the local proxy listens on IPv4 and
     * the ALB is created IPv4-only), so an IPv6 source can never reach it and such an entry would only mislead. The change
     * is recorded and committed first, then told to the load balancer outside the transaction.
     */
    public AclChange addEntries(String workspaceId, String instanceId, List<EntryInput> inputs, String fieldPrefix, boolean allowAll) {
        return applied(recorded(instanceId, () -> recordAdd(workspaceId, instanceId, inputs, fieldPrefix, allowAll)));
    }

    /** Tries of an ACL change whose transaction lost a race (an entry the load balancer's confirmation changed meanwhile). */
    private static final int CHANGE_TRIES = 3;

    /**
     * Runs an ACL change in a transaction of its own; one that lost a race with another writer of the same entries (the
     * confirmation of an earlier change) reads afresh and runs again, and is a 409 CONCURRENT_CHANGE only after
     * {@link #CHANGE_TRIES} lost races in a row.
     */
    private AclChange recorded(String instanceId, java.util.function.Supplier<AclChange> change) {
        return ConcurrentChangeException.retrying(CHANGE_TRIES, NetworkRepository.KIND, instanceId,
                () -> QuarkusTransaction.requiringNew().call(() -> {
                    AclChange c = change.get();
                    repository.flush(); // a lost race shows here, inside the transaction
                    return c;
                }));
    }

    private AclChange recordAdd(String workspaceId, String instanceId, List<EntryInput> inputs, String fieldPrefix, boolean allowAll) {
        Network n = activeNetwork(workspaceId, instanceId);
        if (inputs == null || inputs.isEmpty()) {
            throw ProblemException.invalidField(fieldPrefix == null ? "cidr" : fieldPrefix, "at least one entry is required");
        }
        Map<String, AclRule> wanted = new LinkedHashMap<>();
        Instant now = Instant.now();
        for (int i = 0; i < inputs.size(); i++) {
            EntryInput in = inputs.get(i);
            String prefix = fieldPrefix == null ? "" : fieldPrefix + "[" + i + "].";
            if (in == null) {
                throw ProblemException.invalidField(prefix + "cidr", "an entry with a cidr is required");
            }
            Text.require(prefix + "cidr", in.cidr());
            Text.require(prefix + "description", in.description());
            IpBlock block;
            try {
                block = IpBlock.parse(in.cidr());
            } catch (IllegalArgumentException ex) {
                throw ProblemException.invalidField(prefix + "cidr", ex.getMessage());
            }
            if (block.prefixLength() == 0 && !allowAll) {
                throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400, block + " admits every source address;"
                        + " send \"allowAll\": true with the request if that is really meant", prefix + "cidr").withCode("ALLOW_ALL_NOT_CONFIRMED"));
            }
            if (block.isIpv6()) {
                throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400, "IPv6 entries are not supported:"
                        + " the load balancer's VPC address is IPv4, so an IPv6 source never reaches it", prefix + "cidr")
                        .withCode("IPV6_NOT_SUPPORTED"));
            }
            String description = in.description() == null || in.description().isBlank() ? null : in.description().trim();
            if (description != null && description.length() > MAX_DESCRIPTION) {
                throw ProblemException.invalidField(prefix + "description", "must be at most " + MAX_DESCRIPTION + " characters");
            }
            wanted.putIfAbsent(block.toString(), new AclRule(block.toString(), description, now));
        }
        // before anything is counted: see lockWorkspaceAcl
        repository.lockWorkspaceAcl(workspaceId);
        Set<String> present = new HashSet<>();
        repository.allAclEntries(instanceId).forEach(r -> present.add(r.cidr()));
        List<AclRule> toAdd = new ArrayList<>();
        wanted.values().stream().filter(r -> !present.contains(r.cidr())).forEach(toAdd::add);
        int limit = quota.aclEntriesPerInstance();
        if (present.size() + toAdd.size() > limit) {
            throw ProblemException.quotaExceeded("ACL_ENTRY_QUOTA", "The ACL of an instance holds at most " + limit
                    + " entries (dms.quota.acl-entries-per-instance); it has " + present.size() + " and " + toAdd.size()
                    + " more were requested.");
        }
        if (!toAdd.isEmpty()) {
            int workspaceLimit = quota.aclEntriesPerWorkspace();
            int inWorkspace = repository.countWorkspaceAclEntries(workspaceId);
            if (inWorkspace + toAdd.size() > workspaceLimit) {
                throw ProblemException.quotaExceeded("ACL_ENTRY_WORKSPACE_QUOTA", "The instances of a workspace hold at most "
                        + workspaceLimit + " ACL entries together (dms.quota.acl-entries-per-workspace); this one has " + inWorkspace
                        + " and " + toAdd.size() + " more were requested.");
            }
        }
        if (toAdd.isEmpty()) {
            return new AclChange(n, List.of(), List.of(), present.size());
        }
        List<AclRule> added = repository.insertAclEntries(instanceId, toAdd);
        return new AclChange(n, added, List.of(), present.size() + added.size());
    }

    /**
     * Removes entries (given in any notation that normalizes to them); absent ones are ignored. Recorded and committed
     * first, then told to the load balancer outside the transaction (the entries are enforced until it confirms).
     */
    public AclChange removeEntries(String workspaceId, String instanceId, List<String> cidrs) {
        return applied(recorded(instanceId, () -> recordRemoval(workspaceId, instanceId, cidrs)));
    }

    private AclChange recordRemoval(String workspaceId, String instanceId, List<String> cidrs) {
        Network n = activeNetwork(workspaceId, instanceId);
        if (cidrs == null || cidrs.isEmpty()) {
            throw ProblemException.invalidField("cidr", "at least one cidr is required");
        }
        List<String> normalized = new ArrayList<>();
        for (String c : cidrs) {
            Text.require("cidr", c);
            try {
                String s = IpBlock.parse(c).toString();
                if (!normalized.contains(s)) {
                    normalized.add(s);
                }
            } catch (IllegalArgumentException ex) {
                throw ProblemException.invalidField("cidr", ex.getMessage());
            }
        }
        List<AclRule> removed = repository.deleteAclEntries(instanceId, normalized);
        int total = repository.countAclEntries(instanceId);
        return new AclChange(n, List.of(), removed, total);
    }

    /** Up to {@code limit} entries of the instance's ACL after position {@code after} (null: from the first). */
    public List<AclRule> entries(String workspaceId, String instanceId, NetworkRepository.EntryPosition after, int limit) {
        get(workspaceId, instanceId);
        return repository.aclEntries(instanceId, after, limit);
    }

    private Network activeNetwork(String workspaceId, String instanceId) {
        Network n = repository.find(instanceId).filter(found -> found.workspaceId().equals(workspaceId))
                .orElseThrow(() -> notFound(instanceId));
        if (NetworkLifecycle.on(n, NetworkLifecycle.Event.CHANGE_ACL).isEmpty()) {
            throw ProblemException.conflict("the network of instance " + instanceId + " is " + n.status() + ", not ACTIVE");
        }
        return n;
    }

    // ---------------------------------------------------------------- diagnosis

    /**
     * The load balancer's verdict on the tracking server, for an ACTIVE network whose provider checks it; empty otherwise
     * (the aliyun provider does not report it yet).
     */
    public Optional<BackendHealth> backendHealth(Network n) {
        if (n.status() != NetworkStatus.ACTIVE || n.loadBalancerId() == null) {
            return Optional.empty();
        }
        return loadBalancers.backendHealth(n.loadBalancerId());
    }

    /**
     * For each layer of the seed's FAQ (ACL, security group port 80, same VPC / reachable) and then the tracking server
     * behind the load balancer (its health check, where the provider has one): admitted or not, and why.
     */
    public Diagnosis diagnose(String workspaceId, String instanceId, String sourceText) {
        Network n = get(workspaceId, instanceId);
        InetAddress source;
        Text.require("source", sourceText);
        try {
            source = IpBlock.parseAddress(sourceText == null ? "" : sourceText.trim());
        } catch (IllegalArgumentException ex) {
            throw ProblemException.invalidField("source", "must be an IPv4 or IPv6 address: " + ex.getMessage());
        }
        List<Admission.Decision> layers = new ArrayList<>();
        List<AclRule> acl = repository.enforcedAclEntries(instanceId);
        layers.add(Admission.acl(acl, source));
        layers.add(Admission.securityGroup(facts.securityGroup(n.securityGroupId()).orElse(null), n.securityGroupId(), source));
        layers.add(reachability(n, source));
        backendHealth(n).ifPresent(h -> layers.add(Admission.backend(n.backendHost() != null, h)));
        boolean admitted = layers.stream().allMatch(Admission.Decision::admitted);
        List<String> warnings = allowsAll(acl) ? List.of(ALLOWS_ALL_WARNING) : List.of();
        return new Diagnosis(instanceId, source.getHostAddress(), admitted, layers, warnings);
    }

    private Admission.Decision reachability(Network n, InetAddress source) {
        if (n.status() != NetworkStatus.ACTIVE) {
            return new Admission.Decision("vpc", false, "the load balancer is " + n.status() + "; nothing listens at the VPC address");
        }
        NetworkFacts.Vpc vpc = facts.vpc(n.vpcId()).orElse(null);
        if (vpc == null) {
            return new Admission.Decision("vpc", false, "VPC " + n.vpcId() + " no longer exists");
        }
        if (vpc.cidr() != null && IpBlock.parse(vpc.cidr()).contains(source)) {
            return new Admission.Decision("vpc", true, source.getHostAddress() + " is inside VPC " + vpc.id() + " (" + vpc.cidr()
                    + ") and reaches " + n.vpcAddress() + ":" + n.vpcPort());
        }
        return new Admission.Decision("vpc", false, source.getHostAddress() + " is outside VPC " + vpc.id() + " (" + vpc.cidr()
                + "); connect it to the VPC (VPN, Cloud Enterprise Network) first");
    }
}
