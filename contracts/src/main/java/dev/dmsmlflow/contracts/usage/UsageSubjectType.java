package dev.dmsmlflow.contracts.usage;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Kind of thing whose usage is metered. Closed set on the wire; values may be added, never removed. */
public enum UsageSubjectType {
    MLFLOW_INSTANCE,
    NOTEBOOK_SESSION,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
