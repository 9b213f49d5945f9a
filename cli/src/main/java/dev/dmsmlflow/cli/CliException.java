package dev.dmsmlflow.cli;

/** A failure the CLI reports as one message and an exit code (no stack trace for users). */
public class CliException extends RuntimeException {

    /** Exit codes: 1 failed, 2 usage, 3 not authenticated or not allowed, 4 not found, 5 timed out while waiting. */
    public static final int FAILED = 1;
    public static final int AUTH = 3;
    public static final int NOT_FOUND = 4;
    public static final int TIMEOUT = 5;

    private final int exitCode;

    public CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
