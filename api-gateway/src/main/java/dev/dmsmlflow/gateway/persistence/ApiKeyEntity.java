package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * An API key row: never the secret, only its SHA-256. Revocation and last-use are single-column updates
 * ({@link ApiKeyRepository}), so the two writers never overwrite each other and need no version.
 */
@Entity
@Table(name = "api_keys")
public class ApiKeyEntity {

    @Id
    public String id;

    @Column(name = "member_id", nullable = false)
    public String memberId;

    /** The one workspace the key reaches, or null for all the member's workspaces. */
    @Column(name = "workspace_id")
    public String workspaceId;

    public String name;

    @Column(name = "secret_sha256", nullable = false)
    public String secretSha256;

    @Column(name = "created_by", nullable = false)
    public String createdBy;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    @Override
    public String toString() {
        return "ApiKey[" + id + ", member " + memberId + ", workspace " + workspaceId + ", secret <redacted>]";
    }
}
