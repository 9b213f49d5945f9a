package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code dms workspace ...}: the workspaces you belong to; {@code use} makes one the default of later commands. */
@Command(mixinStandardHelpOptions = true, name = "workspace", description = "Workspaces: list, get, create, use.",
        subcommands = {WorkspaceCommands.ListWorkspaces.class, WorkspaceCommands.Get.class, WorkspaceCommands.Create.class,
                WorkspaceCommands.Use.class})
final class WorkspaceCommands {

    static final String[] COLUMNS = {"id", "name", "role", "createdAt", "updatedAt"};

    @Command(mixinStandardHelpOptions = true, name = "list", description = "Your workspaces and your role in each.")
    static final class ListWorkspaces implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get("/api/v1/workspaces"), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "Show a workspace (default: the current one).")
    static final class Get implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(arity = "0..1", paramLabel = "WORKSPACE")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String ws = id != null ? id : s.workspace();
            s.printer.record(s.client().get("/api/v1/workspaces/" + GatewayClient.enc(ws)), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create a workspace; you become its owner.")
    static final class Create implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--name", required = true)
        String name;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode().put("name", name);
            s.printer.record(s.client().post("/api/v1/workspaces", body), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "use", description = "Make WORKSPACE the default of later commands (stored with your login).")
    static final class Use implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "WORKSPACE")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.client().get("/api/v1/workspaces/" + GatewayClient.enc(id)); // 404 unless a member
            s.config.withWorkspace(id).save(s.env);
            s.printer.line("now using workspace " + id);
            return 0;
        }
    }
}
