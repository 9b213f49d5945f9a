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

import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Non-blocking, pooled HTTP to instance-service and network-service, as the admitted caller: the service token in
 * {@code Authorization} (never the caller's API key), the request id, and the idempotency key when there is one.
 * A service that cannot be reached is 503; a service refusing the gateway's token is the gateway's fault: 502.
 * <p>
 * A service's URL setting may list several base URLs, comma-separated: its replicas ({@code ./dms up --cluster}). Requests
 * take them in turn (round-robin), and one whose connection is refused or times out before it is established goes to
 * the next replica, so a replica that is down costs a connection attempt, not an error. A request that reached a replica
 * is never sent again (it may have been carried out).
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

    /** A service's replicas, taken in turn. */
    static final class Replicas {
        private final List<Target> targets;
        private final AtomicInteger next = new AtomicInteger();

        private Replicas(List<Target> targets) {
            this.targets = List.copyOf(targets);
        }

        /** The replicas of a URL setting: one base URL, or several separated by commas. */
        static Replicas of(String urls) {
            List<Target> targets = Arrays.stream(urls.split(",")).map(String::trim).filter(u -> !u.isEmpty()).map(Target::of).toList();
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("no service URL in '" + urls + "'");
            }
            return new Replicas(targets);
        }

        /** The order one request tries the replicas in: the next one in turn first, then the others. */
        List<Target> order() {
            int n = targets.size();
            if (n == 1) {
                return targets;
            }
            int first = Math.floorMod(next.getAndIncrement(), n);
            List<Target> order = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                order.add(targets.get((first + i) % n));
            }
            return order;
        }

        int size() {
            return targets.size();
        }
    }

    /**
     * The base URLs of a service's replicas in the order one connection should try them (the next in turn first, then the
     * others), for clients other than this one that spread the same way (the Jupyter sockets).
     */
    public List<URI> replicas(Service service) {
        return replicasOf(service).order().stream()
                .map(t -> URI.create((t.ssl() ? "https://" : "http://") + t.host() + ":" + t.port() + t.basePath())).toList();
    }

    private Replicas replicasOf(Service service) {
        return switch (service) {
            case INSTANCE -> instance;
            case NETWORK -> network;
            case NOTEBOOK -> notebook;
            case BILLING -> billing;
        };
    }

    private final WebClient client;
    private final Replicas instance;
    private final Replicas network;
    private final Replicas notebook;
    private final Replicas billing;
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
        this.instance = Replicas.of(config.instanceServiceUrl());
        this.network = Replicas.of(config.networkServiceUrl());
        this.notebook = Replicas.of(config.notebookServiceUrl());
        this.billing = Replicas.of(config.billingServiceUrl());
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
        Replicas replicas = replicasOf(service);
        String token;
        try {
            token = tokens.tokenFor(access);
        } catch (RuntimeException e) {
            LOG.errorf("cannot sign service tokens: %s", e.getMessage());
            return Uni.createFrom().failure(new ProblemException(Problem.of("service-unavailable", "Service unavailable", 503,
                    "The gateway cannot call the " + service.label + " right now.", null).withCode("SERVICE_TOKEN_UNAVAILABLE")));
        }
        Function<Target, Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>>> call = t -> {
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
            if (body != null) {
                if (contentType != null) {
                    request.putHeader("Content-Type", contentType);
                }
                return request.sendBuffer(body);
            }
            return request.send();
        };
        Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>> sent = attempt(replicas.order(), 0, call, service);
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

    /**
     * Sends to {@code order.get(i)}; when no connection could be made there (refused, or not established in time: nothing
     * was sent), to the next replica.
     */
    private static Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>> attempt(List<Target> order, int i,
            Function<Target, Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>>> call, Service service) {
        Uni<io.vertx.mutiny.ext.web.client.HttpResponse<Buffer>> sent = call.apply(order.get(i));
        if (i + 1 >= order.size()) {
            return sent;
        }
        return sent.onFailure(ServiceClient::notConnected).recoverWithUni(failure -> {
            Target t = order.get(i);
            LOG.warnf("%s at %s:%d cannot be reached (%s): trying its next replica", service.label, t.host(), t.port(), failure.toString());
            return attempt(order, i + 1, call, service);
        });
    }

    /** Whether {@code failure} means no connection was made (so the request was not sent). */
    public static boolean notConnected(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
