package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why network provisioning failed. Closed set on the wire; values may be added, never removed. */
public enum NetworkFailureCode {
    VPC_NOT_FOUND,
    VSWITCH_NOT_FOUND,
    VSWITCH_NOT_IN_VPC,
    VSWITCHES_IN_SAME_ZONE,
    VSWITCH_NO_FREE_IP,
    SECURITY_GROUP_NOT_FOUND,
    SECURITY_GROUP_NOT_IN_VPC,
    SECURITY_GROUP_NOT_BASIC,
    LOAD_BALANCER_QUOTA_EXCEEDED,
    LOAD_BALANCER_CREATION_FAILED,
    PROVIDER_ERROR,
    /** Never written; what a reader built against an older contract sees for a value added later. */
    @JsonEnumDefaultValue
    UNRECOGNIZED
}
