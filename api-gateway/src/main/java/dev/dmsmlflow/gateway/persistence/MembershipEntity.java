package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** A member's role in a workspace. */
@Entity
@Table(name = "memberships")
@IdClass(MembershipEntity.Key.class)
public class MembershipEntity {

    @Id
    @Column(name = "workspace_id")
    public String workspaceId;

    @Id
    @Column(name = "member_id")
    public String memberId;

    /** {@code owner}, {@code editor} or {@code viewer}. */
    @Column(nullable = false)
    public String role;

    @Column(name = "added_at", nullable = false)
    public Instant addedAt;

    @Version
    public long version;

    /** Primary key: (workspace, member). */
    public static class Key implements Serializable {
        public String workspaceId;
        public String memberId;

        public Key() {
        }

        public Key(String workspaceId, String memberId) {
            this.workspaceId = workspaceId;
            this.memberId = memberId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(workspaceId, k.workspaceId) && Objects.equals(memberId, k.memberId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(workspaceId, memberId);
        }
    }
}
