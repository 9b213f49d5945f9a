package dev.dmsmlflow.network.persistence;

import dev.dmsmlflow.network.domain.AccessToken;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** JDBC access to access_token and the network's auth_mode; callers bring the transaction. */
@ApplicationScoped
public class AccessTokenRepository {

    private static final String COLUMNS = "token_id, instance_id, name, scope, token_hash, created_by, created_at, expires_at, revoked_at, kind";

    private final AgroalDataSource dataSource;

    public AccessTokenRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void insert(AccessToken t) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO access_token (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, t.id());
            ps.setString(2, t.instanceId());
            ps.setString(3, t.name());
            ps.setString(4, t.scope());
            ps.setString(5, t.hash());
            ps.setString(6, t.createdBy());
            ps.setTimestamp(7, Timestamp.from(t.createdAt()));
            ps.setTimestamp(8, t.expiresAt() == null ? null : Timestamp.from(t.expiresAt()));
            ps.setTimestamp(9, null);
            ps.setString(10, t.kind());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("storing a token of " + t.instanceId(), e);
        }
    }

    /** Every token of the instance (revoked ones too), oldest first. */
    public List<AccessToken> all(String instanceId) {
        List<AccessToken> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM access_token WHERE instance_id = ? ORDER BY created_at, token_id")) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the tokens of " + instanceId, e);
        }
        return out;
    }

    public Optional<AccessToken> find(String instanceId, String tokenId) {
        return all(instanceId).stream().filter(t -> t.id().equals(tokenId)).findFirst();
    }

    /** Marks the token revoked; false when it was not there or already revoked. */
    public boolean revoke(String instanceId, String tokenId, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE access_token SET revoked_at = ? WHERE instance_id = ? AND token_id = ? AND revoked_at IS NULL")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, instanceId);
            ps.setString(3, tokenId);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("revoking a token of " + instanceId, e);
        }
    }

    /**
     * Takes the instance's network row for the rest of the caller's transaction (FOR NO KEY UPDATE: it does not wait for
     * the key-share locks that inserting a token takes), so that the load balancer learns token changes in the order they
     * commit.
     */
    public void lockInstance(String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM network WHERE instance_id = ? FOR NO KEY UPDATE")) {
            ps.setString(1, instanceId);
            ps.executeQuery().close();
        } catch (SQLException e) {
            throw new IllegalStateException("locking the tokens of " + instanceId, e);
        }
    }

    /** A stored sign-in code, as spent: whose it was and until when it was good. */
    public record SpentCode(String instanceId, String workspaceId, String memberId, String scope, Instant expiresAt) {
    }

    /** Stores a sign-in code by its hash; expired codes older than an hour are dropped on the way. */
    public void insertCode(String codeHash, String instanceId, String workspaceId, String memberId, String scope, Instant createdAt,
                           Instant expiresAt) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement clean = c.prepareStatement("DELETE FROM ui_sign_in_code WHERE expires_at < ?")) {
                clean.setTimestamp(1, Timestamp.from(createdAt.minusSeconds(3600)));
                clean.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ui_sign_in_code (code_hash, instance_id, workspace_id, member_id,"
                    + " scope, created_at, expires_at) VALUES (?,?,?,?,?,?,?)")) {
                ps.setString(1, codeHash);
                ps.setString(2, instanceId);
                ps.setString(3, workspaceId);
                ps.setString(4, memberId);
                ps.setString(5, scope);
                ps.setTimestamp(6, Timestamp.from(createdAt));
                ps.setTimestamp(7, Timestamp.from(expiresAt));
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("storing a sign-in code of " + instanceId, e);
        }
    }

    /** Spends the code: the first call gets it (whatever instance it is of), every later one nothing. */
    public Optional<SpentCode> spendCode(String codeHash, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE ui_sign_in_code SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
                        + " RETURNING instance_id, workspace_id, member_id, scope, expires_at")) {
            ps.setTimestamp(1, Timestamp.from(at));
            ps.setString(2, codeHash);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SpentCode(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5).toInstant()));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("spending a sign-in code", e);
        }
    }

    public String authMode(String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT auth_mode FROM network WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "network";
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the auth mode of " + instanceId, e);
        }
    }

    public void setAuthMode(String instanceId, String mode) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE network SET auth_mode = ? WHERE instance_id = ?")) {
            ps.setString(1, mode);
            ps.setString(2, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("setting the auth mode of " + instanceId, e);
        }
    }

    private static AccessToken map(ResultSet rs) throws SQLException {
        Timestamp expires = rs.getTimestamp("expires_at");
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new AccessToken(rs.getString("token_id"), rs.getString("instance_id"), rs.getString("name"), rs.getString("scope"),
                rs.getString("token_hash"), rs.getString("created_by"), rs.getTimestamp("created_at").toInstant(),
                expires == null ? null : expires.toInstant(), revoked == null ? null : revoked.toInstant(), rs.getString("kind"));
    }
}
