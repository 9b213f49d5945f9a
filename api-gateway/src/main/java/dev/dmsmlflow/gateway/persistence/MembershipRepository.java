package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;

/** Memberships (member, workspace, role). */
@ApplicationScoped
public class MembershipRepository implements PanacheRepositoryBase<MembershipEntity, MembershipEntity.Key> {

    public Optional<MembershipEntity> find(String workspaceId, String memberId) {
        return findByIdOptional(new MembershipEntity.Key(workspaceId, memberId));
    }

    public long countOwners(String workspaceId) {
        return count("workspaceId = ?1 and role = 'owner'", workspaceId);
    }

    public List<MembershipEntity> ofMember(String memberId) {
        return list("memberId = ?1 order by workspaceId", memberId);
    }

    /** A page of a workspace's memberships with their members, in member id order. */
    public List<Object[]> page(String workspaceId, String afterMemberId, int limit) {
        return getEntityManager().createQuery("""
                        select m, p from MembershipEntity m, MemberEntity p
                        where p.id = m.memberId and m.workspaceId = :ws and (:after is null or m.memberId > :after)
                        order by m.memberId""", Object[].class)
                .setParameter("ws", workspaceId).setParameter("after", afterMemberId).setMaxResults(limit).getResultList();
    }
}
