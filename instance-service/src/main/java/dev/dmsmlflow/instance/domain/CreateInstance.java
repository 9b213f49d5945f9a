package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.platform.problem.ProblemException;

/** A validated create request. */
public record CreateInstance(String workspaceId, String name, String description, String vpcId, String vSwitchId,
                             String secondaryVSwitchId, String securityGroupId, String ossBucket, String ossPath,
                             Spec spec, String requestedBy, String authMode) {

    /**
     * Checks each field against {@link InstanceRules} and the cross-field rule (two different vSwitches: the load balancer
     * spans two zones); the first failure is a 400 naming its field.
     */
    public static CreateInstance validated(String workspaceId, String requestedBy, String name, String description, String vpcId,
                                           String vSwitchId, String secondaryVSwitchId, String securityGroupId, String ossBucket,
                                           String ossPath, String spec, String authMode) {
        String validName = InstanceRules.name(name);
        String validDescription = InstanceRules.description(description);
        String vpc = InstanceRules.id("vpcId", vpcId);
        String primary = InstanceRules.id("vSwitchId", vSwitchId);
        String secondary = InstanceRules.id("secondaryVSwitchId", secondaryVSwitchId);
        if (secondary.equals(primary)) {
            throw ProblemException.invalidField("secondaryVSwitchId",
                    "secondaryVSwitchId must differ from vSwitchId: the load balancer needs two zones.");
        }
        String group = InstanceRules.id("securityGroupId", securityGroupId);
        String bucket = InstanceRules.ossBucket(ossBucket);
        String path = InstanceRules.ossPath(ossPath);
        Spec validSpec = InstanceRules.spec(spec);
        String mode = InstanceRules.authMode(authMode);
        return new CreateInstance(workspaceId, validName, validDescription, vpc, primary, secondary, group, bucket, path, validSpec,
                requestedBy, mode);
    }
}
