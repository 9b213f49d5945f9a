package dev.dmsmlflow.network.provider.aliyun;

import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.provider.LoadBalancers;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.network.provider.ProviderException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The aliyun provider against a local server that speaks Alibaba Cloud's RPC wire format and checks signatures. */
class AliyunProviderTest {

    private FakeAlibabaCloud cloud;
    private AliyunClients clients;
    private AliyunNetworkFacts facts;
    private AliyunLoadBalancers loadBalancers;

    @BeforeAll
    static void credentials() {
        // the first link of the default credential chain; in production: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET
        System.setProperty("alibabacloud.accessKeyId", FakeAlibabaCloud.ACCESS_KEY_ID);
        System.setProperty("alibabacloud.accessKeySecret", FakeAlibabaCloud.ACCESS_KEY_SECRET);
    }

    @AfterAll
    static void forget() {
        System.clearProperty("alibabacloud.accessKeyId");
        System.clearProperty("alibabacloud.accessKeySecret");
    }

    static NetworkConfig.Aliyun settings(String endpoint) {
        return new NetworkConfig.Aliyun() {
            public String regionId() { return "cn-hangzhou"; }
            public Optional<String> albEndpoint() { return Optional.of(endpoint); }
            public Optional<String> vpcEndpoint() { return Optional.of(endpoint); }
            public Optional<String> ecsEndpoint() { return Optional.of(endpoint); }
            public String protocol() { return "http"; }
            public String addressType() { return "Intranet"; }
            public String loadBalancerEdition() { return "Standard"; }
            public int backendPort() { return 5000; }
            public Duration jobTimeout() { return Duration.ofSeconds(20); }
            public Duration pollInterval() { return Duration.ofMillis(20); }
            public int maxRetries() { return 4; }
            public Duration retryBackoff() { return Duration.ofMillis(20); }
        };
    }

    @BeforeEach
    void start() throws Exception {
        cloud = new FakeAlibabaCloud();
        clients = new AliyunClients(settings(cloud.endpoint()));
        facts = new AliyunNetworkFacts(clients);
        loadBalancers = new AliyunLoadBalancers(clients, facts);
        cloud.seed();
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    private LoadBalancers.Spec spec(String instanceId) {
        return new LoadBalancers.Spec(instanceId, instanceId, facts.vpc("vpc-a1").orElseThrow(), facts.vSwitch("vsw-h1").orElseThrow(),
                facts.vSwitch("vsw-i1").orElseThrow(), facts.securityGroup("sg-basic").orElseThrow());
    }

    private static Network network(String instanceId, LoadBalancers.Handle h) {
        return new Network(instanceId, "ws-1", "vpc-a1", "vsw-h1", "vsw-i1", h.zoneIds(), "sg-basic", h.loadBalancerId(),
                h.listenerId(), h.aclId(), h.serverGroupId(), h.vpcAddress(), h.vpcPort(), null, null, NetworkStatus.ACTIVE,
                null, null, Instant.now(), Instant.now(), 0);
    }

    @Test
    void tokenModeIsOfferedAndTellingTheAlbAboutTokensCallsNothing() throws Exception {
        // an ALB checks its ACL, never an MLflow Bearer/Basic token: the tracking server behind it checks them itself
        // (it fetches the token list), so token mode is offered and the ALB has nothing to learn about tokens
        assertTrue(loadBalancers.checksTokens());
        LoadBalancers.Handle h = loadBalancers.create(spec("mlf-tok1"));
        int calls = cloud.calls.size();
        loadBalancers.authentication(network("mlf-tok1", h), "token", java.util.List.of(new dev.dmsmlflow.network.domain.AccessToken(
                "tok_1", "mlf-tok1", "t", "read", "0".repeat(64), "m", Instant.now(), null, null, "api")));
        assertEquals(calls, cloud.calls.size(), "no cloud call for a token change");
        loadBalancers.delete(network("mlf-tok1", h));
    }

    @Test
    void theComputesSecurityGroupAdmitsOnlyTheLoadBalancersVSwitchesOnTheTrackingPort() throws Exception {
        LoadBalancers.Handle h = loadBalancers.create(spec("mlf-sg1"));
        // made with the load balancer, before any tracking server starts: the compute (ECI) finds it by name
        String group = cloud.securityGroups.values().stream()
                .filter(g -> AliyunLoadBalancers.computeSecurityGroupName("mlf-sg1").equals(g.get("SecurityGroupName")))
                .map(g -> (String) g.get("SecurityGroupId")).findFirst().orElseThrow();
        NetworkFacts.SecurityGroup made = facts.securityGroup(group).orElseThrow();
        assertEquals(java.util.Set.of("192.168.0.0/24", "192.168.1.0/24"),
                made.inboundRules().stream().map(NetworkFacts.InboundRule::sourceCidr).collect(java.util.stream.Collectors.toSet()));
        assertTrue(made.inboundRules().stream().allMatch(r -> r.accepts() && r.admitsPort(5000) && !r.admitsPort(80)), made.toString());
        Network n = network("mlf-sg1", h);
        loadBalancers.registerBackend(n, "192.168.0.20", 5000);
        NetworkFacts.SecurityGroup sg = facts.securityGroup(group).orElseThrow();
        assertEquals("vpc-a1", sg.vpcId());
        assertEquals(java.util.Set.of("192.168.0.0/24", "192.168.1.0/24"),
                sg.inboundRules().stream().map(NetworkFacts.InboundRule::sourceCidr).collect(java.util.stream.Collectors.toSet()));
        for (NetworkFacts.InboundRule r : sg.inboundRules()) {
            assertTrue(r.accepts() && r.admitsPort(5000) && !r.admitsPort(5001) && !r.admitsPort(80), r.toString());
        }
        // a rule someone added by hand (the whole VPC) is taken away again, and a new port replaces the old one
        cloud.permissions.get(group).add(Map.of("IpProtocol", "TCP", "PortRange", "1/65535", "SourceCidrIp", "192.168.0.0/16",
                "Policy", "accept", "Direction", "ingress"));
        loadBalancers.registerBackend(n, "192.168.0.21", 5001);
        sg = facts.securityGroup(group).orElseThrow();
        assertEquals(2, sg.inboundRules().size(), sg.toString());
        assertTrue(sg.inboundRules().stream().allMatch(r -> r.admitsPort(5001) && !r.admitsPort(5000)), sg.toString());
        assertEquals(1, cloud.count("CreateSecurityGroup"), "one group per instance");
        // release deletes it
        loadBalancers.delete(n);
        assertFalse(cloud.securityGroups.containsKey(group));
    }

    @Test
    void networkFactsComeFromVpcAndEcsApis() {
        NetworkFacts.VSwitch vsw = facts.vSwitch("vsw-h1").orElseThrow();
        assertEquals("vpc-a1", vsw.vpcId());
        assertEquals("cn-hangzhou-h", vsw.zoneId());
        assertEquals(251, vsw.availableIpAddressCount());
        assertEquals("192.168.0.0/16", facts.vpc("vpc-a1").orElseThrow().cidr());
        assertTrue(facts.vSwitch("vsw-nope").isEmpty());
        assertTrue(facts.vpc("vpc-nope").isEmpty());
        assertTrue(facts.securityGroup("sg-nope").isEmpty());

        NetworkFacts.SecurityGroup sg = facts.securityGroup("sg-basic").orElseThrow();
        assertTrue(sg.isBasic());
        assertEquals(2, sg.inboundRules().size());
        NetworkFacts.InboundRule http = sg.inboundRules().get(0);
        assertEquals("tcp", http.protocol());
        assertTrue(http.admitsPort(80) && http.accepts());
        assertFalse(sg.inboundRules().get(1).accepts());
        assertFalse(facts.securityGroup("sg-managed").orElseThrow().isBasic());
        assertFalse(facts.securityGroup("sg-ent").orElseThrow().isBasic());
    }

    @Test
    void theRegistryListsEveryPageOfVpcsAndAVpcsVSwitchesAndGroups() {
        cloud.vpcs.put("vpc-b2", Map.of("VpcId", "vpc-b2", "CidrBlock", "10.0.0.0/8", "Status", "Available"));
        for (int i = 0; i < 55; i++) { // more than one page
            String id = String.format("vsw-p%02d", i);
            cloud.vSwitches.put(id, Map.of("VSwitchId", id, "VpcId", "vpc-a1", "ZoneId", "cn-hangzhou-k", "CidrBlock", "192.168.9.0/24",
                    "AvailableIpAddressCount", i, "Status", "Available"));
        }
        cloud.vSwitches.put("vsw-b", Map.of("VSwitchId", "vsw-b", "VpcId", "vpc-b2", "ZoneId", "cn-hangzhou-h", "CidrBlock", "10.0.0.0/24",
                "AvailableIpAddressCount", 5, "Status", "Available"));

        assertEquals(List.of("vpc-a1", "vpc-b2"), facts.vpcs().stream().map(NetworkFacts.Vpc::id).toList());
        List<NetworkFacts.VSwitch> a1 = facts.vSwitchesOf("vpc-a1");
        assertEquals(57, a1.size());
        NetworkFacts.VSwitch h1 = a1.stream().filter(v -> v.id().equals("vsw-h1")).findFirst().orElseThrow();
        assertEquals("cn-hangzhou-h", h1.zoneId());
        assertEquals(251, h1.availableIpAddressCount());
        assertEquals(List.of("vsw-b"), facts.vSwitchesOf("vpc-b2").stream().map(NetworkFacts.VSwitch::id).toList());
        assertTrue(facts.vSwitchesOf("vpc-nope").isEmpty());
        Map<String, Boolean> basic = new java.util.TreeMap<>();
        facts.securityGroupsOf("vpc-a1").forEach(g -> basic.put(g.id(), g.isBasic()));
        assertEquals(Map.of("sg-basic", true, "sg-ent", false, "sg-managed", false), basic);
        assertTrue(facts.securityGroupsOf("vpc-b2").isEmpty());
    }

    @Test
    void createMakesAWhiteListedPort80ListenerAfterADryRunRetryingThrottlingAndPollingJobs() throws Exception {
        cloud.throttle.put("CreateLoadBalancer", new AtomicInteger(1));
        cloud.throttle.put("AddEntriesToAcl", new AtomicInteger(2));
        LoadBalancers.Handle h = loadBalancers.create(spec("mlf-abc123"));

        assertTrue(cloud.calls.indexOf("CreateLoadBalancer") >= 0);
        assertEquals("true", cloud.count("CreateLoadBalancer") >= 3 ? "true" : "false", cloud.calls.toString()); // dry run, throttled, real
        assertTrue(cloud.count("GetLoadBalancerAttribute") > FakeAlibabaCloud.POLLS_TO_SETTLE, "polled until Active");
        assertTrue(cloud.count("ListAsynJobs") > 0);
        assertEquals(80, h.vpcPort());
        assertEquals("192.168.0.10", h.vpcAddress());
        assertEquals(List.of("cn-hangzhou-h", "cn-hangzhou-i"), h.zoneIds());
        FakeAlibabaCloud.Resource listener = cloud.listeners.get(h.listenerId());
        assertEquals("White", listener.attrs.get("AclType"));
        assertEquals(h.aclId(), listener.attrs.get("AclId"));
        assertEquals("80", listener.attrs.get("Port"));
        assertEquals("HTTP", listener.attrs.get("Protocol"));
        assertEquals(h.serverGroupId(), listener.attrs.get("ServerGroupId"));
        assertTrue(cloud.acls.get(h.aclId()).entries.isEmpty(), "the ACL starts empty: deny all");
        FakeAlibabaCloud.Resource lb = cloud.loadBalancers.get(h.loadBalancerId());
        assertEquals("Intranet", lb.attrs.get("AddressType"));
        assertEquals("PostPay", lb.attrs.get("PayType"));
        Map<String, String> params = cloud.lastParams.get("CreateLoadBalancer");
        assertEquals("vsw-h1", params.get("ZoneMappings.1.VSwitchId"));
        assertEquals("cn-hangzhou-i", params.get("ZoneMappings.2.ZoneId"));
        assertTrue(params.get("ClientToken").length() <= 64);

        // a retried creation (same client token) returns the same resources
        LoadBalancers.Handle again = loadBalancers.create(spec("mlf-abc123"));
        assertEquals(h.loadBalancerId(), again.loadBalancerId());
        assertEquals(h.listenerId(), again.listenerId());
        assertEquals(1, cloud.loadBalancers.size());
        assertEquals(1, cloud.acls.size());
    }

    @Test
    void aclEntriesGoInBatchesOfTwentyAndBackendsAreReplaced() throws Exception {
        LoadBalancers.Handle h = loadBalancers.create(spec("mlf-batch"));
        Network n = network("mlf-batch", h);
        List<AclRule> entries = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            entries.add(new AclRule("10.0." + i + ".0/24", "entry " + i, Instant.now()));
        }
        cloud.throttle.put("AddEntriesToAcl", new AtomicInteger(1));
        loadBalancers.addAclEntries(n, entries);
        assertEquals(45, cloud.acls.get(h.aclId()).entries.size());
        assertEquals(4, cloud.count("AddEntriesToAcl"), "3 batches + 1 throttled");
        loadBalancers.removeAclEntries(n, entries.subList(0, 25).stream().map(AclRule::cidr).toList());
        assertEquals(20, cloud.acls.get(h.aclId()).entries.size());
        assertEquals(2, cloud.count("RemoveEntriesFromAcl"));

        loadBalancers.registerBackend(n, "192.168.0.77", 5000);
        loadBalancers.registerBackend(n, "192.168.0.77", 5000);
        assertEquals(1, cloud.serverGroups.get(h.serverGroupId()).servers.size());
        loadBalancers.registerBackend(n, "192.168.0.78", 5001);
        List<Map<String, Object>> servers = cloud.serverGroups.get(h.serverGroupId()).servers;
        assertEquals(1, servers.size());
        assertEquals("192.168.0.78", servers.get(0).get("ServerIp"));
        assertEquals(5001, servers.get(0).get("Port"));

        loadBalancers.delete(n);
        assertTrue(cloud.loadBalancers.isEmpty() && cloud.listeners.isEmpty() && cloud.serverGroups.isEmpty() && cloud.acls.isEmpty());
        loadBalancers.delete(n); // gone already: fine
    }

    @Test
    void aFailedCreationRemovesEverythingItCreated() {
        cloud.failures.put("CreateListener", "QuotaExceeded.ListenersNum");
        ProviderException e = assertThrows(ProviderException.class, () -> loadBalancers.create(spec("mlf-fail")));
        assertEquals(NetworkFailureCode.LOAD_BALANCER_QUOTA_EXCEEDED, e.code());
        assertTrue(cloud.loadBalancers.isEmpty(), "load balancer deleted");
        assertTrue(cloud.serverGroups.isEmpty(), "server group deleted");
        assertTrue(cloud.acls.isEmpty(), "acl deleted");
    }

    @Test
    void aCreationWhoseComputeSecurityGroupFailsRemovesEverythingItCreatedWithTheGroup() {
        cloud.failures.put("AuthorizeSecurityGroup", "QuotaExceeded.SecurityGroupRule");
        assertThrows(ProviderException.class, () -> loadBalancers.create(spec("mlf-sgfail")));
        assertTrue(cloud.loadBalancers.isEmpty() && cloud.listeners.isEmpty() && cloud.serverGroups.isEmpty() && cloud.acls.isEmpty());
        assertTrue(cloud.securityGroups.values().stream()
                .noneMatch(g -> AliyunLoadBalancers.computeSecurityGroupName("mlf-sgfail").equals(g.get("SecurityGroupName"))),
                "the compute security group made on the way is deleted too");
    }

    @Test
    void aRefusedDryRunCreatesNothing() {
        cloud.failures.put("CreateLoadBalancer", "OperationDenied.VSwitchNotEnoughIp");
        ProviderException e = assertThrows(ProviderException.class, () -> loadBalancers.create(spec("mlf-dry")));
        assertEquals(NetworkFailureCode.LOAD_BALANCER_CREATION_FAILED, e.code());
        assertTrue(e.getMessage().contains("OperationDenied.VSwitchNotEnoughIp"), e.getMessage());
        assertEquals(1, cloud.count("CreateLoadBalancer"));
        assertTrue(cloud.loadBalancers.isEmpty());
    }

    @Test
    void requestsSignedWithAnotherSecretAreRejected() {
        System.setProperty("alibabacloud.accessKeySecret", "not-the-secret");
        try {
            AliyunNetworkFacts wrong = new AliyunNetworkFacts(new AliyunClients(settings(cloud.endpoint())));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> wrong.vSwitch("vsw-h1"));
            assertTrue(e.getMessage().contains("SignatureDoesNotMatch"), e.getMessage());
            assertFalse(e.getMessage().contains("not-the-secret"), "the secret is never in a message");
            assertTrue(cloud.calls.isEmpty(), "nothing was executed");
        } finally {
            System.setProperty("alibabacloud.accessKeySecret", FakeAlibabaCloud.ACCESS_KEY_SECRET);
        }
    }
}
