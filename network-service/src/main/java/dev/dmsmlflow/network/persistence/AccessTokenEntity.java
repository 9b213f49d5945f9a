package dev.dmsmlflow.network.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * An MLflow access token of an instance (table {@code access_token}): only its SHA-256 is kept. Written once, then only
 * revoked by a compare-and-set ({@code revoked_at IS NULL}), so it needs no version.
 */
@Entity
@Table(name = "access_token")
public class AccessTokenEntity {
    @Id
    public String tokenId;
    @Column(updatable = false)
    public String instanceId;
    public String name;
    public String scope;
    @Column(updatable = false)
    public String tokenHash;
    public String createdBy;
    public Instant createdAt;
    public Instant expiresAt;
    public Instant revokedAt;
    public String kind;
}
