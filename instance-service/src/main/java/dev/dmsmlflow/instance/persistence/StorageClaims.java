package dev.dmsmlflow.instance.persistence;

import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * Storage belongs to a workspace: an OSS bucket is claimed by the first workspace that roots an instance in it, and no two
 * live instances' roots are equal or nested ({@code oss://b/a} and {@code oss://b/a/x}). Checked under a transaction-level
 * advisory lock per bucket, so two concurrent creates cannot both pass; callers bring the transaction (the instance's
 * insert), so a refusal leaves nothing behind.
 */
@ApplicationScoped
public class StorageClaims {

    /** Problem codes. */
    public static final String BUCKET_CLAIMED = "OSS_BUCKET_CLAIMED";
    public static final String ROOT_OVERLAPS = "OSS_PATH_OVERLAPS";

    private final AgroalDataSource dataSource;

    public StorageClaims(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Claims {@code bucket} for {@code workspaceId} (or finds it already theirs) and checks that {@code path} neither equals
     * nor nests with the root of any live instance in it; a 409 naming {@code ossBucket} or {@code ossPath} otherwise.
     */
    public void claim(String workspaceId, String instanceId, String bucket, String path) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                ps.setString(1, "oss-bucket:" + bucket);
                ps.executeQuery().close();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO oss_bucket_claim (bucket, workspace_id, instance_id, claimed_at) "
                    + "VALUES (?, ?, ?, ?) ON CONFLICT (bucket) DO NOTHING")) {
                ps.setString(1, bucket);
                ps.setString(2, workspaceId);
                ps.setString(3, instanceId);
                ps.setTimestamp(4, Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT workspace_id FROM oss_bucket_claim WHERE bucket = ?")) {
                ps.setString(1, bucket);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!workspaceId.equals(rs.getString(1))) {
                        // which workspace holds it is not told
                        throw conflict("ossBucket", BUCKET_CLAIMED, "OSS bucket " + bucket
                                + " belongs to another workspace; choose a bucket of your own.");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, oss_path FROM instance WHERE oss_bucket = ? AND status <> 'RELEASED'")) {
                ps.setString(1, bucket);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String other = rs.getString(3);
                        if (overlaps(path, other)) {
                            throw conflict("ossPath", ROOT_OVERLAPS, "oss://" + bucket + "/" + path + " "
                                    + (path.equals(other) ? "is" : "overlaps") + " the artifact root oss://" + bucket + "/" + other
                                    + " of instance " + rs.getString(2) + " (" + rs.getString(1) + "); roots may not be equal or nested.");
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not check the storage of " + instanceId, e);
        }
    }

    /** Whether two roots (paths without leading or trailing '/') are equal or one lies inside the other. */
    public static boolean overlaps(String a, String b) {
        return a.equals(b) || a.startsWith(b + "/") || b.startsWith(a + "/");
    }

    private static ProblemException conflict(String field, String code, String detail) {
        return new ProblemException(Problem.of("conflict", "Conflict with current state", 409, detail, field).withCode(code));
    }
}
