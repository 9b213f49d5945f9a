package dev.dmsmlflow.platform.problem;

/** Thrown by service code to answer with a specific problem instead of a generic error. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** 400: {@code field} is missing or invalid, {@code detail} says why. */
    public static ProblemException invalidField(String field, String detail) {
        return new ProblemException(Problem.of("invalid-field", "Invalid request field", 400, detail, field));
    }

    /** 404: the resource does not exist (or is not visible to the caller). */
    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of("not-found", "Resource not found", 404, detail, null));
    }

    /** 409: the request conflicts with the resource's current state. */
    public static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of("conflict", "Conflict with current state", 409, detail, null));
    }

    /** 409: a workspace quota is reached; {@code code} names the quota (e.g. {@code INSTANCE_QUOTA}), {@code detail} the limit. */
    public static ProblemException quotaExceeded(String code, String detail) {
        return new ProblemException(Problem.of("quota-exceeded", "Quota exceeded", 409, detail, null).withCode(code));
    }
}
