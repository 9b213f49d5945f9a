package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.platform.problem.ProblemException;

/** A validated create request. */
public record CreateInstance(String workspaceId, String name, String description, String vpcId, String vSwitchId,
                             String secondaryVSwitchId, String securityGroupId, String ossBucket, String ossPath,
                             Spec spec, String requestedBy, String authMode) {

    /**
     * Checks what the request record's declarations leave to the domain ({@link InstanceRules}) and the cross-field rule (two
     * different vSwitches: the load balancer spans two zones); the first failure is a 400 naming its field. The arguments
     * have passed the record's shape rules (present, pattern, length).
     */
    public static CreateInstance validated(String workspaceId, String requestedBy, String name, String description, String vpcId,
                                           String vSwitchId, String secondaryVSwitchId, String securityGroupId, String ossBucket,
                                           String ossPath, String spec, String authMode) {
        String validDescription = InstanceRules.description(description);
        if (secondaryVSwitchId.equals(vSwitchId)) {
            throw ProblemException.invalidField("secondaryVSwitchId",
                    "secondaryVSwitchId must differ from vSwitchId: the load balancer needs two zones.");
        }
        String path = InstanceRules.ossPath(ossPath);
        Spec validSpec = InstanceRules.spec(spec);
        String mode = InstanceRules.authMode(authMode);
        return new CreateInstance(workspaceId, name, validDescription, vpcId, vSwitchId, secondaryVSwitchId, securityGroupId, ossBucket,
                path, validSpec, requestedBy, mode);
    }
}
