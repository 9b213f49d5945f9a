package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceFailed;
import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;

import java.time.Instant;

/** The one place where the instance entity is mapped to its wire events. */
public final class Events {

    private Events() {
    }

    public static InstanceRequested requested(Instance i) {
        return new InstanceRequested(i.id, i.workspaceId, i.name, i.description, i.vpcId, i.vSwitchId, i.secondaryVSwitchId,
                i.securityGroupId, i.ossBucket, i.ossPath, i.spec, i.authMode, i.requestedBy, i.createdAt);
    }

    public static InstanceUpdated updated(Instance i, Instant at) {
        return updated(i, at, false);
    }

    /** With the authentication mode when it is part of the change. */
    public static InstanceUpdated updated(Instance i, Instant at, boolean withAuthMode) {
        return updated(i, at, withAuthMode, false);
    }

    /** With the authentication mode and/or the spec (the one now in effect) when they are part of the change. */
    public static InstanceUpdated updated(Instance i, Instant at, boolean withAuthMode, boolean withSpec) {
        return new InstanceUpdated(i.id, i.workspaceId, i.name, i.description, withAuthMode ? i.authMode : null, at,
                withSpec ? i.spec : null);
    }

    /**
     * Every status transition, with the reason when the new status is a failure, or a fallback: STOPPED because a restart
     * failed, RUNNING again on the old spec because a resize failed.
     */
    public static InstanceStatusChanged statusChanged(Instance i, InstanceStatus from, Instant at) {
        boolean failure = i.status == InstanceStatus.CREATE_FAILED || i.status == InstanceStatus.RELEASE_FAILED
                || ((i.status == InstanceStatus.STOPPED || i.status == InstanceStatus.RUNNING) && i.failureCode != null);
        return new InstanceStatusChanged(i.id, i.workspaceId, wire(i.status), from == null ? null : wire(from),
                failure ? i.failureCode : null, failure ? i.failureMessage : null, at);
    }

    private static dev.dmsmlflow.contracts.instance.InstanceStatus wire(InstanceStatus status) {
        return dev.dmsmlflow.contracts.instance.InstanceStatus.valueOf(status.name());
    }

    public static InstanceDeployed deployed(Instance i, Instant at) {
        return deployed(i, i.backendHost, i.backendPort, at);
    }

    /** A tracking server of the instance at another address than its recorded backend (a resize's new server). */
    public static InstanceDeployed deployed(Instance i, String host, int port, Instant at) {
        return new InstanceDeployed(i.id, i.workspaceId, new Backend(host, port), i.trackingDatabase, at);
    }

    public static InstanceRunning running(Instance i, Instant at) {
        return new InstanceRunning(i.id, i.workspaceId, i.vpcAddress, i.trackingUri(), at);
    }

    public static InstanceFailed failed(Instance i, Instant at) {
        InstanceFailureCode code;
        try {
            code = InstanceFailureCode.valueOf(i.failureCode);
        } catch (RuntimeException e) {
            code = InstanceFailureCode.INTERNAL_ERROR;
        }
        return new InstanceFailed(i.id, i.workspaceId, code, i.failureMessage == null ? code.name() : i.failureMessage, at);
    }

    public static InstanceReleaseRequested releaseRequested(Instance i, String by, Instant at) {
        return new InstanceReleaseRequested(i.id, i.workspaceId, by, at);
    }

    public static InstanceReleased released(Instance i, Instant at) {
        return new InstanceReleased(i.id, i.workspaceId, at);
    }
}
