package dev.dmsmlflow.contracts;

import dev.dmsmlflow.contracts.billing.BillingExportCompleted;
import dev.dmsmlflow.contracts.billing.ExportFormat;
import dev.dmsmlflow.contracts.common.Backend;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceFailed;
import dev.dmsmlflow.contracts.instance.InstanceFailureCode;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceReleased;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceRunning;
import dev.dmsmlflow.contracts.instance.InstanceStatus;
import dev.dmsmlflow.contracts.instance.InstanceStatusChanged;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.contracts.network.AclEntry;
import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.contracts.notebook.NotebookSessionStarted;
import dev.dmsmlflow.contracts.notebook.NotebookSessionStopped;
import dev.dmsmlflow.contracts.notebook.NotebookStopReason;
import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** One realistic instance of every event record, built in Java (not parsed from the examples). */
final class SampleEvents {

    private SampleEvents() {
    }

    static List<Event> all() {
        return List.of(
                new InstanceRequested(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "my-mlflow",
                        "Description of my MLflow.",
                        "vpc-fs8k2m1q4a",
                        "vsw-sg3n7x1e7h",
                        "vsw-hq5b0c2dv9",
                        "sg-zb1y6w9riq",
                        "my-bucket",
                        "mlflow-root",
                        "2C4G",
                        "token",
                        "user-1093",
                        Instant.parse("2025-04-01T08:15:30Z")),
                new InstanceUpdated(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "my-mlflow-prod",
                        "Production experiments.",
                        "token",
                        Instant.parse("2025-04-02T09:00:00Z"),
                        "mlflow.medium"),
                new InstanceStatusChanged(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        InstanceStatus.CREATE_FAILED,
                        InstanceStatus.CREATING,
                        "COMPUTE_START_FAILED",
                        "the tracking server did not answer its health check",
                        Instant.parse("2025-04-03T18:00:00Z")),
                new NetworkProvisioned(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "192.168.3.17",
                        80,
                        "alb-9vx2ke7p1c",
                        "lsn-4hb8r2ad0q",
                        "acl-t2m6e0wq5z",
                        "sgp-3kd9w1m0fx",
                        List.of("cn-beijing-h", "cn-beijing-k"),
                        Instant.parse("2025-04-01T08:15:34Z"),
                        "9f2c1d7e4b8a06355e1f0c9d2a7b3e48f6c5d1a09b8e7f6a5c4d3b2a1908f7e6"),
                new NetworkProvisionFailed(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        NetworkFailureCode.VSWITCHES_IN_SAME_ZONE,
                        "vsw-sg3n7x1e7h and vsw-hq5b0c2dv9 are both in zone cn-beijing-h; the secondary vSwitch must be in another zone",
                        Instant.parse("2025-04-01T08:15:31Z")),
                new InstanceDeployed(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        new Backend("192.168.3.41", 5000),
                        "mlflow_mlf_7f3a9c21",
                        Instant.parse("2025-04-01T08:15:37Z")),
                new BackendRegistered(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "alb-9vx2ke7p1c",
                        "sgp-3kd9w1m0fx",
                        new Backend("192.168.3.41", 5000),
                        Instant.parse("2025-04-01T08:15:38Z")),
                new InstanceRunning(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "192.168.3.17",
                        "http://192.168.3.17:80",
                        Instant.parse("2025-04-01T08:15:38Z")),
                new InstanceFailed(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        InstanceFailureCode.NETWORK_PROVISION_FAILED,
                        "vsw-sg3n7x1e7h and vsw-hq5b0c2dv9 are both in zone cn-beijing-h; the secondary vSwitch must be in another zone",
                        Instant.parse("2025-04-01T08:15:31Z")),
                new InstanceReleaseRequested(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "user-1093",
                        Instant.parse("2025-05-10T17:42:00Z")),
                new LoadBalancerAddressChanged(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "dms-mlflow-lb-mlf-7f3a9c21",
                        "10.0.8.27",
                        80,
                        "10.0.8.14",
                        80,
                        Instant.parse("2025-04-03T09:12:44Z")),
                new NetworkReleased(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "alb-9vx2ke7p1c",
                        Instant.parse("2025-05-10T17:42:06Z")),
                new InstanceReleased(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        Instant.parse("2025-05-10T17:42:09Z")),
                new AlbAclUpdated(
                        "mlf-7f3a9c21",
                        "ws-4821",
                        "acl-t2m6e0wq5z",
                        List.of(new AclEntry("192.168.0.0/16", "notebook subnet")),
                        List.of(),
                        Instant.parse("2025-04-01T08:20:12Z")),
                new NotebookSessionStarted(
                        "nbs-5c0e8d2a",
                        "ws-4821",
                        "new_session_20250401",
                        "1C4G",
                        "Python3.9:1.0.9",
                        "mlf-7f3a9c21",
                        "http://192.168.3.17:80",
                        1440,
                        Instant.parse("2025-04-01T08:30:00Z")),
                new NotebookSessionStopped(
                        "nbs-5c0e8d2a",
                        "ws-4821",
                        NotebookStopReason.IDLE_RELEASE,
                        Instant.parse("2025-04-02T08:30:00Z")),
                new UsageMetered(
                        "mlf-7f3a9c21:COMPUTE:2025-04-01T08:00:00Z",
                        UsageSubjectType.MLFLOW_INSTANCE,
                        "mlf-7f3a9c21",
                        "ws-4821",
                        ResourceType.COMPUTE,
                        "2C4G",
                        Instant.parse("2025-04-01T08:00:00Z"),
                        Instant.parse("2025-04-01T09:00:00Z"),
                        new BigDecimal("0.7431"),
                        UsageUnit.INSTANCE_HOURS,
                        Instant.parse("2025-04-01T09:00:05Z"),
                        "team-tracking"),
                new BillingExportCompleted(
                        "exp-2025-04-ws-4821",
                        "ws-4821",
                        Instant.parse("2025-04-01T00:00:00Z"),
                        Instant.parse("2025-05-01T00:00:00Z"),
                        ExportFormat.FOCUS,
                        "1.2",
                        "oss://billing-exports/ws-4821/2025-04/focus.csv",
                        1342L,
                        Instant.parse("2025-05-01T01:12:44Z")));
    }
}
