package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.LineItem;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Reads of the line items: aggregations for reports and statements, and a streaming read for exports. */
@ApplicationScoped
public class LineItemQueries {

    /** A group of line items: its bucket (hour, day or month start; null when not grouped by time) and keys. */
    public record Group(Instant bucket, String skuId, String resourceId, String unit, BigDecimal quantity, BigDecimal cost, long lines) {
    }

    /** A statement line: the charges of one SKU, price, resource and charge class in the period. */
    public record StatementGroup(String skuId, String priceVersionId, BigDecimal unitPrice, String description, String resourceId,
                                 String resourceType, String chargeClass, String unit, BigDecimal quantity, BigDecimal cost,
                                 long lines, Instant firstCharge, Instant lastCharge) {
    }

    private final AgroalDataSource dataSource;

    LineItemQueries(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Sums by {@code granularity} ({@code hour}, {@code day}, {@code month}) of the charge period, and by SKU and/or
     * resource, over charges whose hour starts in [{@code from}, {@code to}); at most {@code limit} groups.
     */
    public List<Group> groups(String workspaceId, Instant from, Instant to, String granularity, boolean bySku, boolean byResource,
                              String resourceId, String skuId, int limit) {
        if (!List.of("hour", "day", "month").contains(granularity)) {
            throw new IllegalArgumentException("granularity");
        }
        String bucket = "date_trunc('" + granularity + "', charge_period_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
        List<String> keys = new ArrayList<>(List.of(bucket + " AS bucket"));
        keys.add(bySku ? "sku_id" : "NULL::varchar AS sku_id");
        keys.add(byResource ? "resource_id" : "NULL::varchar AS resource_id");
        keys.add(bySku ? "unit" : "NULL::varchar AS unit");
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", keys))
                .append(", sum(quantity), sum(cost), count(*) FROM line_item WHERE workspace_id = ? AND charge_period_start >= ? "
                        + "AND charge_period_start < ?");
        if (resourceId != null) {
            sql.append(" AND resource_id = ?");
        }
        if (skuId != null) {
            sql.append(" AND sku_id = ?");
        }
        sql.append(" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3 LIMIT ?");
        List<Group> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int k = 1;
            ps.setString(k++, workspaceId);
            ps.setTimestamp(k++, Timestamp.from(from));
            ps.setTimestamp(k++, Timestamp.from(to));
            if (resourceId != null) {
                ps.setString(k++, resourceId);
            }
            if (skuId != null) {
                ps.setString(k++, skuId);
            }
            ps.setInt(k, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Group(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getBigDecimal(5), rs.getBigDecimal(6), rs.getLong(7)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the line items of " + workspaceId, e);
        }
        return out;
    }

    /** The statement lines of a workspace's billing period (corrections billed in it included), in a stable order. */
    public List<StatementGroup> statement(String workspaceId, YearMonth period) {
        String sql = """
                SELECT sku_id, price_version_id, unit_price, description, resource_id, resource_type, charge_class, unit,
                       sum(quantity), sum(cost), count(*), min(charge_period_start), max(charge_period_end)
                FROM line_item WHERE workspace_id = ? AND billing_period = ?
                GROUP BY sku_id, price_version_id, unit_price, description, resource_id, resource_type, charge_class, unit
                ORDER BY charge_class NULLS FIRST, sku_id, price_version_id, resource_id""";
        List<StatementGroup> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, workspaceId);
            ps.setObject(2, BillingPeriods.firstDay(period));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StatementGroup(rs.getString(1), rs.getString(2), rs.getBigDecimal(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(8), rs.getBigDecimal(9), rs.getBigDecimal(10), rs.getLong(11),
                            rs.getTimestamp(12).toInstant(), rs.getTimestamp(13).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the statement of " + workspaceId + " " + period, e);
        }
        return out;
    }

    /**
     * The display names of a workspace's resources (all of them when {@code resourceIds} is null): the newest name each
     * was metered under. A resource never named has no entry.
     */
    public java.util.Map<String, String> names(String workspaceId, java.util.Collection<String> resourceIds) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (resourceIds != null && resourceIds.isEmpty()) {
            return out;
        }
        String sql = "SELECT resource_id, name FROM resource_name WHERE workspace_id = ?"
                + (resourceIds == null ? "" : " AND resource_id = ANY (?::varchar[])");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, workspaceId);
            if (resourceIds != null) {
                ps.setArray(2, c.createArrayOf("text", resourceIds.toArray()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the resource names of " + workspaceId, e);
        }
        return out;
    }

    /** Workspaces with line items billed in {@code period}. */
    public List<String> workspacesBilledIn(YearMonth period) {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT workspace_id FROM billing_period WHERE period_start = ?")) {
            ps.setObject(1, BillingPeriods.firstDay(period));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list workspaces of " + period, e);
        }
        return out;
    }

    /** Line items written after {@code since} for that period (to know whether an export is stale). */
    public boolean changedSince(String workspaceId, YearMonth period, Instant since) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM line_item WHERE workspace_id = ? AND billing_period = ? AND created_at >= ?)")) {
            ps.setString(1, workspaceId);
            ps.setObject(2, BillingPeriods.firstDay(period));
            ps.setTimestamp(3, Timestamp.from(since));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read line items", e);
        }
    }

    /**
     * Streams every line item billed in a workspace's period, ordered by charge hour and id, to {@code sink}, in one
     * read-only transaction with a cursor (constant memory whatever the period's size); returns how many.
     */
    public long stream(String workspaceId, YearMonth period, Consumer<LineItem> sink) {
        String sql = """
                SELECT id, workspace_id, billing_period, charge_period_start, charge_period_end, charge_class, sku_id, price_version_id,
                       service_name, description, resource_id, resource_type, spec, quantity, unit, unit_price, cost, currency, source,
                       event_id
                FROM line_item WHERE workspace_id = ? AND billing_period = ? ORDER BY charge_period_start, id""";
        long n = 0;
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(5000);
                ps.setString(1, workspaceId);
                ps.setObject(2, BillingPeriods.firstDay(period));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sink.accept(new LineItem(rs.getObject(1, UUID.class), rs.getString(2),
                                YearMonth.from(rs.getObject(3, java.time.LocalDate.class)), rs.getTimestamp(4).toInstant(),
                                rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                                rs.getString(10), rs.getString(11), rs.getString(12), rs.getString(13), rs.getBigDecimal(14),
                                rs.getString(15), rs.getBigDecimal(16), rs.getBigDecimal(17), rs.getString(18), rs.getString(19),
                                rs.getString(20)));
                        n++;
                    }
                }
            } finally {
                c.commit();
                c.setReadOnly(false);
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the line items of " + workspaceId + " " + period, e);
        }
        return n;
    }
}
