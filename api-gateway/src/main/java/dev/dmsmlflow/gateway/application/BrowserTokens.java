package dev.dmsmlflow.gateway.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.persistence.BrowserTokenRevocationEntity;
import dev.dmsmlflow.gateway.persistence.BrowserTokenRevocationRepository;
import dev.dmsmlflow.gateway.provider.ServiceClient;
import dev.dmsmlflow.gateway.provider.ServiceClient.Service;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Browser sign-in tokens (network-service's tokens of kind {@code browser}: what the console's Open buys a member for an
 * instance's MLflow UI in token mode, read for a viewer and read-write for an editor or owner) follow their creator's
 * current role. When a member's role goes down to viewer, their read-write browser tokens are revoked at every instance
 * of the workspace; when they leave it, all of them. The revocation is recorded in the role change's own transaction
 * ({@link #requestAfterRoleChange}), done after the commit, before the change's answer ({@link #process}), and retried by
 * {@link #retryPending} while a service could not be reached.
 */
@ApplicationScoped
public class BrowserTokens {

    private static final Logger LOG = Logger.getLogger(BrowserTokens.class);
    public static final String KIND = "browser";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final BrowserTokenRevocationRepository revocations;
    private final ServiceClient client;
    private final ObjectMapper mapper;

    BrowserTokens(BrowserTokenRevocationRepository revocations, ServiceClient client, ObjectMapper mapper) {
        this.revocations = revocations;
        this.client = client;
        this.mapper = mapper;
    }

    /** Whether a token (as network-service lists it) is a browser sign-in's. */
    public static boolean browser(JsonNode token) {
        return KIND.equals(token.path("kind").asText());
    }

    /** Whether a token is past its expiry (network-service says {@code expired}, or its {@code expiresAt} went by). */
    public static boolean expired(JsonNode token, Instant now) {
        if ("expired".equals(token.path("status").asText())) {
            return true;
        }
        String at = token.path("expiresAt").asText(null);
        try {
            return at != null && !Instant.parse(at).isAfter(now);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * In the role change's transaction: records that {@code memberId}'s browser tokens in the workspace must go down to
     * {@code newRole} ({@code null}: the member left). Nothing to do when the new role is editor or owner. Returns the
     * record's id, to {@link #process} once committed.
     */
    public Optional<Long> requestAfterRoleChange(Access owner, String memberId, Role newRole) {
        if (newRole != null && newRole.includes(Role.EDITOR)) {
            return Optional.empty();
        }
        BrowserTokenRevocationEntity r = new BrowserTokenRevocationEntity();
        r.workspaceId = owner.workspaceId();
        r.memberId = memberId;
        r.keepScope = newRole == null ? null : "read";
        r.requestedBy = owner.memberId();
        r.requestedAt = Instant.now();
        revocations.persist(r);
        revocations.flush();
        return Optional.of(r.id);
    }

    /**
     * Does a recorded revocation now (outside any transaction; blocking: a worker thread): every instance of the
     * workspace, every active browser token of the member whose scope the role no longer allows. Done: the record goes;
     * a service unreachable or refusing: the record stays with the error, for {@link #retryPending}.
     */
    public boolean process(long id) {
        Optional<BrowserTokenRevocationEntity> found = QuarkusTransaction.requiringNew().call(() -> revocations.findByIdOptional(id));
        if (found.isEmpty()) {
            return true;
        }
        BrowserTokenRevocationEntity r = found.get();
        Access asOwner = new Access(new Caller(r.requestedBy, null, null), r.workspaceId, Role.OWNER);
        String error = null;
        int revoked = 0;
        try {
            for (String instanceId : instances(asOwner)) {
                ServiceClient.Answer list = await(client.send(Service.NETWORK, HttpMethod.GET, "/networks/" + instanceId + "/tokens",
                        asOwner, null, null, null));
                if (list.status() == 404) {
                    continue; // no network (yet, or any more): no token
                }
                if (list.status() != 200) {
                    throw new IOException("network-service answered " + list.status() + " listing the tokens of " + instanceId);
                }
                for (JsonNode t : mapper.readTree(list.body().getBytes()).path("items")) {
                    if (!browser(t) || !r.memberId.equals(t.path("createdBy").asText()) || !"active".equals(t.path("status").asText())
                            || (r.keepScope != null && r.keepScope.equals(t.path("scope").asText()))) {
                        continue;
                    }
                    ServiceClient.Answer gone = await(client.send(Service.NETWORK, HttpMethod.DELETE,
                            "/networks/" + instanceId + "/tokens/" + t.path("id").asText(), asOwner, null, null, null));
                    if (gone.status() / 100 != 2 && gone.status() != 404) {
                        throw new IOException("network-service answered " + gone.status() + " revoking a token of " + instanceId);
                    }
                    revoked++;
                }
            }
        } catch (IOException | RuntimeException e) {
            error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        String failure = error;
        QuarkusTransaction.requiringNew().run(() -> revocations.findByIdOptional(id).ifPresent(row -> {
            if (failure == null) {
                revocations.delete(row);
            } else {
                row.attempts++;
                row.lastError = failure.length() > 500 ? failure.substring(0, 500) : failure;
            }
        }));
        if (failure == null) {
            LOG.infof("revoked %d browser token(s) of member %s in workspace %s after a role change", revoked, r.memberId, r.workspaceId);
        } else {
            LOG.warnf("browser tokens of member %s in workspace %s not revoked yet (retried): %s", r.memberId, r.workspaceId, failure);
        }
        return failure == null;
    }

    /** Does the recorded revocations of this member in this workspace now (after the role change committed). */
    public boolean processFor(String workspaceId, String memberId) {
        List<Long> ids = QuarkusTransaction.requiringNew().call(() -> revocations.find("workspaceId = ?1 and memberId = ?2 order by id",
                workspaceId, memberId).list().stream().map(r -> r.id).toList());
        boolean done = true;
        for (Long id : ids) {
            done &= process(id);
        }
        return done;
    }

    /** Revocations a service could not take yet (in every replica; a revocation done twice is harmless). */
    @Scheduled(every = "${dms.gateway.browser-token-retry-interval}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retryPending() {
        List<Long> ids = QuarkusTransaction.requiringNew().call(() -> revocations.find("order by id").page(0, 100).list().stream()
                .map(r -> r.id).toList());
        ids.forEach(this::process);
    }

    /** The workspace's instances that are not RELEASED (ids), all pages. */
    private List<String> instances(Access asOwner) throws IOException {
        List<String> ids = new ArrayList<>();
        String pageToken = null;
        do {
            String path = "/instances?pageSize=100" + (pageToken == null ? "" : "&pageToken=" + URLEncoder.encode(pageToken, StandardCharsets.UTF_8));
            ServiceClient.Answer page = await(client.send(Service.INSTANCE, HttpMethod.GET, path, asOwner, null, null, null));
            if (page.status() != 200) {
                throw new IOException("instance-service answered " + page.status() + " listing the instances of " + asOwner.workspaceId());
            }
            JsonNode n = mapper.readTree(page.body().getBytes());
            for (JsonNode i : n.path("items")) {
                if (!"RELEASED".equals(i.path("status").asText())) {
                    ids.add(i.path("id").asText());
                }
            }
            pageToken = n.path("nextPageToken").asText(null);
        } while (pageToken != null && !pageToken.isEmpty());
        return ids;
    }

    private static ServiceClient.Answer await(io.smallrye.mutiny.Uni<ServiceClient.Answer> call) {
        return call.await().atMost(WAIT);
    }
}
