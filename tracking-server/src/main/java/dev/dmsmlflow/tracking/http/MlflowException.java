package dev.dmsmlflow.tracking.http;

/** An error answered to the client as {@code {"error_code", "message"}} with the code's HTTP status. */
public class MlflowException extends RuntimeException {
    private final ErrorCode errorCode;

    public MlflowException(ErrorCode errorCode, String message) {
        super(message, null, false, false);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public static MlflowException invalidParameter(String message) {
        return new MlflowException(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }

    public static MlflowException notFound(String message) {
        return new MlflowException(ErrorCode.RESOURCE_DOES_NOT_EXIST, message);
    }

    public static MlflowException alreadyExists(String message) {
        return new MlflowException(ErrorCode.RESOURCE_ALREADY_EXISTS, message);
    }

    public static MlflowException missing(String field) {
        return invalidParameter("Missing value for required parameter '" + field
                + "'. See the API docs for more information about request parameters.");
    }
}
