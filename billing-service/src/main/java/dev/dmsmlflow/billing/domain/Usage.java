package dev.dmsmlflow.billing.domain;

import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * One entry of the usage ledger: a UsageMetered reading as received, identified as CloudEvents identifies events, by
 * its {@code source} and {@code id}. Immutable; a duplicate is the same entry. {@code subjectName} is the display name
 * the meter sent (null when none).
 */
public record Usage(String source, String eventId, String meterId, String workspaceId, UsageSubjectType subjectType,
                    String subjectId, String resourceType, String spec, String unit, Instant windowStart, Instant windowEnd,
                    BigDecimal quantity, Instant meteredAt, String subjectName) {

    /** Longest window a reading may cover (meters send hours; a day leaves room for a catch-up, not for nonsense). */
    public static final Duration MAX_WINDOW = Duration.ofDays(1);

    /**
     * The ledger entry of a reading; {@link IllegalArgumentException} for a reading no one can bill (empty or reversed
     * window, negative quantity, a window longer than {@link #MAX_WINDOW}, an unknown subject type).
     */
    public static Usage of(String source, String eventId, UsageMetered m) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("the event has no CloudEvents source");
        }
        if (m.subjectType() == UsageSubjectType.UNRECOGNIZED) {
            throw new IllegalArgumentException("subjectType is not one billing knows");
        }
        if (m.workspaceId().isBlank() || m.workspaceId().length() > 64) {
            throw new IllegalArgumentException("workspaceId must be 1-64 characters");
        }
        if (!m.windowEnd().isAfter(m.windowStart())) {
            throw new IllegalArgumentException("windowEnd " + m.windowEnd() + " is not after windowStart " + m.windowStart());
        }
        if (Duration.between(m.windowStart(), m.windowEnd()).compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("the window " + m.windowStart() + " - " + m.windowEnd() + " is longer than a day");
        }
        if (m.quantity().signum() < 0) {
            throw new IllegalArgumentException("quantity " + m.quantity() + " is negative");
        }
        String unit = UnitNames.wire(m.unit());
        return new Usage(source, eventId, m.meterId(), m.workspaceId(), m.subjectType(), m.subjectId(), m.resourceType().name(),
                m.spec(), unit, m.windowStart(), m.windowEnd(), Money.quantity(m.quantity()), m.meteredAt(), name(m.subjectName()));
    }

    /** A display name as sent (trimmed, at most 128 characters, no control characters), or null. */
    static String name(String sent) {
        if (sent == null) {
            return null;
        }
        String n = sent.strip();
        if (n.isEmpty() || n.length() > 128 || n.chars().anyMatch(Character::isISOControl)) {
            return null; // a name is for display only: a bad one is dropped, the reading is still billed
        }
        return n;
    }
}
