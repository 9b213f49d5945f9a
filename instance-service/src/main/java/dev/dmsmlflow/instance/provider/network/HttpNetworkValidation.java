package dev.dmsmlflow.instance.provider.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Calls network-service's {@code POST /networks/validate} (and {@code GET /networks/auth-modes} before a create or edit in
 * a mode other than network) with the caller's service token. A 4xx problem naming a
 * field becomes our own 400 for that field; an unreachable or failing network-service, or one that refuses the token,
 * is a 503 (nothing is created either way).
 */
@ApplicationScoped
public class HttpNetworkValidation implements NetworkValidation {

    private static final Logger LOG = Logger.getLogger(HttpNetworkValidation.class);
    private static final Set<String> FIELDS = Set.of("vpcId", "vSwitchId", "secondaryVSwitchId", "securityGroupId");

    private final InstanceConfig config;
    private final ObjectMapper mapper;
    private final HttpClient http;

    HttpNetworkValidation(InstanceConfig config, ObjectMapper mapper) {
        this.config = config;
        this.mapper = mapper;
        this.http = HttpClient.newBuilder().connectTimeout(config.network().validationTimeout()).build();
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
            HttpRequest http = HttpRequest.newBuilder(URI.create(stripSlash(config.network().validationUrl()) + "/networks/validate"))
                    .timeout(config.network().validationTimeout())
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json, application/problem+json")
                    .header("Authorization", "Bearer " + bearerToken)
                    .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)))
                    .build();
            response = this.http.send(http, HttpResponse.BodyHandlers.ofString());
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
            HttpRequest http = HttpRequest.newBuilder(URI.create(stripSlash(config.network().validationUrl()) + "/networks/auth-modes"))
                    .timeout(config.network().validationTimeout())
                    .header("Accept", "application/json, application/problem+json")
                    .header("Authorization", "Bearer " + bearerToken)
                    .GET().build();
            response = this.http.send(http, HttpResponse.BodyHandlers.ofString());
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
