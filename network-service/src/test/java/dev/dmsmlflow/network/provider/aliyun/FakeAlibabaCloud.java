package dev.dmsmlflow.network.provider.aliyun;

import static dev.dmsmlflow.infra.aliyun.AcsWire.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server speaking Alibaba Cloud's RPC wire format for the ALB, VPC and ECS actions network-service uses:
 * parameters in the query string (flattened lists such as {@code ZoneMappings.1.VSwitchId}), requests signed with
 * ACS3-HMAC-SHA256 and verified here against the test's secret, JSON answers with a RequestId, error answers with
 * Code/Message/RequestId/HostId/Recommend, asynchronous jobs and resource states that settle after a few polls.
 */
final class FakeAlibabaCloud implements AutoCloseable {

    static final String ACCESS_KEY_ID = "LTAI5tTestAccessKey";
    static final String ACCESS_KEY_SECRET = "test-secret-never-logged";
    /** Polls a job or a resource needs before it settles. */
    static final int POLLS_TO_SETTLE = 2;

    private final HttpServer server;
    private final ObjectMapper json = new ObjectMapper();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Map<String, Map<String, String>> lastParams = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> throttle = new ConcurrentHashMap<>();
    final Map<String, String> failures = new ConcurrentHashMap<>();
    /** Actions whose work does not settle while named here (a load balancer stays Provisioning, a job Processing). */
    final Set<String> held = ConcurrentHashMap.newKeySet();

    final Map<String, Map<String, Object>> vpcs = new ConcurrentHashMap<>();
    final Map<String, Map<String, Object>> vSwitches = new ConcurrentHashMap<>();
    final Map<String, Map<String, Object>> securityGroups = new ConcurrentHashMap<>();
    final Map<String, List<Map<String, Object>>> permissions = new ConcurrentHashMap<>();

    final Map<String, Resource> loadBalancers = new ConcurrentHashMap<>();
    final Map<String, Resource> listeners = new ConcurrentHashMap<>();
    final Map<String, Resource> serverGroups = new ConcurrentHashMap<>();
    final Map<String, Resource> acls = new ConcurrentHashMap<>();
    private final Map<String, Resource> jobs = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    /** A cloud resource with a status that settles after polls, and free-form attributes. */
    static final class Resource {
        final String id;
        final Map<String, Object> attrs = new ConcurrentHashMap<>();
        final Set<String> entries = Collections.synchronizedSet(new LinkedHashSet<>());
        final List<Map<String, Object>> servers = new CopyOnWriteArrayList<>();
        final AtomicInteger polls = new AtomicInteger();

        Resource(String id) {
            this.id = id;
        }
    }

    FakeAlibabaCloud() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A VPC with vSwitches in two zones (the second with one free address), basic, managed and enterprise groups. */
    FakeAlibabaCloud seed() {
        vpcs.put("vpc-a1", Map.of("VpcId", "vpc-a1", "CidrBlock", "192.168.0.0/16", "Status", "Available"));
        vSwitches.put("vsw-h1", Map.of("VSwitchId", "vsw-h1", "VpcId", "vpc-a1", "ZoneId", "cn-hangzhou-h",
                "CidrBlock", "192.168.0.0/24", "AvailableIpAddressCount", 251, "Status", "Available"));
        vSwitches.put("vsw-i1", Map.of("VSwitchId", "vsw-i1", "VpcId", "vpc-a1", "ZoneId", "cn-hangzhou-i",
                "CidrBlock", "192.168.1.0/24", "AvailableIpAddressCount", 1, "Status", "Available"));
        securityGroups.put("sg-basic", Map.of("SecurityGroupId", "sg-basic", "VpcId", "vpc-a1", "SecurityGroupType", "normal",
                "ServiceManaged", false, "SecurityGroupName", "basic"));
        securityGroups.put("sg-managed", Map.of("SecurityGroupId", "sg-managed", "VpcId", "vpc-a1", "SecurityGroupType", "normal",
                "ServiceManaged", true));
        securityGroups.put("sg-ent", Map.of("SecurityGroupId", "sg-ent", "VpcId", "vpc-a1", "SecurityGroupType", "enterprise",
                "ServiceManaged", false));
        permissions.put("sg-basic", List.of(
                Map.of("IpProtocol", "TCP", "PortRange", "80/80", "SourceCidrIp", "192.168.0.0/16", "Policy", "Accept", "Direction", "ingress"),
                Map.of("IpProtocol", "ALL", "PortRange", "-1/-1", "SourceCidrIp", "10.0.0.0/8", "Policy", "Drop", "Direction", "ingress")));
        return this;
    }

    String endpoint() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int count(String action) {
        return (int) calls.stream().filter(action::equals).count();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ------------------------------------------------------------------ transport and signature

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> params = new TreeMap<>();
            String rawQuery = ex.getRequestURI().getRawQuery();
            parseForm(rawQuery, params);
            String contentType = ex.getRequestHeaders().getFirst("content-type");
            if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
                parseForm(new String(body, StandardCharsets.UTF_8), params);
            }
            String action = ex.getRequestHeaders().getFirst("x-acs-action");
            if (action == null) {
                action = params.get("Action");
            }
            String authError = verifyAcs3(ex, rawQuery, body, ACCESS_KEY_ID, ACCESS_KEY_SECRET);
            if (authError != null) {
                String code = authError.startsWith("InvalidAccessKeyId") ? "InvalidAccessKeyId.NotFound" : "SignatureDoesNotMatch";
                error(ex, code.startsWith("Invalid") ? 404 : 400, code, authError);
                return;
            }
            calls.add(action);
            lastParams.put(action, params);
            AtomicInteger t = throttle.get(action);
            if (t != null && t.getAndDecrement() > 0) {
                error(ex, 400, "Throttling.User", "Request was denied due to user flow control.");
                return;
            }
            String failure = failures.get(action);
            if (failure != null) {
                error(ex, 400, failure, "The operation failed: " + failure + ".");
                return;
            }
            Object answer = dispatch(action, params);
            if (answer instanceof ErrorAnswer e) {
                error(ex, e.status, e.code, e.message);
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> result = new LinkedHashMap<>((Map<String, Object>) answer);
            result.put("RequestId", UUID.randomUUID().toString().toUpperCase(Locale.ROOT));
            respond(ex, 200, result);
        } catch (RuntimeException e) {
            error(ex, 500, "InternalError", "The request processing has failed due to some unknown error: " + e);
        }
    }

    private void error(HttpExchange ex, int status, String code, String message) throws IOException {
        String requestId = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", requestId);
        body.put("HostId", "alb.cn-hangzhou.aliyuncs.com");
        body.put("Code", code);
        body.put("Message", message);
        body.put("Recommend", "https://api.aliyun.com/troubleshoot?q=" + code + "&product=Alb&requestId=" + requestId);
        respond(ex, status, body);
    }

    // ------------------------------------------------------------------ API behaviour

    private record ErrorAnswer(int status, String code, String message) {
    }

    private static ErrorAnswer notFound(String code, String id) {
        return new ErrorAnswer(400, code, "The specified resource " + id + " is not found.");
    }

    /** Flattened list parameter {@code Name.N[.Field]} as maps (or values under key ""). */
    static List<Map<String, String>> list(Map<String, String> params, String name) {
        Map<Integer, Map<String, String>> byIndex = new TreeMap<>();
        String prefix = name + ".";
        params.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                int idx = Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
                byIndex.computeIfAbsent(idx, i -> new TreeMap<>()).put(dot < 0 ? "" : rest.substring(dot + 1), v);
            }
        });
        return new ArrayList<>(byIndex.values());
    }

    private String idFor(String action, Map<String, String> params, String prefix) {
        String token = params.get("ClientToken");
        if (token == null) {
            return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        }
        return tokens.computeIfAbsent(action + ":" + token, t -> prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    }

    private String newJob(String api, String resourceId) {
        Resource job = new Resource("job-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
        job.attrs.put("ApiName", api);
        job.attrs.put("ResourceId", resourceId);
        jobs.put(job.id, job);
        return job.id;
    }

    private static boolean settled(Resource r) {
        return r.polls.incrementAndGet() > POLLS_TO_SETTLE;
    }

    private static java.util.Comparator<Map<String, Object>> byId(String key) {
        return java.util.Comparator.comparing(m -> String.valueOf(m.get(key)));
    }

    /** One page (PageNumber, PageSize) of {@code all}, in the describe calls' wire shape: {outer: {inner: [...]}, TotalCount, …}. */
    private static Map<String, Object> page(Map<String, String> p, List<Map<String, Object>> all, String outer, String inner) {
        int number = Integer.parseInt(p.getOrDefault("PageNumber", "1"));
        int size = Integer.parseInt(p.getOrDefault("PageSize", "10"));
        List<Map<String, Object>> items = all.subList(Math.min(all.size(), (number - 1) * size), Math.min(all.size(), number * size));
        return Map.of(outer, Map.of(inner, items), "TotalCount", all.size(), "PageNumber", number, "PageSize", size);
    }

    private Object dispatch(String action, Map<String, String> p) {
        switch (action) {
            case "DescribeVpcAttribute": {
                Map<String, Object> v = vpcs.get(p.get("VpcId"));
                return v == null ? notFound("InvalidVpcId.NotFound", p.get("VpcId")) : v;
            }
            case "DescribeVSwitchAttributes": {
                Map<String, Object> v = vSwitches.get(p.get("VSwitchId"));
                return v == null ? notFound("InvalidVSwitchId.NotFound", p.get("VSwitchId")) : v;
            }
            case "DescribeSecurityGroups": {
                String id = p.get("SecurityGroupId");
                List<Object> groups = new ArrayList<>();
                if (id != null) {
                    if (securityGroups.containsKey(id)) {
                        groups.add(securityGroups.get(id));
                    }
                    return Map.of("SecurityGroups", Map.of("SecurityGroup", groups), "TotalCount", groups.size(), "PageNumber", 1, "PageSize", 10);
                }
                if (p.get("SecurityGroupName") != null) { // the provider looks up the group it made for an instance by name
                    securityGroups.values().stream().filter(g -> p.get("SecurityGroupName").equals(g.get("SecurityGroupName"))
                            && (p.get("VpcId") == null || p.get("VpcId").equals(g.get("VpcId")))).forEach(groups::add);
                    return Map.of("SecurityGroups", Map.of("SecurityGroup", groups), "TotalCount", groups.size(), "PageNumber", 1, "PageSize", 10);
                }
                return page(p, securityGroups.values().stream().filter(g -> g.get("VpcId").equals(p.get("VpcId"))).sorted(byId("SecurityGroupId")).toList(),
                        "SecurityGroups", "SecurityGroup");
            }
            case "DescribeVpcs":
                return page(p, vpcs.values().stream().sorted(byId("VpcId")).toList(), "Vpcs", "Vpc");
            case "DescribeVSwitches":
                return page(p, vSwitches.values().stream().filter(v -> v.get("VpcId").equals(p.get("VpcId"))).sorted(byId("VSwitchId")).toList(),
                        "VSwitches", "VSwitch");
            case "DescribeSecurityGroupAttribute": {
                String id = p.get("SecurityGroupId");
                if (!securityGroups.containsKey(id)) {
                    return notFound("InvalidSecurityGroupId.NotFound", id);
                }
                return Map.of("SecurityGroupId", id, "VpcId", securityGroups.get(id).get("VpcId"), "InnerAccessPolicy", "Accept",
                        "Permissions", Map.of("Permission", permissions.getOrDefault(id, List.of())));
            }
            case "CreateSecurityGroup": {
                if (!vpcs.containsKey(p.get("VpcId"))) {
                    return notFound("InvalidVpcId.NotFound", p.get("VpcId"));
                }
                String id = idFor(action, p, "sg-");
                securityGroups.putIfAbsent(id, Map.of("SecurityGroupId", id, "VpcId", p.get("VpcId"),
                        "SecurityGroupType", p.getOrDefault("SecurityGroupType", "normal"), "ServiceManaged", false,
                        "SecurityGroupName", p.getOrDefault("SecurityGroupName", "")));
                permissions.putIfAbsent(id, new CopyOnWriteArrayList<>());
                return Map.of("SecurityGroupId", id);
            }
            case "AuthorizeSecurityGroup":
            case "RevokeSecurityGroup": {
                String id = p.get("SecurityGroupId");
                if (!securityGroups.containsKey(id)) {
                    return notFound("InvalidSecurityGroupId.NotFound", id);
                }
                List<Map<String, Object>> rules = permissions.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
                for (int n = 1; p.containsKey("Permissions." + n + ".IpProtocol"); n++) {
                    Map<String, Object> rule = Map.of("IpProtocol", p.get("Permissions." + n + ".IpProtocol").toUpperCase(),
                            "PortRange", p.get("Permissions." + n + ".PortRange"), "SourceCidrIp", p.get("Permissions." + n + ".SourceCidrIp"),
                            "Policy", p.getOrDefault("Permissions." + n + ".Policy", "accept").toLowerCase(), "Direction", "ingress");
                    if (action.equals("AuthorizeSecurityGroup")) {
                        if (!rules.contains(rule)) {
                            rules.add(rule);
                        }
                    } else {
                        rules.remove(rule);
                    }
                }
                return Map.of();
            }
            case "DeleteSecurityGroup": {
                String id = p.get("SecurityGroupId");
                if (securityGroups.remove(id) == null) {
                    return notFound("InvalidSecurityGroupId.NotFound", id);
                }
                permissions.remove(id);
                return Map.of();
            }
            case "CreateLoadBalancer": {
                List<Map<String, String>> zones = list(p, "ZoneMappings");
                if (zones.size() < 2 || zones.get(0).get("ZoneId").equals(zones.get(1).get("ZoneId"))) {
                    return new ErrorAnswer(400, "OperationDenied.ZoneMappingsNotEnough", "At least two zones are required.");
                }
                if ("true".equals(p.get("DryRun"))) {
                    return new ErrorAnswer(400, "DryRunOperation", "Request validation has been passed with DryRun flag set.");
                }
                String id = idFor(action, p, "alb-");
                Resource lb = loadBalancers.computeIfAbsent(id, Resource::new);
                lb.attrs.put("Name", p.get("LoadBalancerName"));
                lb.attrs.put("VpcId", p.get("VpcId"));
                lb.attrs.put("AddressType", p.getOrDefault("AddressType", ""));
                lb.attrs.put("PayType", p.getOrDefault("LoadBalancerBillingConfig.PayType", ""));
                lb.attrs.put("Zones", zones);
                return Map.of("LoadBalancerId", id, "JobId", newJob(action, id));
            }
            case "GetLoadBalancerAttribute": {
                Resource lb = loadBalancers.get(p.get("LoadBalancerId"));
                if (lb == null) {
                    return notFound("ResourceNotFound.LoadBalancer", p.get("LoadBalancerId"));
                }
                String status = lb.polls.get() >= POLLS_TO_SETTLE && !held.contains("CreateLoadBalancer") ? "Active" : "Provisioning";
                lb.polls.incrementAndGet();
                lb.attrs.put("Status", status);
                @SuppressWarnings("unchecked")
                List<Map<String, String>> zones = (List<Map<String, String>>) lb.attrs.get("Zones");
                List<Object> mappings = new ArrayList<>();
                int n = 10;
                for (Map<String, String> z : zones) {
                    mappings.add(Map.of("ZoneId", z.get("ZoneId"), "VSwitchId", z.get("VSwitchId"), "Status", "Active",
                            "LoadBalancerAddresses", List.of(Map.of("Address", "192.168.0." + n++))));
                }
                return Map.of("LoadBalancerId", lb.id, "LoadBalancerStatus", status, "LoadBalancerName", lb.attrs.get("Name"),
                        "DNSName", lb.id + ".cn-hangzhou.alb.aliyuncs.com", "AddressType", lb.attrs.get("AddressType"),
                        "VpcId", lb.attrs.get("VpcId"), "ZoneMappings", mappings);
            }
            case "CreateServerGroup": {
                String id = idFor(action, p, "sgp-");
                Resource g = serverGroups.computeIfAbsent(id, Resource::new);
                g.attrs.put("Type", p.getOrDefault("ServerGroupType", "Instance"));
                return Map.of("ServerGroupId", id, "JobId", newJob(action, id));
            }
            case "CreateAcl": {
                String id = idFor(action, p, "acl-");
                acls.computeIfAbsent(id, Resource::new).attrs.put("Name", p.getOrDefault("AclName", ""));
                return Map.of("AclId", id, "JobId", newJob(action, id));
            }
            case "CreateListener": {
                Resource lb = loadBalancers.get(p.get("LoadBalancerId"));
                if (lb == null) {
                    return notFound("ResourceNotFound.LoadBalancer", p.get("LoadBalancerId"));
                }
                if (!"Active".equals(lb.attrs.get("Status"))) {
                    return new ErrorAnswer(400, "IncorrectStatus.LoadBalancer", "The status of the load balancer is incorrect.");
                }
                String group = p.get("DefaultActions.1.ForwardGroupConfig.ServerGroupTuples.1.ServerGroupId");
                if (group == null || !serverGroups.containsKey(group)) {
                    return notFound("ResourceNotFound.ServerGroup", group);
                }
                String id = idFor(action, p, "lsn-");
                Resource l = listeners.computeIfAbsent(id, Resource::new);
                l.attrs.put("LoadBalancerId", lb.id);
                l.attrs.put("Port", p.get("ListenerPort"));
                l.attrs.put("Protocol", p.get("ListenerProtocol"));
                l.attrs.put("ServerGroupId", group);
                return Map.of("ListenerId", id, "JobId", newJob(action, id));
            }
            case "AssociateAclsWithListener": {
                Resource l = listeners.get(p.get("ListenerId"));
                if (l == null) {
                    return notFound("ResourceNotFound.Listener", p.get("ListenerId"));
                }
                String aclId = p.get("AclIds.1");
                if (aclId == null || !acls.containsKey(aclId)) {
                    return notFound("ResourceNotFound.Acl", aclId);
                }
                l.attrs.put("AclType", p.get("AclType"));
                l.attrs.put("AclId", aclId);
                l.polls.set(0);
                return Map.of("JobId", newJob(action, l.id));
            }
            case "GetListenerAttribute": {
                Resource l = listeners.get(p.get("ListenerId"));
                if (l == null) {
                    return notFound("ResourceNotFound.Listener", p.get("ListenerId"));
                }
                String status = settled(l) ? "Running" : "Provisioning";
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ListenerId", l.id);
                body.put("ListenerStatus", status);
                body.put("ListenerPort", Integer.parseInt(String.valueOf(l.attrs.get("Port"))));
                body.put("ListenerProtocol", l.attrs.get("Protocol"));
                body.put("LoadBalancerId", l.attrs.get("LoadBalancerId"));
                if (l.attrs.containsKey("AclId")) {
                    body.put("AclConfig", Map.of("AclType", l.attrs.get("AclType"),
                            "AclRelations", List.of(Map.of("AclId", l.attrs.get("AclId"), "Status", "Associated"))));
                }
                return body;
            }
            case "ListAsynJobs": {
                List<Object> out = new ArrayList<>();
                for (Map<String, String> j : list(p, "JobIds")) {
                    Resource job = jobs.get(j.get(""));
                    if (job != null) {
                        out.add(Map.of("Id", job.id, "ApiName", job.attrs.get("ApiName"), "ResourceId", job.attrs.get("ResourceId"),
                                "Status", !held.contains(String.valueOf(job.attrs.get("ApiName"))) && settled(job) ? "Succeeded" : "Processing"));
                    }
                }
                return Map.of("Jobs", out, "TotalCount", out.size());
            }
            case "AddEntriesToAcl": {
                Resource acl = acls.get(p.get("AclId"));
                if (acl == null) {
                    return notFound("ResourceNotFound.Acl", p.get("AclId"));
                }
                List<Map<String, String>> entries = list(p, "AclEntries");
                if (entries.size() > 20) {
                    return new ErrorAnswer(400, "OperationDenied.TooManyAclEntries", "At most 20 entries can be added at a time.");
                }
                if (acl.entries.size() + entries.size() > 1000) {
                    return new ErrorAnswer(400, "QuotaExceeded.AclEntriesNum", "The quota of acl entries is exceeded.");
                }
                entries.forEach(e -> acl.entries.add(e.get("Entry")));
                return Map.of("JobId", newJob(action, acl.id));
            }
            case "RemoveEntriesFromAcl": {
                Resource acl = acls.get(p.get("AclId"));
                if (acl == null) {
                    return notFound("ResourceNotFound.Acl", p.get("AclId"));
                }
                List<Map<String, String>> entries = list(p, "Entries");
                if (entries.size() > 20) {
                    return new ErrorAnswer(400, "OperationDenied.TooManyAclEntries", "At most 20 entries can be removed at a time.");
                }
                entries.forEach(e -> acl.entries.remove(e.get("")));
                return Map.of("JobId", newJob(action, acl.id));
            }
            case "ListServerGroupServers": {
                Resource g = serverGroups.get(p.get("ServerGroupId"));
                if (g == null) {
                    return notFound("ResourceNotFound.ServerGroup", p.get("ServerGroupId"));
                }
                return Map.of("Servers", List.copyOf(g.servers), "TotalCount", g.servers.size());
            }
            case "AddServersToServerGroup": {
                Resource g = serverGroups.get(p.get("ServerGroupId"));
                if (g == null) {
                    return notFound("ResourceNotFound.ServerGroup", p.get("ServerGroupId"));
                }
                for (Map<String, String> s : list(p, "Servers")) {
                    g.servers.add(Map.of("ServerId", s.get("ServerId"), "ServerIp", s.getOrDefault("ServerIp", s.get("ServerId")),
                            "ServerType", s.get("ServerType"), "Port", Integer.parseInt(s.get("Port")), "Status", "Available",
                            "ServerGroupId", g.id, "Weight", 100));
                }
                return Map.of("JobId", newJob(action, g.id));
            }
            case "RemoveServersFromServerGroup": {
                Resource g = serverGroups.get(p.get("ServerGroupId"));
                if (g == null) {
                    return notFound("ResourceNotFound.ServerGroup", p.get("ServerGroupId"));
                }
                for (Map<String, String> s : list(p, "Servers")) {
                    g.servers.removeIf(x -> x.get("ServerId").equals(s.get("ServerId")) && String.valueOf(x.get("Port")).equals(s.get("Port")));
                }
                return Map.of("JobId", newJob(action, g.id));
            }
            case "DeleteListener":
                return delete(listeners, p.get("ListenerId"), "ResourceNotFound.Listener", action);
            case "DeleteLoadBalancer":
                if (listeners.values().stream().anyMatch(l -> p.get("LoadBalancerId").equals(l.attrs.get("LoadBalancerId")))) {
                    return new ErrorAnswer(400, "IncorrectStatus.LoadBalancer", "The load balancer still has listeners.");
                }
                return delete(loadBalancers, p.get("LoadBalancerId"), "ResourceNotFound.LoadBalancer", action);
            case "DeleteServerGroup":
                return delete(serverGroups, p.get("ServerGroupId"), "ResourceNotFound.ServerGroup", action);
            case "DeleteAcl":
                return delete(acls, p.get("AclId"), "ResourceNotFound.Acl", action);
            default:
                return new ErrorAnswer(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.");
        }
    }

    private Object delete(Map<String, Resource> from, String id, String notFoundCode, String action) {
        if (id == null || from.remove(id) == null) {
            return notFound(notFoundCode, id);
        }
        return Map.of("JobId", newJob(action, id));
    }
}
