package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dms}: the user commands over the public API, started by the {@code ./dms} script for every command it does
 * not handle itself (up, down, status, test, build, tracking-server).
 */
@Command(name = "dms", mixinStandardHelpOptions = true, version = "dms 0.1.0",
        description = "DMS MLflow command line: MLflow instances, their ACL, notebook sessions, keys and members, over the public API.",
        subcommands = {DmsCli.Login.class, DmsCli.Logout.class, DmsCli.Whoami.class, WorkspaceCommands.class,
                InstanceCommands.class, NotebookCommands.class, AclCommands.class, AclCommands.Diagnose.class, TokenCommands.class,
                KeyCommands.class,
                MemberCommands.class, AuditCommands.class, BillingCommands.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class DmsCli {

    /** Options every command takes. */
    static final class Common {
        @Option(names = {"-o", "--output"}, description = "table (default) or json", defaultValue = "table")
        String output;

        @Option(names = {"-w", "--workspace"}, description = "workspace id (default: the one chosen at login, or your only one)")
        String workspace;

        @Option(names = "--timeout", description = "HTTP timeout per request, seconds (default ${DEFAULT-VALUE})", defaultValue = "30")
        int timeoutSeconds;
    }

    /** What a command needs: configuration, the API client, the printer and the workspace to act in. */
    static final class Session {
        final Map<String, String> env;
        final CliConfig config;
        final Common common;
        final Printer printer;
        final PrintWriter err;
        private GatewayClient client;

        Session(Common common) {
            this.env = System.getenv();
            this.config = CliConfig.load(env);
            this.common = common;
            if (!"table".equals(common.output) && !"json".equals(common.output)) {
                throw new CommandLine.ParameterException(new CommandLine(new DmsCli()), "--output must be table or json");
            }
            this.printer = new Printer(new PrintWriter(System.out, true, StandardCharsets.UTF_8), "json".equals(common.output));
            this.err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        }

        GatewayClient client() {
            if (client == null) {
                client = new GatewayClient(config.url(), config.apiKey(), Duration.ofSeconds(common.timeoutSeconds));
            }
            return client;
        }

        /** The workspace from --workspace, the login's choice, or the caller's only workspace. */
        String workspace() {
            if (common.workspace != null && !common.workspace.isBlank()) {
                return common.workspace;
            }
            if (config.workspace() != null) {
                return config.workspace();
            }
            List<String> mine = workspaceIds(client().get("/api/v1/me"));
            if (mine.size() == 1) {
                return mine.get(0);
            }
            throw new CliException(mine.isEmpty() ? "you are not a member of any workspace"
                    : "choose a workspace with --workspace (yours: " + String.join(", ", mine) + ")", CliException.FAILED);
        }

        String ws() {
            return "/api/v1/workspaces/" + GatewayClient.enc(workspace());
        }
    }

    static List<String> workspaceIds(JsonNode me) {
        List<String> ids = new ArrayList<>();
        JsonNode list = me.has("workspaces") ? me.get("workspaces") : me.path("memberships");
        for (JsonNode w : list) {
            String id = GatewayClient.text(w, "id");
            ids.add(id != null ? id : GatewayClient.text(w, "workspaceId"));
        }
        return ids;
    }

    @Command(mixinStandardHelpOptions = true, name = "login", description = "Store the gateway URL and an API key (read from the terminal or stdin, never from the command line) in the config file.")
    static final class Login implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--url", description = "gateway URL (default: DMS_URL, the stored one, or http://127.0.0.1:8080)")
        String url;

        @Option(names = "--api-key-stdin", description = "read the API key from standard input (for scripts)")
        boolean fromStdin;

        @Override
        public Integer call() throws IOException {
            Session s = new Session(common);
            String target = url != null ? url : s.config.url() != null ? s.config.url() : "http://127.0.0.1:8080";
            String key = readKey(s);
            GatewayClient client = new GatewayClient(target, key, Duration.ofSeconds(common.timeoutSeconds));
            JsonNode me = client.get("/api/v1/me");
            List<String> mine = workspaceIds(me);
            String ws = common.workspace != null ? common.workspace : mine.size() == 1 ? mine.get(0) : null;
            if (ws != null && !mine.contains(ws)) {
                throw new CliException("you are not a member of workspace " + ws + " (yours: " + String.join(", ", mine) + ")", CliException.NOT_FOUND);
            }
            new CliConfig(target, key, ws).save(s.env);
            if (s.printer.json()) {
                s.printer.raw(me);
            } else {
                String who = GatewayClient.text(me, "displayName");
                s.printer.line("Logged in to " + target + " as " + (who == null ? "" : who + " ")
                        + "(" + firstNonNull(GatewayClient.text(me, "id"), GatewayClient.text(me, "memberId")) + ")"
                        + (ws == null ? "; workspaces: " + String.join(", ", mine) + " (choose one with --workspace)" : "; workspace " + ws)
                        + ". Settings in " + CliConfig.file(s.env));
            }
            return 0;
        }

        private String readKey(Session s) throws IOException {
            String key;
            Console console = System.console();
            if (!fromStdin && s.env.get("DMS_API_KEY") != null && !s.env.get("DMS_API_KEY").isBlank()) {
                key = s.env.get("DMS_API_KEY");
            } else if (!fromStdin && console != null) {
                char[] typed = console.readPassword("API key: ");
                key = typed == null ? null : new String(typed);
            } else {
                key = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            if (key == null || key.isBlank()) {
                throw new CliException("no API key given", CliException.AUTH);
            }
            return key.trim();
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "logout", description = "Forget the stored API key.")
    static final class Logout implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            Session s = new Session(common);
            new CliConfig(s.config.url(), null, null).save(s.env);
            s.printer.line("Logged out (the key itself stays valid until revoked: dms key revoke ID).");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "whoami", description = "Show who the stored API key belongs to and its workspaces.")
    static final class Whoami implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            Session s = new Session(common);
            JsonNode me = s.client().get("/api/v1/me");
            if (s.printer.json()) {
                s.printer.raw(me);
                return 0;
            }
            s.printer.record(me, "id", "displayName", "createdAt");
            s.printer.table(me.path("workspaces"), "id", "name", "role");
            return 0;
        }
    }

    static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new DmsCli());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof GatewayClient.ApiError a) {
                err.println(Errors.describe(a));
                return Errors.exitCode(a);
            }
            if (e instanceof CliException c) {
                err.println("dms: " + c.getMessage());
                return c.exitCode();
            }
            throw e;
        });
        return cli.execute(args);
    }
}
