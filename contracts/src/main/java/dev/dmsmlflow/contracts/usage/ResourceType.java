package dev.dmsmlflow.contracts.usage;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Kind of resource a usage reading measures. Closed set on the wire; values may be added, never removed. */
public enum ResourceType {
    COMPUTE,
    DATABASE,
    LOAD_BALANCER,
    /** Memory of a compute specification (a notebook session's GiB-hours). */
    MEMORY,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
