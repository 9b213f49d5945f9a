package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** The audit log: appended to, read newest first. */
@ApplicationScoped
public class AuditRepository implements PanacheRepositoryBase<AuditEntryEntity, Long> {

    public List<AuditEntryEntity> page(String workspaceId, Long beforeId, int limit) {
        return getEntityManager().createQuery("""
                        select a from AuditEntryEntity a where a.workspaceId = :ws and (:before is null or a.id < :before)
                        order by a.id desc""", AuditEntryEntity.class)
                .setParameter("ws", workspaceId).setParameter("before", beforeId).setMaxResults(limit).getResultList();
    }
}
