package dev.dmsmlflow.billing.application;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.Money;
import dev.dmsmlflow.billing.domain.PeriodLifecycle;
import dev.dmsmlflow.billing.domain.PeriodStatus;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import dev.dmsmlflow.billing.persistence.LineItemQueries;
import dev.dmsmlflow.billing.persistence.PeriodEntity;
import dev.dmsmlflow.billing.persistence.PeriodRepository;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * Monthly statements of a workspace: one line per SKU, price, resource and charge class of the period, each line's
 * amount its charges' exact cost rounded once to the fen; the total is the sum of the lines. A closed period's statement
 * is final (no line is ever added to a closed period); an open one's is the month so far.
 */
@ApplicationScoped
public class Statements {

    /** One line of a statement. */
    public record Line(String skuId, String description, String priceVersionId, BigDecimal unitPrice, String resourceId,
                       String resourceName, String resourceType, String chargeClass, BigDecimal quantity, String unit, BigDecimal amount, long lineItems,
                       Instant firstCharge, Instant lastCharge) {
    }

    /** A statement: the period, its state, its lines and total. */
    public record Statement(String workspaceId, String period, Instant periodStart, Instant periodEnd, String status, Instant closedAt,
                            String currency, List<Line> lines, BigDecimal total) {
    }

    /** A period in a list: its state and total. */
    public record PeriodSummary(String period, Instant periodStart, Instant periodEnd, String status, Instant closedAt,
                                String currency, BigDecimal total) {
    }

    private final LineItemQueries queries;
    private final PeriodRepository periods;
    private final PriceCatalogue catalogue;

    Statements(LineItemQueries queries, PeriodRepository periods, PriceCatalogue catalogue) {
        this.queries = queries;
        this.periods = periods;
        this.catalogue = catalogue;
    }

    /** The statement of a workspace's period (an empty open one for a month without charges). */
    public Statement statement(String workspaceId, YearMonth period) {
        PeriodEntity p = periods.findById(new PeriodEntity.Key(workspaceId, BillingPeriods.firstDay(period)));
        List<Line> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO.setScale(Money.AMOUNT_SCALE);
        List<LineItemQueries.StatementGroup> groups = queries.statement(workspaceId, period);
        java.util.Map<String, String> names = queries.names(workspaceId,
                groups.stream().map(LineItemQueries.StatementGroup::resourceId).filter(java.util.Objects::nonNull).distinct().toList());
        for (LineItemQueries.StatementGroup g : groups) {
            BigDecimal amount = Money.amount(g.cost());
            total = total.add(amount);
            lines.add(new Line(g.skuId(), g.description(), g.priceVersionId(), g.unitPrice(), g.resourceId(), names.get(g.resourceId()),
                    g.resourceType(),
                    g.chargeClass(), g.quantity().setScale(Money.QUANTITY_SCALE), g.unit(), amount, g.lines(), g.firstCharge(),
                    g.lastCharge()));
        }
        return new Statement(workspaceId, period.toString(), BillingPeriods.start(period), BillingPeriods.end(period),
                p == null ? PeriodStatus.OPEN.name() : p.status.name(), p == null ? null : p.closedAt, catalogue.currency(), lines, total);
    }

    /** A workspace's periods with charges, newest first. */
    public List<PeriodSummary> periods(String workspaceId) {
        List<PeriodSummary> out = new ArrayList<>();
        for (PeriodEntity p : periods.ofWorkspace(workspaceId)) {
            YearMonth m = YearMonth.from(p.key.periodStart());
            BigDecimal total = p.status == PeriodStatus.CLOSED && p.total != null ? p.total : statement(workspaceId, m).total();
            out.add(new PeriodSummary(m.toString(), BillingPeriods.start(m), BillingPeriods.end(m), p.status.name(), p.closedAt,
                    catalogue.currency(), total));
        }
        return out;
    }

    /**
     * Closes a workspace's period once it has ended: its statement becomes final; a reading for it arriving later is billed
     * as a correction in the next open period. 409 when it is already closed or has not ended.
     */
    @Transactional
    public Statement close(String workspaceId, YearMonth period, String by, Instant now) {
        if (now.isBefore(BillingPeriods.end(period))) {
            throw new ProblemException(Problem.of("conflict", "Conflict", 409, "The billing period " + period
                    + " has not ended yet; it can be closed from " + BillingPeriods.end(period) + ".", "period").withCode("PERIOD_NOT_ENDED"));
        }
        PeriodEntity p = periods.lock(workspaceId, BillingPeriods.firstDay(period)).orElseGet(() -> {
            PeriodEntity created = new PeriodEntity();
            created.key = new PeriodEntity.Key(workspaceId, BillingPeriods.firstDay(period));
            created.status = PeriodStatus.OPEN;
            periods.persistAndFlush(created);
            return created;
        });
        PeriodLifecycle.Outcome o = PeriodLifecycle.apply(p.status, PeriodLifecycle.Trigger.CLOSE);
        if (o.refused()) {
            throw new ProblemException(Problem.of("conflict", "Conflict", 409, "The billing period " + period + ": " + o.refusal() + ".",
                    "period").withCode("PERIOD_CLOSED"));
        }
        // read after the lock: every line a rating transaction added before it committed is in
        Statement s = statement(workspaceId, period);
        p.status = o.next();
        p.closedAt = now;
        p.closedBy = by;
        p.total = s.total();
        p.lineCount = s.lines().stream().mapToLong(Line::lineItems).sum();
        return new Statement(s.workspaceId(), s.period(), s.periodStart(), s.periodEnd(), p.status.name(), now, s.currency(), s.lines(),
                s.total());
    }
}
