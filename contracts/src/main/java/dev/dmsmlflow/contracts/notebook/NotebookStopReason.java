package dev.dmsmlflow.contracts.notebook;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why a notebook session stopped. Closed set on the wire; values may be added, never removed. */
public enum NotebookStopReason {
    USER_REQUESTED,
    IDLE_RELEASE,
    FAILED,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
