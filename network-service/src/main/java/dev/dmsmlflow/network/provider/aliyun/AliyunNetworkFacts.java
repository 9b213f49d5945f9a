package dev.dmsmlflow.network.provider.aliyun;

import com.aliyun.ecs20140526.models.DescribeSecurityGroupAttributeRequest;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupAttributeResponseBody;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupsRequest;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupsResponseBody;
import com.aliyun.vpc20160428.models.DescribeVSwitchAttributesRequest;
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

/** Network facts from Alibaba Cloud: VPC DescribeVpcAttribute / DescribeVSwitchAttributes, ECS DescribeSecurityGroups(+Attribute). */
@ApplicationScoped
@Typed(AliyunNetworkFacts.class)
public class AliyunNetworkFacts implements NetworkFacts {

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
}
