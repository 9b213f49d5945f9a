package dev.dmsmlflow.tracking.http;

/** MLflow error codes (names as on the wire) with the HTTP status upstream answers for each. */
public enum ErrorCode {
    INTERNAL_ERROR(500),
    TEMPORARILY_UNAVAILABLE(503),
    BAD_REQUEST(400),
    INVALID_PARAMETER_VALUE(400),
    ENDPOINT_NOT_FOUND(404),
    MALFORMED_REQUEST(400),
    INVALID_STATE(500),
    PERMISSION_DENIED(403),
    FEATURE_DISABLED(501),
    CUSTOMER_UNAUTHORIZED(401),
    REQUEST_LIMIT_EXCEEDED(429),
    UNAUTHENTICATED(401),
    RESOURCE_ALREADY_EXISTS(400),
    RESOURCE_DOES_NOT_EXIST(404),
    RESOURCE_CONFLICT(409),
    RESOURCE_EXHAUSTED(429),
    NOT_FOUND(404),
    NOT_IMPLEMENTED(501),
    INVALID_INPUT_LENGTH(400);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
