package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.LineItem;
import dev.dmsmlflow.billing.domain.PeriodStatus;
import dev.dmsmlflow.billing.domain.Usage;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The ledger's hot path in plain JDBC (a whole poll of readings in a few statements: {@code unnest} of arrays): ledger
 * entries, line items, and the share locks on the billing periods the lines go to. Runs in the caller's transaction.
 */
@ApplicationScoped
public class LedgerStore {

    /** A workspace's month. */
    public record PeriodKey(String workspaceId, YearMonth period) implements Comparable<PeriodKey> {
        @Override
        public int compareTo(PeriodKey o) {
            int c = workspaceId.compareTo(o.workspaceId);
            return c != 0 ? c : period.compareTo(o.period);
        }
    }

    private static final String INSERT_USAGE = """
            INSERT INTO usage_event (source, event_id, meter_id, workspace_id, subject_type, subject_id, resource_type, spec, unit,
                                     window_start, window_end, quantity, metered_at, rated)
            SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],
                                 ?::varchar[], ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::numeric[], ?::timestamptz[],
                                 ?::boolean[])
            ON CONFLICT DO NOTHING""";

    private static final String INSERT_LINES = """
            INSERT INTO line_item (id, workspace_id, billing_period, charge_period_start, charge_period_end, charge_class, sku_id,
                                   price_version_id, service_name, description, resource_id, resource_type, spec, quantity, unit,
                                   unit_price, cost, currency, source, event_id)
            SELECT * FROM unnest(?::uuid[], ?::varchar[], ?::date[], ?::timestamptz[], ?::timestamptz[], ?::varchar[], ?::varchar[],
                                 ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::numeric[],
                                 ?::varchar[], ?::numeric[], ?::numeric[], ?::bpchar[], ?::varchar[], ?::varchar[])
            ON CONFLICT DO NOTHING""";

    private static final String COPY_USAGE = """
            COPY usage_event (source, event_id, meter_id, workspace_id, subject_type, subject_id, resource_type, spec, unit,
                              window_start, window_end, quantity, metered_at, rated) FROM STDIN (FORMAT binary)""";

    private static final String COPY_LINES = """
            COPY line_item (id, workspace_id, billing_period, charge_period_start, charge_period_end, charge_class, sku_id,
                            price_version_id, service_name, description, resource_id, resource_type, spec, quantity, unit,
                            unit_price, cost, currency, source, event_id) FROM STDIN (FORMAT binary)""";

    private final AgroalDataSource dataSource;

    LedgerStore(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Makes sure the periods exist and takes a share lock on each until the transaction ends (a close waits for it, and a
     * close that committed first is seen); returns their states.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Map<PeriodKey, PeriodStatus> lockPeriods(Collection<PeriodKey> keys) {
        Map<PeriodKey, PeriodStatus> out = new HashMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        List<PeriodKey> sorted = new ArrayList<>(new TreeSet<>(keys)); // one order for every locker: no deadlock
        String[] ws = new String[sorted.size()];
        String[] starts = new String[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            ws[i] = sorted.get(i).workspaceId();
            starts[i] = BillingPeriods.firstDay(sorted.get(i).period()).toString();
        }
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO billing_period (workspace_id, period_start) "
                    + "SELECT * FROM unnest(?::varchar[], ?::date[]) ON CONFLICT DO NOTHING")) {
                ps.setArray(1, c.createArrayOf("text", ws));
                ps.setArray(2, c.createArrayOf("text", starts));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT p.workspace_id, p.period_start, p.status FROM billing_period p "
                    + "JOIN unnest(?::varchar[], ?::date[]) AS k(ws, ps) ON p.workspace_id = k.ws AND p.period_start = k.ps "
                    + "ORDER BY p.workspace_id, p.period_start FOR SHARE OF p")) {
                ps.setArray(1, c.createArrayOf("text", ws));
                ps.setArray(2, c.createArrayOf("text", starts));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        LocalDate d = rs.getObject(2, LocalDate.class);
                        out.put(new PeriodKey(rs.getString(1), YearMonth.from(d)), PeriodStatus.valueOf(rs.getString(3)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not lock billing periods", e);
        }
        return out;
    }

    /**
     * Remembers each resource's newest display name from a poll's readings (a reading older than the name already kept
     * changes nothing, so late and replayed readings cannot bring an old name back).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordNames(List<Usage> usages) {
        Map<List<String>, Usage> newest = new HashMap<>();
        for (Usage u : usages) {
            if (u.subjectName() != null) {
                newest.merge(List.of(u.workspaceId(), u.subjectId()), u,
                        (a, b) -> b.meteredAt().isAfter(a.meteredAt()) ? b : a);
            }
        }
        if (newest.isEmpty()) {
            return;
        }
        String[][] cols = new String[4][newest.size()];
        int i = 0;
        for (Usage u : newest.values()) {
            cols[0][i] = u.workspaceId();
            cols[1][i] = u.subjectId();
            cols[2][i] = u.subjectName();
            cols[3][i] = u.meteredAt().toString();
            i++;
        }
        execute("""
                INSERT INTO resource_name (workspace_id, resource_id, name, named_at)
                SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::timestamptz[])
                ON CONFLICT (workspace_id, resource_id) DO UPDATE SET name = excluded.name, named_at = excluded.named_at
                WHERE resource_name.named_at <= excluded.named_at""", cols, "resource names");
    }

    /** Adds ledger entries (an entry already there is left as it is). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insertUsage(List<Usage> usages, List<Boolean> rated) {
        if (usages.isEmpty()) {
            return;
        }
        int n = usages.size();
        String[][] cols = new String[14][n];
        for (int i = 0; i < n; i++) {
            Usage u = usages.get(i);
            cols[0][i] = u.source();
            cols[1][i] = u.eventId();
            cols[2][i] = u.meterId();
            cols[3][i] = u.workspaceId();
            cols[4][i] = u.subjectType().name();
            cols[5][i] = u.subjectId();
            cols[6][i] = u.resourceType();
            cols[7][i] = u.spec();
            cols[8][i] = u.unit();
            cols[9][i] = u.windowStart().toString();
            cols[10][i] = u.windowEnd().toString();
            cols[11][i] = u.quantity().toPlainString();
            cols[12][i] = u.meteredAt().toString();
            cols[13][i] = rated.get(i).toString();
        }
        execute(INSERT_USAGE, cols, "ledger entries");
    }

    /** Adds line items (a line already there, same id, is left as it is). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insertLines(List<LineItem> lines) {
        if (lines.isEmpty()) {
            return;
        }
        int n = lines.size();
        String[][] cols = new String[20][n];
        for (int i = 0; i < n; i++) {
            LineItem l = lines.get(i);
            cols[0][i] = l.id().toString();
            cols[1][i] = l.workspaceId();
            cols[2][i] = BillingPeriods.firstDay(l.billingPeriod()).toString();
            cols[3][i] = l.chargePeriodStart().toString();
            cols[4][i] = l.chargePeriodEnd().toString();
            cols[5][i] = l.chargeClass();
            cols[6][i] = l.skuId();
            cols[7][i] = l.priceVersionId();
            cols[8][i] = l.serviceName();
            cols[9][i] = l.description();
            cols[10][i] = l.resourceId();
            cols[11][i] = l.resourceType();
            cols[12][i] = l.spec();
            cols[13][i] = l.quantity().toPlainString();
            cols[14][i] = l.unit();
            cols[15][i] = l.unitPrice().toPlainString();
            cols[16][i] = l.cost().toPlainString();
            cols[17][i] = l.currency();
            cols[18][i] = l.source();
            cols[19][i] = l.eventId();
        }
        execute(INSERT_LINES, cols, "line items");
    }

    /**
     * Adds ledger entries of readings delivered for the first time with one binary {@code COPY}: no conflict handling, so
     * an entry already there fails the statement (and the caller's transaction). Only for entries the inbox, in the same
     * transaction, has just seen for the first time; {@link #insertUsage} is the form that tolerates them.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void copyUsage(List<Usage> usages, List<Boolean> rated) {
        if (usages.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            BinaryCopy b = BinaryCopy.start(copyApi(c).copyIn(COPY_USAGE));
            for (int i = 0; i < usages.size(); i++) {
                Usage u = usages.get(i);
                b.row(14).text(u.source()).text(u.eventId()).text(u.meterId()).text(u.workspaceId()).text(u.subjectType().name())
                        .text(u.subjectId()).text(u.resourceType()).text(u.spec()).text(u.unit()).timestamp(u.windowStart())
                        .timestamp(u.windowEnd()).numeric(u.quantity()).timestamp(u.meteredAt()).bool(rated.get(i));
            }
            b.finish();
        } catch (SQLException e) {
            throw new IllegalStateException("could not copy ledger entries", e);
        }
    }

    /**
     * Adds the line items of readings delivered for the first time with one binary {@code COPY} (a line's id derives from
     * its reading's source and id, so a first delivery's lines are new; one already there fails the statement).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void copyLines(List<LineItem> lines) {
        if (lines.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            BinaryCopy b = BinaryCopy.start(copyApi(c).copyIn(COPY_LINES));
            for (LineItem l : lines) {
                b.row(20).uuid(l.id()).text(l.workspaceId()).date(BillingPeriods.firstDay(l.billingPeriod()))
                        .timestamp(l.chargePeriodStart()).timestamp(l.chargePeriodEnd()).text(l.chargeClass()).text(l.skuId())
                        .text(l.priceVersionId()).text(l.serviceName()).text(l.description()).text(l.resourceId())
                        .text(l.resourceType()).text(l.spec()).numeric(l.quantity()).text(l.unit()).numeric(l.unitPrice())
                        .numeric(l.cost()).text(l.currency()).text(l.source()).text(l.eventId());
            }
            b.finish();
        } catch (SQLException e) {
            throw new IllegalStateException("could not copy line items", e);
        }
    }

    /** pgjdbc's copy API of the transaction's connection (the pool hands out a wrapper). */
    private static CopyManager copyApi(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    private void execute(String sql, String[][] cols, String what) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < cols.length; k++) {
                ps.setArray(k + 1, c.createArrayOf("text", cols[k]));
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not write " + what, e);
        }
    }
}
