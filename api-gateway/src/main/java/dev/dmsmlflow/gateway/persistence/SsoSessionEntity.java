package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A renewable console sign-in: the provider's refresh token, sealed, found by the SHA-256 of the browser's cookie. */
@Entity
@Table(name = "sso_sessions")
public class SsoSessionEntity extends SealedRow {

    @Id
    @Column(name = "cookie_sha256")
    public String cookieSha256;

    @Column(name = "last_refreshed_at")
    public Instant lastRefreshedAt;
}
