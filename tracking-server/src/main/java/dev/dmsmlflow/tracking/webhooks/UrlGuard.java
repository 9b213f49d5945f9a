package dev.dmsmlflow.tracking.webhooks;

import dev.dmsmlflow.tracking.http.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a webhook URL may be called: an allowed scheme, a host name, and every address the
 * host resolves to public, or inside a network the operator allowed. Link-local addresses (which
 * include the 169.254.169.254 metadata service) and known cloud metadata addresses are always refused.
 * Checked when a webhook is saved and again before every delivery (DNS answers change).
 */
@ApplicationScoped
public class UrlGuard {
    /** Metadata services outside link-local ranges: Alibaba Cloud (100.100.100.200) and AWS over IPv6. */
    static final List<String> METADATA = List.of("100.100.100.200/32", "fd00:ec2::254/128");

    @Inject
    WebhookConfig config;

    /** The address of an allowed URL (the first one it resolves to), or a 400 saying why not. */
    public URI check(String url) {
        if (url == null || url.isBlank()) {
            throw MlflowException.invalidParameter("Webhook URL cannot be empty or just whitespace: '" + url + "'");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw MlflowException.invalidParameter("Invalid webhook URL '" + url + "': " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        List<String> schemes = config.allowedSchemes().stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        if (!schemes.contains(scheme) || !(scheme.equals("http") || scheme.equals("https"))) {
            throw MlflowException.invalidParameter("Invalid webhook URL scheme: '" + scheme + "'. Allowed schemes are: "
                    + String.join(", ", schemes.stream().filter(s -> s.equals("http") || s.equals("https")).toList()) + ".");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw MlflowException.invalidParameter("Webhook URL must include a hostname: '" + url + "'");
        }
        if (uri.getUserInfo() != null) {
            throw MlflowException.invalidParameter("Webhook URL must not contain credentials");
        }
        InetAddress[] addrs;
        try {
            addrs = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw MlflowException.invalidParameter("Cannot resolve webhook URL hostname '" + host + "'");
        }
        for (InetAddress a : addrs) {
            String why = refusal(a);
            if (why != null) {
                throw MlflowException.invalidParameter("Webhook URL must not resolve to a " + why + " address. '"
                        + host + "' resolves to " + a.getHostAddress() + ".");
            }
        }
        return uri;
    }

    /** Why an address is refused, or null when it may be called. */
    String refusal(InetAddress a) {
        if (a.isLinkLocalAddress() || inAny(a, List.of("169.254.0.0/16", "fe80::/10"))) {
            return "link-local";
        }
        if (inAny(a, METADATA)) {
            return "cloud metadata";
        }
        if (isPublic(a)) {
            return null;
        }
        if (inAny(a, config.allowedNetworks().orElse(List.of()))) {
            return null;
        }
        return "non-public";
    }

    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        return !inAny(a, List.of("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
                "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "fc00::/7", "::/128", "::1/128", "2001:db8::/32",
                "64:ff9b::/96", "::ffff:0:0/96"));
    }

    static boolean inAny(InetAddress a, List<String> cidrs) {
        for (String c : cidrs) {
            if (in(a, c.trim())) {
                return true;
            }
        }
        return false;
    }

    static boolean in(InetAddress a, String cidr) {
        int slash = cidr.indexOf('/');
        String net = slash < 0 ? cidr : cidr.substring(0, slash);
        InetAddress n;
        try {
            n = InetAddress.getByName(net);
        } catch (UnknownHostException e) {
            return false;
        }
        byte[] x = a.getAddress();
        byte[] y = n.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits = slash < 0 ? x.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) {
                return false;
            }
        }
        return true;
    }
}
