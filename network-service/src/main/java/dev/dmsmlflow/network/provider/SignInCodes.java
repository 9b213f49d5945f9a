package dev.dmsmlflow.network.provider;

import java.time.Instant;
import java.util.Optional;

/**
 * What a load balancer that signs browsers in to an instance's MLflow UI asks of the service: to spend a one-time code
 * and give the access token it buys. Blocking (database work): a load balancer on an event loop calls it on a worker.
 */
public interface SignInCodes {

    /** The access token a spent code bought (for the cookie) and when it ends. */
    record SignedIn(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "SignedIn[token <redacted>, until " + expiresAt + "]";
        }
    }

    /** Spends {@code code} for the instance; empty when it is unknown, used, expired or of another instance. */
    Optional<SignedIn> redeem(String instanceId, String code);
}
