package dev.dmsmlflow.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** What the fault campaigns ({@link FaultCampaignIT}, {@link ClusterCampaignIT}) share: calls that outlast restarts, checks of what is left. */
final class Campaigns {

    private Campaigns() {
    }

    /**
     * A call retried every 200 ms, up to {@code step}, while its service is down or restarting (refused, reset, or a 502/503
     * from a proxy in front of it); any other answer is returned.
     */
    static Api.Resp retrying(Supplier<Api.Resp> call, Duration step) {
        long deadline = System.nanoTime() + step.toNanos();
        while (true) {
            try {
                Api.Resp r = call.get();
                if (r.status() != 502 && r.status() != 503) {
                    return r;
                }
            } catch (UncheckedIOException down) {
                // refused or reset: the service is being killed or starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no answer from a service for " + step.toSeconds() + " s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Waits up to {@code step} for the instance to reach {@code goal}, asking the instance-service URL {@code instanceService}
     * gives at each poll (any replica) through {@link #retrying}; any *_FAILED status fails the campaign (a crash may delay a
     * saga, never fail it). Returns the instance as last read.
     */
    static JsonNode awaitStatus(Api.Client editor, Supplier<String> instanceService, String id,
            String goal, Duration step) {
        JsonNode[] last = new JsonNode[1];
        Api.await(() -> {
            Api.Resp r = retrying(() -> editor.get(instanceService.get() + "/instances/" + id), step);
            last[0] = r.json();
            String status = last[0].path("status").asText();
            if (status.endsWith("_FAILED")) {
                throw new AssertionError(id + " ended " + status + ": " + last[0]);
            }
            return goal.equals(status);
        }, step, id + " to be " + goal, () -> last[0]);
        return last[0];
    }

    /** A create request on the local network registry's happy path; the bucket is {@code bucketPrefix-<workspace>} (a bucket belongs to one workspace). */
    static Map<String, Object> instanceBody(String workspace, String name, String bucketPrefix) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("workspaceId", workspace);
        b.put("name", name);
        b.put("vpcId", "vpc-local");
        b.put("vSwitchId", "vsw-local-a");
        b.put("secondaryVSwitchId", "vsw-local-b");
        b.put("securityGroupId", "sg-local-basic");
        b.put("ossBucket", bucketPrefix + "-" + workspace);
        b.put("ossPath", "runs/" + name);
        b.put("spec", "mlflow.small");
        return b;
    }

    /** Whether something accepts connections at the address (a load balancer that should be gone). */
    static boolean listening(URI address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address.getHost(), address.getPort()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits (up to {@code timeout}) until every event of {@code types} in {@code publisher}'s outbox is in {@code consumer}'s
     * inbox in {@code consumerDb} ({@code inboxId}: the inbox column, or an expression on it, that holds the outbox id);
     * answers the published ids.
     */
    static Set<String> awaitAllHandled(Stack stack, String publisher, String types, String consumerDb, String consumer,
                                       String inboxId, Duration timeout) {
        Set<String>[] missing = new Set[1];
        Api.await(() -> {
            Set<String> published = published(stack, publisher, types);
            published.removeAll(stack.column(consumerDb,
                    "SELECT " + inboxId + " FROM inbox_event WHERE consumer = '" + consumer + "'"));
            missing[0] = published;
            return published.isEmpty();
        }, timeout, consumer + " to have handled every event of " + publisher, () -> missing[0]);
        return published(stack, publisher, types);
    }

    private static Set<String> published(Stack stack, String publisher, String types) {
        return new HashSet<>(stack.column(publisher, "SELECT id::text FROM outbox_event WHERE type IN (" + types + ")"));
    }
}
