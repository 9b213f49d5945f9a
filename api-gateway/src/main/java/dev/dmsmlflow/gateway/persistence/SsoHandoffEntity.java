package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A finished sign-in waiting for its one-time hand-off, found by the SHA-256 of the code; the tokens sealed. */
@Entity
@Table(name = "sso_handoffs")
public class SsoHandoffEntity {

    @Id
    @Column(name = "code_sha256")
    public String codeSha256;

    /** Sealed (AES-GCM) under a key only the browser's secret and the gateway's key give; never logged. */
    @Column(nullable = false)
    public String sealed;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Override
    public String toString() {
        return "SsoHandoffEntity[expires " + expiresAt + ", sealed <redacted>]";
    }
}
