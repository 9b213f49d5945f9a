package dev.dmsmlflow.network.persistence;

import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.quarkus.TraceContext;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The networks, their ACL entries and their pending steps (Hibernate ORM with Panache). Reads join the caller's
 * transaction, or run without one (the worker and the API read outside transactions; see {@link #fresh}); writes need the
 * caller's transaction. No row is locked: a network and an ACL entry carry a {@code @Version}, so of two writers that read the same
 * row the later commit fails ({@link ConcurrentChangeException} or the persistence layer's lost race) and is retried, or
 * answered 409, instead of overwriting the other's change. The workspace's ACL quota lock is a PostgreSQL advisory lock.
 */
@ApplicationScoped
@ActivateRequestContext
@Transactional(Transactional.TxType.SUPPORTS)
public class NetworkRepository implements PanacheRepositoryBase<NetworkEntity, String> {

    /** What a lost race on a network is reported as. */
    public static final String KIND = "Network";

    /** The network of an instance. */
    public Optional<Network> find(String instanceId) {
        fresh();
        return findByIdOptional(instanceId).map(NetworkRepository::toNetwork);
    }

    /** Where a network stands in the list order (newest first: created_at, then instance id, both descending). */
    public record NetworkPosition(Instant createdAt, String instanceId) {
    }

    /** Where an ACL entry stands in the list order (oldest first: created_at, then cidr). */
    public record EntryPosition(Instant createdAt, String cidr) {
    }

    /** Up to {@code limit} networks of a workspace, newest first, after {@code after} (null: from the newest); optionally of one status. */
    public List<Network> list(String workspaceId, NetworkStatus status, NetworkPosition after, int limit) {
        fresh();
        StringBuilder q = new StringBuilder("workspaceId = :ws");
        Parameters p = Parameters.with("ws", workspaceId);
        if (status != null) {
            q.append(" and status = :status");
            p = p.and("status", status);
        }
        if (after != null) {
            q.append(" and (createdAt < :at or (createdAt = :at and instanceId < :id))");
            p = p.and("at", after.createdAt()).and("id", after.instanceId());
        }
        return find(q.toString(), Sort.descending("createdAt", "instanceId"), p).range(0, limit - 1).stream()
                .map(NetworkRepository::toNetwork).toList();
    }

    /** Networks whose load balancer should be running (for reconciliation after a restart). */
    public List<Network> active() {
        fresh();
        return list("status", NetworkStatus.ACTIVE).stream().map(NetworkRepository::toNetwork).toList();
    }

    /**
     * Inserts {@code n} (version 0, not stored yet) or writes it over its row. The row must still be at the version
     * {@code n} was read at (in this transaction, before anything flushed it, or in an earlier one): else nothing is
     * written and this is a {@link ConcurrentChangeException}. The commit checks the version again against writers that
     * committed meanwhile.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void save(Network n) {
        NetworkEntity e = findById(n.instanceId());
        if (e == null) {
            e = new NetworkEntity();
            e.instanceId = n.instanceId();
            e.createdAt = n.createdAt();
            copy(n, e);
            persist(e);
            return;
        }
        if (e.version != n.version()) {
            throw new ConcurrentChangeException(KIND, n.instanceId());
        }
        copy(n, e);
    }

    /**
     * Records where the instance's load balancer answers now, when the network is ACTIVE and records another address;
     * answers the network as it was before, or empty when nothing changed (the caller's transaction; the row's version
     * refuses a write over another writer's meanwhile).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Network> recordVpcAddress(String instanceId, String vpcAddress, Integer vpcPort) {
        NetworkEntity e = findById(instanceId);
        if (e == null || e.status != NetworkStatus.ACTIVE
                || java.util.Objects.equals(e.vpcAddress, vpcAddress) && java.util.Objects.equals(e.vpcPort, vpcPort)) {
            return Optional.empty();
        }
        Network before = toNetwork(e);
        e.vpcAddress = vpcAddress;
        e.vpcPort = vpcPort;
        e.updatedAt = Instant.now();
        return Optional.of(before);
    }

    private static void copy(Network n, NetworkEntity e) {
        e.workspaceId = n.workspaceId();
        e.vpcId = n.vpcId();
        e.vSwitchId = n.vSwitchId();
        e.secondaryVSwitchId = n.secondaryVSwitchId();
        e.zoneIds = n.zoneIds().isEmpty() ? null : String.join(",", n.zoneIds());
        e.securityGroupId = n.securityGroupId();
        e.loadBalancerId = n.loadBalancerId();
        e.listenerId = n.listenerId();
        e.aclId = n.aclId();
        e.serverGroupId = n.serverGroupId();
        e.vpcAddress = n.vpcAddress();
        e.vpcPort = n.vpcPort();
        e.backendHost = n.backendHost();
        e.backendPort = n.backendPort();
        e.status = n.status();
        e.failureCode = n.failureCode();
        e.failureMessage = n.failureMessage();
        e.updatedAt = n.updatedAt();
    }

    private static Network toNetwork(NetworkEntity e) {
        return new Network(e.instanceId, e.workspaceId, e.vpcId, e.vSwitchId, e.secondaryVSwitchId,
                e.zoneIds == null ? List.of() : Arrays.asList(e.zoneIds.split(",")), e.securityGroupId, e.loadBalancerId,
                e.listenerId, e.aclId, e.serverGroupId, e.vpcAddress, e.vpcPort, e.backendHost, e.backendPort, e.status,
                e.failureCode, e.failureMessage, e.createdAt, e.updatedAt, e.version);
    }

    /**
     * How many live networks use a vSwitch as their primary (each holds two of its addresses). A network whose PROVISION
     * step is still pending is not counted: its own validation runs in that step and must not count itself.
     */
    public int activeOnPrimaryVSwitch(String vSwitchId) {
        return (int) count("vSwitchId = ?1 and status in ?2 and (step is null or step <> ?3)", vSwitchId,
                List.of(NetworkStatus.PROVISIONING, NetworkStatus.ACTIVE, NetworkStatus.RELEASING), NetworkStep.PROVISION);
    }

    /** The instance's authentication mode ({@code network} when it has no network). */
    public String authMode(String instanceId) {
        fresh();
        NetworkEntity e = findById(instanceId);
        return e == null ? "network" : e.authMode;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void setAuthMode(String instanceId, String mode) {
        NetworkEntity e = findById(instanceId);
        if (e != null) {
            e.authMode = mode;
        }
    }

    // ---- ACL entries

    /**
     * Up to {@code limit} entries of an instance's ACL as asked for (added, whether or not the load balancer has confirmed
     * it yet; not those being removed), oldest first, after {@code after} (null: from the oldest).
     */
    public List<AclRule> aclEntries(String instanceId, EntryPosition after, int limit) {
        fresh();
        String q = "instanceId = :id and state <> :removing";
        Parameters p = Parameters.with("id", instanceId).and("removing", AclEntryEntity.REMOVING);
        if (after != null) {
            q += " and (createdAt > :at or (createdAt = :at and cidr > :cidr))";
            p = p.and("at", after.createdAt()).and("cidr", after.cidr());
        }
        return rules(entities(q, p, limit));
    }

    private List<AclEntryEntity> entities(String query, Parameters p, int limit) {
        var q = getEntityManager().createQuery("from AclEntryEntity where " + query + " order by createdAt, cidr", AclEntryEntity.class);
        p.map().forEach(q::setParameter);
        return q.setMaxResults(limit).getResultList();
    }

    private static List<AclRule> rules(List<AclEntryEntity> entries) {
        return entries.stream().map(e -> new AclRule(e.cidr, e.description, e.createdAt)).toList();
    }

    /** Every entry of the instance's ACL as asked for (see {@link #aclEntries}). */
    public List<AclRule> allAclEntries(String instanceId) {
        return aclEntries(instanceId, null, Integer.MAX_VALUE);
    }

    /**
     * The entries the load balancer enforces now, as far as it confirmed: applied ones and those whose removal it has not
     * confirmed yet (what the diagnosis judges by, and what a restarted local load balancer starts from).
     */
    public List<AclRule> enforcedAclEntries(String instanceId) {
        fresh();
        return rules(entities("instanceId = :id and state <> :adding",
                Parameters.with("id", instanceId).and("adding", AclEntryEntity.ADDING), Integer.MAX_VALUE));
    }

    /** The changes of the instance's ACL the load balancer has not confirmed yet. */
    public record PendingAcl(List<AclRule> adding, List<AclRule> removing) {
        public boolean isEmpty() {
            return adding.isEmpty() && removing.isEmpty();
        }
    }

    public PendingAcl pendingAcl(String instanceId) {
        fresh();
        return new PendingAcl(inState(instanceId, AclEntryEntity.ADDING), inState(instanceId, AclEntryEntity.REMOVING));
    }

    private List<AclRule> inState(String instanceId, String state) {
        return rules(entities("instanceId = :id and state = :state", Parameters.with("id", instanceId).and("state", state),
                Integer.MAX_VALUE));
    }

    /** Which of {@code cidrs} the load balancer has not confirmed yet (added or removed). */
    public List<String> unconfirmedAcl(String instanceId, Collection<String> cidrs) {
        return getEntityManager().createQuery("select cidr from AclEntryEntity where instanceId = :id and state <> :active"
                        + " and cidr in :cidrs order by cidr", String.class)
                .setParameter("id", instanceId).setParameter("active", AclEntryEntity.ACTIVE).setParameter("cidrs", cidrs)
                .getResultList();
    }

    /** Instances whose ACL has changes the load balancer has not confirmed (for the worker). */
    public List<String> instancesWithPendingAcl(int limit) {
        return getEntityManager().createQuery("select distinct instanceId from AclEntryEntity where state <> :active", String.class)
                .setParameter("active", AclEntryEntity.ACTIVE).setMaxResults(limit).getResultList();
    }

    /**
     * Takes the workspace's ACL lock until the transaction ends. The lock (a PostgreSQL transaction-level advisory lock) is
     * the right tool here, not a version: the quotas count rows that two additions create, so no row either of them read
     * changes; serializing the additions of a workspace makes the counts and the insert atomic, for the workspace's quota
     * and for each of its ACLs' (so take it before counting either).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lockWorkspaceAcl(String workspaceId) {
        AdvisoryLocks.lockUntilCommit(getEntityManager(), "acl-entries", workspaceId);
    }

    /** The entries of the workspace's networks that are not released (count under {@link #lockWorkspaceAcl}). */
    public int countWorkspaceAclEntries(String workspaceId) {
        return ((Number) getEntityManager().createQuery("select count(e) from AclEntryEntity e, NetworkEntity n"
                        + " where n.instanceId = e.instanceId and n.workspaceId = :ws and n.status <> :released and e.state <> :removing")
                .setParameter("ws", workspaceId).setParameter("released", NetworkStatus.RELEASED)
                .setParameter("removing", AclEntryEntity.REMOVING).getSingleResult()).intValue();
    }

    public int countAclEntries(String instanceId) {
        return (int) getEntityManager().createQuery("select count(e) from AclEntryEntity e where e.instanceId = :id and e.state <> :removing",
                        Long.class)
                .setParameter("id", instanceId).setParameter("removing", AclEntryEntity.REMOVING).getSingleResult().longValue();
    }

    private Map<String, AclEntryEntity> stored(String instanceId, Collection<String> cidrs) {
        Map<String, AclEntryEntity> out = new HashMap<>();
        if (!cidrs.isEmpty()) {
            getEntityManager().createQuery("from AclEntryEntity where instanceId = :id and cidr in :cidrs", AclEntryEntity.class)
                    .setParameter("id", instanceId).setParameter("cidrs", cidrs).getResultList().forEach(e -> out.put(e.cidr, e));
        }
        return out;
    }

    /**
     * Records entries to add (state ADDING): new ones, and ones whose removal is pending (asked for again); returns those
     * recorded. Entries already there are left alone.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<AclRule> insertAclEntries(String instanceId, Collection<AclRule> entries) {
        Map<String, AclEntryEntity> there = stored(instanceId, entries.stream().map(AclRule::cidr).toList());
        List<AclRule> added = new ArrayList<>();
        for (AclRule r : entries) {
            Instant at = r.createdAt() == null ? Instant.now() : r.createdAt();
            AclEntryEntity e = there.get(r.cidr());
            if (e == null) {
                e = new AclEntryEntity();
                e.instanceId = instanceId;
                e.cidr = r.cidr();
                e.description = r.description();
                e.createdAt = at;
                e.state = AclEntryEntity.ADDING;
                getEntityManager().persist(e);
                there.put(r.cidr(), e);
            } else if (AclEntryEntity.REMOVING.equals(e.state)) {
                e.state = AclEntryEntity.ADDING;
                e.description = r.description();
                e.createdAt = at;
            } else {
                continue;
            }
            added.add(r);
        }
        return added;
    }

    /** Records the removal of the given entries (state REMOVING until the load balancer confirms); returns those there. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<AclRule> deleteAclEntries(String instanceId, Collection<String> cidrs) {
        Map<String, AclEntryEntity> there = stored(instanceId, cidrs);
        List<AclRule> removed = new ArrayList<>();
        for (String cidr : cidrs) {
            AclEntryEntity e = there.get(cidr);
            if (e != null && !AclEntryEntity.REMOVING.equals(e.state)) {
                e.state = AclEntryEntity.REMOVING;
                removed.add(new AclRule(e.cidr, e.description, e.createdAt));
            }
        }
        return removed;
    }

    /**
     * The load balancer confirmed {@code added} and {@code removed}: entries still ADDING become ACTIVE, entries still
     * REMOVING are deleted (one changed again meanwhile stays pending for the next round). Returns what was confirmed. An
     * entry the API changes between this read and the commit makes the commit fail (its version): the caller retries.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public PendingAcl confirmAcl(String instanceId, Collection<AclRule> added, Collection<AclRule> removed) {
        List<String> cidrs = new ArrayList<>();
        added.forEach(r -> cidrs.add(r.cidr()));
        removed.forEach(r -> cidrs.add(r.cidr()));
        Map<String, AclEntryEntity> there = stored(instanceId, cidrs);
        List<AclRule> confirmedAdds = new ArrayList<>();
        List<AclRule> confirmedRemovals = new ArrayList<>();
        for (AclRule r : added) {
            AclEntryEntity e = there.get(r.cidr());
            if (e != null && AclEntryEntity.ADDING.equals(e.state)) {
                e.state = AclEntryEntity.ACTIVE;
                confirmedAdds.add(new AclRule(e.cidr, e.description, e.createdAt));
            }
        }
        for (AclRule r : removed) {
            AclEntryEntity e = there.get(r.cidr());
            if (e != null && AclEntryEntity.REMOVING.equals(e.state)) {
                getEntityManager().remove(e);
                confirmedRemovals.add(r);
            }
        }
        return new PendingAcl(confirmedAdds, confirmedRemovals);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void deleteAllAclEntries(String instanceId) {
        getEntityManager().createQuery("delete from AclEntryEntity where instanceId = :id").setParameter("id", instanceId).executeUpdate();
    }

    // ---- pending steps (done by the network worker outside any transaction)

    private static NetworkStep.Pending pending(NetworkEntity e) {
        return new NetworkStep.Pending(e.instanceId, e.step, e.stepSeq, e.stepBackendHost, e.stepBackendPort, e.stepTraceparent);
    }

    /** The pending step of an instance's network, if any. */
    public Optional<NetworkStep.Pending> step(String instanceId) {
        fresh();
        return findByIdOptional(instanceId).filter(e -> e.step != null).map(NetworkRepository::pending);
    }

    /** Up to {@code limit} pending steps, the longest waiting first. */
    public List<NetworkStep.Pending> pendingSteps(int limit) {
        fresh();
        return find("step is not null", Sort.by("stepSince")).range(0, limit - 1).stream().map(NetworkRepository::pending).toList();
    }

    /**
     * Records {@code step} (with its backend, for REGISTER_BACKEND) as the network's pending step: a new intent, with the
     * trace context of the request or event recording it (the worker's span of the step continues that trace).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void setStep(String instanceId, NetworkStep step, String backendHost, Integer backendPort) {
        NetworkEntity e = findById(instanceId);
        if (e == null) {
            return;
        }
        e.step = step;
        e.stepSeq++;
        e.stepBackendHost = backendHost;
        e.stepBackendPort = backendPort;
        if (e.stepSince == null) {
            e.stepSince = Instant.now();
        }
        e.stepTraceparent = TraceContext.currentTraceparent();
    }

    /** Marks a new intent without changing the pending step (e.g. an auth mode change while provisioning). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void bumpStep(String instanceId) {
        NetworkEntity e = findById(instanceId);
        if (e != null) {
            e.stepSeq++;
        }
    }

    /** The network has no pending step any more. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void clearStep(String instanceId) {
        NetworkEntity e = findById(instanceId);
        if (e != null) {
            e.step = null;
            e.stepBackendHost = null;
            e.stepBackendPort = null;
            e.stepSince = null;
            e.stepTraceparent = null;
        }
    }

    /**
     * Outside a transaction reads run without one (autocommit, so no session of this service sits idle in a transaction
     * while it reads) in the request's read-only session; that session is emptied first, so a read never answers an entity
     * as an earlier read of the same request left it.
     */
    private void fresh() {
        if (!QuarkusTransaction.isActive()) {
            getEntityManager().clear();
        }
    }
}
