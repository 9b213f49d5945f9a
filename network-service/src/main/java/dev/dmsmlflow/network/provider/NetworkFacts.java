package dev.dmsmlflow.network.provider;

import java.util.List;
import java.util.Optional;

/** Read-only facts about the customer's network (VPCs, vSwitches, security groups) at the cloud edge. */
public interface NetworkFacts {

    /** A VPC. */
    record Vpc(String id, String cidr) {
    }

    /** A vSwitch (subnet) of a VPC in one zone. */
    record VSwitch(String id, String vpcId, String zoneId, String cidr, long availableIpAddressCount) {
    }

    /** One inbound rule of a security group: protocol (tcp, all), port range, source block, accept or drop. */
    record InboundRule(String protocol, int portFrom, int portTo, String sourceCidr, String policy) {

        public boolean admitsPort(int port) {
            return ("all".equalsIgnoreCase(protocol) || "tcp".equalsIgnoreCase(protocol)) && port >= portFrom && port <= portTo;
        }

        public boolean accepts() {
            return policy == null || "accept".equalsIgnoreCase(policy);
        }
    }

    /** A security group; {@code type} is {@code normal} (basic) or {@code enterprise}. */
    record SecurityGroup(String id, String vpcId, String type, boolean serviceManaged, List<InboundRule> inboundRules) {

        public boolean isBasic() {
            return "normal".equalsIgnoreCase(type) && !serviceManaged;
        }
    }

    Optional<Vpc> vpc(String vpcId);

    Optional<VSwitch> vSwitch(String vSwitchId);

    Optional<SecurityGroup> securityGroup(String securityGroupId);

    /**
     * The registry the console offers as choices: every VPC. A provider that cannot list its cloud's resources throws
     * {@link UnsupportedOperationException} (the API answers 501 and clients fall back to typed ids).
     */
    default List<Vpc> vpcs() {
        throw new UnsupportedOperationException("this network provider cannot list VPCs");
    }

    /** The vSwitches of a VPC, with their zones and free addresses now; empty when the VPC is unknown. */
    default List<VSwitch> vSwitchesOf(String vpcId) {
        throw new UnsupportedOperationException("this network provider cannot list vSwitches");
    }

    /** The security groups of a VPC, with their type; empty when the VPC is unknown. */
    default List<SecurityGroup> securityGroupsOf(String vpcId) {
        throw new UnsupportedOperationException("this network provider cannot list security groups");
    }
}
