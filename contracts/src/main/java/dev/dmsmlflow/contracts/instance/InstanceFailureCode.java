package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why instance provisioning failed. Closed set on the wire; values may be added, never removed. */
public enum InstanceFailureCode {
    NETWORK_PROVISION_FAILED,
    DATABASE_PROVISION_FAILED,
    COMPUTE_START_FAILED,
    BACKEND_REGISTRATION_FAILED,
    DEPLOY_TIMEOUT,
    INTERNAL_ERROR,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
