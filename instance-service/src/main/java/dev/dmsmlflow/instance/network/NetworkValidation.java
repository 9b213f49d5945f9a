package dev.dmsmlflow.instance.network;

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

    /** The network part of a create request. */
    record NetworkRequest(String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId) {
    }
}
