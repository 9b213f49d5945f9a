package dev.dmsmlflow.billing.domain;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a usage window into the UTC hours it overlaps, the charge periods of billing. The quantity is shared in proportion
 * to the time in each hour, rounded to {@link Money#QUANTITY_SCALE}; the last slice takes the remainder, so the slices
 * always add up to the reading exactly. A window inside one hour (what the meters send) is one slice.
 */
public final class HourSlices {

    /** The part of a window inside one UTC hour. */
    public record Slice(Instant hourStart, Instant hourEnd, BigDecimal quantity) {
    }

    private HourSlices() {
    }

    public static List<Slice> of(Instant start, Instant end, BigDecimal quantity) {
        List<Slice> out = new ArrayList<>();
        Instant first = start.truncatedTo(ChronoUnit.HOURS);
        if (!end.isAfter(first.plus(1, ChronoUnit.HOURS))) {
            out.add(new Slice(first, first.plus(1, ChronoUnit.HOURS), quantity));
            return out;
        }
        BigDecimal total = BigDecimal.valueOf(Duration.between(start, end).toMillis());
        BigDecimal left = quantity;
        for (Instant h = first; h.isBefore(end); h = h.plus(1, ChronoUnit.HOURS)) {
            Instant hEnd = h.plus(1, ChronoUnit.HOURS);
            BigDecimal q;
            if (!hEnd.isBefore(end)) {
                q = left;
            } else {
                Instant from = start.isAfter(h) ? start : h;
                BigDecimal part = BigDecimal.valueOf(Duration.between(from, hEnd).toMillis());
                q = quantity.multiply(part).divide(total, Money.QUANTITY_SCALE, Money.ROUNDING);
                left = left.subtract(q);
            }
            out.add(new Slice(h, hEnd, q));
        }
        return out;
    }
}
