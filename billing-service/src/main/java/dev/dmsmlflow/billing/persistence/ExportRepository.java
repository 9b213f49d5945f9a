package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.ExportStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/** Billing exports. */
@ApplicationScoped
public class ExportRepository implements PanacheRepositoryBase<ExportEntity, String> {

    /** A workspace's exports, newest first, after the one with id {@code afterId} in that order. */
    public List<ExportEntity> page(String workspaceId, String afterId, int limit) {
        if (afterId == null) {
            return find("workspaceId", Sort.descending("requestedAt", "id"), workspaceId).page(0, limit).list();
        }
        ExportEntity after = findById(afterId);
        if (after == null || !after.workspaceId.equals(workspaceId)) {
            return List.of();
        }
        return find("workspaceId = ?1 and (requestedAt < ?2 or (requestedAt = ?2 and id < ?3))",
                Sort.descending("requestedAt", "id"), workspaceId, after.requestedAt, after.id).page(0, limit).list();
    }

    /** The oldest requested export, locked so that another worker skips it. */
    public Optional<ExportEntity> nextRequested() {
        return find("status", Sort.ascending("requestedAt"), ExportStatus.REQUESTED)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                .page(0, 1).firstResultOptional();
    }

    /** Exports left RUNNING by a worker that stopped before {@code before}. */
    public List<ExportEntity> runningSince(Instant before) {
        return list("status = ?1 and startedAt < ?2", ExportStatus.RUNNING, before);
    }

    /** The latest export of a period that completed, if any. */
    public Optional<ExportEntity> lastCompleted(String workspaceId, LocalDate periodStart) {
        return find("workspaceId = ?1 and periodStart = ?2 and status = ?3", Sort.descending("completedAt"), workspaceId, periodStart,
                ExportStatus.COMPLETED).firstResultOptional();
    }

    /** Whether a requested or running export of that period exists. */
    public boolean pending(String workspaceId, LocalDate periodStart) {
        return count("workspaceId = ?1 and periodStart = ?2 and status in ?3", workspaceId, periodStart,
                List.of(ExportStatus.REQUESTED, ExportStatus.RUNNING)) > 0;
    }
}
