package dev.dmsmlflow.network.provider;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;

/** A cloud call failed for good (after retries); {@code code} is what the saga reports. */
public class ProviderException extends Exception {

    private final NetworkFailureCode code;

    public ProviderException(NetworkFailureCode code, String message) {
        super(message);
        this.code = code;
    }

    public ProviderException(NetworkFailureCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public NetworkFailureCode code() {
        return code;
    }
}
