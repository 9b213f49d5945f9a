package dev.dmsmlflow.network.provider.aliyun;

import com.aliyun.ecs20140526.models.DescribeSecurityGroupAttributeRequest;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupAttributeResponseBody;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupsRequest;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupsResponseBody;
import com.aliyun.vpc20160428.models.DescribeVSwitchAttributesRequest;
import com.aliyun.vpc20160428.models.DescribeVSwitchesRequest;
import com.aliyun.vpc20160428.models.DescribeVSwitchesResponseBody;
import com.aliyun.vpc20160428.models.DescribeVpcsRequest;
import com.aliyun.vpc20160428.models.DescribeVpcsResponseBody;
import com.aliyun.vpc20160428.models.DescribeVSwitchAttributesResponseBody;
import com.aliyun.vpc20160428.models.DescribeVpcAttributeRequest;
import com.aliyun.vpc20160428.models.DescribeVpcAttributeResponseBody;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.network.provider.ProviderException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Network facts from Alibaba Cloud: VPC DescribeVpcAttribute / DescribeVSwitchAttributes, ECS DescribeSecurityGroups(+Attribute);
 * the registry from VPC DescribeVpcs / DescribeVSwitches and ECS DescribeSecurityGroups by VPC (paged, at most {@value #MAX_PAGES} pages).
 */
@ApplicationScoped
@Typed(AliyunNetworkFacts.class)
public class AliyunNetworkFacts implements NetworkFacts {

    /** Bounds a registry listing: 20 pages of 50 are 1,000 VPCs, vSwitches or groups, beyond any console's list. */
    static final int MAX_PAGES = 20;
    static final int PAGE_SIZE = 50;

    private final AliyunClients clients;

    public AliyunNetworkFacts(AliyunClients clients) {
        this.clients = clients;
    }

    private static IllegalStateException unavailable(ProviderException e) {
        return new IllegalStateException(e.getMessage(), e);
    }

    @Override
    public Optional<Vpc> vpc(String vpcId) {
        try {
            DescribeVpcAttributeResponseBody b = clients.call("DescribeVpcAttribute", () -> clients.vpc().describeVpcAttributeWithOptions(
                    new DescribeVpcAttributeRequest().setVpcId(vpcId).setRegionId(clients.config().regionId()), clients.runtime())).getBody();
            return b == null || b.getVpcId() == null ? Optional.empty() : Optional.of(new Vpc(b.getVpcId(), b.getCidrBlock()));
        } catch (AliyunClients.AliyunException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw unavailable(e);
        } catch (ProviderException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<VSwitch> vSwitch(String vSwitchId) {
        try {
            DescribeVSwitchAttributesResponseBody b = clients.call("DescribeVSwitchAttributes", () -> clients.vpc()
                    .describeVSwitchAttributesWithOptions(new DescribeVSwitchAttributesRequest().setVSwitchId(vSwitchId)
                            .setRegionId(clients.config().regionId()), clients.runtime())).getBody();
            if (b == null || b.getVSwitchId() == null) {
                return Optional.empty();
            }
            long free = b.getAvailableIpAddressCount() == null ? 0 : b.getAvailableIpAddressCount();
            return Optional.of(new VSwitch(b.getVSwitchId(), b.getVpcId(), b.getZoneId(), b.getCidrBlock(), free));
        } catch (AliyunClients.AliyunException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw unavailable(e);
        } catch (ProviderException e) {
            throw unavailable(e);
        }
    }

    @Override
    public Optional<SecurityGroup> securityGroup(String securityGroupId) {
        try {
            DescribeSecurityGroupsResponseBody b = clients.call("DescribeSecurityGroups", () -> clients.ecs()
                    .describeSecurityGroupsWithOptions(new DescribeSecurityGroupsRequest().setRegionId(clients.config().regionId())
                            .setSecurityGroupId(securityGroupId), clients.runtime())).getBody();
            if (b == null || b.getSecurityGroups() == null || b.getSecurityGroups().getSecurityGroup() == null) {
                return Optional.empty();
            }
            DescribeSecurityGroupsResponseBody.DescribeSecurityGroupsResponseBodySecurityGroupsSecurityGroup g = b.getSecurityGroups()
                    .getSecurityGroup().stream().filter(s -> securityGroupId.equals(s.getSecurityGroupId())).findFirst().orElse(null);
            if (g == null) {
                return Optional.empty();
            }
            DescribeSecurityGroupAttributeResponseBody a = clients.call("DescribeSecurityGroupAttribute", () -> clients.ecs()
                    .describeSecurityGroupAttributeWithOptions(new DescribeSecurityGroupAttributeRequest()
                            .setRegionId(clients.config().regionId()).setSecurityGroupId(securityGroupId).setDirection("ingress"),
                            clients.runtime())).getBody();
            List<InboundRule> rules = new ArrayList<>();
            if (a != null && a.getPermissions() != null && a.getPermissions().getPermission() != null) {
                for (var p : a.getPermissions().getPermission()) {
                    if (p.getDirection() != null && !"ingress".equalsIgnoreCase(p.getDirection())) {
                        continue;
                    }
                    String source = p.getSourceCidrIp() != null && !p.getSourceCidrIp().isBlank() ? p.getSourceCidrIp() : p.getIpv6SourceCidrIp();
                    if (source == null || source.isBlank()) {
                        continue; // rules by source group or prefix list do not name addresses
                    }
                    int[] ports = ports(p.getPortRange());
                    rules.add(new InboundRule(p.getIpProtocol() == null ? "all" : p.getIpProtocol().toLowerCase(Locale.ROOT),
                            ports[0], ports[1], source, p.getPolicy() == null ? "accept" : p.getPolicy().toLowerCase(Locale.ROOT)));
                }
            }
            return Optional.of(new SecurityGroup(g.getSecurityGroupId(), g.getVpcId(),
                    g.getSecurityGroupType() == null ? "normal" : g.getSecurityGroupType(),
                    Boolean.TRUE.equals(g.getServiceManaged()), rules));
        } catch (AliyunClients.AliyunException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw unavailable(e);
        } catch (ProviderException e) {
            throw unavailable(e);
        }
    }

    /** {@code 80/80}, {@code 1/65535}, {@code -1/-1} (all ports). */
    static int[] ports(String range) {
        if (range == null || range.isBlank() || range.startsWith("-1")) {
            return new int[] {1, 65535};
        }
        String[] p = range.split("/");
        int from = Integer.parseInt(p[0].trim());
        int to = p.length > 1 ? Integer.parseInt(p[1].trim()) : from;
        return new int[] {from, to};
    }

    @Override
    public List<Vpc> vpcs() {
        List<Vpc> out = new ArrayList<>();
        try {
            for (int page = 1; page <= MAX_PAGES; page++) {
                int number = page;
                DescribeVpcsResponseBody b = clients.call("DescribeVpcs", () -> clients.vpc().describeVpcsWithOptions(new DescribeVpcsRequest()
                        .setRegionId(clients.config().regionId()).setPageNumber(number).setPageSize(PAGE_SIZE), clients.runtime())).getBody();
                var items = b == null || b.getVpcs() == null || b.getVpcs().getVpc() == null ? List.<DescribeVpcsResponseBody.DescribeVpcsResponseBodyVpcsVpc>of() : b.getVpcs().getVpc();
                items.forEach(v -> out.add(new Vpc(v.getVpcId(), v.getCidrBlock())));
                if (items.size() < PAGE_SIZE || b.getTotalCount() == null || out.size() >= b.getTotalCount()) {
                    break;
                }
            }
        } catch (ProviderException e) {
            throw unavailable(e);
        }
        return out;
    }

    @Override
    public List<VSwitch> vSwitchesOf(String vpcId) {
        List<VSwitch> out = new ArrayList<>();
        try {
            for (int page = 1; page <= MAX_PAGES; page++) {
                int number = page;
                DescribeVSwitchesResponseBody b = clients.call("DescribeVSwitches", () -> clients.vpc().describeVSwitchesWithOptions(new DescribeVSwitchesRequest()
                        .setRegionId(clients.config().regionId()).setVpcId(vpcId).setPageNumber(number).setPageSize(PAGE_SIZE), clients.runtime())).getBody();
                var items = b == null || b.getVSwitches() == null || b.getVSwitches().getVSwitch() == null
                        ? List.<DescribeVSwitchesResponseBody.DescribeVSwitchesResponseBodyVSwitchesVSwitch>of() : b.getVSwitches().getVSwitch();
                items.forEach(v -> out.add(new VSwitch(v.getVSwitchId(), v.getVpcId(), v.getZoneId(), v.getCidrBlock(),
                        v.getAvailableIpAddressCount() == null ? 0 : v.getAvailableIpAddressCount())));
                if (items.size() < PAGE_SIZE || b.getTotalCount() == null || out.size() >= b.getTotalCount()) {
                    break;
                }
            }
        } catch (ProviderException e) {
            throw unavailable(e);
        }
        return out;
    }

    /** The groups of a VPC with their type; inbound rules are not read here (one call per group), only for validation. */
    @Override
    public List<SecurityGroup> securityGroupsOf(String vpcId) {
        List<SecurityGroup> out = new ArrayList<>();
        try {
            for (int page = 1; page <= MAX_PAGES; page++) {
                int number = page;
                DescribeSecurityGroupsResponseBody b = clients.call("DescribeSecurityGroups", () -> clients.ecs()
                        .describeSecurityGroupsWithOptions(new DescribeSecurityGroupsRequest().setRegionId(clients.config().regionId())
                                .setVpcId(vpcId).setPageNumber(number).setPageSize(PAGE_SIZE), clients.runtime())).getBody();
                var items = b == null || b.getSecurityGroups() == null || b.getSecurityGroups().getSecurityGroup() == null
                        ? List.<DescribeSecurityGroupsResponseBody.DescribeSecurityGroupsResponseBodySecurityGroupsSecurityGroup>of()
                        : b.getSecurityGroups().getSecurityGroup();
                items.forEach(g -> out.add(new SecurityGroup(g.getSecurityGroupId(), g.getVpcId(),
                        g.getSecurityGroupType() == null ? "normal" : g.getSecurityGroupType(), Boolean.TRUE.equals(g.getServiceManaged()), List.of())));
                if (items.size() < PAGE_SIZE || b.getTotalCount() == null || out.size() >= b.getTotalCount()) {
                    break;
                }
            }
        } catch (ProviderException e) {
            throw unavailable(e);
        }
        return out;
    }
}
