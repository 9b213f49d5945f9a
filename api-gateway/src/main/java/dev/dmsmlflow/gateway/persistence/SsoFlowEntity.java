package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A sign-in sent to the identity provider, found by the SHA-256 of its state; the verifier and nonce sealed. */
@Entity
@Table(name = "sso_flows")
public class SsoFlowEntity {

    @Id
    @Column(name = "state_sha256")
    public String stateSha256;

    /** Sealed (AES-GCM) under a key only the browser's secret and the gateway's key give; never logged. */
    @Column(nullable = false)
    public String sealed;

    @Column(name = "redirect_uri", nullable = false)
    public String redirectUri;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Override
    public String toString() {
        return "SsoFlowEntity[expires " + expiresAt + ", sealed <redacted>]";
    }
}
