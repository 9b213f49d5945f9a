package dev.dmsmlflow.contracts.usage;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Kind of resource a usage reading measures. Closed set on the wire; values may be added, never removed. */
public enum ResourceType {
    COMPUTE,
    DATABASE,
    LOAD_BALANCER,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
