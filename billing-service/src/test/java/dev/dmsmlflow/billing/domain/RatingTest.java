package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatingTest {

    static final Rating.Periods NONE_CLOSED = (ws, m) -> false;

    static Usage reading(String id, String start, String end, String quantity) {
        UsageMetered m = new UsageMetered("m-" + id, UsageSubjectType.MLFLOW_INSTANCE, "mlf-1", "ws-1", ResourceType.COMPUTE, "mlflow.small",
                Instant.parse(start), Instant.parse(end), new BigDecimal(quantity), UsageUnit.INSTANCE_HOURS, Instant.parse(end));
        return Usage.of("/instance-service", id, m);
    }

    @Test
    void anHourIsRatedExactlyAtThePriceInForce() {
        Rating.Result r = Rating.rate(reading("e1", "2025-03-15T22:00:00Z", "2025-03-15T23:00:00Z", "0.743100"), Catalogues.sample(), NONE_CLOSED);
        LineItem l = r.lines().get(0);
        assertEquals(new BigDecimal("0.260085000000"), l.cost(), "0.7431 h x 0.35 exactly");
        assertEquals(Money.COST_SCALE, l.cost().scale());
        assertEquals("MLFLOW-SMALL:v1", l.priceVersionId());
        assertEquals(YearMonth.of(2025, 3), l.billingPeriod());
        assertNull(l.chargeClass());
        assertEquals(l.cost(), l.quantity().multiply(l.unitPrice()).setScale(Money.COST_SCALE), "PricingQuantity x unit price = cost");
    }

    @Test
    void aPriceChangeMidMonthRatesEachHourAtItsOwnPrice() {
        PriceCatalogue c = Catalogues.sample();
        LineItem before = Rating.rate(reading("b", "2025-03-15T23:00:00Z", "2025-03-16T00:00:00Z", "1"), c, NONE_CLOSED).lines().get(0);
        LineItem after = Rating.rate(reading("a", "2025-03-16T00:00:00Z", "2025-03-16T01:00:00Z", "1"), c, NONE_CLOSED).lines().get(0);
        assertEquals(new BigDecimal("0.350000000000"), before.cost());
        assertEquals(new BigDecimal("0.420000000000"), after.cost());
        // a reading across the change is cut at the hour: each part at its price
        Rating.Result across = Rating.rate(reading("x", "2025-03-15T23:30:00Z", "2025-03-16T00:30:00Z", "1"), c, NONE_CLOSED);
        assertEquals(2, across.lines().size());
        assertEquals(new BigDecimal("0.175000000000"), across.lines().get(0).cost());
        assertEquals(new BigDecimal("0.210000000000"), across.lines().get(1).cost());
    }

    @Test
    void aReadingForAClosedPeriodIsACorrectionOfTheNextOpenOneAndKeepsItsHour() {
        Set<YearMonth> closed = Set.of(YearMonth.of(2025, 3), YearMonth.of(2025, 4));
        Rating.Result r = Rating.rate(reading("late", "2025-03-31T23:00:00Z", "2025-04-01T00:00:00Z", "1"), Catalogues.sample(),
                (ws, m) -> closed.contains(m));
        LineItem l = r.lines().get(0);
        assertEquals(LineItem.CORRECTION, l.chargeClass());
        assertEquals(YearMonth.of(2025, 5), l.billingPeriod());
        assertEquals(Instant.parse("2025-03-31T23:00:00Z"), l.chargePeriodStart());
    }

    @Test
    void lineIdsAreStableAndDistinctPerReadingAndHour() {
        LineItem a = Rating.rate(reading("e1", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z", "1"), Catalogues.sample(), NONE_CLOSED).lines().get(0);
        LineItem again = Rating.rate(reading("e1", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z", "1"), Catalogues.sample(), NONE_CLOSED).lines().get(0);
        LineItem other = Rating.rate(reading("e2", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z", "1"), Catalogues.sample(), NONE_CLOSED).lines().get(0);
        assertEquals(a.id(), again.id());
        assertFalse(a.id().equals(other.id()));
    }

    @Test
    void readingsWithoutSkuOrPriceStayUnrated() {
        Rating.Result early = Rating.rate(reading("e", "2024-12-31T23:00:00Z", "2025-01-01T00:00:00Z", "1"), Catalogues.sample(), NONE_CLOSED);
        assertEquals(List.of(Rating.Unrated.NO_PRICE), early.unrated());
        UsageMetered m = new UsageMetered("m", UsageSubjectType.MLFLOW_INSTANCE, "mlf-1", "ws-1", ResourceType.COMPUTE, "mlflow.huge",
                Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-03-01T01:00:00Z"), BigDecimal.ONE, UsageUnit.INSTANCE_HOURS,
                Instant.now());
        assertEquals(List.of(Rating.Unrated.NO_SKU), Rating.rate(Usage.of("/s", "x", m), Catalogues.sample(), NONE_CLOSED).unrated());
    }

    @Test
    void unbillableReadingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> reading("n", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z", "-0.1"));
        assertThrows(IllegalArgumentException.class, () -> reading("r", "2025-03-01T01:00:00Z", "2025-03-01T00:00:00Z", "1"));
        assertThrows(IllegalArgumentException.class, () -> reading("l", "2025-03-01T00:00:00Z", "2025-03-03T00:00:00Z", "1"));
        assertEquals(new BigDecimal("0.333333"), reading("q", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z", "0.3333333").quantity());
    }

    @Test
    void hourSlicesAddUpToTheReadingExactly() {
        List<HourSlices.Slice> s = HourSlices.of(Instant.parse("2025-03-01T00:20:00Z"), Instant.parse("2025-03-01T03:10:00Z"),
                new BigDecimal("1.000000"));
        assertEquals(4, s.size());
        assertEquals(new BigDecimal("1.000000"), s.stream().map(HourSlices.Slice::quantity).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertTrue(s.stream().allMatch(x -> x.quantity().scale() == Money.QUANTITY_SCALE));
        assertEquals(Instant.parse("2025-03-01T03:00:00Z"), s.get(3).hourStart());
    }

    @Test
    void amountsRoundOnceHalfUpToTheFen() {
        assertEquals(new BigDecimal("0.26"), Money.amount(new BigDecimal("0.260085000000")));
        assertEquals(new BigDecimal("0.01"), Money.amount(new BigDecimal("0.005000000000")));
        assertEquals(new BigDecimal("0.00"), Money.amount(new BigDecimal("0.004999999999")));
    }
}
