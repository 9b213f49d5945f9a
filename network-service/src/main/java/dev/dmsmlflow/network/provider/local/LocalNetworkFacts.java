package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.provider.NetworkFacts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The local provider's registry of VPCs, vSwitches and security groups, read from {@code dms.network.local.*}. */
@ApplicationScoped
@Typed(LocalNetworkFacts.class)
public class LocalNetworkFacts implements NetworkFacts {

    private final NetworkRepository repository;
    private final Map<String, Vpc> vpcs = new TreeMap<>();
    private final Map<String, VSwitch> vSwitches = new TreeMap<>();
    private final Map<String, SecurityGroup> groups = new TreeMap<>();

    public LocalNetworkFacts(NetworkConfig config, NetworkRepository repository) {
        this.repository = repository;
        NetworkConfig.Local local = config.local();
        local.vpcs().forEach((id, c) -> vpcs.put(id, new Vpc(id, IpBlock.parse(c.cidr()).toString())));
        local.vSwitches().forEach((id, c) -> vSwitches.put(id,
                new VSwitch(id, c.vpc(), c.zone(), IpBlock.parse(c.cidr()).toString(), c.freeAddresses())));
        local.securityGroups().forEach((id, c) -> groups.put(id, new SecurityGroup(id, c.vpc(), c.type(), c.managed(),
                parseRules(id, c.inbound().orElse(List.of())))));
    }

    /** Parses {@code protocol:port[-port]:cidr}. */
    static List<InboundRule> parseRules(String groupId, List<String> specs) {
        List<InboundRule> rules = new ArrayList<>();
        for (String spec : specs) {
            String[] p = spec.trim().split(":", 3);
            if (p.length != 3) {
                throw new IllegalArgumentException("security group " + groupId + ": rule '" + spec + "' is not protocol:port[-port]:cidr");
            }
            String[] ports = p[1].split("-");
            int from = Integer.parseInt(ports[0]);
            int to = ports.length > 1 ? Integer.parseInt(ports[1]) : from;
            rules.add(new InboundRule(p[0], from, to, IpBlock.parse(p[2]).toString(), "accept"));
        }
        return List.copyOf(rules);
    }

    @Override
    public Optional<Vpc> vpc(String vpcId) {
        return Optional.ofNullable(vpcId).map(vpcs::get);
    }

    @Override
    public Optional<VSwitch> vSwitch(String vSwitchId) {
        // like a real subnet, every live instance on it holds two addresses (tracking server and load balancer)
        return Optional.ofNullable(vSwitchId).map(vSwitches::get).map(v -> new VSwitch(v.id(), v.vpcId(), v.zoneId(), v.cidr(),
                Math.max(0, v.availableIpAddressCount() - 2L * repository.activeOnPrimaryVSwitch(v.id()))));
    }

    @Override
    public Optional<SecurityGroup> securityGroup(String securityGroupId) {
        return Optional.ofNullable(securityGroupId).map(groups::get);
    }

    @Override
    public List<Vpc> vpcs() {
        return List.copyOf(vpcs.values());
    }

    @Override
    public List<VSwitch> vSwitchesOf(String vpcId) {
        return vSwitches.values().stream().filter(v -> v.vpcId().equals(vpcId)).map(v -> vSwitch(v.id()).orElseThrow()).toList();
    }

    @Override
    public List<SecurityGroup> securityGroupsOf(String vpcId) {
        return groups.values().stream().filter(g -> g.vpcId().equals(vpcId)).toList();
    }

    public List<VSwitch> vSwitches() {
        return List.copyOf(vSwitches.values());
    }

    public List<SecurityGroup> securityGroups() {
        return List.copyOf(groups.values());
    }
}
