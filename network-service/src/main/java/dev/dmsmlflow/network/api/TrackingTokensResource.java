package dev.dmsmlflow.network.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.application.AccessTokens;
import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.platform.problem.Problem;
import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The token list of an instance for its own tracking server, which checks MLflow access tokens itself where the load
 * balancer cannot (an ALB on Alibaba Cloud): the instance's auth mode and its active tokens' SHA-256 digests, scopes and
 * expiries, never a token, a name or a member. Not the gateway's service token (the caller is a tracking server, which
 * holds none) and not forwarded by the gateway: the server presents the secret its compute was created with
 * ({@value #SECRET_HEADER}, the one it fetches its storage credentials with). instance-service issued that secret and
 * keeps its digest, so it is asked whether the secret is one of this instance's
 * ({@code GET /compute/instances/<id>/storage-secret}); a confirmed secret is remembered (by its digest) for
 * {@link #CONFIRMED_FOR}, so a server polling every few seconds costs instance-service one check a minute. No secret, a
 * wrong one and another instance's one are the same 401; instance-service unreachable is a 503.
 */
@Path("/data-plane/instances/{instanceId}/access-tokens")
@ApplicationScoped
public class TrackingTokensResource {

    private static final Logger LOG = Logger.getLogger(TrackingTokensResource.class);
    /** The header carrying the tracking server's secret (the same as toward its storage credentials). */
    public static final String SECRET_HEADER = "X-Dms-Storage-Secret";
    static final Duration CONFIRMED_FOR = Duration.ofSeconds(60);
    private static final int MAX_CONFIRMED = 10_000;

    /** One active token as the tracking server needs it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(String id, String digest, String scope, Instant expiresAt) {
    }

    /** The answer: the instance's auth mode and its active tokens. */
    public record TokensView(String authMode, List<TokenView> tokens) {
    }

    private final AccessTokens tokens;
    private final String instanceServiceUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Confirmed (instance id, secret digest) pairs and until when they count as confirmed. */
    private final Map<String, Instant> confirmed = new ConcurrentHashMap<>();

    TrackingTokensResource(AccessTokens tokens, NetworkConfig config) {
        this.tokens = tokens;
        String instanceServiceUrl = config.instanceServiceUrl();
        this.instanceServiceUrl = instanceServiceUrl.endsWith("/")
                ? instanceServiceUrl.substring(0, instanceServiceUrl.length() - 1) : instanceServiceUrl;
    }

    @GET
    @PermitAll
    @Operation(summary = "The instance's token digests for its own tracking server (its secret in X-Dms-Storage-Secret)")
    public Response get(@PathParam("instanceId") String instanceId, @HeaderParam(SECRET_HEADER) String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > 256 || instanceId.length() > 128) {
            return unauthorized();
        }
        String key = instanceId + " " + digest(secret);
        Instant until = confirmed.get(key);
        if (until == null || until.isBefore(Instant.now())) {
            int verdict = askInstanceService(instanceId, secret);
            if (verdict == 503) {
                return problem(503, "unavailable", "Service unavailable", "The secret cannot be checked right now; try again shortly.", null);
            }
            if (verdict != 204) {
                confirmed.remove(key);
                return unauthorized();
            }
            if (confirmed.size() >= MAX_CONFIRMED) {
                confirmed.clear();
            }
            confirmed.put(key, Instant.now().plus(CONFIRMED_FOR));
        }
        Optional<List<AccessToken>> active = tokens.activeForTrackingServer(instanceId);
        if (active.isEmpty()) {
            return problem(404, "not-found", "Resource not found", "no network for instance " + instanceId, null);
        }
        List<TokenView> views = active.get().stream().map(t -> new TokenView(t.id(), t.hash(), t.scope(), t.expiresAt())).toList();
        return Response.ok(new TokensView(tokens.mode(instanceId), views)).type("application/json")
                .header("Cache-Control", "no-store").build();
    }

    /** 204 when instance-service knows the secret as one of the instance's, 401 (or 404) when not, 503 when it cannot say. */
    private int askInstanceService(String instanceId, String secret) {
        URI uri = URI.create(instanceServiceUrl + "/compute/instances/" + URLEncoder.encode(instanceId, StandardCharsets.UTF_8)
                .replace("+", "%20") + "/storage-secret");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header(SECRET_HEADER, secret).GET().build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 204 || status == 401 || status == 404) {
                return status;
            }
            LOG.warnf("instance-service answered %d when asked about a tracking server's secret of %s", status, instanceId);
            return 503;
        } catch (IOException e) {
            LOG.warnf("instance-service could not be asked about a tracking server's secret of %s: %s", instanceId, e.toString());
            return 503;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 503;
        }
    }

    private static Response unauthorized() {
        // the same answer for no secret, a wrong one, another instance's one and an unknown instance
        return problem(401, "unauthorized", "Unauthorized", "A tracking server of this instance must present its secret.", SECRET_HEADER);
    }

    private static Response problem(int status, String slug, String title, String detail, String field) {
        Response.ResponseBuilder r = Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(slug, title, status, detail, field));
        if (status == 401) {
            r.header("WWW-Authenticate", SECRET_HEADER);
        }
        return r.build();
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
