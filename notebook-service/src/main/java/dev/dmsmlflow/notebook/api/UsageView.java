package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.notebook.persistence.UsageReadingEntity;

import java.math.BigDecimal;
import java.time.Instant;

/** One metered window of a session's resource (the UsageMetered reading with its meterId). */
public record UsageView(String meterId, String resourceType, String unit, String spec, Instant windowStart, Instant windowEnd,
                        BigDecimal quantity) {

    static UsageView of(UsageReadingEntity u) {
        return new UsageView(u.meterId.toString(), u.resourceType, u.unit.equals("VCPU_HOURS") ? "vcpu-hours" : "gib-hours",
                u.spec, u.windowStart, u.windowEnd, u.quantity);
    }
}
