package dev.dmsmlflow.notebook.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts running time into metering windows: UTC hours, the first one starting when metering started and the last one (when
 * the session stopped) ending then.
 */
public final class UsageWindows {

    /** Scale of quantities: micro-units (a vCPU-hour to 3.6 ms). */
    public static final int SCALE = 6;
    private static final BigDecimal MILLIS_PER_HOUR = BigDecimal.valueOf(Duration.ofHours(1).toMillis());

    /** One window, {@code [start, end)}. */
    public record Window(Instant start, Instant end) {
        public BigDecimal hours() {
            return BigDecimal.valueOf(Duration.between(start, end).toMillis()).divide(MILLIS_PER_HOUR, SCALE, RoundingMode.HALF_UP);
        }
    }

    private UsageWindows() {
    }

    /**
     * The windows from {@code from} up to {@code until}: every hour that ended by then, and, when {@code closing}, the
     * partial one ending at {@code until}. Empty when {@code from} is not before {@code until}.
     */
    public static List<Window> between(Instant from, Instant until, boolean closing) {
        List<Window> out = new ArrayList<>();
        Instant start = from;
        while (start.isBefore(until)) {
            Instant hourEnd = start.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
            if (!hourEnd.isAfter(until)) {
                out.add(new Window(start, hourEnd));
                start = hourEnd;
            } else {
                if (closing) {
                    out.add(new Window(start, until));
                }
                break;
            }
        }
        return out;
    }

    /** {@code units × hours}, at {@link #SCALE}. */
    public static BigDecimal quantity(int units, Window w) {
        return BigDecimal.valueOf(Duration.between(w.start(), w.end()).toMillis()).multiply(BigDecimal.valueOf(units))
                .divide(MILLIS_PER_HOUR, SCALE, RoundingMode.HALF_UP);
    }
}
