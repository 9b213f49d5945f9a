package dev.dmsmlflow.contracts.billing;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Row layout of a billing export. Closed set on the wire; values may be added, never removed. */
public enum ExportFormat {
    FOCUS,
    NATIVE,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
