package dev.dmsmlflow.instance.domain;

/**
 * Work the saga still has to do for an instance. Persisted with the instance so that a restarted
 * instance-service resumes exactly where it stopped; every step is idempotent.
 */
public enum SagaStep {
    /** Waiting for network-service (NetworkProvisioned / NetworkProvisionFailed); nothing to do locally. */
    AWAIT_NETWORK(false),
    /** Create the tracking database and start the tracking server, then publish InstanceDeployed. */
    DEPLOY(true),
    /** Waiting for network-service to register the backend (BackendRegistered). */
    AWAIT_BACKEND(false),
    /** Restart the tracking server on the same database (optionally another version). */
    REDEPLOY(true),
    /** Stop the tracking server, keep the database. */
    STOP(true),
    /** Start the tracking server again on the same database. */
    START(true),
    /** Provisioning failed: remove compute and database, then mark CREATE_FAILED. */
    FAIL_CLEANUP(true),
    /** Release: stop compute and drop the database; RELEASED once the network is released too. */
    RELEASE(true),
    /** Compute and database are gone; waiting for NetworkReleased. */
    AWAIT_NETWORK_RELEASE(false),
    /** Resize: start a tracking server of the pending spec beside the serving one, then publish InstanceDeployed for it. */
    RESIZE(true),
    /** Resize: waiting for network-service to forward to the new tracking server (BackendRegistered); both run meanwhile. */
    AWAIT_SUCCESSOR(false),
    /** Resize: the load balancer forwards to the new tracking server; stop the old one. */
    RETIRE_PREDECESSOR(true),
    /** Resize abandoned (the load balancer never switched): stop the new tracking server, point the load balancer back. */
    ROLLBACK_RESIZE(true);

    private final boolean local;

    SagaStep(boolean local) {
        this.local = local;
    }

    /** True when instance-service itself has work to do (the saga worker picks it up). */
    public boolean isLocal() {
        return local;
    }
}
