package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.MappedSuperclass;

import java.time.Instant;

/**
 * The columns every console sign-in row shares ({@code sso_flows}, {@code sso_handoffs}, {@code sso_sessions}): the sealed
 * secret, when the row was made and when it expires. Each table keeps its own key, found by a SHA-256.
 */
@MappedSuperclass
public abstract class SealedRow {

    /** Sealed (AES-GCM) under a key only the browser's secret and the gateway's key give; never logged. */
    @Column(nullable = false)
    public String sealed;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[expires " + expiresAt + ", sealed <redacted>]";
    }
}
