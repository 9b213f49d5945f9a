package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code dms member ...}: who belongs to a workspace, with which role (owners change it). */
@Command(mixinStandardHelpOptions = true, name = "member", description = "Workspace members: list, add, set-role, remove.",
        subcommands = {MemberCommands.ListMembers.class, MemberCommands.Add.class, MemberCommands.SetRole.class, MemberCommands.Remove.class})
final class MemberCommands {

    static final String[] COLUMNS = {"memberId", "displayName", "role", "addedAt"};

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the workspace's members.")
    static final class ListMembers implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get(s.ws() + "/members" + page.query()), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "add", description = "Add a new user (--name) or an existing member (--member) with a role.")
    static final class Add implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--name", description = "create a new user with this name")
        String name;
        @Option(names = "--member", description = "add an existing member by id")
        String member;
        @Option(names = "--role", required = true, description = "owner, editor or viewer")
        String role;

        @Override
        public Integer call() {
            if ((name == null) == (member == null)) {
                throw new CliException("give either --name (a new user) or --member (an existing member)", 2);
            }
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode().put("role", role);
            if (name != null) {
                body.put("displayName", name);
            } else {
                body.put("memberId", member);
            }
            JsonNode m = s.client().post(s.ws() + "/members", body);
            s.printer.record(m, COLUMNS);
            s.printer.line("\nNext: dms key create --for " + GatewayClient.text(m, "memberId")
                    + " (a key scoped to this workspace, shown once)");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "set-role", description = "Change a member's role.")
    static final class SetRole implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(index = "0", paramLabel = "MEMBER")
        String member;
        @Parameters(index = "1", paramLabel = "ROLE", description = "owner, editor or viewer")
        String role;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.record(s.client().patch(s.ws() + "/members/" + GatewayClient.enc(member),
                    GatewayClient.JSON.createObjectNode().put("role", role)), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove a member from the workspace (their keys scoped to it stop working).")
    static final class Remove implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "MEMBER")
        String member;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.client().delete(s.ws() + "/members/" + GatewayClient.enc(member));
            s.printer.line("removed " + member);
            return 0;
        }
    }
}
