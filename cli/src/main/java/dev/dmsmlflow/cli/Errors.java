package dev.dmsmlflow.cli;

import java.util.Map;

/** Turns an API error into one or two lines a person can act on: what went wrong, which option to fix. */
final class Errors {

    /** API field → the CLI option or argument that sets it. */
    private static final Map<String, String> OPTIONS = Map.ofEntries(
            Map.entry("name", "--name"),
            Map.entry("description", "--description"),
            Map.entry("vpcId", "--vpc"),
            Map.entry("vSwitchId", "--vswitch"),
            Map.entry("secondaryVSwitchId", "--secondary-vswitch"),
            Map.entry("securityGroupId", "--security-group"),
            Map.entry("ossBucket", "--oss-bucket"),
            Map.entry("ossPath", "--oss-path"),
            Map.entry("spec", "--spec"),
            Map.entry("authMode", "--auth-mode"),
            Map.entry("scope", "--scope"),
            Map.entry("expiresInDays", "--expires-in-days"),
            Map.entry("allowAll", "--allow-all"),
            Map.entry("version", "--version"),
            Map.entry("cidr", "the CIDR argument"),
            Map.entry("entries", "the CIDR arguments"),
            Map.entry("source", "--source"),
            Map.entry("role", "--role"),
            Map.entry("memberId", "the MEMBER argument"),
            Map.entry("expiresAt", "--expires-in-days"),
            Map.entry("pageSize", "--page-size"),
            Map.entry("pageToken", "--page-token"));

    private Errors() {
    }

    static String describe(GatewayClient.ApiError a) {
        StringBuilder b = new StringBuilder("dms: ");
        b.append(a.title == null ? "request failed" : a.title).append(" (HTTP ").append(a.status).append(")");
        if (a.detail != null) {
            b.append(": ").append(a.detail);
        }
        if (a.field != null) {
            b.append("\n  field ").append(a.field);
            String option = OPTIONS.get(a.field);
            if (option != null) {
                b.append(": fix ").append(option);
            }
        }
        if (a.code != null) {
            b.append("\n  code ").append(a.code);
        }
        switch (a.status) {
            case 401 -> b.append("\n  your API key is missing, unknown, revoked or expired: run dms login with a valid key");
            case 403 -> b.append("\n  your role in this workspace does not allow it (ask an owner: dms member list)");
            case 404 -> b.append("\n  not found in this workspace (check the id and --workspace)");
            case 429 -> b.append("\n  too many requests: retry after ").append(a.retryAfterSeconds).append(" s");
            default -> {
            }
        }
        return b.toString();
    }

    static int exitCode(GatewayClient.ApiError a) {
        return switch (a.status) {
            case 401, 403 -> CliException.AUTH;
            case 404 -> CliException.NOT_FOUND;
            default -> CliException.FAILED;
        };
    }
}
