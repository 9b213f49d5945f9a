package dev.dmsmlflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code dms billing}: the workspace's usage, costs, monthly statements and FOCUS exports. */
@Command(name = "billing", mixinStandardHelpOptions = true,
        description = "The workspace's metered usage, costs (CNY), monthly statements and FOCUS 1.2 billing exports.",
        subcommands = {BillingCommands.Usage.class, BillingCommands.Costs.class, BillingCommands.Statements.class,
                BillingCommands.Close.class, BillingCommands.Export.class, BillingCommands.Exports.class, CommandLine.HelpCommand.class})
final class BillingCommands {

    private BillingCommands() {
    }

    /** The report options of usage and costs. */
    static final class ReportOptions {
        @Option(names = "--from", description = "start, UTC: 2025-04-01 or 2025-04-01T08:00:00Z (default: this month's start)")
        String from;
        @Option(names = "--to", description = "end (exclusive), UTC (default: next month's start)")
        String to;
        @Option(names = "--granularity", description = "hour, day (default) or month")
        String granularity;
        @Option(names = "--group-by", description = "sku, resource or sku,resource")
        String groupBy;
        @Option(names = "--resource", description = "only this resource (instance or notebook session id)")
        String resource;
        @Option(names = "--sku", description = "only this SKU")
        String sku;

        String query() {
            return Query.of("from", from).and("to", to).and("granularity", granularity).and("groupBy", groupBy)
                    .and("resourceId", resource).and("skuId", sku).toString();
        }
    }

    @Command(name = "usage", mixinStandardHelpOptions = true, description = "Usage by hour, day or month, per SKU and/or resource.")
    static final class Usage implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        ReportOptions report;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.table(s.client().get(s.ws() + "/billing/usage" + report.query()),
                    "periodStart", "skuId", "resourceId", "quantity", "unit", "lineItems");
            return 0;
        }
    }

    @Command(name = "costs", mixinStandardHelpOptions = true, description = "Costs by hour, day or month, per SKU and/or resource, with the total.")
    static final class Costs implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        ReportOptions report;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            JsonNode r = s.client().get(s.ws() + "/billing/costs" + report.query());
            s.printer.table(r, "periodStart", "skuId", "resourceId", "cost", "lineItems");
            if (!s.printer.json()) {
                s.printer.line("total: " + GatewayClient.text(r, "total") + " " + GatewayClient.text(r, "currency"));
            }
            return 0;
        }
    }

    @Command(name = "statements", mixinStandardHelpOptions = true,
            description = "The billing periods with their state and total; with PERIOD (YYYY-MM), that month's statement and its lines.")
    static final class Statements implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(arity = "0..1", paramLabel = "PERIOD", description = "a month, YYYY-MM")
        String period;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            if (period == null) {
                s.printer.table(s.client().get(s.ws() + "/billing/statements"), "period", "status", "total", "currency", "closedAt");
                return 0;
            }
            JsonNode st = s.client().get(s.ws() + "/billing/statements/" + GatewayClient.enc(period));
            if (s.printer.json()) {
                s.printer.raw(st);
                return 0;
            }
            s.printer.table(st.get("lines"), "skuId", "priceVersionId", "resourceId", "chargeClass", "quantity", "unit", "unitPrice", "amount");
            s.printer.line("period " + GatewayClient.text(st, "period") + " (" + GatewayClient.text(st, "status") + "), total: "
                    + GatewayClient.text(st, "total") + " " + GatewayClient.text(st, "currency"));
            return 0;
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true, description = "Close an ended billing period: its statement becomes final (owners).")
    static final class Close implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "PERIOD", description = "a month, YYYY-MM")
        String period;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            s.printer.record(s.client().post(s.ws() + "/billing/statements/" + GatewayClient.enc(period) + "/close", null),
                    "period", "status", "closedAt", "total", "currency");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Ask for a FOCUS 1.2 export of a billing period (CSV and Parquet unless --format says one); --wait until it is written.")
    static final class Export implements Callable<Integer> {
        static final String[] VIEW = {"id", "period", "status", "formats", "rowCount", "location", "error"};

        @Mixin
        DmsCli.Common common;
        @Parameters(paramLabel = "PERIOD", description = "a month, YYYY-MM")
        String period;
        @Option(names = "--format", description = "csv or parquet (repeatable; default both)")
        List<String> formats;
        @Option(names = "--wait", description = "wait until the export is written")
        boolean wait;
        @Option(names = "--wait-seconds", defaultValue = "600", description = "how long --wait waits (default ${DEFAULT-VALUE})")
        long waitSeconds;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("period", period);
            if (formats != null && !formats.isEmpty()) {
                body.put("formats", formats);
            }
            JsonNode shown = s.client().post(s.ws() + "/billing/exports", body);
            if (wait) {
                shown = Waiter.await(s.client(), s.ws() + "/billing/exports/" + GatewayClient.enc(GatewayClient.text(shown, "id")),
                        Set.of("COMPLETED"), Set.of("FAILED"), Duration.ofSeconds(waitSeconds), s.err, System.console() != null);
            }
            s.printer.record(shown, VIEW);
            return 0;
        }
    }

    @Command(name = "exports", mixinStandardHelpOptions = true, description = "The workspace's exports, newest first; with ID, one export.")
    static final class Exports implements Callable<Integer> {
        @Mixin
        DmsCli.Common common;
        @Mixin
        PageOptions page;
        @Parameters(arity = "0..1", paramLabel = "ID", description = "an export id")
        String id;

        @Override
        public Integer call() {
            DmsCli.Session s = new DmsCli.Session(common);
            if (id != null) {
                s.printer.record(s.client().get(s.ws() + "/billing/exports/" + GatewayClient.enc(id)), Export.VIEW);
            } else {
                s.printer.table(s.client().get(s.ws() + "/billing/exports" + page.query()), "id", "period", "status", "trigger", "rowCount",
                        "completedAt");
            }
            return 0;
        }
    }
}
