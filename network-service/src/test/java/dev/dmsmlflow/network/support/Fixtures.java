package dev.dmsmlflow.network.support;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;

import java.time.Instant;
import java.util.UUID;

/** Events of the saga for tests, each on a fresh instance id unless given one. */
public final class Fixtures {

    /** The workspace of the fixtures that do not name one. */
    public static final String WORKSPACE = "ws-test";

    private Fixtures() {
    }

    /** A workspace of a test's own. */
    public static String newWorkspace() {
        return "ws-" + UUID.randomUUID().toString().substring(0, 12);
    }

    public static String newInstanceId() {
        return "mlf-" + UUID.randomUUID().toString().substring(0, 12);
    }

    public static InstanceRequested requested(String instanceId, String vSwitch, String secondary, String securityGroup) {
        return requestedIn(WORKSPACE, instanceId, vSwitch, secondary, securityGroup);
    }

    public static InstanceRequested requestedIn(String workspace, String instanceId, String vSwitch, String secondary,
                                                String securityGroup) {
        return new InstanceRequested(instanceId, workspace, "my-mlflow", "test instance", "vpc-local", vSwitch, secondary,
                securityGroup, "my-bucket", "mlflow-root", "2C4G", "user-1", Instant.now());
    }

    /** In token mode. */
    public static InstanceRequested requestedWithTokens(String instanceId) {
        InstanceRequested r = requested(instanceId);
        return new InstanceRequested(r.instanceId(), r.workspaceId(), r.name(), r.description(), r.vpcId(), r.vSwitchId(),
                r.secondaryVSwitchId(), r.securityGroupId(), r.ossBucket(), r.ossPath(), r.spec(), "token", r.requestedBy(), r.requestedAt());
    }

    public static InstanceRequested requested(String instanceId) {
        return requested(instanceId, "vsw-local-a", "vsw-local-b", "sg-local-basic");
    }

    public static InstanceDeployed deployed(String instanceId, int port) {
        return new InstanceDeployed(instanceId, WORKSPACE, new Backend("127.0.0.1", port), "mlflow_" + instanceId.replace('-', '_'), Instant.now());
    }

    public static InstanceReleaseRequested releaseRequested(String instanceId) {
        return new InstanceReleaseRequested(instanceId, WORKSPACE, "user-1", Instant.now());
    }
}
