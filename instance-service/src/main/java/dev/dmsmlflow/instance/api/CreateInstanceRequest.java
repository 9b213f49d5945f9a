package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Body of POST /instances. */
public record CreateInstanceRequest(
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("vpcId") String vpcId,
        @JsonProperty("vSwitchId") String vSwitchId,
        @JsonProperty("secondaryVSwitchId") String secondaryVSwitchId,
        @JsonProperty("securityGroupId") String securityGroupId,
        @JsonProperty("ossBucket") String ossBucket,
        @JsonProperty("ossPath") String ossPath,
        @JsonProperty("spec") String spec) {
}
