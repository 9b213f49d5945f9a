package dev.dmsmlflow.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code dms audit}: the workspace's audit log (owners), newest first. */
@Command(mixinStandardHelpOptions = true, name = "audit", description = "The workspace's audit log: who changed what, when, with which outcome (owners).")
final class AuditCommands implements Callable<Integer> {
    @Mixin
    DmsCli.Common common;
    @Mixin
    PageOptions page;

    @Override
    public Integer call() {
        DmsCli.Session s = new DmsCli.Session(common);
        s.printer.table(s.client().get(s.ws() + "/audit" + page.query()),
                "occurredAt", "memberId", "action", "resourceType", "resourceId", "outcome", "requestId");
        return 0;
    }
}
