package dev.dmsmlflow.notebook.domain;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Hour windows of running time and their quantities. */
class UsageWindowsTest {

    private static final Instant T = Instant.parse("2026-11-29T10:40:00Z");

    @Test
    void endedHoursAreWindowsAndTheStopClosesThePartialOne() {
        Instant until = Instant.parse("2026-11-29T12:15:00Z");
        List<UsageWindows.Window> open = UsageWindows.between(T, until, false);
        assertEquals(List.of(new UsageWindows.Window(T, Instant.parse("2026-11-29T11:00:00Z")),
                new UsageWindows.Window(Instant.parse("2026-11-29T11:00:00Z"), Instant.parse("2026-11-29T12:00:00Z"))), open);
        List<UsageWindows.Window> closed = UsageWindows.between(T, until, true);
        assertEquals(3, closed.size());
        assertEquals(new UsageWindows.Window(Instant.parse("2026-11-29T12:00:00Z"), until), closed.get(2));
        assertEquals(List.of(), UsageWindows.between(until, until, true));
    }

    @Test
    void quantitiesAreUnitsTimesHoursAtSixDecimals() {
        UsageWindows.Window w = new UsageWindows.Window(T, Instant.parse("2026-11-29T11:00:00Z"));
        assertEquals(new BigDecimal("0.333333"), UsageWindows.quantity(1, w));
        assertEquals(new BigDecimal("1.333333"), UsageWindows.quantity(4, w));
        assertEquals(new BigDecimal("2.000000"), UsageWindows.quantity(2,
                new UsageWindows.Window(Instant.parse("2026-11-29T11:00:00Z"), Instant.parse("2026-11-29T12:00:00Z"))));
    }
}
