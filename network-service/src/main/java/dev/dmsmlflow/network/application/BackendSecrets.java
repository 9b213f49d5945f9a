package dev.dmsmlflow.network.application;

import dev.dmsmlflow.platform.secrets.SecretSealer;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

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
 * The per-instance secret a local load balancer adds to every request it forwards (so the tracking server serves only
 * its load balancer). 256 random bits, kept sealed in {@code backend_secret}; only its SHA-256 leaves this service (in
 * NetworkProvisioned, for the tracking server to check against). Callers bring the transaction.
 */
@ApplicationScoped
public class BackendSecrets {

    /** A secret and its digest; {@link #toString()} never shows the secret. */
    public record Secret(String value, String digest) {
        @Override
        public String toString() {
            return "Secret[digest=" + digest + "]";
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final AgroalDataSource dataSource;
    private final SecretSealer sealer;

    public BackendSecrets(AgroalDataSource dataSource, SecretSealer sealer) {
        this.dataSource = dataSource;
        this.sealer = sealer;
    }

    /** The instance's secret, made (and stored sealed) on first use. */
    public Secret getOrCreate(String instanceId) {
        Optional<Secret> existing = find(instanceId);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String digest = digest(value);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO backend_secret (instance_id, sealed, digest, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, instanceId);
            ps.setString(2, sealer.seal(value, context(instanceId)));
            ps.setString(3, digest);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            if (ps.executeUpdate() == 0) {
                return find(instanceId).orElseThrow();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storing the backend secret of " + instanceId, e);
        }
        return new Secret(value, digest);
    }

    /** The instance's secret, if it has one. */
    public Optional<Secret> find(String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT sealed, digest FROM backend_secret WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Secret(sealer.open(rs.getString(1), context(instanceId)), rs.getString(2)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the backend secret of " + instanceId, e);
        }
    }

    public void delete(String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM backend_secret WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("deleting the backend secret of " + instanceId, e);
        }
    }

    private static String context(String instanceId) {
        return "backend-secret:" + instanceId;
    }

    /** SHA-256 of the text, lowercase hex. */
    public static String digest(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
