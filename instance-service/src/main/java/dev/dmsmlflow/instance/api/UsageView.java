package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import dev.dmsmlflow.instance.application.Metering;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One metered window of an instance's compute, as GET /instances/{id}/usage shows it (the same reading billing receives),
 * with the spec it was metered at (absent for readings made before the spec was recorded).
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record UsageView(
        @JsonProperty("meterId") String meterId,
        @JsonProperty("windowStart") Instant windowStart,
        @JsonProperty("windowEnd") Instant windowEnd,
        @JsonProperty("quantity") BigDecimal quantity,
        @JsonProperty("unit") UsageUnit unit,
        @JsonProperty("spec") String spec) {

    static UsageView of(Metering.Reading r) {
        return new UsageView(r.meterId().toString(), r.windowStart(), r.windowEnd(), r.quantity(), UsageUnit.INSTANCE_HOURS, r.spec());
    }
}
