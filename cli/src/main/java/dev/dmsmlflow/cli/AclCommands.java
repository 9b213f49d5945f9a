package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code dms acl ...} and {@code dms diagnose}: who may reach an instance through its load balancer. */
@Command(mixinStandardHelpOptions = true, name = "acl", description = "The ACL of an instance's load balancer (deny-all until entries are added).",
        subcommands = {AclCommands.Add.class, AclCommands.Remove.class, AclCommands.ListEntries.class})
final class AclCommands {

    static String path(DmsCli.Session s, String id) {
        return InstanceCommands.path(s, id) + "/acl/entries";
    }

    @Command(mixinStandardHelpOptions = true, name = "add", description = "Allow one or more source addresses or CIDR blocks.")
    static final class Add implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(index = "0", paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CIDR", description = "e.g. 10.0.1.0/24 or 127.0.0.1")
        List<String> cidrs;
        @Option(names = "--description", description = "what the entry is for (e.g. \"my notebook\")")
        String description;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode();
            if (cidrs.size() == 1) {
                body.put("cidr", cidrs.get(0));
                if (description != null) {
                    body.put("description", description);
                }
            } else {
                ArrayNode entries = body.putArray("entries");
                for (String c : cidrs) {
                    ObjectNode e = entries.addObject().put("cidr", c);
                    if (description != null) {
                        e.put("description", description);
                    }
                }
            }
            var change = s.client().post(path(s, id), body);
            if (s.printer.json()) {
                s.printer.raw(change);
            } else {
                s.printer.line("added " + change.path("added").size() + " entr" + (change.path("added").size() == 1 ? "y" : "ies")
                        + "; the ACL now has " + Printer.value(change, "total"));
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove entries by CIDR.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(index = "0", paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CIDR")
        List<String> cidrs;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            Query q = new Query();
            cidrs.forEach(c -> q.and("cidr", c));
            var change = s.client().delete(path(s, id) + q);
            if (s.printer.json()) {
                s.printer.raw(change);
            } else {
                s.printer.line("removed " + change.path("removed").size() + "; the ACL now has " + Printer.value(change, "total"));
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the ACL's entries.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get(path(s, id) + page.query()),
                    "cidr", "description", "createdAt");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "diagnose", description = "Would a client at --source reach the instance? Shows each layer's decision (ACL, security group, VPC).")
    static final class Diagnose implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String id;
        @Option(names = "--source", required = true, description = "the client's source address, e.g. 10.0.1.15")
        String source;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            var d = s.client().get(InstanceCommands.path(s, id) + "/diagnose" + Query.of("source", source));
            if (s.printer.json()) {
                s.printer.raw(d);
                return 0;
            }
            boolean admitted = d.path("admitted").asBoolean();
            s.printer.line(source + (admitted ? " is admitted" : " is refused"));
            s.printer.table(d.path("layers"), "layer", "admitted", "reason");
            return admitted ? 0 : CliException.FAILED;
        }
    }
}
