package dev.dmsmlflow.instance.domain;

import java.util.EnumSet;
import java.util.Set;

/** Lifecycle status of an MLflow instance, as shown to users; each change is driven by the saga or the API. */
public enum InstanceStatus {
    CREATING,
    RUNNING,
    CREATE_FAILED,
    /** Edits are applied atomically in one transaction, so this status is never observed between requests. */
    UPDATING,
    REDEPLOYING,
    STOPPING,
    STOPPED,
    STARTING,
    RELEASING,
    RELEASED,
    RELEASE_FAILED;

    /** Statuses from which a release may start. */
    public static final Set<InstanceStatus> RELEASABLE = EnumSet.of(RUNNING, STOPPED, CREATE_FAILED, RELEASE_FAILED);

    /** Statuses in which the instance's tracking server should be running. */
    public static final Set<InstanceStatus> COMPUTE_EXPECTED = EnumSet.of(RUNNING, REDEPLOYING, STARTING, UPDATING);
}
