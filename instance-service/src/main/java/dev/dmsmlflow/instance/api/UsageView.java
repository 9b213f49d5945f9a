package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import dev.dmsmlflow.instance.metering.Metering;

import java.math.BigDecimal;
import java.time.Instant;

/** One metered window of an instance's compute, as GET /instances/{id}/usage shows it (the same reading billing receives). */
public record UsageView(
        @JsonProperty("meterId") String meterId,
        @JsonProperty("windowStart") Instant windowStart,
        @JsonProperty("windowEnd") Instant windowEnd,
        @JsonProperty("quantity") BigDecimal quantity,
        @JsonProperty("unit") UsageUnit unit) {

    static UsageView of(Metering.Reading r) {
        return new UsageView(r.meterId().toString(), r.windowStart(), r.windowEnd(), r.quantity(), UsageUnit.INSTANCE_HOURS);
    }
}
