package dev.dmsmlflow.gateway.provider;

import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.URI;

/**
 * Non-blocking, pooled HTTP to instance-service and network-service, as the admitted caller: the service token in
 * {@code Authorization} (never the caller's API key), the request id, and the idempotency key when there is one.
 * A service that cannot be reached is 503; a service refusing the gateway's token is the gateway's fault: 502.
 */
@ApplicationScoped
public class ServiceClient {

    private static final Logger LOG = Logger.getLogger(ServiceClient.class);

    /** The services the gateway forwards to. */
    public enum Service {
        INSTANCE("instance-service"), NETWORK("network-service"), NOTEBOOK("notebook-service"), BILLING("billing-service");

        final String label;

        Service(String label) {
            this.label = label;
        }
    }

    /** A service's answer: status, headers and body, passed on unchanged except where the caller says. */
    public record Answer(int status, MultiMap headers, Buffer body) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private record Target(String host, int port, boolean ssl, String basePath) {
        static Target of(String url) {
            URI u = URI.create(url);
            boolean ssl = "https".equalsIgnoreCase(u.getScheme());
            int port = u.getPort() > 0 ? u.getPort() : (ssl ? 443 : 80);
            String base = u.getRawPath() == null ? "" : u.getRawPath().replaceAll("/+$", "");
            return new Target(u.getHost(), port, ssl, base);
        }
    }

    private final WebClient client;
    private final Target instance;
    private final Target network;
    private final Target notebook;
    private final Target billing;
    private final ServiceTokens tokens;
    private final long timeoutMillis;

    ServiceClient(Vertx vertx, GatewayConfig config, ServiceTokens tokens) {
        GatewayConfig.Downstream d = config.downstream();
        this.client = WebClient.create(vertx, new WebClientOptions()
                .setKeepAlive(true)
                .setMaxPoolSize(d.maxPoolSize())
                .setConnectTimeout((int) d.connectTimeout().toMillis())
                .setIdleTimeout(60)
                .setTcpNoDelay(true)
                .setFollowRedirects(false)
                .setTryUseCompression(false)
                .setUserAgentEnabled(false));
        this.instance = Target.of(config.instanceServiceUrl());
        this.network = Target.of(config.networkServiceUrl());
        this.notebook = Target.of(config.notebookServiceUrl());
        this.billing = Target.of(config.billingServiceUrl());
        this.tokens = tokens;
        this.timeoutMillis = d.requestTimeout().toMillis();
    }

    /**
     * Sends {@code method pathAndQuery} (already encoded, relative to the service's base URL) with an optional JSON body.
     */
    public Uni<Answer> send(Service service, HttpMethod method, String pathAndQuery, Access access, String requestId,
                            String idempotencyKey, Buffer jsonBody) {
        return send(service, method, pathAndQuery, access, requestId, idempotencyKey, jsonBody, "application/json", "application/json");
    }

    /**
     * Sends a request with a body of any type ({@code contentType}, may be null) and {@code accept}, as for a pass-through
     * route (a notebook session's Jupyter server).
     */
    public Uni<Answer> send(Service service, HttpMethod method, String pathAndQuery, Access access, String requestId,
                            String idempotencyKey, Buffer body, String contentType, String accept) {
        Target t = switch (service) {
            case INSTANCE -> instance;
            case NETWORK -> network;
            case NOTEBOOK -> notebook;
            case BILLING -> billing;
        };
        String token;
        try {
            token = tokens.tokenFor(access);
        } catch (RuntimeException e) {
            LOG.errorf("cannot sign service tokens: %s", e.getMessage());
            return Uni.createFrom().failure(new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503,
                    "The gateway cannot call the " + service.label + " right now.", null).withCode("SERVICE_TOKEN_UNAVAILABLE")));
        }
        HttpRequest<Buffer> request = client.request(method, t.port(), t.host(), t.basePath() + pathAndQuery)
                .ssl(t.ssl())
                .timeout(timeoutMillis)
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("Accept", accept == null ? "*/*" : accept);
        if (requestId != null) {
            request.putHeader("X-Request-Id", requestId);
        }
        if (idempotencyKey != null) {
            request.putHeader("Idempotency-Key", idempotencyKey);
        }
        Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>> sent;
        if (body != null) {
            if (contentType != null) {
                request.putHeader("Content-Type", contentType);
            }
            sent = request.sendBuffer(body);
        } else {
            sent = request.send();
        }
        // a failure mapped with onFailure().transform replaces the original (throwing from onItemOrFailure would fail
        // with both, a CompositeException, which no mapper knows: a 500 instead of the 503)
        return sent.onFailure().transform(failure -> {
            LOG.warnf("%s %s %s failed: %s", service.label, method, pathAndQuery, failure.toString());
            return new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503,
                    "The " + service.label + " could not be reached; retry later.", null).withCode("SERVICE_UNAVAILABLE"));
        }).onItem().transform(r -> {
            if (r.statusCode() == 401) {
                LOG.errorf("%s refused the gateway's service token (%s %s): check the key pair both use", service.label, method, pathAndQuery);
                throw new ProblemException(Problem.of("bad-gateway", "Bad gateway", 502,
                        "The " + service.label + " did not accept the gateway's credentials.", null).withCode("SERVICE_TOKEN_REFUSED"));
            }
            Buffer answered = r.body();
            return new Answer(r.statusCode(), r.headers(), answered == null ? Buffer.buffer() : answered);
        });
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
