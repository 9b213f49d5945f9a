package dev.dmsmlflow.instance.persistence;

import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plain JDBC access to the instance table; callers run it inside their JTA transaction. */
@ApplicationScoped
public class InstanceRepository {

    private static final String COLUMNS = "id, workspace_id, name, description, vpc_id, vswitch_id, secondary_vswitch_id, "
            + "security_group_id, oss_bucket, oss_path, spec, tracking_version, status, saga_step, failure_code, failure_message, "
            + "tracking_database, backend_host, backend_port, vpc_address, vpc_port, load_balancer_id, listener_id, acl_id, "
            + "compute_released, network_released, requested_by, created_at, updated_at, metered_from, version, auth_mode, backend_auth_digest, "
            + "pending_spec, successor_port";

    private final AgroalDataSource dataSource;

    InstanceRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void insert(Instance i) {
        String sql = "INSERT INTO instance (" + COLUMNS + ") VALUES (" + "?,".repeat(34) + "?)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, i);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not insert instance " + i.id, e);
        }
    }

    /** Writes every mutable column; fails when another transaction changed the row since it was read. */
    public void update(Instance i) {
        String sql = "UPDATE instance SET name=?, description=?, tracking_version=?, status=?, saga_step=?, failure_code=?, "
                + "failure_message=?, backend_host=?, backend_port=?, vpc_address=?, vpc_port=?, load_balancer_id=?, listener_id=?, "
                + "acl_id=?, compute_released=?, network_released=?, updated_at=?, metered_from=?, auth_mode=?, backend_auth_digest=?, "
                + "spec=?, pending_spec=?, successor_port=?, "
                + "version=version+1 "
                + "WHERE id=? AND version=?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int k = 1;
            ps.setString(k++, i.name);
            ps.setString(k++, i.description);
            ps.setString(k++, i.trackingVersion);
            ps.setString(k++, i.status.name());
            ps.setString(k++, i.sagaStep == null ? null : i.sagaStep.name());
            ps.setString(k++, i.failureCode);
            ps.setString(k++, i.failureMessage);
            ps.setString(k++, i.backendHost);
            setInt(ps, k++, i.backendPort);
            ps.setString(k++, i.vpcAddress);
            setInt(ps, k++, i.vpcPort);
            ps.setString(k++, i.loadBalancerId);
            ps.setString(k++, i.listenerId);
            ps.setString(k++, i.aclId);
            ps.setBoolean(k++, i.computeReleased);
            ps.setBoolean(k++, i.networkReleased);
            i.updatedAt = Instant.now();
            ps.setTimestamp(k++, Timestamp.from(i.updatedAt));
            ps.setTimestamp(k++, i.meteredFrom == null ? null : Timestamp.from(i.meteredFrom));
            ps.setString(k++, i.authMode);
            ps.setString(k++, i.backendAuthDigest);
            ps.setString(k++, i.spec);
            ps.setString(k++, i.pendingSpec);
            setInt(ps, k++, i.successorPort);
            ps.setString(k++, i.id);
            ps.setLong(k, i.version);
            if (ps.executeUpdate() != 1) {
                throw new ConcurrentChangeException(i.id);
            }
            i.version++;
        } catch (SQLException e) {
            throw new IllegalStateException("could not update instance " + i.id, e);
        }
    }

    public Optional<Instance> find(String id) {
        List<Instance> rows = query("SELECT " + COLUMNS + " FROM instance WHERE id = ?", id);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Reads and row-locks an instance for the rest of the transaction, so concurrent transitions serialize. */
    public Optional<Instance> lock(String id) {
        List<Instance> rows = query("SELECT " + COLUMNS + " FROM instance WHERE id = ? FOR UPDATE", id);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Up to {@code limit} instances of a workspace ordered by id, starting after {@code afterId}; optionally only one status. */
    public List<Instance> page(String workspaceId, InstanceStatus status, String afterId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM instance WHERE workspace_id = ? AND id > ?");
        List<Object> args = new ArrayList<>();
        args.add(workspaceId);
        args.add(afterId == null ? "" : afterId);
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(status.name());
        }
        sql.append(" ORDER BY id LIMIT ").append(limit);
        return query(sql.toString(), args.toArray());
    }

    /**
     * Takes the workspace's quota lock for the rest of the transaction (a PostgreSQL transaction-level advisory lock), so
     * that counting its instances and adding one are atomic with respect to every other create in the workspace.
     */
    public void lockWorkspaceQuota(String workspaceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            ps.setString(1, "instance-quota:" + workspaceId);
            ps.executeQuery().close();
        } catch (SQLException e) {
            throw new IllegalStateException("could not lock the quota of " + workspaceId, e);
        }
    }

    /** Instances of a workspace that count against its quota: every one not RELEASED. */
    public int countNotReleased(String workspaceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM instance WHERE workspace_id = ? AND status <> 'RELEASED'")) {
            ps.setString(1, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not count the instances of " + workspaceId, e);
        }
    }

    /** Instances with a step the saga worker has to execute. */
    public List<Instance> withLocalSagaWork() {
        List<String> steps = new ArrayList<>();
        for (SagaStep s : SagaStep.values()) {
            if (s.isLocal()) {
                steps.add("'" + s.name() + "'");
            }
        }
        return query("SELECT " + COLUMNS + " FROM instance WHERE saga_step IN (" + String.join(",", steps) + ") ORDER BY updated_at");
    }

    /** CREATING instances waiting for network-service since before {@code before}. */
    public List<Instance> creatingAndWaitingSince(Instant before) {
        return query("SELECT " + COLUMNS + " FROM instance WHERE status = 'CREATING' AND saga_step IN ('AWAIT_NETWORK', 'AWAIT_BACKEND') "
                + "AND updated_at < ? ORDER BY id", Timestamp.from(before));
    }

    /** UPDATING instances whose load balancer has not switched to the new tracking server since before {@code before}. */
    public List<Instance> resizingAndWaitingSince(Instant before) {
        return query("SELECT " + COLUMNS + " FROM instance WHERE status = 'UPDATING' AND saga_step = 'AWAIT_SUCCESSOR' "
                + "AND updated_at < ? ORDER BY id", Timestamp.from(before));
    }

    public List<Instance> withStatus(InstanceStatus... statuses) {
        List<String> names = new ArrayList<>();
        for (InstanceStatus s : statuses) {
            names.add("'" + s.name() + "'");
        }
        return query("SELECT " + COLUMNS + " FROM instance WHERE status IN (" + String.join(",", names) + ") ORDER BY id");
    }

    /** Every instance whose compute may exist (not released). */
    public List<Instance> notReleased() {
        return query("SELECT " + COLUMNS + " FROM instance WHERE status <> 'RELEASED' ORDER BY id");
    }

    private List<Instance> query(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < args.length; k++) {
                ps.setObject(k + 1, args[k]);
            }
            List<Instance> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("instance query failed", e);
        }
    }

    private static void bind(PreparedStatement ps, Instance i) throws SQLException {
        int k = 1;
        ps.setString(k++, i.id);
        ps.setString(k++, i.workspaceId);
        ps.setString(k++, i.name);
        ps.setString(k++, i.description);
        ps.setString(k++, i.vpcId);
        ps.setString(k++, i.vSwitchId);
        ps.setString(k++, i.secondaryVSwitchId);
        ps.setString(k++, i.securityGroupId);
        ps.setString(k++, i.ossBucket);
        ps.setString(k++, i.ossPath);
        ps.setString(k++, i.spec);
        ps.setString(k++, i.trackingVersion);
        ps.setString(k++, i.status.name());
        ps.setString(k++, i.sagaStep == null ? null : i.sagaStep.name());
        ps.setString(k++, i.failureCode);
        ps.setString(k++, i.failureMessage);
        ps.setString(k++, i.trackingDatabase);
        ps.setString(k++, i.backendHost);
        setInt(ps, k++, i.backendPort);
        ps.setString(k++, i.vpcAddress);
        setInt(ps, k++, i.vpcPort);
        ps.setString(k++, i.loadBalancerId);
        ps.setString(k++, i.listenerId);
        ps.setString(k++, i.aclId);
        ps.setBoolean(k++, i.computeReleased);
        ps.setBoolean(k++, i.networkReleased);
        ps.setString(k++, i.requestedBy);
        ps.setTimestamp(k++, Timestamp.from(i.createdAt));
        ps.setTimestamp(k++, Timestamp.from(i.updatedAt));
        ps.setTimestamp(k++, i.meteredFrom == null ? null : Timestamp.from(i.meteredFrom));
        ps.setLong(k++, i.version);
        ps.setString(k++, i.authMode);
        ps.setString(k++, i.backendAuthDigest);
        ps.setString(k++, i.pendingSpec);
        setInt(ps, k, i.successorPort);
    }

    private static void setInt(PreparedStatement ps, int k, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(k, Types.INTEGER);
        } else {
            ps.setInt(k, v);
        }
    }

    private static Instance read(ResultSet rs) throws SQLException {
        Instance i = new Instance();
        i.id = rs.getString("id");
        i.workspaceId = rs.getString("workspace_id");
        i.name = rs.getString("name");
        i.description = rs.getString("description");
        i.vpcId = rs.getString("vpc_id");
        i.vSwitchId = rs.getString("vswitch_id");
        i.secondaryVSwitchId = rs.getString("secondary_vswitch_id");
        i.securityGroupId = rs.getString("security_group_id");
        i.ossBucket = rs.getString("oss_bucket");
        i.ossPath = rs.getString("oss_path");
        i.spec = rs.getString("spec");
        i.trackingVersion = rs.getString("tracking_version");
        i.status = InstanceStatus.valueOf(rs.getString("status"));
        i.storedStatus = i.status;
        String step = rs.getString("saga_step");
        i.sagaStep = step == null ? null : SagaStep.valueOf(step);
        i.failureCode = rs.getString("failure_code");
        i.failureMessage = rs.getString("failure_message");
        i.trackingDatabase = rs.getString("tracking_database");
        i.backendHost = rs.getString("backend_host");
        i.backendPort = (Integer) rs.getObject("backend_port");
        i.vpcAddress = rs.getString("vpc_address");
        i.vpcPort = (Integer) rs.getObject("vpc_port");
        i.loadBalancerId = rs.getString("load_balancer_id");
        i.listenerId = rs.getString("listener_id");
        i.aclId = rs.getString("acl_id");
        i.computeReleased = rs.getBoolean("compute_released");
        i.networkReleased = rs.getBoolean("network_released");
        i.requestedBy = rs.getString("requested_by");
        i.createdAt = rs.getTimestamp("created_at").toInstant();
        i.updatedAt = rs.getTimestamp("updated_at").toInstant();
        Timestamp mf = rs.getTimestamp("metered_from");
        i.meteredFrom = mf == null ? null : mf.toInstant();
        i.version = rs.getLong("version");
        i.authMode = rs.getString("auth_mode");
        i.backendAuthDigest = rs.getString("backend_auth_digest");
        i.pendingSpec = rs.getString("pending_spec");
        i.successorPort = (Integer) rs.getObject("successor_port");
        return i;
    }
}
