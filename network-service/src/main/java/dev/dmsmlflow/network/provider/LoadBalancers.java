package dev.dmsmlflow.network.provider;

import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.BackendHealth;
import dev.dmsmlflow.network.domain.Network;

import java.util.List;
import java.util.Optional;

/**
 * Load balancers at the cloud edge: one per instance across two zones, a port-80 listener and a white-list ACL that
 * starts empty (denies everything). Every call is idempotent: creation by client token, deletion of what is gone is fine.
 */
public interface LoadBalancers {

    /** What to create for an instance. {@code clientToken} makes a retried creation return the same resources. */
    record Spec(String instanceId, String clientToken, NetworkFacts.Vpc vpc, NetworkFacts.VSwitch primary,
                NetworkFacts.VSwitch secondary, NetworkFacts.SecurityGroup securityGroup) {
    }

    /** Ids and address of an instance's load balancer. */
    record Handle(String loadBalancerId, String listenerId, String aclId, String serverGroupId,
                  String vpcAddress, int vpcPort, List<String> zoneIds) {
    }

    /**
     * Creates (or finds, for a known client token) the load balancer, listener and empty ACL. On failure everything it
     * created is removed before the exception leaves.
     */
    Handle create(Spec spec) throws ProviderException;

    /** Adds entries to the ACL (already-present entries are fine). */
    void addAclEntries(Network network, List<AclRule> entries) throws ProviderException;

    /** Removes entries from the ACL (absent entries are fine). */
    void removeAclEntries(Network network, List<String> cidrs) throws ProviderException;

    /** Points the load balancer at the tracking server (replacing a previous backend); returns the server group id. */
    String registerBackend(Network network, String host, int port) throws ProviderException;

    /** Deletes the load balancer, listener, server group and ACL of the instance; nothing left is fine. */
    void delete(Network network) throws ProviderException;

    /**
     * Whether this provider's load balancer adds a per-instance secret to every request it forwards (the local proxy
     * does; the tracking server then serves only requests that carry it). On Alibaba Cloud the compute's security group
     * admits only the load balancer's vSwitches instead.
     */
    default boolean addsBackendSecret() {
        return false;
    }

    /** Sets the secret the load balancer adds toward the backend (only when {@link #addsBackendSecret()}). */
    default void backendSecret(Network network, String secret) throws ProviderException {
    }

    /**
     * Whether MLflow access tokens are checked on this provider's path, so that token mode is offered: by the load
     * balancer itself (the local proxy, told through {@link #authentication}) or by the tracking server behind it (Alibaba
     * Cloud: the ALB cannot, the server fetches the token list itself).
     */
    default boolean checksTokens() {
        return false;
    }

    /**
     * How the load balancer authenticates clients: {@code network} (ACL and security group only) or {@code token} (also
     * one of {@code tokens}, the instance's active tokens, as Bearer or Basic credentials).
     */
    default void authentication(Network network, String mode, java.util.List<dev.dmsmlflow.network.domain.AccessToken> tokens)
            throws ProviderException {
    }

    /**
     * Drops the local runtime state {@link #restore} made (the local proxies), because another replica takes the load
     * balancers over (a no-op for cloud providers).
     */
    default void standDown() {
    }

    /** Re-creates local runtime state for an active network after a restart (a no-op for cloud providers). */
    default Network restore(Network network, List<AclRule> entries) throws ProviderException {
        return network;
    }

    /**
     * How often this provider's load balancers are reconciled while the service runs ({@link #restore} for every ACTIVE
     * network, then {@link #removeOrphans}); empty when only at startup (the local proxies live in this process).
     */
    default Optional<java.time.Duration> reconcileInterval() {
        return Optional.empty();
    }

    /**
     * Deletes what this provider finds of load balancers whose instance is not {@code live} any more (released, failed, or
     * unknown to the database): left by a crash between a deletion and its record, or by hand.
     */
    default void removeOrphans(java.util.function.Predicate<String> live) throws ProviderException {
    }

    /**
     * What the load balancer's own health check says of its backend: {@code UNKNOWN} while no backend is registered or
     * before the first verdict. Empty when this provider does not report it or the load balancer is not known here.
     */
    default Optional<BackendHealth> backendHealth(String loadBalancerId) {
        return Optional.empty();
    }
}
