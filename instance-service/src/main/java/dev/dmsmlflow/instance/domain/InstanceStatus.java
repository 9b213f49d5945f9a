package dev.dmsmlflow.instance.domain;

import java.util.EnumSet;
import java.util.Set;

/** Lifecycle status of an MLflow instance, as shown to users; each change is driven by the saga or the API. */
public enum InstanceStatus {
    CREATING,
    RUNNING,
    CREATE_FAILED,
    /**
     * A spec change of a running instance is being rolled out: a tracking server of the new spec starts beside the serving
     * one, the load balancer switches to it, the old one stops. Name, description and authentication mode edits are
     * applied at once and never show this status.
     */
    UPDATING,
    REDEPLOYING,
    STOPPING,
    STOPPED,
    STARTING,
    RELEASING,
    RELEASED,
    RELEASE_FAILED;

    /**
     * Statuses from which a release may start: every one that is not already releasing or released, so a create can be
     * cancelled and a change in progress abandoned. The release step removes whatever exists by then.
     */
    public static final Set<InstanceStatus> RELEASABLE = EnumSet.complementOf(EnumSet.of(RELEASING, RELEASED));

    /** Statuses in which the spec may be changed: at once when STOPPED (it applies at the next start), by a resize when RUNNING. */
    public static final Set<InstanceStatus> SPEC_EDITABLE = EnumSet.of(RUNNING, STOPPED);

    /** Statuses in which the instance's tracking server should be running. */
    public static final Set<InstanceStatus> COMPUTE_EXPECTED = EnumSet.of(RUNNING, REDEPLOYING, STARTING, UPDATING);
}
