package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * The instance is Running: database, tracking server and load balancer are all in place.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param vpcAddress Address to copy into the MLflow client.
 * @param trackingUri Tracking URI for mlflow.set_tracking_uri.
 * @param runningAt When the instance became Running.
 */
public record InstanceRunning(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("vpcAddress") String vpcAddress,
        @JsonProperty("trackingUri") String trackingUri,
        @JsonProperty("runningAt") Instant runningAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceRunning";

    public InstanceRunning {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(vpcAddress, "vpcAddress is required");
        Objects.requireNonNull(trackingUri, "trackingUri is required");
        Objects.requireNonNull(runningAt, "runningAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
