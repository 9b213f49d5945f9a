package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.PeriodStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/** Billing periods. */
@ApplicationScoped
public class PeriodRepository implements PanacheRepositoryBase<PeriodEntity, PeriodEntity.Key> {

    /** The period, locked until the transaction ends (closing it). */
    public Optional<PeriodEntity> lock(String workspaceId, LocalDate periodStart) {
        return findByIdOptional(new PeriodEntity.Key(workspaceId, periodStart), LockModeType.PESSIMISTIC_WRITE);
    }

    /** A workspace's periods, newest first. */
    public List<PeriodEntity> ofWorkspace(String workspaceId) {
        return list("key.workspaceId", Sort.descending("key.periodStart"), workspaceId);
    }

    /** Open periods that started before {@code before} (candidates for automatic closing). */
    public List<PeriodEntity> openBefore(LocalDate before) {
        return list("status = ?1 and key.periodStart < ?2", PeriodStatus.OPEN, before);
    }
}
