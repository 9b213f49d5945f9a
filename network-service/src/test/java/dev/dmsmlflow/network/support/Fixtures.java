package dev.dmsmlflow.network.support;

import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;

import java.time.Instant;
import java.util.UUID;

/** Events of the saga for tests, each on a fresh instance id unless given one. */
public final class Fixtures {

    private Fixtures() {
    }

    public static String newInstanceId() {
        return "mlf-" + UUID.randomUUID().toString().substring(0, 12);
    }

    public static InstanceRequested requested(String instanceId, String vSwitch, String secondary, String securityGroup) {
        return new InstanceRequested(instanceId, "ws-test", "my-mlflow", "test instance", "vpc-local", vSwitch, secondary,
                securityGroup, "my-bucket", "mlflow-root", "2C4G", "user-1", Instant.now());
    }

    public static InstanceRequested requested(String instanceId) {
        return requested(instanceId, "vsw-local-a", "vsw-local-b", "sg-local-basic");
    }

    public static InstanceDeployed deployed(String instanceId, int port) {
        return new InstanceDeployed(instanceId, "ws-test", new Backend("127.0.0.1", port), "mlflow_" + instanceId.replace('-', '_'), Instant.now());
    }

    public static InstanceReleaseRequested releaseRequested(String instanceId) {
        return new InstanceReleaseRequested(instanceId, "ws-test", "user-1", Instant.now());
    }
}
