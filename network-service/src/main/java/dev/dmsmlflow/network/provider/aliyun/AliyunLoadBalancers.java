package dev.dmsmlflow.network.provider.aliyun;

import com.aliyun.alb20200616.models.AddEntriesToAclRequest;
import com.aliyun.alb20200616.models.AddServersToServerGroupRequest;
import com.aliyun.alb20200616.models.AssociateAclsWithListenerRequest;
import com.aliyun.alb20200616.models.CreateAclRequest;
import com.aliyun.alb20200616.models.CreateListenerRequest;
import com.aliyun.alb20200616.models.CreateLoadBalancerRequest;
import com.aliyun.alb20200616.models.CreateServerGroupRequest;
import com.aliyun.alb20200616.models.DeleteAclRequest;
import com.aliyun.alb20200616.models.DeleteListenerRequest;
import com.aliyun.alb20200616.models.DeleteLoadBalancerRequest;
import com.aliyun.alb20200616.models.DeleteServerGroupRequest;
import com.aliyun.alb20200616.models.GetListenerAttributeRequest;
import com.aliyun.alb20200616.models.GetListenerAttributeResponseBody;
import com.aliyun.alb20200616.models.GetLoadBalancerAttributeRequest;
import com.aliyun.alb20200616.models.GetLoadBalancerAttributeResponseBody;
import com.aliyun.alb20200616.models.ListAsynJobsRequest;
import com.aliyun.alb20200616.models.ListAsynJobsResponseBody;
import com.aliyun.alb20200616.models.ListServerGroupServersRequest;
import com.aliyun.alb20200616.models.ListServerGroupServersResponseBody;
import com.aliyun.alb20200616.models.RemoveEntriesFromAclRequest;
import com.aliyun.alb20200616.models.RemoveServersFromServerGroupRequest;
import com.aliyun.ecs20140526.models.AuthorizeSecurityGroupRequest;
import com.aliyun.ecs20140526.models.CreateSecurityGroupRequest;
import com.aliyun.ecs20140526.models.DeleteSecurityGroupRequest;
import com.aliyun.ecs20140526.models.DescribeSecurityGroupsRequest;
import com.aliyun.ecs20140526.models.RevokeSecurityGroupRequest;
import com.aliyun.tea.TeaException;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.ProviderException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Application Load Balancers on Alibaba Cloud through the official ALB SDK: a dry run, then the load balancer in two
 * zones, a server group, an ACL, a port-80 HTTP listener forwarding to the group and the ACL attached as a white list
 * (empty, so it denies all). Every mutating call carries a ClientToken derived from the instance id and waits for its
 * asynchronous job; a failed creation deletes what it created.
 */
@ApplicationScoped
@Typed(AliyunLoadBalancers.class)
public class AliyunLoadBalancers implements LoadBalancers {

    private static final Logger LOG = Logger.getLogger(AliyunLoadBalancers.class);
    /** AddEntriesToAcl and RemoveEntriesFromAcl take at most 20 entries per call. */
    public static final int ACL_BATCH = 20;
    private static final int LISTENER_PORT = 80;

    private final AliyunClients clients;
    private final AliyunNetworkFacts facts;

    public AliyunLoadBalancers(AliyunClients clients, AliyunNetworkFacts facts) {
        this.clients = clients;
        this.facts = facts;
    }

    /** Name of the security group of an instance's compute (the tracking server's pods), made by this adapter. */
    static String computeSecurityGroupName(String instanceId) {
        return "dms-mlflow-" + instanceId + "-compute";
    }

    /**
     * Makes sure the compute of the instance sits behind a security group of its own that admits only the load
     * balancer: TCP on the tracking server's port from the CIDR of each of the load balancer's two vSwitches, nothing
     * else (rules for any other source or port are revoked). Returns the group's id. The compute runs its pods in it.
     */
    public String ensureComputeSecurityGroup(Network network, int port) throws ProviderException {
        return ensureComputeSecurityGroup(network.instanceId(), network.vpcId(), List.of(network.vSwitchId(), network.secondaryVSwitchId()), port);
    }

    /**
     * The same, before the network row exists: made with the load balancer, so that the compute (an Elastic Container
     * Instance started next, which finds the group by its name) never runs in a group that admits more.
     */
    String ensureComputeSecurityGroup(String instanceId, String vpcId, List<String> vSwitchIds, int port) throws ProviderException {
        Set<String> sources = new LinkedHashSet<>();
        for (String vSwitchId : vSwitchIds) {
            NetworkFacts.VSwitch v = facts.vSwitch(vSwitchId).orElseThrow(() -> new ProviderException(NetworkFailureCode.PROVIDER_ERROR,
                    "vSwitch " + vSwitchId + " of the load balancer no longer exists"));
            sources.add(v.cidr());
        }
        String groupId = findComputeSecurityGroup(instanceId, vpcId);
        if (groupId == null) {
            groupId = clients.call("CreateSecurityGroup", () -> clients.ecs().createSecurityGroupWithOptions(new CreateSecurityGroupRequest()
                    .setRegionId(clients.config().regionId()).setVpcId(vpcId)
                    .setSecurityGroupName(computeSecurityGroupName(instanceId)).setSecurityGroupType("normal")
                    .setDescription("tracking server of MLflow instance " + instanceId + ": its load balancer only")
                    .setClientToken(AliyunClients.token("csg", instanceId)), clients.runtime())).getBody().getSecurityGroupId();
        }
        String group = groupId;
        String range = port + "/" + port;
        NetworkFacts.SecurityGroup current = facts.securityGroup(group).orElse(null);
        if (current != null) {
            for (NetworkFacts.InboundRule r : current.inboundRules()) {
                boolean wanted = "tcp".equalsIgnoreCase(r.protocol()) && r.portFrom() == port && r.portTo() == port
                        && r.accepts() && sources.contains(r.sourceCidr());
                if (!wanted) {
                    clients.call("RevokeSecurityGroup", () -> clients.ecs().revokeSecurityGroupWithOptions(new RevokeSecurityGroupRequest()
                            .setRegionId(clients.config().regionId()).setSecurityGroupId(group)
                            .setPermissions(List.of(new RevokeSecurityGroupRequest.RevokeSecurityGroupRequestPermissions()
                                    .setIpProtocol(r.protocol().toUpperCase()).setPortRange(r.portFrom() + "/" + r.portTo())
                                    .setSourceCidrIp(r.sourceCidr()).setPolicy(r.policy()))), clients.runtime()));
                } else {
                    sources.remove(r.sourceCidr());
                }
            }
        }
        for (String cidr : sources) {
            clients.call("AuthorizeSecurityGroup", () -> clients.ecs().authorizeSecurityGroupWithOptions(new AuthorizeSecurityGroupRequest()
                    .setRegionId(clients.config().regionId()).setSecurityGroupId(group)
                    .setPermissions(List.of(new AuthorizeSecurityGroupRequest.AuthorizeSecurityGroupRequestPermissions()
                            .setIpProtocol("TCP").setPortRange(range).setSourceCidrIp(cidr).setPolicy("accept")
                            .setDescription("load balancer vSwitch"))), clients.runtime()));
        }
        return group;
    }

    private String findComputeSecurityGroup(String instanceId, String vpcId) throws ProviderException {
        String name = computeSecurityGroupName(instanceId);
        var b = clients.call("DescribeSecurityGroups", () -> clients.ecs().describeSecurityGroupsWithOptions(new DescribeSecurityGroupsRequest()
                .setRegionId(clients.config().regionId()).setVpcId(vpcId).setSecurityGroupName(name), clients.runtime())).getBody();
        if (b == null || b.getSecurityGroups() == null || b.getSecurityGroups().getSecurityGroup() == null) {
            return null;
        }
        return b.getSecurityGroups().getSecurityGroup().stream().filter(g -> name.equals(g.getSecurityGroupName()))
                .map(g -> g.getSecurityGroupId()).findFirst().orElse(null);
    }

    /**
     * Token mode is offered here although an ALB cannot check MLflow tokens: the instance's tracking server checks them
     * itself, with the token list it fetches from this service ({@code api/TrackingTokensResource}; instance-service's
     * aliyun compute gives it the URL). So the load balancer has nothing to learn when tokens or the mode change
     * ({@link #authentication} stays a no-op): the server sees a change within its refresh interval.
     */
    @Override
    public boolean checksTokens() {
        return true;
    }

    @Override
    public Handle create(Spec spec) throws ProviderException {
        String key = spec.clientToken();
        String name = "dms-mlflow-" + spec.instanceId();
        List<CreateLoadBalancerRequest.CreateLoadBalancerRequestZoneMappings> zones = List.of(
                new CreateLoadBalancerRequest.CreateLoadBalancerRequestZoneMappings().setVSwitchId(spec.primary().id()).setZoneId(spec.primary().zoneId()),
                new CreateLoadBalancerRequest.CreateLoadBalancerRequestZoneMappings().setVSwitchId(spec.secondary().id()).setZoneId(spec.secondary().zoneId()));
        CreateLoadBalancerRequest lbRequest = new CreateLoadBalancerRequest()
                .setLoadBalancerName(name)
                .setVpcId(spec.vpc().id())
                .setAddressType(clients.config().addressType())
                .setLoadBalancerEdition(clients.config().loadBalancerEdition())
                .setLoadBalancerBillingConfig(new CreateLoadBalancerRequest.CreateLoadBalancerRequestLoadBalancerBillingConfig().setPayType("PostPay"))
                .setZoneMappings(zones)
                .setClientToken(AliyunClients.token("lb", key));
        dryRun(lbRequest);

        String lbId = null;
        String serverGroupId = null;
        String aclId = null;
        String listenerId = null;
        try {
            var lb = clients.call("CreateLoadBalancer", () -> clients.alb().createLoadBalancerWithOptions(lbRequest.setDryRun(false), clients.runtime())).getBody();
            lbId = lb.getLoadBalancerId();
            String createdLb = lbId;
            GetLoadBalancerAttributeResponseBody attrs = waitLoadBalancer(createdLb, s -> "Active".equalsIgnoreCase(s));

            var sg = clients.call("CreateServerGroup", () -> clients.alb().createServerGroupWithOptions(new CreateServerGroupRequest()
                    .setServerGroupName(name).setServerGroupType("Ip").setProtocol("HTTP").setVpcId(spec.vpc().id())
                    .setClientToken(AliyunClients.token("sgp", key)), clients.runtime())).getBody();
            serverGroupId = sg.getServerGroupId();
            waitJob(sg.getJobId());

            var acl = clients.call("CreateAcl", () -> clients.alb().createAclWithOptions(new CreateAclRequest()
                    .setAclName(name).setClientToken(AliyunClients.token("acl", key)), clients.runtime())).getBody();
            aclId = acl.getAclId();
            waitJob(acl.getJobId());

            String group = serverGroupId;
            var listener = clients.call("CreateListener", () -> clients.alb().createListenerWithOptions(new CreateListenerRequest()
                    .setLoadBalancerId(createdLb).setListenerProtocol("HTTP").setListenerPort(LISTENER_PORT)
                    .setListenerDescription(name)
                    .setDefaultActions(List.of(new CreateListenerRequest.CreateListenerRequestDefaultActions().setType("ForwardGroup")
                            .setForwardGroupConfig(new CreateListenerRequest.CreateListenerRequestDefaultActionsForwardGroupConfig()
                                    .setServerGroupTuples(List.of(new CreateListenerRequest.CreateListenerRequestDefaultActionsForwardGroupConfigServerGroupTuples()
                                            .setServerGroupId(group))))))
                    .setClientToken(AliyunClients.token("lsn", key)), clients.runtime())).getBody();
            listenerId = listener.getListenerId();
            String createdListener = listenerId;
            waitListener(createdListener);

            String createdAcl = aclId;
            clients.call("AssociateAclsWithListener", () -> clients.alb().associateAclsWithListenerWithOptions(new AssociateAclsWithListenerRequest()
                    .setListenerId(createdListener).setAclIds(List.of(createdAcl)).setAclType("White")
                    .setClientToken(AliyunClients.token("assoc", key)), clients.runtime()));
            GetListenerAttributeResponseBody l = waitListener(createdListener);
            if (l.getAclConfig() == null || !"White".equalsIgnoreCase(l.getAclConfig().getAclType())) {
                throw new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED,
                        "listener " + createdListener + " did not take the white-list ACL " + createdAcl);
            }
            // the tracking servers' own group, before any of them starts (instance-service's ECI finds it by name)
            ensureComputeSecurityGroup(spec.instanceId(), spec.vpc().id(), List.of(spec.primary().id(), spec.secondary().id()),
                    clients.config().backendPort());
            return new Handle(lbId, listenerId, aclId, serverGroupId, address(attrs), LISTENER_PORT,
                    List.of(spec.primary().zoneId(), spec.secondary().zoneId()));
        } catch (ProviderException e) {
            if (Thread.currentThread().isInterrupted()) {
                // the service stops: leave what exists; the step is still pending and resumes it by the same client tokens
                throw e;
            }
            cleanup(lbId, listenerId, serverGroupId, aclId);
            try {
                deleteComputeSecurityGroup(spec.instanceId(), spec.vpc().id());
            } catch (ProviderException ce) {
                e.addSuppressed(ce);
            }
            throw e.code() == NetworkFailureCode.PROVIDER_ERROR
                    ? new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED, e.getMessage(), e) : e;
        }
    }

    /** CreateLoadBalancer with DryRun=true: success is the error code DryRunOperation. */
    private void dryRun(CreateLoadBalancerRequest request) throws ProviderException {
        try {
            boolean passed = clients.call("CreateLoadBalancer (dry run)", () -> {
                try {
                    clients.alb().createLoadBalancerWithOptions(request.setDryRun(true), clients.runtime());
                    return false;
                } catch (TeaException e) {
                    if ("DryRunOperation".equals(e.getCode())) {
                        return true;
                    }
                    throw e;
                }
            });
            if (!passed) {
                throw new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED,
                        "the dry run of CreateLoadBalancer neither passed nor failed");
            }
        } catch (ProviderException e) {
            throw e.code() == NetworkFailureCode.PROVIDER_ERROR
                    ? new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED, e.getMessage(), e) : e;
        } finally {
            request.setDryRun(false);
        }
    }

    private static String address(GetLoadBalancerAttributeResponseBody attrs) {
        if (attrs.getZoneMappings() != null) {
            for (var z : attrs.getZoneMappings()) {
                if (z.getLoadBalancerAddresses() != null) {
                    for (var a : z.getLoadBalancerAddresses()) {
                        if (a.getAddress() != null) {
                            return a.getAddress();
                        }
                        if (a.getIntranetAddress() != null) {
                            return a.getIntranetAddress();
                        }
                    }
                }
            }
        }
        return attrs.getDNSName();
    }

    private GetLoadBalancerAttributeResponseBody waitLoadBalancer(String lbId, Predicate<String> done) throws ProviderException {
        long deadline = System.nanoTime() + clients.config().jobTimeout().toNanos();
        while (true) {
            GetLoadBalancerAttributeResponseBody b = clients.call("GetLoadBalancerAttribute", () -> clients.alb()
                    .getLoadBalancerAttributeWithOptions(new GetLoadBalancerAttributeRequest().setLoadBalancerId(lbId), clients.runtime())).getBody();
            String status = b.getLoadBalancerStatus();
            if (done.test(status)) {
                return b;
            }
            if ("CreateFailed".equalsIgnoreCase(status)) {
                throw new ProviderException(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED, "load balancer " + lbId + " is " + status);
            }
            timeout(deadline, "load balancer " + lbId + " to become Active (is " + status + ")");
        }
    }

    private GetListenerAttributeResponseBody waitListener(String listenerId) throws ProviderException {
        long deadline = System.nanoTime() + clients.config().jobTimeout().toNanos();
        while (true) {
            GetListenerAttributeResponseBody b = clients.call("GetListenerAttribute", () -> clients.alb()
                    .getListenerAttributeWithOptions(new GetListenerAttributeRequest().setListenerId(listenerId), clients.runtime())).getBody();
            if ("Running".equalsIgnoreCase(b.getListenerStatus())) {
                return b;
            }
            timeout(deadline, "listener " + listenerId + " to be Running (is " + b.getListenerStatus() + ")");
        }
    }

    /** Polls ListAsynJobs until the job succeeded; a null job id means the call was synchronous. */
    private void waitJob(String jobId) throws ProviderException {
        if (jobId == null) {
            return;
        }
        long deadline = System.nanoTime() + clients.config().jobTimeout().toNanos();
        while (true) {
            ListAsynJobsResponseBody b = clients.call("ListAsynJobs", () -> clients.alb().listAsynJobsWithOptions(
                    new ListAsynJobsRequest().setJobIds(List.of(jobId)), clients.runtime())).getBody();
            var job = b.getJobs() == null ? null : b.getJobs().stream().filter(j -> jobId.equals(j.getId())).findFirst().orElse(null);
            String status = job == null ? null : job.getStatus();
            if ("Succeeded".equalsIgnoreCase(status)) {
                return;
            }
            if ("Failed".equalsIgnoreCase(status)) {
                throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "job " + jobId + " (" + job.getApiName() + ") failed: "
                        + job.getErrorCode() + " " + job.getErrorMessage());
            }
            timeout(deadline, "job " + jobId + " (is " + status + ")");
        }
    }

    private void timeout(long deadline, String what) throws ProviderException {
        if (System.nanoTime() > deadline) {
            throw new ProviderException(NetworkFailureCode.PROVIDER_ERROR, "timed out waiting for " + what);
        }
        AliyunClients.sleep(clients.config().pollInterval().toMillis());
    }

    private void cleanup(String lbId, String listenerId, String serverGroupId, String aclId) {
        try {
            deleteAll(lbId, listenerId, serverGroupId, aclId);
        } catch (ProviderException e) {
            LOG.errorf("cleanup after a failed creation left resources behind (lb %s, listener %s, server group %s, acl %s): %s",
                    lbId, listenerId, serverGroupId, aclId, e.getMessage());
        }
    }

    @Override
    public void addAclEntries(Network network, List<AclRule> entries) throws ProviderException {
        for (int i = 0; i < entries.size(); i += ACL_BATCH) {
            List<AclRule> batch = entries.subList(i, Math.min(entries.size(), i + ACL_BATCH));
            List<AddEntriesToAclRequest.AddEntriesToAclRequestAclEntries> items = new ArrayList<>();
            batch.forEach(e -> items.add(new AddEntriesToAclRequest.AddEntriesToAclRequestAclEntries().setEntry(e.cidr())
                    .setDescription(e.description())));
            String token = AliyunClients.token("acl-add", network.aclId() + ":" + String.join(",", batch.stream().map(AclRule::cidr).toList()));
            try {
                var r = clients.call("AddEntriesToAcl", () -> clients.alb().addEntriesToAclWithOptions(new AddEntriesToAclRequest()
                        .setAclId(network.aclId()).setAclEntries(items).setClientToken(token), clients.runtime())).getBody();
                waitJob(r.getJobId());
            } catch (AliyunClients.AliyunException e) {
                if (!e.errorCode().contains("Duplicated") && !e.errorCode().contains("AlreadyExist")) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void removeAclEntries(Network network, List<String> cidrs) throws ProviderException {
        for (int i = 0; i < cidrs.size(); i += ACL_BATCH) {
            List<String> batch = List.copyOf(cidrs.subList(i, Math.min(cidrs.size(), i + ACL_BATCH)));
            String token = AliyunClients.token("acl-rm", network.aclId() + ":" + String.join(",", batch));
            try {
                var r = clients.call("RemoveEntriesFromAcl", () -> clients.alb().removeEntriesFromAclWithOptions(new RemoveEntriesFromAclRequest()
                        .setAclId(network.aclId()).setEntries(batch).setClientToken(token), clients.runtime())).getBody();
                waitJob(r.getJobId());
            } catch (AliyunClients.AliyunException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
    }

    /**
     * Not reported yet: an ALB can check its server group itself ({@code HealthCheckConfig} of {@code CreateServerGroup})
     * and tells the verdict through {@code GetListenerHealthStatus}; this adapter sets up neither. Empty rather than a
     * guess, so the view and the diagnosis leave the backend's health out.
     */
    @Override
    public java.util.Optional<dev.dmsmlflow.network.domain.BackendHealth> backendHealth(String loadBalancerId) {
        return java.util.Optional.empty();
    }

    @Override
    public String registerBackend(Network network, String host, int port) throws ProviderException {
        ensureComputeSecurityGroup(network, port);
        String group = network.serverGroupId();
        ListServerGroupServersResponseBody current = clients.call("ListServerGroupServers", () -> clients.alb()
                .listServerGroupServersWithOptions(new ListServerGroupServersRequest().setServerGroupId(group), clients.runtime())).getBody();
        boolean present = false;
        List<RemoveServersFromServerGroupRequest.RemoveServersFromServerGroupRequestServers> stale = new ArrayList<>();
        if (current.getServers() != null) {
            for (var s : current.getServers()) {
                if (host.equals(s.getServerIp() != null ? s.getServerIp() : s.getServerId()) && Integer.valueOf(port).equals(s.getPort())) {
                    present = true;
                } else {
                    stale.add(new RemoveServersFromServerGroupRequest.RemoveServersFromServerGroupRequestServers()
                            .setServerId(s.getServerId()).setServerIp(s.getServerIp()).setServerType(s.getServerType()).setPort(s.getPort()));
                }
            }
        }
        if (!present) {
            var r = clients.call("AddServersToServerGroup", () -> clients.alb().addServersToServerGroupWithOptions(new AddServersToServerGroupRequest()
                    .setServerGroupId(group)
                    .setServers(List.of(new AddServersToServerGroupRequest.AddServersToServerGroupRequestServers()
                            .setServerType("Ip").setServerId(host).setServerIp(host).setPort(port).setWeight(100)
                            .setDescription("tracking server of " + network.instanceId())))
                    .setClientToken(AliyunClients.token("srv", network.instanceId() + ":" + host + ":" + port)), clients.runtime())).getBody();
            waitJob(r.getJobId());
        }
        if (!stale.isEmpty()) {
            var r = clients.call("RemoveServersFromServerGroup", () -> clients.alb().removeServersFromServerGroupWithOptions(
                    new RemoveServersFromServerGroupRequest().setServerGroupId(group).setServers(stale), clients.runtime())).getBody();
            waitJob(r.getJobId());
        }
        return group;
    }

    @Override
    public void delete(Network network) throws ProviderException {
        deleteAll(network.loadBalancerId(), network.listenerId(), network.serverGroupId(), network.aclId());
        if (network.vpcId() != null) {
            deleteComputeSecurityGroup(network.instanceId(), network.vpcId());
        }
    }

    private void deleteComputeSecurityGroup(String instanceId, String vpcId) throws ProviderException {
        String group = findComputeSecurityGroup(instanceId, vpcId);
        if (group != null) {
            try {
                clients.call("DeleteSecurityGroup", () -> clients.ecs().deleteSecurityGroupWithOptions(new DeleteSecurityGroupRequest()
                        .setRegionId(clients.config().regionId()).setSecurityGroupId(group), clients.runtime()));
            } catch (AliyunClients.AliyunException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
            }
        }
    }

    private void deleteAll(String lbId, String listenerId, String serverGroupId, String aclId) throws ProviderException {
        if (listenerId != null) {
            ignoringNotFound("DeleteListener", () -> clients.alb().deleteListenerWithOptions(
                    new DeleteListenerRequest().setListenerId(listenerId), clients.runtime()).getBody().getJobId());
        }
        if (lbId != null) {
            ignoringNotFound("DeleteLoadBalancer", () -> clients.alb().deleteLoadBalancerWithOptions(
                    new DeleteLoadBalancerRequest().setLoadBalancerId(lbId), clients.runtime()).getBody().getJobId());
        }
        if (serverGroupId != null) {
            ignoringNotFound("DeleteServerGroup", () -> clients.alb().deleteServerGroupWithOptions(
                    new DeleteServerGroupRequest().setServerGroupId(serverGroupId), clients.runtime()).getBody().getJobId());
        }
        if (aclId != null) {
            ignoringNotFound("DeleteAcl", () -> clients.alb().deleteAclWithOptions(
                    new DeleteAclRequest().setAclId(aclId), clients.runtime()).getBody().getJobId());
        }
    }

    private void ignoringNotFound(String action, AliyunClients.Call<String> call) throws ProviderException {
        try {
            waitJob(clients.call(action, call));
        } catch (AliyunClients.AliyunException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }
}
