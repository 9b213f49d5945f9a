package dev.dmsmlflow.network.application;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.domain.ValidationFailure;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.network.provider.NetworkFacts.SecurityGroup;
import dev.dmsmlflow.network.provider.NetworkFacts.VSwitch;
import dev.dmsmlflow.network.provider.NetworkFacts.Vpc;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks a requested network against the facts, in the order a person would fix it: VPC, primary vSwitch, secondary
 * vSwitch (another zone), security group (basic only), free addresses in the primary vSwitch.
 */
@ApplicationScoped
public class NetworkValidator {

    /** The load balancer and the tracking server each take an address from the primary vSwitch. */
    public static final int REQUIRED_FREE_ADDRESSES = 2;

    /** Either the resolved resources or the first failure. */
    public record Result(Vpc vpc, VSwitch primary, VSwitch secondary, SecurityGroup securityGroup, ValidationFailure failure) {

        static Result failed(String field, NetworkFailureCode code, String message) {
            return new Result(null, null, null, null, new ValidationFailure(field, code, message));
        }

        public boolean ok() {
            return failure == null;
        }
    }

    private final NetworkFacts facts;

    public NetworkValidator(NetworkFacts facts) {
        this.facts = facts;
    }

    public Result validate(String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId) {
        if (blank(vpcId)) {
            return Result.failed("vpcId", NetworkFailureCode.VPC_NOT_FOUND, "vpcId is required");
        }
        if (blank(vSwitchId)) {
            return Result.failed("vSwitchId", NetworkFailureCode.VSWITCH_NOT_FOUND, "vSwitchId is required");
        }
        if (blank(secondaryVSwitchId)) {
            return Result.failed("secondaryVSwitchId", NetworkFailureCode.VSWITCH_NOT_FOUND, "secondaryVSwitchId is required");
        }
        if (blank(securityGroupId)) {
            return Result.failed("securityGroupId", NetworkFailureCode.SECURITY_GROUP_NOT_FOUND, "securityGroupId is required");
        }
        Vpc vpc = facts.vpc(vpcId).orElse(null);
        if (vpc == null) {
            return Result.failed("vpcId", NetworkFailureCode.VPC_NOT_FOUND, "VPC " + vpcId + " does not exist");
        }
        VSwitch primary = facts.vSwitch(vSwitchId).orElse(null);
        if (primary == null) {
            return Result.failed("vSwitchId", NetworkFailureCode.VSWITCH_NOT_FOUND, "vSwitch " + vSwitchId + " does not exist");
        }
        if (!vpcId.equals(primary.vpcId())) {
            return Result.failed("vSwitchId", NetworkFailureCode.VSWITCH_NOT_IN_VPC,
                    "vSwitch " + vSwitchId + " belongs to " + primary.vpcId() + ", not to VPC " + vpcId);
        }
        VSwitch secondary = facts.vSwitch(secondaryVSwitchId).orElse(null);
        if (secondary == null) {
            return Result.failed("secondaryVSwitchId", NetworkFailureCode.VSWITCH_NOT_FOUND,
                    "vSwitch " + secondaryVSwitchId + " does not exist");
        }
        if (!vpcId.equals(secondary.vpcId())) {
            return Result.failed("secondaryVSwitchId", NetworkFailureCode.VSWITCH_NOT_IN_VPC,
                    "vSwitch " + secondaryVSwitchId + " belongs to " + secondary.vpcId() + ", not to VPC " + vpcId);
        }
        if (primary.zoneId().equals(secondary.zoneId())) {
            return Result.failed("secondaryVSwitchId", NetworkFailureCode.VSWITCHES_IN_SAME_ZONE,
                    "must be in a different zone than the primary vSwitch (both are in " + primary.zoneId() + ")");
        }
        SecurityGroup sg = facts.securityGroup(securityGroupId).orElse(null);
        if (sg == null) {
            return Result.failed("securityGroupId", NetworkFailureCode.SECURITY_GROUP_NOT_FOUND,
                    "security group " + securityGroupId + " does not exist");
        }
        if (sg.vpcId() != null && !vpcId.equals(sg.vpcId())) {
            return Result.failed("securityGroupId", NetworkFailureCode.SECURITY_GROUP_NOT_IN_VPC,
                    "security group " + securityGroupId + " belongs to " + sg.vpcId() + ", not to VPC " + vpcId);
        }
        if (sg.serviceManaged()) {
            return Result.failed("securityGroupId", NetworkFailureCode.SECURITY_GROUP_NOT_BASIC,
                    "security group " + securityGroupId + " is a managed security group; only basic security groups are supported");
        }
        if (!sg.isBasic()) {
            return Result.failed("securityGroupId", NetworkFailureCode.SECURITY_GROUP_NOT_BASIC,
                    "security group " + securityGroupId + " is an " + sg.type() + " security group; only basic security groups are supported");
        }
        if (primary.availableIpAddressCount() < REQUIRED_FREE_ADDRESSES) {
            return Result.failed("vSwitchId", NetworkFailureCode.VSWITCH_NO_FREE_IP,
                    "vSwitch " + vSwitchId + " has " + primary.availableIpAddressCount()
                            + " free addresses; the tracking server and the load balancer need " + REQUIRED_FREE_ADDRESSES);
        }
        return new Result(vpc, primary, secondary, sg, null);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
