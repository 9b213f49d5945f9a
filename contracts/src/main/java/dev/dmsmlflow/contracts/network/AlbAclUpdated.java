package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Entries were added to or removed from the ACL guarding an instance's load balancer.
 *
 * @param instanceId Instance whose load balancer the ACL guards.
 * @param workspaceId Workspace that owns the instance.
 * @param aclId The ACL that changed.
 * @param added Entries added by this change (may be empty).
 * @param removed Entries removed by this change (may be empty).
 * @param updatedAt When the ACL change took effect.
 */
public record AlbAclUpdated(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("aclId") String aclId,
        @JsonProperty("added") List<AclEntry> added,
        @JsonProperty("removed") List<AclEntry> removed,
        @JsonProperty("updatedAt") Instant updatedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "AlbAclUpdated";

    public AlbAclUpdated {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(aclId, "aclId is required");
        added = List.copyOf(Objects.requireNonNull(added, "added is required"));
        removed = List.copyOf(Objects.requireNonNull(removed, "removed is required"));
        Objects.requireNonNull(updatedAt, "updatedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
