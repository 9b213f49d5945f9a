package dev.dmsmlflow.instance.provider.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Calls network-service's {@code POST /networks/validate} (and {@code GET /networks/auth-modes} before a create or edit in
 * a mode other than network) with the caller's service token. A 4xx problem naming a
 * field becomes our own 400 for that field; an unreachable or failing network-service, or one that refuses the token,
 * is a 503 (nothing is created either way).
 * <p>
 * The URL setting may list network-service's replicas, comma-separated ({@code ./dms up --cluster}): calls take them in
 * turn, and a call whose connection is refused or not established in time (nothing was sent) goes to the next one; a call
 * that reached a replica is answered by that replica, whatever it says.
 */
@ApplicationScoped
public class HttpNetworkValidation implements NetworkValidation {

    private static final Logger LOG = Logger.getLogger(HttpNetworkValidation.class);
    private static final Set<String> FIELDS = Set.of("vpcId", "vSwitchId", "secondaryVSwitchId", "securityGroupId");

    private final ObjectMapper mapper;
    private final HttpClient http;
    private final Duration timeout;
    private final Replicas replicas;

    @Inject
    HttpNetworkValidation(InstanceConfig config, ObjectMapper mapper) {
        this(config.network().validationUrl(), config.network().validationTimeout(), mapper);
    }

    HttpNetworkValidation(String urls, Duration timeout, ObjectMapper mapper) {
        this.mapper = mapper;
        this.timeout = timeout;
        this.replicas = Replicas.of(urls);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public void validate(NetworkRequest request, String bearerToken) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("vpcId", request.vpcId());
        body.put("vSwitchId", request.vSwitchId());
        body.put("secondaryVSwitchId", request.secondaryVSwitchId());
        body.put("securityGroupId", request.securityGroupId());
        HttpResponse<String> response;
        try {
            String json = mapper.writeValueAsString(body);
            response = send("/networks/validate", b -> b
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, application/problem+json")
                    .header("Authorization", "Bearer " + bearerToken)
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
        } catch (IOException e) {
            LOG.warnf("network validation unavailable: %s", e.getMessage());
            throw unavailable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        if (status == 401 || status == 403) {
            // our own call was refused (keys out of step, token expired on the way): not the caller's input
            LOG.warnf("network validation refused the forwarded service token (%d)", status);
            throw unavailable();
        }
        if (status >= 400 && status < 500) {
            JsonNode problem = parse(response.body());
            String field = text(problem, "field");
            String detail = text(problem, "detail");
            String code = text(problem, "code");
            if (field == null || !FIELDS.contains(field)) {
                field = field == null ? "vpcId" : field;
            }
            Problem p = Problem.of("invalid-field", "Invalid request field", 400,
                    detail == null ? "The network rejected " + field + "." : detail, field);
            throw new ProblemException(code == null ? p : p.withCode(code));
        }
        LOG.warnf("network validation answered %d", status);
        throw unavailable();
    }

    @Override
    public void requireAuthMode(String authMode, String bearerToken) {
        if (authMode == null || "network".equals(authMode)) {
            return; // every load balancer enforces its ACL
        }
        List<String> offered = authModes(bearerToken);
        if (!offered.contains(authMode)) {
            throw new ProblemException(Problem.of("invalid-field", "Invalid request field", 400,
                    "authMode " + authMode + " is not available in this deployment: its load balancers cannot check MLflow "
                            + "access tokens. Available: " + String.join(", ", offered) + ".", "authMode")
                    .withCode("AUTH_MODE_NOT_SUPPORTED"));
        }
    }

    private List<String> authModes(String bearerToken) {
        HttpResponse<String> response;
        try {
            response = send("/networks/auth-modes", b -> b
                    .header("Accept", "application/json, application/problem+json")
                    .header("Authorization", "Bearer " + bearerToken)
                    .GET());
        } catch (IOException e) {
            LOG.warnf("network auth modes unavailable: %s", e.getMessage());
            throw unavailable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
        JsonNode body = response.statusCode() == 200 ? parse(response.body()) : null;
        if (body == null || !body.path("authModes").isArray()) {
            LOG.warnf("network auth modes answered %d", response.statusCode());
            throw unavailable();
        }
        List<String> modes = new ArrayList<>();
        body.get("authModes").forEach(m -> modes.add(m.asText()));
        return modes;
    }

    /**
     * Sends to the next replica in turn; when no connection could be made there (refused, or not established within the
     * timeout: nothing was sent), to the one after it, until each was tried once. The last replica's failure is thrown.
     */
    private HttpResponse<String> send(String path, UnaryOperator<HttpRequest.Builder> request) throws IOException, InterruptedException {
        List<String> order = replicas.order();
        for (int i = 0; ; i++) {
            HttpRequest r = request.apply(HttpRequest.newBuilder(URI.create(order.get(i) + path)).timeout(timeout)).build();
            try {
                return http.send(r, HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException | HttpConnectTimeoutException e) {
                if (i + 1 >= order.size()) {
                    throw e;
                }
                LOG.warnf("network-service at %s cannot be reached (%s): trying its next replica", order.get(i), e.toString());
            }
        }
    }

    /** network-service's replicas, taken in turn (round-robin). */
    static final class Replicas {
        private final List<String> urls;
        private final AtomicInteger next = new AtomicInteger();

        private Replicas(List<String> urls) {
            this.urls = urls;
        }

        /** The base URLs of a setting: one, or several separated by commas (a trailing '/' dropped). */
        static Replicas of(String setting) {
            List<String> urls = Arrays.stream(setting.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                    .map(HttpNetworkValidation::stripSlash).toList();
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("no network-service URL in '" + setting + "'");
            }
            return new Replicas(urls);
        }

        /** The order one call tries the replicas in: the next in turn first, then the others. */
        List<String> order() {
            int n = urls.size();
            int first = n == 1 ? 0 : Math.floorMod(next.getAndIncrement(), n);
            List<String> order = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                order.add(urls.get((first + i) % n));
            }
            return order;
        }
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : mapper.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        return node == null || !node.hasNonNull(field) ? null : node.get(field).asText();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static ProblemException unavailable() {
        return new ProblemException(Problem.of("network-validation-unavailable", "Network validation unavailable", 503,
                "The network could not be validated right now; nothing was created. Retry later.", null));
    }
}
