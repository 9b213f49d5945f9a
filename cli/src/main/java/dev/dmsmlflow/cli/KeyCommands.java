package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;

/**
 * {@code dms key ...}: API keys. Without {@code --for} these are your own keys; {@code --for MEMBER} (owners) manages a
 * member's keys scoped to the current workspace.
 */
@Command(mixinStandardHelpOptions = true, name = "key", description = "API keys: create (shown once), list, revoke.",
        subcommands = {KeyCommands.Create.class, KeyCommands.ListKeys.class, KeyCommands.Revoke.class})
final class KeyCommands {

    static final String[] COLUMNS = {"id", "name", "memberId", "workspaceId", "status", "createdAt", "expiresAt", "lastUsedAt"};

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create an API key; its secret is printed once and never again.")
    static final class Create implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--name", description = "what the key is for")
        String name;
        @Option(names = "--expires-in-days", description = "the key stops working after this many days")
        Integer days;
        @Option(names = "--scoped", description = "limit your own key to the current workspace")
        boolean scoped;
        @Option(names = "--for", paramLabel = "MEMBER", description = "(owners) create a key for this member of the workspace, scoped to it")
        String member;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode();
            if (name != null) {
                body.put("name", name);
            }
            if (days != null) {
                body.put("expiresAt", Instant.now().plus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString());
            }
            JsonNode key;
            if (member != null) {
                body.put("memberId", member);
                key = s.client().post(s.ws() + "/keys", body);
            } else {
                if (scoped) {
                    body.put("workspaceId", s.workspace());
                }
                key = s.client().post("/api/v1/keys", body);
            }
            if (s.printer.json()) {
                s.printer.raw(key);
                return 0;
            }
            s.printer.record(key, COLUMNS);
            String secret = GatewayClient.text(key, "apiKey");
            s.printer.line("\n" + secret + "\n\nThis is the only time the key is shown: store it now (e.g. dms login, or DMS_API_KEY).");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Option(names = "--workspace-keys", description = "(owners) the keys scoped to the current workspace instead of your own")
        boolean workspaceKeys;
        @Mixin
        PageOptions page;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String base = workspaceKeys ? s.ws() + "/keys" : "/api/v1/keys";
            s.printer.table(s.client().get(base + page.query()), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "revoke", description = "Revoke a key: it stops working at once.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "KEY_ID")
        String id;
        @Option(names = "--workspace-keys", description = "(owners) a key scoped to the current workspace, not one of your own")
        boolean workspaceKeys;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            String base = workspaceKeys ? s.ws() + "/keys/" : "/api/v1/keys/";
            JsonNode r = s.client().delete(base + GatewayClient.enc(id));
            if (s.printer.json()) {
                s.printer.raw(r);
            } else {
                s.printer.line("revoked " + id);
            }
            return 0;
        }
    }
}
