package dev.dmsmlflow.network.domain;

/**
 * A saga step of a network that calls the cloud, so it is done by the network worker outside any transaction: recorded
 * with the network by the event's handler, executed after the commit, its outcome recorded in a new transaction.
 */
public enum NetworkStep {
    /** Validate the network, create load balancer, listener and deny-all ACL, set the backend secret and auth mode. */
    PROVISION,
    /** Point the load balancer at the tracking server (the step's backend), then apply the auth mode. */
    REGISTER_BACKEND,
    /** Tell the load balancer the auth mode and the active tokens. */
    APPLY_AUTH,
    /** Delete listener, load balancer, server group and ACL. Wins over every other step. */
    RELEASE;

    /**
     * A pending step as stored: {@code seq} identifies the intent, the backend is REGISTER_BACKEND's, {@code traceparent}
     * the W3C trace context of the request or event that recorded it (null outside any trace).
     */
    public record Pending(String instanceId, NetworkStep step, long seq, String backendHost, Integer backendPort,
                          String traceparent) {
    }
}
