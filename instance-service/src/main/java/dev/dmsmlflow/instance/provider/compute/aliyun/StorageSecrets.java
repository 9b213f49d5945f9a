package dev.dmsmlflow.instance.provider.compute.aliyun;

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
 * The per-container-group secrets with which tracking servers ask for their OSS credentials: a secret is made for a
 * container group when it is created (256 random bits, handed to that container only), and only its SHA-256 is kept here,
 * bound to the instance and the artifact root it was made for. Each write is its own short transaction, never around a
 * cloud call.
 */
@ApplicationScoped
public class StorageSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The root a presented secret opens. */
    public record Root(String instanceId, String bucket, String path) {
    }

    private final AgroalDataSource dataSource;

    public StorageSecrets(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A new secret for {@code holder} (a container group's name), replacing any earlier one; only its digest is stored. */
    public String issue(String holder, String instanceId, String bucket, String path) throws SQLException {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO compute_storage_secret (holder, instance_id, oss_bucket, oss_path,"
                     + " digest, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (holder) DO UPDATE SET instance_id = EXCLUDED.instance_id,"
                     + " oss_bucket = EXCLUDED.oss_bucket, oss_path = EXCLUDED.oss_path, digest = EXCLUDED.digest, created_at = EXCLUDED.created_at")) {
            ps.setString(1, holder);
            ps.setString(2, instanceId);
            ps.setString(3, bucket);
            ps.setString(4, path);
            ps.setString(5, digest(secret));
            ps.setTimestamp(6, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        return secret;
    }

    /** The root that {@code secret} opens for {@code instanceId}, if it is the secret of one of that instance's container groups. */
    public Optional<Root> verify(String instanceId, String secret) throws SQLException {
        if (secret == null || secret.isEmpty() || secret.length() > 256) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT oss_bucket, oss_path FROM compute_storage_secret"
                     + " WHERE instance_id = ? AND digest = ?")) {
            ps.setString(1, instanceId);
            ps.setString(2, digest(secret));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Root(instanceId, rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** Forgets the secret of {@code holder} (its container group is gone). */
    public void forget(String holder) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM compute_storage_secret WHERE holder = ?")) {
            ps.setString(1, holder);
            ps.executeUpdate();
        }
    }

    static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
