package dev.dmsmlflow.billing.application;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.LineItem;
import dev.dmsmlflow.billing.domain.PeriodStatus;
import dev.dmsmlflow.billing.domain.PriceCatalogue;
import dev.dmsmlflow.billing.domain.Rating;
import dev.dmsmlflow.billing.domain.Usage;
import dev.dmsmlflow.billing.persistence.LedgerStore;
import dev.dmsmlflow.billing.persistence.LedgerStore.PeriodKey;
import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records usage readings in the ledger and rates them, inside the consumer's transaction (its inbox rows, keyed by
 * CloudEvents source and id, commit with the entries and lines): a duplicate never reaches here, a reading arriving late
 * or out of order is rated like any other, at the price in force in its hour, as a correction when its period closed.
 */
@ApplicationScoped
public class Ledger {

    private final LedgerStore store;
    private final PriceCatalogue catalogue;
    private final Counter lines;
    private final Counter corrections;
    private final Counter unratedNoSku;
    private final Counter unratedNoPrice;

    Ledger(LedgerStore store, PriceCatalogue catalogue, MeterRegistry registry) {
        this.store = store;
        this.catalogue = catalogue;
        this.lines = Counter.builder("dms.billing.line.items").description("Line items rated").register(registry);
        this.corrections = Counter.builder("dms.billing.corrections").description("Line items rated as corrections of a closed period")
                .register(registry);
        this.unratedNoSku = Counter.builder("dms.billing.unrated").tag("reason", "no-sku")
                .description("Hours of usage left unrated").register(registry);
        this.unratedNoPrice = Counter.builder("dms.billing.unrated").tag("reason", "no-price")
                .description("Hours of usage left unrated").register(registry);
    }

    /** Records and rates a poll's new readings. A reading no one can bill is a dead letter (it never will be billable). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(List<EventConsumer.Delivery<UsageMetered>> deliveries) {
        List<Usage> usages = new ArrayList<>(deliveries.size());
        for (EventConsumer.Delivery<UsageMetered> d : deliveries) {
            try {
                usages.add(Usage.of(d.envelope().source(), d.envelope().id(), d.event()));
            } catch (IllegalArgumentException e) {
                throw new DeadLetterException(DeadLetters.Kind.UNDECODABLE, "not a billable reading: " + e.getMessage());
            }
        }
        recordUsages(usages);
    }

    /**
     * Records and rates ledger entries whose readings are delivered for the first time (the inbox said so); an entry or
     * line already in the ledger is left as it is.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordUsages(List<Usage> usages) {
        recordUsages(usages, false);
    }

    /**
     * The consumer's fast path: as {@link #recordUsages(List)}, but the entries and lines are copied in (binary
     * {@code COPY}), which fails the transaction if any of them is already in the ledger; the caller then hands the poll
     * to the general path. For readings the inbox, in this transaction, has just recorded as first deliveries.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void copyFirstDeliveries(List<Usage> usages) {
        recordUsages(usages, true);
    }

    private void recordUsages(List<Usage> usages, boolean copy) {
        Map<PeriodKey, PeriodStatus> periods = lockPeriods(usages);
        Rating.Periods book = (ws, m) -> periods.get(new PeriodKey(ws, m)) == PeriodStatus.CLOSED;
        List<LineItem> rated = new ArrayList<>(usages.size());
        List<Boolean> fully = new ArrayList<>(usages.size());
        for (Usage u : usages) {
            Rating.Result r = Rating.rate(u, catalogue, book);
            rated.addAll(r.lines());
            fully.add(r.fullyRated());
            for (Rating.Unrated why : r.unrated()) {
                (why == Rating.Unrated.NO_SKU ? unratedNoSku : unratedNoPrice).increment();
            }
        }
        if (copy) {
            store.copyUsage(usages, fully);
        } else {
            store.insertUsage(usages, fully);
        }
        store.recordNames(usages);
        if (copy) {
            store.copyLines(rated);
        } else {
            store.insertLines(rated);
        }
        lines.increment(rated.size());
        long c = rated.stream().filter(LineItem::isCorrection).count();
        if (c > 0) {
            corrections.increment(c);
        }
    }

    /**
     * Locks every period a line may go to: the hours' months, and for a closed one the months after it up to the first
     * open one (where its correction goes).
     */
    private Map<PeriodKey, PeriodStatus> lockPeriods(List<Usage> usages) {
        Set<PeriodKey> wanted = new HashSet<>();
        for (Usage u : usages) {
            for (YearMonth m : Rating.periodsOf(u)) {
                wanted.add(new PeriodKey(u.workspaceId(), m));
            }
        }
        Map<PeriodKey, PeriodStatus> known = new HashMap<>();
        while (!wanted.isEmpty()) {
            known.putAll(store.lockPeriods(wanted));
            Set<PeriodKey> next = new HashSet<>();
            for (PeriodKey k : wanted) {
                if (known.get(k) == PeriodStatus.CLOSED) {
                    PeriodKey after = new PeriodKey(k.workspaceId(), k.period().plusMonths(1));
                    if (!known.containsKey(after)) {
                        next.add(after);
                    }
                }
            }
            wanted = next;
        }
        return known;
    }

    /** For tests and operators: the billing period a charge at {@code t} would be billed in if nothing were closed. */
    public static YearMonth periodOf(java.time.Instant t) {
        return BillingPeriods.of(t);
    }
}
