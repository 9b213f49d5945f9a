package dev.dmsmlflow.network.domain;

import dev.dmsmlflow.network.provider.NetworkFacts;

import java.net.InetAddress;
import java.util.Collection;

/** The admission rules of the layers between a client and an instance, shared by the proxy and the diagnosis. */
public final class Admission {

    /** The listener port the security group must open (the seed: "allow port 80 from your source IP"). */
    public static final int LISTENER_PORT = 80;

    /** Whether a layer admits a source, and why (or why not). */
    public record Decision(String layer, boolean admitted, String reason) {
    }

    private Admission() {
    }

    public static Decision acl(Collection<AclRule> entries, InetAddress source) {
        if (entries.isEmpty()) {
            return new Decision("acl", false, "the ACL has no entries and denies all traffic");
        }
        for (AclRule e : entries) {
            if (e.block().contains(source)) {
                return new Decision("acl", true, "ACL entry " + e.cidr() + " covers " + source.getHostAddress());
            }
        }
        return new Decision("acl", false, "none of the " + entries.size() + " ACL entries covers " + source.getHostAddress());
    }

    public static Decision securityGroup(NetworkFacts.SecurityGroup sg, String securityGroupId, InetAddress source) {
        if (sg == null) {
            return new Decision("security-group", false, "security group " + securityGroupId + " does not exist");
        }
        for (NetworkFacts.InboundRule r : sg.inboundRules()) {
            if (r.accepts() && r.admitsPort(LISTENER_PORT) && IpBlock.parse(r.sourceCidr()).contains(source)) {
                return new Decision("security-group", true, "inbound rule " + r.protocol() + " " + r.portFrom()
                        + (r.portTo() != r.portFrom() ? "-" + r.portTo() : "") + " from " + r.sourceCidr() + " of " + sg.id()
                        + " allows port " + LISTENER_PORT + " from " + source.getHostAddress());
            }
        }
        return new Decision("security-group", false, "no inbound rule of " + sg.id() + " allows port " + LISTENER_PORT
                + " from " + source.getHostAddress());
    }

    /**
     * Whether the tracking server behind the load balancer answers, from the load balancer's health check: admitted when
     * HEALTHY, refused when UNHEALTHY or when no backend is registered (the load balancer then answers 503). Before the
     * first verdict it is admitted and the reason says that nothing is decided yet: the load balancer forwards meanwhile.
     */
    public static Decision backend(boolean registered, BackendHealth h) {
        if (!registered) {
            return new Decision("backend", false, "no tracking server is registered with the load balancer yet; it answers 503");
        }
        String last = h.lastCheckedAt() == null ? null
                : h.reason() == null ? "its last health check passed" : "its last health check failed: " + h.reason();
        return switch (h.status()) {
            case HEALTHY -> h.reason() == null
                    ? new Decision("backend", true, "the tracking server is healthy: it passed its last " + checks(h.passesInARow()))
                    : new Decision("backend", true, "the tracking server is healthy, though " + last + " ("
                            + h.failuresInARow() + " in a row)");
            case UNHEALTHY -> h.reason() != null
                    ? new Decision("backend", false, "the tracking server failed its last " + checks(h.failuresInARow()) + ": " + h.reason())
                    : new Decision("backend", false, "the tracking server is unhealthy since " + h.since() + "; it passed its last "
                            + checks(h.passesInARow()) + ", not yet enough to count as healthy again");
            case UNKNOWN -> new Decision("backend", true, "the tracking server's health is not known yet ("
                    + (last == null ? "not checked yet" : last) + "); the load balancer forwards to it meanwhile");
        };
    }

    private static String checks(int n) {
        return n == 1 ? "health check" : n + " health checks";
    }
}
