package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code dms instance ...}: MLflow instances of a workspace. */
@Command(mixinStandardHelpOptions = true, name = "instance", description = "MLflow instances: create, list, get, edit, release, redeploy, stop, start, vpc-address, usage, specs.",
        subcommands = {InstanceCommands.Create.class, InstanceCommands.ListInstances.class, InstanceCommands.Get.class,
                InstanceCommands.Edit.class, InstanceCommands.Release.class, InstanceCommands.Redeploy.class,
                InstanceCommands.Stop.class, InstanceCommands.Start.class, InstanceCommands.VpcAddress.class,
                InstanceCommands.Usage.class, InstanceCommands.Specs.class})
final class InstanceCommands {

    static final String[] VIEW = {"id", "name", "status", "statusReason.code", "statusReason.message", "workspaceId", "description",
            "spec", "pendingSpec", "vpcId", "vSwitchId", "secondaryVSwitchId", "securityGroupId", "artifactRoot", "vpcAddress", "vpcHost", "trackingUri",
            "trackingVersion", "authMode", "aclAllowsAll", "createdAt", "updatedAt"};
    static final Set<String> FAILED = Set.of("CREATE_FAILED", "RELEASE_FAILED");

    /** Waiting options shared by the slow commands. */
    static final class WaitOptions {
        @Option(names = "--wait", description = "wait until the operation ends, showing progress; exit non-zero if it fails")
        boolean wait;

        @Option(names = "--wait-timeout", description = "seconds to wait (default ${DEFAULT-VALUE})", defaultValue = "600")
        int waitSeconds;
    }

    /** The API path of the instance named by {@code ref}: its id, or its name when exactly one live instance has it. */
    static String path(DmsCli.Session s, String ref) {
        return s.ws() + "/instances/" + GatewayClient.enc(resolve(s, ref));
    }

    /** An instance id from an id or a name (names are resolved among the workspace's instances that are not released). */
    static String resolve(DmsCli.Session s, String ref) {
        try {
            java.util.UUID.fromString(ref);
            return ref;
        } catch (IllegalArgumentException notAnId) {
            java.util.List<String> ids = new java.util.ArrayList<>();
            String token = null;
            do {
                JsonNode page = s.client().get(s.ws() + "/instances" + Query.of("pageSize", 100).and("pageToken", token));
                for (JsonNode i : page.path("items")) {
                    if (ref.equals(GatewayClient.text(i, "name")) && !"RELEASED".equals(GatewayClient.text(i, "status"))) {
                        ids.add(GatewayClient.text(i, "id"));
                    }
                }
                token = GatewayClient.text(page, "nextPageToken");
            } while (token != null);
            if (ids.size() == 1) {
                return ids.get(0);
            }
            throw new CliException(ids.isEmpty() ? "no instance named " + ref + " in workspace " + s.workspace()
                    : ids.size() + " instances are named " + ref + ": use an id (" + String.join(", ", ids) + ")", CliException.NOT_FOUND);
        }
    }

    /** Prints the answer of a slow operation, or waits for its end first. */
    static void finish(DmsCli.Session s, JsonNode accepted, WaitOptions w, Set<String> done) {
        JsonNode shown = accepted;
        if (w.wait) {
            shown = Waiter.await(s.client(), path(s, GatewayClient.text(accepted, "id")), done, FAILED,
                    Duration.ofSeconds(w.waitSeconds), s.err, System.console() != null);
        }
        s.printer.record(shown, VIEW);
        if (!s.printer.json() && "RUNNING".equals(GatewayClient.text(shown, "status"))) {
            String line = setTrackingUriLine(shown);
            if (line != null) {
                s.printer.line("\n" + line + "   # after: ./dms acl add " + GatewayClient.text(shown, "name") + " <your address or CIDR>");
            }
        }
    }

    /** The line that points the mlflow client at the instance: the server's {@code setTrackingUri}, else made from its URI. */
    static String setTrackingUriLine(JsonNode i) {
        String line = GatewayClient.text(i, "setTrackingUri");
        if (line != null) {
            return line;
        }
        String uri = firstUri(i);
        return uri == null ? null : "mlflow.set_tracking_uri(\"" + uri + "\")";
    }

    /** The URI an MLflow client is given: the VPC address when it is one, else built from host and port, else the tracking URI. */
    static String firstUri(JsonNode i) {
        String vpc = GatewayClient.text(i, "vpcAddress");
        if (vpc != null && vpc.contains("://")) {
            return vpc;
        }
        String port = GatewayClient.text(i, "vpcPort");
        if (vpc != null && port != null) {
            return "http://" + vpc + ":" + port;
        }
        return GatewayClient.text(i, "trackingUri");
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create an MLflow instance (202: provisioning goes on; --wait follows it to RUNNING).")
    static final class Create implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        WaitOptions waitOptions;

        @Option(names = "--name", required = true, description = "instance name")
        String name;
        @Option(names = "--description")
        String description;
        @Option(names = "--vpc", required = true, description = "VPC id")
        String vpc;
        @Option(names = "--vswitch", required = true, description = "primary vSwitch id")
        String vSwitch;
        @Option(names = "--secondary-vswitch", required = true, description = "secondary vSwitch id, in another zone")
        String secondary;
        @Option(names = "--security-group", required = true, description = "basic security group id")
        String securityGroup;
        @Option(names = "--oss-bucket", required = true, description = "OSS bucket of the artifact root")
        String bucket;
        @Option(names = "--oss-path", required = true, description = "path in the bucket")
        String path;
        @Option(names = "--spec", defaultValue = "mlflow.small", description = "mlflow.small, mlflow.medium or mlflow.large (default ${DEFAULT-VALUE})")
        String spec;
        @Option(names = "--auth-mode", description = "network (default: the ACL and security group decide) or token (clients also need an MLflow access token: dms token create)")
        String authMode;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode();
            body.put("name", name);
            if (description != null) {
                body.put("description", description);
            }
            body.put("vpcId", vpc).put("vSwitchId", vSwitch).put("secondaryVSwitchId", secondary)
                    .put("securityGroupId", securityGroup).put("ossBucket", bucket).put("ossPath", path).put("spec", spec);
            if (authMode != null) {
                body.put("authMode", authMode);
            }
            JsonNode created = s.client().post(s.ws() + "/instances", body);
            if (waitOptions.wait) {
                s.err.println("created " + GatewayClient.text(created, "id") + "; waiting for RUNNING");
            }
            finish(s, created, waitOptions, Set.of("RUNNING"));
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the workspace's instances.")
    static final class ListInstances implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--status", description = "only instances in this status")
        String status;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String q = page.into(Query.of("status", status)).toString();
            s.printer.table(s.client().get(s.ws() + "/instances" + q), "id", "name", "status", "spec", "vpcAddress", "createdAt");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "specs", description = "List the specs an instance can have: CPU cores, memory and price SKU.")
    static final class Specs implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get(s.ws() + "/instance-specs"), "name", "cpuCores", "memoryGiB", "sku");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "Show one instance.")
    static final class Get implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            JsonNode i = s.client().get(path(s, id));
            s.printer.record(i, VIEW);
            String line = setTrackingUriLine(i);
            if (line != null) {
                s.printer.line("\n" + line);
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "edit", description = "Change an instance's name or description.")
    static final class Edit implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        WaitOptions waitOptions;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Option(names = "--name")
        String name;
        @Option(names = "--description", description = "new description (\"\" clears it)")
        String description;
        @Option(names = "--auth-mode", description = "network or token")
        String authMode;
        @Option(names = "--spec", description = "resize (see `dms instance specs`): a RUNNING instance turns UPDATING while a server of"
                + " the new spec replaces the serving one, data kept (--wait follows it); a STOPPED one starts with it next time")
        String spec;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode();
            if (name != null) {
                body.put("name", name);
            }
            if (description != null) {
                if (description.isEmpty()) {
                    body.putNull("description");
                } else {
                    body.put("description", description);
                }
            }
            if (authMode != null) {
                body.put("authMode", authMode);
            }
            if (spec != null) {
                body.put("spec", spec);
            }
            if (body.isEmpty()) {
                throw new CliException("nothing to change: give --name, --description, --auth-mode and/or --spec", 2);
            }
            JsonNode edited = s.client().patch(path(s, id), body);
            if (waitOptions.wait && "UPDATING".equals(GatewayClient.text(edited, "status"))) {
                JsonNode done = Waiter.await(s.client(), path(s, GatewayClient.text(edited, "id")), Set.of("RUNNING", "RELEASING", "RELEASED"),
                        FAILED, Duration.ofSeconds(waitOptions.waitSeconds), s.err, System.console() != null);
                s.printer.record(done, VIEW);
                JsonNode reason = done.path("statusReason");
                if ("RESIZE_FAILED".equals(GatewayClient.text(reason, "code"))) {
                    throw new CliException("the resize did not take effect: " + GatewayClient.text(reason, "message"), CliException.FAILED);
                }
                return 0;
            }
            s.printer.record(edited, VIEW);
            return 0;
        }
    }

    /** release, stop, start: a POST to an action with an empty body. */
    abstract static class Action implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        WaitOptions waitOptions;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;

        private final String action;
        private final Set<String> done;

        Action(String action, String done) {
            this.action = action;
            this.done = Set.of(done);
        }

        Object body() {
            return GatewayClient.JSON.createObjectNode();
        }

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            JsonNode accepted = s.client().post(path(s, id) + "/" + action, body());
            finish(s, accepted, waitOptions, done);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "release", description = "Release an instance: its tracking server, database and load balancer are destroyed.")
    static final class Release extends Action {
        Release() {
            super("release", "RELEASED");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "stop", description = "Stop an instance's tracking server (data kept; metering stops).")
    static final class Stop extends Action {
        Stop() {
            super("stop", "STOPPED");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "start", description = "Start a stopped instance.")
    static final class Start extends Action {
        Start() {
            super("start", "RUNNING");
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "redeploy", description = "Restart an instance's tracking server, optionally on another version (data kept).")
    static final class Redeploy extends Action {
        @Option(names = "--version", description = "tracking-server version to run")
        String version;

        Redeploy() {
            super("redeploy", "RUNNING");
        }

        @Override
        Object body() {
            ObjectNode b = GatewayClient.JSON.createObjectNode();
            if (version != null) {
                b.put("version", version);
            }
            return b;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "vpc-address", description = "Show the address an MLflow client uses, and the line to use it.")
    static final class VpcAddress implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            JsonNode a = s.client().get(path(s, id) + "/vpc-address");
            s.printer.record(a, "instanceId", "status", "vpcAddress", "vpcHost", "vpcPort");
            String line = setTrackingUriLine(a);
            if (line != null) {
                s.printer.line("\n" + line);
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "usage", description = "Show an instance's metered usage (hourly windows).")
    static final class Usage implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String q = page.query().toString();
            s.printer.table(s.client().get(path(s, id) + "/usage" + q), "windowStart", "windowEnd", "quantity", "unit");
            return 0;
        }
    }
}
