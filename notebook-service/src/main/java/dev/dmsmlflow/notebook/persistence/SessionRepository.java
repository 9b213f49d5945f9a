package dev.dmsmlflow.notebook.persistence;

import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import dev.dmsmlflow.platform.work.Leases;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Sessions. */
@ApplicationScoped
public class SessionRepository implements PanacheRepositoryBase<SessionEntity, String> {

    /** The lease a replica holds on a session while it carries out its pending work (not mapped on the entity). */
    private static final Leases LEASES = new Leases("notebook_session", "id", "action_owner", "action_lease_until");
    /** The work a lease is taken for, as in {@link #withWork}. */
    private static final String HAS_WORK = "pending_action IS NOT NULL OR wiring_dirty";

    /** The session of the workspace, if it exists there (another workspace's session is absent, like a nonexistent one). */
    public Optional<SessionEntity> inWorkspace(String workspaceId, String id) {
        return find("id = ?1 and workspaceId = ?2", id, workspaceId).firstResultOptional();
    }

    /** The session, locked until the transaction ends. */
    public Optional<SessionEntity> lock(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * Takes the workspace's session-count lock until the transaction ends, so two creates cannot both pass the quota, and
     * answers how many sessions the workspace has (deleted ones are gone).
     */
    public long countLocked(String workspaceId) {
        AdvisoryLocks.lockUntilCommit(getEntityManager(), "notebook-sessions", workspaceId);
        return count("workspaceId = ?1", workspaceId);
    }

    public boolean nameTaken(String workspaceId, String name) {
        return count("workspaceId = ?1 and name = ?2", workspaceId, name) > 0;
    }

    /** A page of the workspace's sessions in id order after {@code afterId}, optionally of one status. */
    public List<SessionEntity> page(String workspaceId, SessionStatus status, String afterId, int limit) {
        return getEntityManager().createQuery("""
                        select s from SessionEntity s where s.workspaceId = :ws
                          and (:status is null or s.status = :status) and (:after is null or s.id > :after)
                        order by s.id""", SessionEntity.class)
                .setParameter("ws", workspaceId).setParameter("status", status).setParameter("after", afterId)
                .setMaxResults(limit).getResultList();
    }

    /** Ids of sessions with work for the worker: a pending action, or a tracking URI to hand over. */
    public List<String> withWork() {
        return getEntityManager().createQuery(
                "select s.id from SessionEntity s where s.pendingAction is not null or s.wiringDirty = true order by s.updatedAt",
                String.class).setMaxResults(100).getResultList();
    }

    public List<SessionEntity> withStatus(SessionStatus status) {
        return list("status", status);
    }

    /** Addresses in use in a cluster. */
    public List<String> addresses(String clusterId) {
        return getEntityManager().createQuery("select s.address from SessionEntity s where s.clusterId = :c", String.class)
                .setParameter("c", clusterId).getResultList();
    }

    /** Sessions of other workspaces with persistent storage (ownership checks). */
    public List<SessionEntity> persistentOfOtherWorkspaces(String workspaceId) {
        return list("workspaceId <> ?1 and storage is not null", workspaceId);
    }

    /** Sessions whose runtime may be up, of a workspace and VPC (their tracking URI follows the instances). */
    public List<SessionEntity> withRuntimeIn(String workspaceId, String vpcId) {
        return list("workspaceId = ?1 and vpcId = ?2 and status in ?3", workspaceId, vpcId,
                List.of(SessionStatus.STARTING, SessionStatus.RUNNING));
    }

    /**
     * Takes the lease on the session's pending work (its action or tracking URI hand-over) for {@code owner}, a replica of
     * this service, for {@code lease}: true when the session has work and nobody else holds an unexpired lease on it. The
     * holder keeps the lease across actions until it releases it, so no other replica starts, say, a stop while it starts
     * the runtime.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean claimWork(String id, String owner, Duration lease) {
        return LEASES.claim(getEntityManager(), id, owner, lease, HAS_WORK);
    }

    /** Extends {@code owner}'s leases on the sessions {@code ids} by {@code lease} from now; how many it still held. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int renewLeases(String owner, Collection<String> ids, Duration lease) {
        return LEASES.renew(getEntityManager(), owner, ids, lease);
    }

    /** Gives {@code owner}'s lease on the session back once its work is done (nothing if another replica took it over). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void releaseWork(String id, String owner) {
        LEASES.release(getEntityManager(), id, owner);
    }

    /** Whether {@code owner} still holds the session's lease, in the caller's transaction (lock the session first). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean holdsWork(String id, String owner) {
        return LEASES.holds(getEntityManager(), id, owner);
    }
}
