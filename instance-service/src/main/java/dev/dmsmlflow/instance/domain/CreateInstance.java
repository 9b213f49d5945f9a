package dev.dmsmlflow.instance.domain;

/** A validated create request. */
public record CreateInstance(String workspaceId, String name, String description, String vpcId, String vSwitchId,
                             String secondaryVSwitchId, String securityGroupId, String ossBucket, String ossPath,
                             Spec spec, String requestedBy, String authMode) {
}
