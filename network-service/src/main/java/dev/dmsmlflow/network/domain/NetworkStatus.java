package dev.dmsmlflow.network.domain;

/** Lifecycle of an instance's network: load balancer, listener and ACL. */
public enum NetworkStatus {
    PROVISIONING, ACTIVE, FAILED, RELEASING, RELEASED
}
