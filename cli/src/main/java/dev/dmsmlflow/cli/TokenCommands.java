package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code dms token ...}: the MLflow access tokens of an instance in token mode (what unmodified MLflow clients send). */
@Command(mixinStandardHelpOptions = true, name = "token",
        description = "MLflow access tokens of an instance: create (shown once), list, revoke. Clients send one as"
                + " MLFLOW_TRACKING_TOKEN, or as MLFLOW_TRACKING_PASSWORD with any MLFLOW_TRACKING_USERNAME.",
        subcommands = {TokenCommands.Create.class, TokenCommands.ListTokens.class, TokenCommands.Revoke.class})
final class TokenCommands {

    static final String[] COLUMNS = {"id", "name", "scope", "status", "createdBy", "createdAt", "expiresAt"};

    static String path(DmsCli.Session s, String instance) {
        return InstanceCommands.path(s, instance) + "/tokens";
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create a token; it is shown this once only.")
    static final class Create implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String instance;
        @Option(names = "--name", required = true, description = "what it is for, e.g. the notebook or job that uses it")
        String name;
        @Option(names = "--scope", defaultValue = "read-write", description = "read or read-write (default ${DEFAULT-VALUE})")
        String scope;
        @Option(names = "--expires-in-days", description = "days until it stops working (default: until revoked)")
        Integer days;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            ObjectNode body = GatewayClient.JSON.createObjectNode().put("name", name).put("scope", scope);
            if (days != null) {
                body.put("expiresInDays", days);
            }
            JsonNode token = s.client().post(path(s, instance), body);
            if (s.printer.json()) {
                s.printer.raw(token);
                return 0;
            }
            s.printer.record(token, COLUMNS);
            s.printer.line("\n" + GatewayClient.text(token, "token") + "\n\nThis is the only time the token is shown: store it now,"
                    + " e.g. export MLFLOW_TRACKING_TOKEN=<token> where the MLflow client runs.");
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the instance's tokens (never the tokens themselves).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "INSTANCE", description = "id or name")
        String instance;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get(path(s, instance)), COLUMNS);
            return 0;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "revoke", description = "Revoke a token: clients using it are refused at once.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(index = "0", paramLabel = "INSTANCE", description = "id or name")
        String instance;
        @Parameters(index = "1", paramLabel = "TOKEN_ID", description = "the token's id (tok_...), from dms token list")
        String tokenId;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.client().delete(path(s, instance) + "/" + GatewayClient.enc(tokenId));
            if (s.printer.json()) {
                s.printer.raw(GatewayClient.JSON.createObjectNode().put("revoked", tokenId));
            } else {
                s.printer.line("revoked " + tokenId);
            }
            return 0;
        }
    }
}
