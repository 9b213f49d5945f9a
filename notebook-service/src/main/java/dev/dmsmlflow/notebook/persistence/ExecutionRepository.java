package dev.dmsmlflow.notebook.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;

/** Executions. */
@ApplicationScoped
public class ExecutionRepository implements PanacheRepositoryBase<ExecutionEntity, String> {

    public Optional<ExecutionEntity> of(String sessionId, String id) {
        return find("id = ?1 and sessionId = ?2", id, sessionId).firstResultOptional();
    }

    public List<ExecutionEntity> page(String sessionId, String afterId, int limit) {
        return getEntityManager().createQuery("""
                        select e from ExecutionEntity e where e.sessionId = :s and (:after is null or e.id > :after)
                        order by e.id""", ExecutionEntity.class)
                .setParameter("s", sessionId).setParameter("after", afterId).setMaxResults(limit).getResultList();
    }

    public List<ExecutionEntity> open() {
        return list("status in ?1", List.of(ExecutionEntity.Status.QUEUED, ExecutionEntity.Status.RUNNING));
    }
}
