package dev.dmsmlflow.network.domain;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address block in canonical form: host bits cleared, a single address written as /32 or /128,
 * IPv6 in RFC 5952 text. Parsing never touches DNS: only address literals are accepted.
 */
public final class IpBlock {

    private static final Pattern IPV4 = Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$");
    private static final Pattern IPV6_CHARS = Pattern.compile("^[0-9A-Fa-f:.]+$");
    private static final Pattern PREFIX = Pattern.compile("^(0|[1-9][0-9]{0,2})$");

    private final byte[] network;
    private final int prefix;

    private IpBlock(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Parses {@code a.b.c.d}, {@code a.b.c.d/n}, an IPv6 literal or an IPv6 CIDR; throws IllegalArgumentException saying why not. */
    public static IpBlock parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must be an IPv4 or IPv6 address or CIDR block");
        }
        String s = text.trim();
        String addressPart = s;
        Integer prefix = null;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            addressPart = s.substring(0, slash);
            String p = s.substring(slash + 1);
            if (!PREFIX.matcher(p).matches()) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
            }
            prefix = Integer.parseInt(p);
        }
        byte[] bytes = parseAddress(addressPart, text);
        int max = bytes.length * 8;
        int len = prefix == null ? max : prefix;
        if (len > max) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length above " + max);
        }
        return new IpBlock(mask(bytes, len), len);
    }

    /** The single address as a block (/32 or /128). */
    public static IpBlock of(InetAddress address) {
        byte[] b = address.getAddress();
        return new IpBlock(b, b.length * 8);
    }

    /** Parses an address literal (no prefix); throws IllegalArgumentException when it is not one. */
    public static InetAddress parseAddress(String literal) {
        try {
            return InetAddress.getByAddress(parseAddress(literal, literal));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address");
        }
    }

    private static byte[] parseAddress(String a, String original) {
        if (IPV4.matcher(a).matches()) {
            String[] parts = a.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return b;
        }
        if (a.indexOf(':') >= 0 && IPV6_CHARS.matcher(a).matches()) {
            try {
                // a literal containing ':' never goes to DNS
                byte[] b = InetAddress.getByName(a).getAddress();
                if (b.length != 16) {
                    throw new IllegalArgumentException("'" + original + "' is an IPv4-mapped IPv6 address: use the IPv4 form");
                }
                return b;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + original + "' is not a valid IPv6 address");
            }
        }
        throw new IllegalArgumentException("'" + original + "' is not an IPv4 or IPv6 address or CIDR block");
    }

    private static byte[] mask(byte[] bytes, int len) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, len - i * 8));
            int m = bitsHere == 0 ? 0 : (0xFF << (8 - bitsHere)) & 0xFF;
            out[i] = (byte) (out[i] & m);
        }
        return out;
    }

    public boolean isIpv6() {
        return network.length == 16;
    }

    public int prefixLength() {
        return prefix;
    }

    /** Whether {@code address} (same family) lies in this block. */
    public boolean contains(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(b, prefix), network);
    }

    /** Whether the whole of {@code other} lies in this block. */
    public boolean covers(IpBlock other) {
        return other.network.length == network.length && other.prefix >= prefix
                && Arrays.equals(mask(other.network, prefix), network);
    }

    /** Canonical text, e.g. {@code 10.0.0.0/8}, {@code 192.168.1.7/32}, {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return (isIpv6() ? ipv6Text(network) : ipv4Text(network)) + "/" + prefix;
    }

    private static String ipv4Text(byte[] b) {
        return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }

    /** RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups as '::'. */
    static String ipv6Text(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen && j - i >= 2) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpBlock other && other.prefix == prefix && Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }
}
