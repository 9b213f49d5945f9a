package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.util.List;
import java.util.Optional;

/** Workspaces. */
@ApplicationScoped
public class WorkspaceRepository implements PanacheRepositoryBase<WorkspaceEntity, String> {

    /** The workspace, locked until the transaction ends: member changes of one workspace run one at a time. */
    public Optional<WorkspaceEntity> lock(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** A member's workspaces after {@code afterId} in id order (all of them, or only {@code onlyId} when set). */
    public List<Object[]> pageOfMember(String memberId, String onlyId, String afterId, int limit) {
        return getEntityManager().createQuery("""
                        select w, m.role from WorkspaceEntity w, MembershipEntity m
                        where m.workspaceId = w.id and m.memberId = :member
                          and (:only is null or w.id = :only) and (:after is null or w.id > :after)
                        order by w.id""", Object[].class)
                .setParameter("member", memberId).setParameter("only", onlyId).setParameter("after", afterId)
                .setMaxResults(limit).getResultList();
    }
}
