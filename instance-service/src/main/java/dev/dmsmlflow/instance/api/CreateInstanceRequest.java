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
        @JsonProperty("spec") String spec,
        @JsonProperty("authMode") String authMode) {

    /** Without an authentication mode (the default, network). */
    public CreateInstanceRequest(String workspaceId, String name, String description, String vpcId, String vSwitchId,
                                 String secondaryVSwitchId, String securityGroupId, String ossBucket, String ossPath, String spec) {
        this(workspaceId, name, description, vpcId, vSwitchId, secondaryVSwitchId, securityGroupId, ossBucket, ossPath, spec, null);
    }
}
