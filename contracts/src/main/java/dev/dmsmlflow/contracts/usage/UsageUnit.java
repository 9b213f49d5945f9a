package dev.dmsmlflow.contracts.usage;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Unit of a usage quantity. Closed set on the wire; values may be added, never removed. */
public enum UsageUnit {
    @JsonProperty("instance-hours")
    INSTANCE_HOURS,
    @JsonProperty("session-hours")
    SESSION_HOURS,
    @JsonProperty("vcpu-hours")
    VCPU_HOURS,
    @JsonProperty("gib-hours")
    GIB_HOURS,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
