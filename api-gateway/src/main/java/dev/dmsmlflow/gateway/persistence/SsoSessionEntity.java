package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A renewable console sign-in: the provider's refresh token, sealed, found by the SHA-256 of the browser's cookie. */
@Entity
@Table(name = "sso_sessions")
public class SsoSessionEntity {

    @Id
    @Column(name = "cookie_sha256")
    public String cookieSha256;

    /** Sealed (AES-GCM) under a key only the browser's secret and the gateway's key give; never logged. */
    @Column(nullable = false)
    public String sealed;

    @Column(name = "last_refreshed_at")
    public Instant lastRefreshedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Override
    public String toString() {
        return "SsoSessionEntity[expires " + expiresAt + ", sealed <redacted>]";
    }
}
