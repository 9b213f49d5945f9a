package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/** API keys. Revocation and last use are single-column updates, so they never overwrite each other. */
@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKeyEntity, String> {

    /** A member's keys after {@code afterId}; only those scoped to {@code onlyWorkspace} when it is set. */
    public List<ApiKeyEntity> pageOfMember(String memberId, String onlyWorkspace, String afterId, int limit) {
        return getEntityManager().createQuery("""
                        select k from ApiKeyEntity k where k.memberId = :member
                          and (:ws is null or k.workspaceId = :ws) and (:after is null or k.id > :after)
                        order by k.id""", ApiKeyEntity.class)
                .setParameter("member", memberId).setParameter("ws", onlyWorkspace).setParameter("after", afterId)
                .setMaxResults(limit).getResultList();
    }

    /** Keys scoped to a workspace after {@code afterId}. */
    public List<ApiKeyEntity> pageOfWorkspace(String workspaceId, String afterId, int limit) {
        return getEntityManager().createQuery("""
                        select k from ApiKeyEntity k where k.workspaceId = :ws and (:after is null or k.id > :after)
                        order by k.id""", ApiKeyEntity.class)
                .setParameter("ws", workspaceId).setParameter("after", afterId).setMaxResults(limit).getResultList();
    }

    /** Revokes the key if it is not revoked yet; true when this call revoked it. */
    public boolean revoke(String id, Instant at) {
        return update("revokedAt = ?1 where id = ?2 and revokedAt is null", at, id) > 0;
    }

    /** Revokes a member's keys scoped to a workspace (the member left it); returns their ids. */
    public List<String> revokeScoped(String memberId, String workspaceId, Instant at) {
        List<String> ids = getEntityManager().createQuery(
                        "select k.id from ApiKeyEntity k where k.memberId = :m and k.workspaceId = :ws and k.revokedAt is null", String.class)
                .setParameter("m", memberId).setParameter("ws", workspaceId).getResultList();
        if (!ids.isEmpty()) {
            update("revokedAt = ?1 where id in ?2 and revokedAt is null", at, ids);
        }
        return ids;
    }

    public void touch(String id, Instant at) {
        update("lastUsedAt = ?1 where id = ?2 and (lastUsedAt is null or lastUsedAt < ?1)", at, id);
    }
}
