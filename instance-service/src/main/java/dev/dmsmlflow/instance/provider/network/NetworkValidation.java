package dev.dmsmlflow.instance.provider.network;

import dev.dmsmlflow.platform.problem.ProblemException;

/** The synchronous network dry-run (network-service's POST /networks/validate). */
public interface NetworkValidation {

    /**
     * Checks that the network facts admit an instance; returns normally when they do.
     *
     * @param bearerToken the caller's service token, forwarded: the check is made on the caller's behalf
     * @throws ProblemException 400 naming the offending field when they do not, 503 when the check cannot be made
     */
    void validate(NetworkRequest request, String bearerToken);

    /**
     * Refuses an authentication mode the deployment's load balancers cannot enforce (network-service's
     * {@code GET /networks/auth-modes}): an instance must never claim {@code token} where nothing checks tokens.
     *
     * @throws ProblemException 400 naming {@code authMode} when the mode is not offered, 503 when it cannot be asked
     */
    void requireAuthMode(String authMode, String bearerToken);

    /** The network part of a create request. */
    record NetworkRequest(String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId) {
    }
}
