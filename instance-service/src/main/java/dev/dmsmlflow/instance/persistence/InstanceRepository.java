package dev.dmsmlflow.instance.persistence;

import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.platform.persistence.AdvisoryLocks;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.work.Leases;
import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.persistence.OptimisticLockException;
import jakarta.transaction.Transactional;
import org.hibernate.StaleStateException;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The instances (Hibernate ORM with Panache). Reads join the caller's transaction, or run in one of their own and answer
 * a detached, fresh copy (the saga worker and the API read outside transactions); writes need the caller's transaction,
 * where the outbox row of the change is written too. The advisory lock of the quota is plain SQL.
 */
@ApplicationScoped
@Transactional
public class InstanceRepository implements PanacheRepositoryBase<Instance, String> {

    /** The lease a replica holds on an instance's saga step while it executes it (not mapped on {@link Instance}). */
    private static final Leases STEP_LEASES = new Leases("instance", "id", "step_owner", "step_lease_until");

    private final AgroalDataSource dataSource;

    InstanceRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Adds a new instance; written at once, so that rows referring to it (its Idempotency-Key) can follow. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insert(Instance i) {
        persistAndFlush(i);
    }

    /**
     * Writes the instance's changes now. An instance read in this transaction is checked against its version at the
     * write; a detached one (read earlier) is merged and checked the same way. Either way a row another transaction
     * changed since it was read is a {@link ConcurrentChangeException}, never a lost update.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void update(Instance i) {
        i.updatedAt = Instant.now();
        try {
            if (isPersistent(i)) {
                flush();
            } else {
                Instance managed = getEntityManager().merge(i);
                flush();
                i.version = managed.version;
            }
        } catch (OptimisticLockException | StaleStateException e) {
            throw new ConcurrentChangeException("Instance", i.id);
        }
    }

    public Optional<Instance> find(String id) {
        return findByIdOptional(id);
    }

    /** Reads and row-locks an instance for the rest of the transaction, so concurrent transitions serialize. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Instance> lock(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** Up to {@code limit} instances of a workspace ordered by id, starting after {@code afterId}; optionally only one status. */
    public List<Instance> page(String workspaceId, InstanceStatus status, String afterId, int limit) {
        Parameters p = Parameters.with("ws", workspaceId).and("after", afterId == null ? "" : afterId);
        String q = "workspaceId = :ws and id > :after";
        if (status != null) {
            q += " and status = :status";
            p = p.and("status", status);
        }
        return find(q, Sort.by("id"), p).range(0, limit - 1).list();
    }

    /**
     * Takes the workspace's quota lock for the rest of the transaction (a PostgreSQL transaction-level advisory lock), so
     * that counting its instances and adding one are atomic with respect to every other create in the workspace.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lockWorkspaceQuota(String workspaceId) {
        AdvisoryLocks.lockUntilCommit(dataSource, "instance-quota", workspaceId);
    }

    /** Instances of a workspace that count against its quota: every one not RELEASED. */
    public int countNotReleased(String workspaceId) {
        return (int) count("workspaceId = ?1 and status <> ?2", workspaceId, InstanceStatus.RELEASED);
    }

    /** Instances with a step the saga worker has to execute. */
    public List<Instance> withLocalSagaWork() {
        List<SagaStep> local = Arrays.stream(SagaStep.values()).filter(SagaStep::isLocal).toList();
        return list("sagaStep in ?1", Sort.by("updatedAt"), local);
    }

    /**
     * Takes the lease on the instance's step {@code step} for {@code owner} (a replica of this service) for {@code lease}:
     * true when the step is still pending and nobody else holds an unexpired lease on it. The lease columns are not
     * mapped on {@link Instance}, so saving the entity never touches them.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public boolean claimStep(String id, SagaStep step, String owner, Duration lease) {
        return STEP_LEASES.claim(getEntityManager(), id, owner, lease, "saga_step = ?4", step.name());
    }

    /** Extends {@code owner}'s leases on the steps of {@code ids} (those it is executing) by {@code lease} from now. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int renewLeases(String owner, Collection<String> ids, Duration lease) {
        return STEP_LEASES.renew(getEntityManager(), owner, ids, lease);
    }

    /** Gives the lease back once {@code owner} finished the step (the next step is anybody's). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void releaseStep(String id, String owner) {
        STEP_LEASES.release(getEntityManager(), id, owner);
    }

    /** CREATING instances waiting for network-service since before {@code before}. */
    public List<Instance> creatingAndWaitingSince(Instant before) {
        return list("status = ?1 and sagaStep in ?2 and updatedAt < ?3", Sort.by("id"), InstanceStatus.CREATING,
                List.of(SagaStep.AWAIT_NETWORK, SagaStep.AWAIT_BACKEND), before);
    }

    /** UPDATING instances whose load balancer has not switched to the new tracking server since before {@code before}. */
    public List<Instance> resizingAndWaitingSince(Instant before) {
        return list("status = ?1 and sagaStep = ?2 and updatedAt < ?3", Sort.by("id"), InstanceStatus.UPDATING,
                SagaStep.AWAIT_SUCCESSOR, before);
    }

    public List<Instance> withStatus(InstanceStatus... statuses) {
        return list("status in ?1", Sort.by("id"), List.of(statuses));
    }

    /** Every instance whose compute may exist (not released). */
    public List<Instance> notReleased() {
        return list("status <> ?1", Sort.by("id"), InstanceStatus.RELEASED);
    }

    /** Live instances whose artifact root is in {@code bucket}. */
    public List<Instance> liveInBucket(String bucket) {
        return list("ossBucket = ?1 and status <> ?2", Sort.by("id"), bucket, InstanceStatus.RELEASED);
    }
}
