package dev.dmsmlflow.billing.api;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.platform.problem.ProblemException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

/** The query parameters of the reports, read from their text (a bad one is a 400 naming it). */
final class Ranges {

    static final Set<String> GRANULARITIES = Set.of("hour", "day", "month");
    static final Set<String> GROUPS = Set.of("sku", "resource");
    private static final Duration MAX_RANGE = Duration.ofDays(3660);

    private Ranges() {
    }

    /** An instant in UTC: {@code 2025-04-01T08:00:00Z} or a date {@code 2025-04-01} (its midnight, UTC). */
    static Instant instant(String name, String text, Instant otherwise) {
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalidField(name, name + " must be a UTC time (2025-04-01T00:00:00Z) or a date (2025-04-01).");
        }
    }

    /** [from, to): default the current month; from before to; at most ten years. */
    static Instant[] range(String from, String to, Instant now) {
        YearMonth m = BillingPeriods.of(now);
        Instant f = instant("from", from, BillingPeriods.start(m));
        Instant t = instant("to", to, BillingPeriods.end(m));
        if (!f.isBefore(t)) {
            throw ProblemException.invalidField("to", "to must be after from.");
        }
        if (Duration.between(f, t).compareTo(MAX_RANGE) > 0) {
            throw ProblemException.invalidField("to", "A report covers at most ten years.");
        }
        return new Instant[] {f.truncatedTo(ChronoUnit.HOURS), t};
    }

    static String granularity(String text) {
        String g = text == null || text.isEmpty() ? "day" : text;
        if (!GRANULARITIES.contains(g)) {
            throw ProblemException.invalidField("granularity", "granularity must be hour, day or month.");
        }
        return g;
    }

    /** The grouping keys of {@code groupBy} (comma-separated {@code sku}, {@code resource}). */
    static List<String> groups(String text, List<String> otherwise) {
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        List<String> g = List.of(text.split(","));
        for (String x : g) {
            if (!GROUPS.contains(x)) {
                throw ProblemException.invalidField("groupBy", "groupBy is a comma-separated list of sku and resource.");
            }
        }
        return g;
    }

    static YearMonth period(String text) {
        try {
            return BillingPeriods.parse(text);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidField("period", "The billing period must be a month, YYYY-MM.");
        }
    }
}
