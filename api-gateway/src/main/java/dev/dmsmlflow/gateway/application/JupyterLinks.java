package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.JupyterPass;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceTokens;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One-time sign-in links to a notebook session's JupyterLab. A link's code is 256 random bits; the database keeps only
 * its SHA-256, and using it is one atomic UPDATE, so across gateway replicas a code is honoured once. Redeeming a code
 * checks the member's key and role afresh (not from the caches) and gives a {@link JupyterPass} for the cookie.
 * Blocking (JDBC): callers run it on a worker thread.
 */
@ApplicationScoped
public class JupyterLinks {

    /** A link just made: the code (shown once, never stored or logged) and when it stops working. */
    public record Issued(String code, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[code <redacted>, until " + expiresAt + "]";
        }
    }

    /** Why a code gives no pass. */
    public enum Refusal { UNKNOWN_OR_USED, EXPIRED, KEY_NOT_VALID, ROLE }

    /** The outcome of redeeming a code: a pass, or a refusal. */
    public record Redeemed(JupyterPass pass, Refusal refusal) {
    }

    static final String PURPOSE = "dms-gateway jupyter cookie v1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource db;
    private final AccessDirectory directory;
    private final ServiceTokens tokens;
    private final GatewayConfig.Jupyter config;
    private volatile byte[] secret;

    JupyterLinks(DataSource db, AccessDirectory directory, ServiceTokens tokens, GatewayConfig config) {
        this.db = db;
        this.directory = directory;
        this.tokens = tokens;
        this.config = config.jupyter();
    }

    /** A new one-time link for the admitted caller to the session (whose state the caller checked). */
    public Issued issue(Access access, String sessionId) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant now = Instant.now();
        Instant expires = now.plus(config.linkLifetime());
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement clean = c.prepareStatement("DELETE FROM jupyter_link_codes WHERE expires_at < ?")) {
                clean.setTimestamp(1, Timestamp.from(now.minusSeconds(3600)));
                clean.executeUpdate();
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jupyter_link_codes (code_sha256, member_id, key_id, workspace_id,"
                    + " session_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ins.setString(1, sha256(code));
                ins.setString(2, access.memberId());
                ins.setString(3, access.caller().keyId());
                ins.setString(4, access.workspaceId());
                ins.setString(5, sessionId);
                ins.setTimestamp(6, Timestamp.from(now));
                ins.setTimestamp(7, Timestamp.from(expires));
                ins.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not store a jupyter link: " + e.getMessage(), e);
        }
        return new Issued(code, expires);
    }

    /**
     * Uses the code for {@code workspaceId}/{@code sessionId}, at most once whatever the outcome: a code named under
     * another workspace or session is spent and refused like an unknown one.
     */
    public Redeemed redeem(String code, String workspaceId, String sessionId) {
        if (code == null || code.length() != 43) {
            return new Redeemed(null, Refusal.UNKNOWN_OR_USED);
        }
        Instant now = Instant.now();
        String memberId;
        String keyId;
        Instant expires;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement use = c.prepareStatement("UPDATE jupyter_link_codes SET used_at = ? WHERE code_sha256 = ? AND used_at IS NULL"
                    + " RETURNING member_id, key_id, workspace_id, session_id, expires_at")) {
                use.setTimestamp(1, Timestamp.from(now));
                use.setString(2, sha256(code));
                try (ResultSet rs = use.executeQuery()) {
                    if (!rs.next() || !workspaceId.equals(rs.getString(3)) || !sessionId.equals(rs.getString(4))) {
                        return new Redeemed(null, Refusal.UNKNOWN_OR_USED);
                    }
                    memberId = rs.getString(1);
                    keyId = rs.getString(2);
                    expires = rs.getTimestamp(5).toInstant();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not use a jupyter link: " + e.getMessage(), e);
        }
        if (!now.isBefore(expires)) {
            return new Redeemed(null, Refusal.EXPIRED);
        }
        Instant until = now.plus(config.cookieLifetime());
        if (keyId != null) {
            Optional<AccessDirectory.KeyRecord> key = directory.loadKey(keyId);
            if (key.isEmpty() || key.get().revokedAt() != null || !memberId.equals(key.get().memberId())
                    || (key.get().expiresAt() != null && !now.isBefore(key.get().expiresAt()))) {
                return new Redeemed(null, Refusal.KEY_NOT_VALID);
            }
            if (key.get().expiresAt() != null && key.get().expiresAt().isBefore(until)) {
                until = key.get().expiresAt();
            }
        }
        Optional<Role> role = directory.loadRole(memberId, workspaceId);
        if (role.isEmpty() || !role.get().includes(Role.EDITOR)) {
            return new Redeemed(null, Refusal.ROLE);
        }
        return new Redeemed(new JupyterPass(memberId, keyId, workspaceId, sessionId, until), null);
    }

    /** The cookie value of a pass. */
    public String seal(JupyterPass pass) {
        return pass.seal(secret());
    }

    /** The pass in a cookie, if it is genuine, current and names this workspace and session. */
    public Optional<JupyterPass> open(String cookie, String workspaceId, String sessionId) {
        return JupyterPass.open(cookie, secret(), workspaceId, sessionId, Instant.now());
    }

    private byte[] secret() {
        byte[] s = secret;
        if (s == null) {
            s = tokens.derivedSecret(PURPOSE);
            secret = s;
        }
        return s;
    }

    static String sha256(String code) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
