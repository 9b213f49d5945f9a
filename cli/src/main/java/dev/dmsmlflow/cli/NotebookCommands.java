package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code dms notebook ...}: notebook sessions of a workspace, and code run in them. */
@Command(mixinStandardHelpOptions = true, name = "notebook", description = "Notebook sessions: create, list, get, start, stop, delete, exec.",
        subcommands = {NotebookCommands.Create.class, NotebookCommands.ListSessions.class, NotebookCommands.Get.class,
                NotebookCommands.Start.class, NotebookCommands.Stop.class, NotebookCommands.Delete.class, NotebookCommands.Exec.class})
final class NotebookCommands {

    static final String[] VIEW = {"id", "name", "status", "statusReason.code", "statusReason.message", "progress.phase",
            "progress.message", "workspaceId", "cluster", "vpcId", "address", "image", "spec", "developmentMode", "configuration",
            "idleReleaseMinutes", "dataStorage", "pypiPackages", "environmentVariables", "instanceId", "trackingUri", "runtime.python",
            "runtime.pythonNote", "runtime.limits", "lastActivityAt", "runningSince", "createdAt", "updatedAt"};
    static final Set<String> FAILED = Set.of("FAILED");

    private NotebookCommands() {
    }

    /** The API path of the session named by {@code ref}: its id, or its name (unique in a workspace). */
    static String path(DmsCli.Session s, String ref) {
        return s.ws() + "/notebook-sessions/" + GatewayClient.enc(resolve(s, ref));
    }

    static String resolve(DmsCli.Session s, String ref) {
        try {
            java.util.UUID.fromString(ref);
            return ref;
        } catch (IllegalArgumentException notAnId) {
            String token = null;
            do {
                JsonNode page = s.client().get(s.ws() + "/notebook-sessions" + Query.of("pageSize", 100).and("pageToken", token));
                for (JsonNode n : page.path("items")) {
                    if (ref.equals(GatewayClient.text(n, "name"))) {
                        return GatewayClient.text(n, "id");
                    }
                }
                token = GatewayClient.text(page, "nextPageToken");
            } while (token != null);
            throw new CliException("no notebook session named " + ref + " in workspace " + s.workspace(), CliException.NOT_FOUND);
        }
    }

    static void finish(DmsCli.Session s, JsonNode accepted, InstanceCommands.WaitOptions w, Set<String> done) {
        JsonNode shown = accepted;
        if (w.wait) {
            shown = Waiter.await(s.client(), s.ws() + "/notebook-sessions/" + GatewayClient.enc(GatewayClient.text(accepted, "id")),
                    done, FAILED, Duration.ofSeconds(w.waitSeconds), s.err, System.console() != null);
        }
        s.printer.record(shown, VIEW);
        if (!s.printer.json() && "RUNNING".equals(GatewayClient.text(shown, "status"))) {
            s.printer.line("\nJupyterLab: " + s.config.url().replaceAll("/+$", "") + "/api/v1/workspaces/" + s.workspace()
                    + "/notebook-sessions/" + GatewayClient.text(shown, "id") + "/jupyter/lab   (with your API key as Bearer)");
            s.printer.line("run code:   ./dms notebook exec " + GatewayClient.text(shown, "name") + " --file train.py");
        }
    }

    /** An execution's API path and its last polled state (which holds only the output not yet streamed). */
    record Execution(String path, JsonNode last) {
    }

    /**
     * Runs {@code body} ({@code code}, optional {@code timeoutSeconds}) in the session's kernel and polls it with offsets
     * until it ends, writing its stdout and stderr to {@code out} and {@code err} as they come (not at all when null).
     */
    static Execution execute(DmsCli.Session s, String sessionPath, ObjectNode body, PrintStream out, PrintStream err)
            throws InterruptedException {
        JsonNode e = s.client().post(sessionPath + "/executions", body);
        String exec = sessionPath + "/executions/" + GatewayClient.enc(GatewayClient.text(e, "id"));
        int outAt = 0;
        int errAt = 0;
        while (true) {
            e = s.client().get(exec + Query.of("stdoutFrom", outAt).and("stderrFrom", errAt));
            String o = GatewayClient.text(e, "stdout");
            String r = GatewayClient.text(e, "stderr");
            if (out != null && o != null && !o.isEmpty()) {
                out.print(o);
                out.flush();
            }
            if (err != null && r != null && !r.isEmpty()) {
                err.print(r);
                err.flush();
            }
            outAt = e.path("stdoutLength").asInt(outAt);
            errAt = e.path("stderrLength").asInt(errAt);
            String status = GatewayClient.text(e, "status");
            if (!"QUEUED".equals(status) && !"RUNNING".equals(status)) {
                return new Execution(exec, e);
            }
            Thread.sleep(300);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create a notebook session (--start to start it, --wait to wait for RUNNING).")
    static final class Create implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        InstanceCommands.WaitOptions waitOptions;

        @Option(names = "--name", required = true, description = "letters, digits, underscores (at most 64)")
        String name;
        @Option(names = "--image", required = true, description = "runtime image, e.g. Python3.9:1.0.9 (see the catalogue)")
        String image;
        @Option(names = "--spec", defaultValue = "1C4G", description = "CPU cores + memory, e.g. 1C4G (default ${DEFAULT-VALUE})")
        String spec;
        @Option(names = "--cluster", description = "default (shared) or an authorized dedicated cluster")
        String cluster;
        @Option(names = "--development-mode", description = "auto-reload of changed modules")
        boolean developmentMode;
        @Option(names = "--configuration", description = "configuration profile (default default_profile)")
        String configuration;
        @Option(names = "--idle-release-minutes", description = "idle minutes before automatic release (default 1440)")
        Integer idleReleaseMinutes;
        @Option(names = "--data-storage", description = "None (temporary), oss://bucket/path or nas://fs/path")
        String dataStorage;
        @Option(names = "--packages", description = "comma-separated PyPI requirements, e.g. \"dashscope, pandas==2.1.0\"")
        String packages;
        @Option(names = "--env", description = "KEY=VALUE; repeat for several (values are secrets: shown masked)")
        java.util.List<String> env;
        @Option(names = "--start", description = "start it right away")
        boolean start;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode();
            body.put("name", name).put("image", image).put("spec", spec);
            if (cluster != null) {
                body.put("cluster", cluster);
            }
            if (developmentMode) {
                body.put("developmentMode", true);
            }
            if (configuration != null) {
                body.put("configuration", configuration);
            }
            if (idleReleaseMinutes != null) {
                body.put("idleReleaseMinutes", idleReleaseMinutes);
            }
            if (dataStorage != null) {
                body.put("dataStorage", dataStorage);
            }
            if (packages != null) {
                body.put("pypiPackages", packages);
            }
            if (env != null && !env.isEmpty()) {
                body.put("environmentVariables", String.join("\n", env));
            }
            JsonNode created = s.client().post(s.ws() + "/notebook-sessions", body);
            if (start) {
                created = s.client().post(s.ws() + "/notebook-sessions/" + GatewayClient.enc(GatewayClient.text(created, "id")) + "/start",
                        GatewayClient.JSON.createObjectNode());
                if (waitOptions.wait) {
                    s.err.println("created and starting " + GatewayClient.text(created, "id") + "; waiting for RUNNING");
                }
                finish(s, created, waitOptions, Set.of("RUNNING"));
            } else {
                s.printer.record(created, VIEW);
            }
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the workspace's notebook sessions.")
    static final class ListSessions implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--status", description = "only sessions in this status")
        String status;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String q = page.into(Query.of("status", status)).toString();
            s.printer.table(s.client().get(s.ws() + "/notebook-sessions" + q), "id", "name", "status", "image", "spec", "trackingUri",
                    "createdAt");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "Show one notebook session.")
    static final class Get implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "SESSION", description = "id or name")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.record(s.client().get(path(s, id)), VIEW);
            return 0;
        }
    }

    abstract static class Action implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        InstanceCommands.WaitOptions waitOptions;
        @Parameters(paramLabel = "SESSION", description = "id or name")
        String id;
        private final String action;
        private final Set<String> done;

        Action(String action, Set<String> done) {
            this.action = action;
            this.done = done;
        }

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            finish(s, s.client().post(path(s, id) + "/" + action, GatewayClient.JSON.createObjectNode()), waitOptions, done);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "start", description = "Start a session (environment, packages, JupyterLab).")
    static final class Start extends Action {
        Start() {
            super("start", Set.of("RUNNING"));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "stop", description = "Stop a session's JupyterLab (temporary storage is wiped at the next start).")
    static final class Stop extends Action {
        Stop() {
            super("stop", Set.of("STOPPED", "RELEASED"));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = "Delete a stopped session (persistent storage stays).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "SESSION", description = "id or name")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String p = path(s, id);
            s.client().delete(p);
            s.printer.line("deleted " + p.substring(p.lastIndexOf('/') + 1));
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "exec",
            description = "Run a file (or --code) in the session's kernel, streaming its output; exit 1 when it fails or times out.")
    static final class Exec implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "SESSION", description = "id or name")
        String id;
        @Option(names = {"-f", "--file"}, description = "Python file to run")
        Path file;
        @Option(names = "--code", description = "Python code to run")
        String code;
        @Option(names = "--time-limit", description = "seconds before the kernel is interrupted (default 600)")
        Integer timeLimit;

        @Override
        public Integer call() throws IOException, InterruptedException {
            DmsCli.Session s = new DmsCli.Session(common);
            if ((file == null) == (code == null)) {
                throw new CliException("give exactly one of --file or --code", 2);
            }
            String source = file != null ? Files.readString(file, StandardCharsets.UTF_8) : code;
            ObjectNode body = GatewayClient.JSON.createObjectNode().put("code", source);
            if (timeLimit != null) {
                body.put("timeoutSeconds", timeLimit);
            }
            String session = path(s, id);
            boolean show = !s.printer.json();
            Execution run = execute(s, session, body, show ? new PrintStream(System.out, true, StandardCharsets.UTF_8) : null,
                    show ? new PrintStream(System.err, true, StandardCharsets.UTF_8) : null);
            JsonNode e = run.last();
            String exec = run.path();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            String status = GatewayClient.text(e, "status");
            if (s.printer.json()) {
                s.printer.record(s.client().get(exec), "id", "status", "stdout", "stderr", "result", "error.name", "error.value",
                        "durationMs");
            } else {
                String result = GatewayClient.text(e, "result");
                if (result != null) {
                    out.println(result);
                }
                if (e.hasNonNull("error")) {
                    String tb = Printer.value(e, "error.traceback");
                    err.print(tb != null ? tb : Printer.value(e, "error.name") + ": " + Printer.value(e, "error.value") + "\n");
                }
                err.println("[" + status + " in " + e.path("durationMs").asLong() + " ms]");
            }
            return "SUCCEEDED".equals(status) ? 0 : CliException.FAILED;
        }
    }
}
