package dev.dmsmlflow.contracts.instance;

/** Lifecycle status of an MLflow instance as users see it. */
public enum InstanceStatus {
    CREATING,
    RUNNING,
    CREATE_FAILED,
    UPDATING,
    REDEPLOYING,
    STOPPING,
    STOPPED,
    STARTING,
    RELEASING,
    RELEASED,
    RELEASE_FAILED,
    /** A status this reader does not know yet (sent by a newer producer). */
    UNRECOGNIZED
}
