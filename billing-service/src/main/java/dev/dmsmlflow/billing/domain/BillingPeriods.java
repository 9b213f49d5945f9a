package dev.dmsmlflow.billing.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Billing periods are calendar months in UTC, named {@code YYYY-MM}. */
public final class BillingPeriods {

    private BillingPeriods() {
    }

    public static YearMonth of(Instant t) {
        return YearMonth.from(t.atZone(ZoneOffset.UTC));
    }

    public static Instant start(YearMonth m) {
        return m.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    public static Instant end(YearMonth m) {
        return start(m.plusMonths(1));
    }

    public static LocalDate firstDay(YearMonth m) {
        return m.atDay(1);
    }

    /** The period named {@code text} ({@code 2025-04}), or {@link IllegalArgumentException}. */
    public static YearMonth parse(String text) {
        if (text == null || !text.matches("\\d{4}-\\d{2}")) {
            throw new IllegalArgumentException("a billing period is written YYYY-MM");
        }
        try {
            return YearMonth.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a billing period is written YYYY-MM");
        }
    }
}
