package dev.dmsmlflow.network.persistence;

import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.platform.quarkus.TraceContext;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** JDBC access to the network and acl_entry tables; callers bring the transaction. */
@ApplicationScoped
public class NetworkRepository {

    private static final String COLUMNS = "instance_id, workspace_id, vpc_id, vswitch_id, secondary_vswitch_id, zone_ids, "
            + "security_group_id, load_balancer_id, listener_id, acl_id, server_group_id, vpc_address, vpc_port, "
            + "backend_host, backend_port, status, failure_code, failure_message, created_at, updated_at";

    private final AgroalDataSource dataSource;

    public NetworkRepository(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The network of an instance, locked for update when {@code lock}. */
    public Optional<Network> find(String instanceId, boolean lock) {
        String sql = "SELECT " + COLUMNS + " FROM network WHERE instance_id = ?" + (lock ? " FOR UPDATE" : "");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading network " + instanceId, e);
        }
    }

    /** Where a network stands in the list order (newest first: created_at, then instance id, both descending). */
    public record NetworkPosition(Instant createdAt, String instanceId) {
    }

    /** Where an ACL entry stands in the list order (oldest first: created_at, then cidr). */
    public record EntryPosition(Instant createdAt, String cidr) {
    }

    /** Up to {@code limit} networks of a workspace, newest first, after {@code after} (null: from the newest); optionally of one status. */
    public List<Network> list(String workspaceId, NetworkStatus status, NetworkPosition after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM network WHERE workspace_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(workspaceId);
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(status.name());
        }
        if (after != null) {
            sql.append(" AND (created_at, instance_id) < (?, ?)");
            args.add(Timestamp.from(after.createdAt()));
            args.add(after.instanceId());
        }
        sql.append(" ORDER BY created_at DESC, instance_id DESC LIMIT ?");
        args.add(limit);
        List<Network> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing networks", e);
        }
        return out;
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }

    /** Networks whose load balancer should be running (for reconciliation after a restart). */
    public List<Network> active() {
        List<Network> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM network WHERE status = 'ACTIVE'")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing active networks", e);
        }
        return out;
    }

    /** Inserts or replaces the row of {@code n.instanceId()}. */
    public void save(Network n) {
        String sql = "INSERT INTO network (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                + "ON CONFLICT (instance_id) DO UPDATE SET workspace_id = EXCLUDED.workspace_id, vpc_id = EXCLUDED.vpc_id, "
                + "vswitch_id = EXCLUDED.vswitch_id, secondary_vswitch_id = EXCLUDED.secondary_vswitch_id, zone_ids = EXCLUDED.zone_ids, "
                + "security_group_id = EXCLUDED.security_group_id, load_balancer_id = EXCLUDED.load_balancer_id, "
                + "listener_id = EXCLUDED.listener_id, acl_id = EXCLUDED.acl_id, server_group_id = EXCLUDED.server_group_id, "
                + "vpc_address = EXCLUDED.vpc_address, vpc_port = EXCLUDED.vpc_port, backend_host = EXCLUDED.backend_host, "
                + "backend_port = EXCLUDED.backend_port, status = EXCLUDED.status, failure_code = EXCLUDED.failure_code, "
                + "failure_message = EXCLUDED.failure_message, updated_at = EXCLUDED.updated_at";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, n.instanceId());
            ps.setString(i++, n.workspaceId());
            ps.setString(i++, n.vpcId());
            ps.setString(i++, n.vSwitchId());
            ps.setString(i++, n.secondaryVSwitchId());
            ps.setString(i++, n.zoneIds().isEmpty() ? null : String.join(",", n.zoneIds()));
            ps.setString(i++, n.securityGroupId());
            ps.setString(i++, n.loadBalancerId());
            ps.setString(i++, n.listenerId());
            ps.setString(i++, n.aclId());
            ps.setString(i++, n.serverGroupId());
            ps.setString(i++, n.vpcAddress());
            setInt(ps, i++, n.vpcPort());
            ps.setString(i++, n.backendHost());
            setInt(ps, i++, n.backendPort());
            ps.setString(i++, n.status().name());
            ps.setString(i++, n.failureCode());
            ps.setString(i++, n.failureMessage());
            ps.setTimestamp(i++, Timestamp.from(n.createdAt()));
            ps.setTimestamp(i, Timestamp.from(n.updatedAt()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("saving network " + n.instanceId(), e);
        }
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    private static Network map(ResultSet rs) throws SQLException {
        String zones = rs.getString("zone_ids");
        return new Network(rs.getString("instance_id"), rs.getString("workspace_id"), rs.getString("vpc_id"),
                rs.getString("vswitch_id"), rs.getString("secondary_vswitch_id"),
                zones == null ? List.of() : Arrays.asList(zones.split(",")),
                rs.getString("security_group_id"), rs.getString("load_balancer_id"), rs.getString("listener_id"),
                rs.getString("acl_id"), rs.getString("server_group_id"), rs.getString("vpc_address"),
                (Integer) rs.getObject("vpc_port"), rs.getString("backend_host"), (Integer) rs.getObject("backend_port"),
                NetworkStatus.valueOf(rs.getString("status")), rs.getString("failure_code"), rs.getString("failure_message"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    /**
     * How many live networks use a vSwitch as their primary (each holds two of its addresses). A network whose PROVISION
     * step is still pending is not counted: its own validation runs in that step and must not count itself.
     */
    public int activeOnPrimaryVSwitch(String vSwitchId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM network WHERE vswitch_id = ? AND status IN ('PROVISIONING', 'ACTIVE', 'RELEASING')"
                        + " AND step IS DISTINCT FROM 'PROVISION'")) {
            ps.setString(1, vSwitchId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting networks on " + vSwitchId, e);
        }
    }

    // ---- ACL entries

    /**
     * Up to {@code limit} entries of an instance's ACL as asked for (added, whether or not the load balancer has confirmed
     * it yet; not those being removed), oldest first, after {@code after} (null: from the oldest).
     */
    public List<AclRule> aclEntries(String instanceId, EntryPosition after, int limit) {
        return entries(instanceId, "state <> 'REMOVING'", after, limit);
    }

    private List<AclRule> entries(String instanceId, String condition, EntryPosition after, int limit) {
        String sql = "SELECT cidr, description, created_at FROM acl_entry WHERE instance_id = ? AND " + condition
                + (after == null ? "" : " AND (created_at, cidr) > (?, ?)") + " ORDER BY created_at, cidr LIMIT ?";
        List<AclRule> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int k = 1;
            ps.setString(k++, instanceId);
            if (after != null) {
                ps.setTimestamp(k++, Timestamp.from(after.createdAt()));
                ps.setString(k++, after.cidr());
            }
            ps.setInt(k, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AclRule(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading ACL of " + instanceId, e);
        }
        return out;
    }

    /** Every entry of the instance's ACL as asked for (see {@link #aclEntries}). */
    public List<AclRule> allAclEntries(String instanceId) {
        return aclEntries(instanceId, null, Integer.MAX_VALUE);
    }

    /**
     * The entries the load balancer enforces now, as far as it confirmed: applied ones and those whose removal it has not
     * confirmed yet (what the diagnosis judges by, and what a restarted local load balancer starts from).
     */
    public List<AclRule> enforcedAclEntries(String instanceId) {
        return entries(instanceId, "state <> 'ADDING'", null, Integer.MAX_VALUE);
    }

    /** The changes of the instance's ACL the load balancer has not confirmed yet. */
    public record PendingAcl(List<AclRule> adding, List<AclRule> removing) {
        public boolean isEmpty() {
            return adding.isEmpty() && removing.isEmpty();
        }
    }

    public PendingAcl pendingAcl(String instanceId) {
        return new PendingAcl(entries(instanceId, "state = 'ADDING'", null, Integer.MAX_VALUE),
                entries(instanceId, "state = 'REMOVING'", null, Integer.MAX_VALUE));
    }

    /** Which of {@code cidrs} the load balancer has not confirmed yet (added or removed). */
    public List<String> unconfirmedAcl(String instanceId, Collection<String> cidrs) {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT cidr FROM acl_entry WHERE instance_id = ? AND state <> 'ACTIVE' AND cidr = ANY (?) ORDER BY cidr")) {
            ps.setString(1, instanceId);
            ps.setArray(2, c.createArrayOf("varchar", cidrs.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the unconfirmed ACL entries of " + instanceId, e);
        }
        return out;
    }

    /** Instances whose ACL has changes the load balancer has not confirmed (for the worker). */
    public List<String> instancesWithPendingAcl(int limit) {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT instance_id FROM acl_entry WHERE state <> 'ACTIVE' LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing networks with pending ACL changes", e);
        }
        return out;
    }

    /**
     * Takes the workspace's ACL lock until the transaction ends (so two additions on different instances cannot both pass
     * the workspace quota) and counts the entries of the workspace's networks that are not released.
     */
    public int countWorkspaceAclEntriesLocked(String workspaceId) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('acl-entries:' || ?))")) {
                lock.setString(1, workspaceId);
                lock.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM acl_entry e JOIN network n ON n.instance_id = e.instance_id"
                    + " WHERE n.workspace_id = ? AND n.status <> 'RELEASED' AND e.state <> 'REMOVING'")) {
                ps.setString(1, workspaceId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting ACL entries of workspace " + workspaceId, e);
        }
    }

    public int countAclEntries(String instanceId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM acl_entry WHERE instance_id = ? AND state <> 'REMOVING'")) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("counting ACL of " + instanceId, e);
        }
    }

    /**
     * Records entries to add (state ADDING): new ones, and ones whose removal is pending (asked for again); returns those
     * recorded. Entries already there are left alone.
     */
    public List<AclRule> insertAclEntries(String instanceId, Collection<AclRule> entries) {
        List<AclRule> added = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO acl_entry (instance_id, cidr, description, created_at, state) VALUES (?,?,?,?,'ADDING')"
                        + " ON CONFLICT (instance_id, cidr) DO UPDATE SET state = 'ADDING', description = EXCLUDED.description,"
                        + " created_at = EXCLUDED.created_at WHERE acl_entry.state = 'REMOVING'")) {
            for (AclRule e : entries) {
                ps.setString(1, instanceId);
                ps.setString(2, e.cidr());
                ps.setString(3, e.description());
                ps.setTimestamp(4, Timestamp.from(e.createdAt() == null ? Instant.now() : e.createdAt()));
                if (ps.executeUpdate() == 1) {
                    added.add(e);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("adding ACL entries of " + instanceId, e);
        }
        return added;
    }

    /** Records the removal of the given entries (state REMOVING until the load balancer confirms); returns those there. */
    public List<AclRule> deleteAclEntries(String instanceId, Collection<String> cidrs) {
        List<AclRule> removed = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE acl_entry SET state = 'REMOVING' WHERE instance_id = ? AND cidr = ? AND state <> 'REMOVING'"
                        + " RETURNING cidr, description, created_at")) {
            for (String cidr : cidrs) {
                ps.setString(1, instanceId);
                ps.setString(2, cidr);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        removed.add(new AclRule(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("removing ACL entries of " + instanceId, e);
        }
        return removed;
    }

    /**
     * The load balancer confirmed {@code added} and {@code removed}: entries still ADDING become ACTIVE, entries still
     * REMOVING are deleted (one changed again meanwhile stays pending for the next round). Returns what was confirmed.
     */
    public PendingAcl confirmAcl(String instanceId, Collection<AclRule> added, Collection<AclRule> removed) {
        List<AclRule> confirmedAdds = new ArrayList<>();
        List<AclRule> confirmedRemovals = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement add = c.prepareStatement("UPDATE acl_entry SET state = 'ACTIVE' WHERE instance_id = ? AND cidr = ?"
                     + " AND state = 'ADDING' RETURNING cidr, description, created_at");
             PreparedStatement remove = c.prepareStatement("DELETE FROM acl_entry WHERE instance_id = ? AND cidr = ?"
                     + " AND state = 'REMOVING'")) {
            for (AclRule r : added) {
                add.setString(1, instanceId);
                add.setString(2, r.cidr());
                try (ResultSet rs = add.executeQuery()) {
                    if (rs.next()) {
                        confirmedAdds.add(new AclRule(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                    }
                }
            }
            for (AclRule r : removed) {
                remove.setString(1, instanceId);
                remove.setString(2, r.cidr());
                if (remove.executeUpdate() == 1) {
                    confirmedRemovals.add(r);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("confirming ACL changes of " + instanceId, e);
        }
        return new PendingAcl(confirmedAdds, confirmedRemovals);
    }

    public void deleteAllAclEntries(String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM acl_entry WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("clearing ACL of " + instanceId, e);
        }
    }

    // ---- pending steps (done by the network worker outside any transaction)

    private static final String STEP_COLUMNS = "instance_id, step, step_seq, step_backend_host, step_backend_port, step_traceparent";

    /** The pending step of an instance's network, if any (locked with the row when {@code lock}). */
    public Optional<NetworkStep.Pending> step(String instanceId, boolean lock) {
        String sql = "SELECT " + STEP_COLUMNS + " FROM network WHERE instance_id = ? AND step IS NOT NULL" + (lock ? " FOR UPDATE" : "");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(mapStep(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the step of network " + instanceId, e);
        }
    }

    /** Up to {@code limit} pending steps, the longest waiting first. */
    public List<NetworkStep.Pending> pendingSteps(int limit) {
        List<NetworkStep.Pending> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT " + STEP_COLUMNS + " FROM network WHERE step IS NOT NULL ORDER BY step_since LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(mapStep(rs));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing pending network steps", e);
        }
        return out;
    }

    private static NetworkStep.Pending mapStep(ResultSet rs) throws SQLException {
        return new NetworkStep.Pending(rs.getString(1), NetworkStep.valueOf(rs.getString(2)), rs.getLong(3), rs.getString(4),
                (Integer) rs.getObject(5), rs.getString(6));
    }

    /**
     * Records {@code step} (with its backend, for REGISTER_BACKEND) as the network's pending step: a new intent, with the
     * trace context of the request or event recording it (the worker's span of the step continues that trace).
     */
    public void setStep(String instanceId, NetworkStep step, String backendHost, Integer backendPort) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE network SET step = ?, step_seq = step_seq + 1, step_backend_host = ?, step_backend_port = ?,"
                        + " step_since = COALESCE(step_since, now()), step_traceparent = ? WHERE instance_id = ?")) {
            ps.setString(1, step.name());
            ps.setString(2, backendHost);
            setInt(ps, 3, backendPort);
            ps.setString(4, TraceContext.currentTraceparent());
            ps.setString(5, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("recording step " + step + " of network " + instanceId, e);
        }
    }

    /** Marks a new intent without changing the pending step (e.g. an auth mode change while provisioning). */
    public void bumpStep(String instanceId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE network SET step_seq = step_seq + 1 WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("recording an intent for network " + instanceId, e);
        }
    }

    /** The network has no pending step any more. */
    public void clearStep(String instanceId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE network SET step = NULL, step_backend_host = NULL, step_backend_port = NULL, step_since = NULL,"
                        + " step_traceparent = NULL"
                        + " WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("clearing the step of network " + instanceId, e);
        }
    }
}
