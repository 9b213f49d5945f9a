package dev.dmsmlflow.instance.provider.compute;

/** A tracking server could not be started or did not become healthy. */
public class ComputeException extends Exception {
    public ComputeException(String message) {
        super(message);
    }

    public ComputeException(String message, Throwable cause) {
        super(message, cause);
    }
}
