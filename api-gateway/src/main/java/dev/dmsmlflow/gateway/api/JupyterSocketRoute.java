package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.platform.websocket.SocketBridge;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.application.AccessDirectory;
import dev.dmsmlflow.gateway.application.Authenticator;
import dev.dmsmlflow.gateway.application.Authorizer;
import dev.dmsmlflow.gateway.application.Blocking;
import dev.dmsmlflow.gateway.application.JupyterLinks;
import dev.dmsmlflow.gateway.application.RateLimiter;
import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.JupyterPass;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.gateway.provider.ServiceClient;
import dev.dmsmlflow.gateway.provider.ServiceTokens;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jupyter's WebSockets (kernel channels, events, terminals) of a session's JupyterLab, from the browser to
 * notebook-service, which adds the server's token and joins them to the server. Authenticated like the session's HTTP
 * routes (API key, or the session's cookie from a page of this site), rate-limited, admitted with the editor role;
 * the service is reached as the caller with the service token, on its replicas in turn (one that refuses the
 * connection is skipped for the next: any replica relays any session), and only once it accepted is the browser's upgrade
 * answered (so its refusals, 404 and 409 included, reach the browser unchanged). An open socket's credentials are
 * checked again every {@code dms.gateway.jupyter.socket-recheck-interval}: a revoked or expired key, a cookie whose key
 * went, or a member who is no longer an editor of the workspace loses the socket (closed with 1008 on both sides).
 */
@ApplicationScoped
public class JupyterSocketRoute {

    private static final Logger LOG = Logger.getLogger(JupyterSocketRoute.class);
    private static final Pattern PATH = Pattern.compile("/api/v1/workspaces/([^/]+)/notebook-sessions/([^/]+)/jupyter/(.*)");
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final Authorizer authorizer;
    private final JupyterLinks links;
    private final AccessDirectory directory;
    private final Blocking blocking;
    private final ServiceTokens tokens;
    private final ServiceClient services;
    private final long handshakeTimeoutMillis;
    private final HttpClient client;
    private final Vertx vertx;
    private final long recheckMillis;

    /** What a socket was admitted with, kept to check it again while it is open. */
    private record Credentials(String authorization, String cookie, String origin, String ownOrigin) {
        static Credentials of(HttpServerRequest req) {
            Cookie cookie = req.getCookie(JupyterPass.COOKIE);
            return new Credentials(req.getHeader("Authorization"), cookie == null ? null : cookie.getValue(), req.getHeader("Origin"),
                    (req.isSSL() ? "https://" : "http://") + req.authority());
        }
    }

    JupyterSocketRoute(Authenticator authenticator, RateLimiter rateLimiter, Authorizer authorizer, JupyterLinks links,
                       AccessDirectory directory, Blocking blocking, ServiceTokens tokens, ServiceClient services,
                       GatewayConfig config, Vertx vertx) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.authorizer = authorizer;
        this.links = links;
        this.directory = directory;
        this.blocking = blocking;
        this.tokens = tokens;
        this.services = services;
        this.handshakeTimeoutMillis = config.downstream().requestTimeout().toMillis();
        this.vertx = vertx;
        this.recheckMillis = Math.max(1, config.jupyter().socketRecheckInterval().toMillis());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.downstream().connectTimeout().toMillis())
                .setMaxWebSocketFrameSize(WebSocketOptions.MAX_FRAME)
                .setMaxWebSocketMessageSize(WebSocketOptions.MAX_FRAME)
                .setMaxWebSockets(1024));
    }

    void register(@Observes Router router) {
        router.routeWithRegex(PATH.pattern()).order(-10).handler(this::handle);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String upgrade = req.getHeader("Upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            ctx.next();
            return;
        }
        Matcher m = PATH.matcher(req.path());
        if (!m.matches() || !Ids.isWorkspaceId(m.group(1)) || !SESSION_ID.matcher(m.group(2)).matches()) {
            refuse(req, Problem.of("not-found", "Resource not found", 404, "No such notebook session.", null));
            return;
        }
        String ws = m.group(1);
        String id = m.group(2);
        String rest = m.group(3);
        String requestId = UUID.randomUUID().toString();
        Context vctx = Vertx.currentContext();
        Credentials credentials = Credentials.of(req);
        req.pause();
        authenticate(credentials, ws, id)
                .flatMap(outcome -> {
                    if (outcome.caller() == null) {
                        return Uni.createFrom().failure(new ProblemException(Problem.of("unauthorized", "Unauthorized", 401,
                                outcome.refusal(), "Authorization").withCode(outcome.code())));
                    }
                    long wait = rateLimiter.secondsToWait(outcome.caller().rateKey());
                    if (wait > 0) {
                        return Uni.createFrom().failure(new ProblemException(Problem.of("rate-limited", "Too many requests", 429,
                                "Retry after " + wait + " s.", null).withCode("RATE_LIMITED")));
                    }
                    return authorizer.admit(outcome.caller(), ws, Role.EDITOR);
                })
                .subscribe().with(
                        access -> vctx.runOnContext(v -> connect(req, access, credentials, ws, id, rest, requestId)),
                        failure -> vctx.runOnContext(v -> {
                            if (failure instanceof ProblemException p) {
                                refuse(req, p.problem());
                            } else {
                                LOG.warnf("jupyter socket admission failed: %s", failure.toString());
                                refuse(req, Problem.of("service-unavailable", "Service unavailable", 503, "Try again.", null));
                            }
                        }));
    }

    /** An API key, else the session's cookie (checked like {@code AccessFilters} does for HTTP, plus the page's origin). */
    private Uni<Authenticator.Outcome> authenticate(Credentials c, String ws, String id) {
        if (c.authorization() != null) {
            return authenticator.authenticate(c.authorization());
        }
        Optional<JupyterPass> pass = c.cookie() == null ? Optional.empty() : links.open(c.cookie(), ws, id);
        if (pass.isEmpty()) {
            return Uni.createFrom().item(new Authenticator.Outcome(null, "An API key or the session's JupyterLab cookie is required.",
                    "MISSING_API_KEY"));
        }
        if (c.origin() != null && !c.origin().equalsIgnoreCase(c.ownOrigin())) {
            return Uni.createFrom().item(new Authenticator.Outcome(null, "The socket must be opened by a page of this site.",
                    "CROSS_SITE_REQUEST"));
        }
        String keyId = pass.get().keyId();
        if (keyId == null) {
            return Uni.createFrom().item(new Authenticator.Outcome(pass.get().caller(), null, null));
        }
        Optional<AccessDirectory.KeyRecord> cached = directory.cachedKey(keyId);
        Uni<Optional<AccessDirectory.KeyRecord>> key = cached != null ? Uni.createFrom().item(cached) : blocking.call(() -> directory.loadKey(keyId));
        return key.map(k -> k.isPresent() && k.get().revokedAt() == null && k.get().memberId().equals(pass.get().memberId())
                && (k.get().expiresAt() == null || Instant.now().isBefore(k.get().expiresAt()))
                ? new Authenticator.Outcome(pass.get().caller(), null, null)
                : new Authenticator.Outcome(null, "The API key behind this JupyterLab cookie is no longer valid.", "REVOKED_API_KEY"));
    }

    private void connect(HttpServerRequest req, Access access, Credentials credentials, String ws, String id, String rest,
                         String requestId) {
        String token;
        try {
            token = tokens.tokenFor(access);
        } catch (RuntimeException e) {
            refuse(req, Problem.of("service-unavailable", "Service unavailable", 503, "The gateway cannot call the notebook-service right now.", null));
            return;
        }
        String query = req.query();
        String protocols = req.getHeader("Sec-WebSocket-Protocol");
        open(services.replicas(ServiceClient.Service.NOTEBOOK), 0, "/sessions/" + id + "/jupyter/" + rest + (query == null ? "" : "?" + query),
                token, requestId, protocols, upstream -> relay(req, upstream, credentials, ws, id));
    }

    /**
     * Opens the socket on {@code replicas.get(i)}; when no connection could be made there (refused: nothing was sent), on
     * the next replica. Any replica serves any session (notebook-service/README.md), so the first that answers decides.
     */
    private void open(List<URI> replicas, int i, String path, String token, String requestId, String protocols,
                      Handler<AsyncResult<WebSocket>> done) {
        URI notebook = replicas.get(i);
        boolean ssl = "https".equalsIgnoreCase(notebook.getScheme());
        int port = notebook.getPort() > 0 ? notebook.getPort() : (ssl ? 443 : 80);
        String base = notebook.getRawPath() == null ? "" : notebook.getRawPath().replaceAll("/+$", "");
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(notebook.getHost()).setPort(port).setSsl(ssl)
                .setURI(base + path)
                .setTimeout(handshakeTimeoutMillis)
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("X-Request-Id", requestId);
        if (protocols != null) {
            options.setSubProtocols(Arrays.stream(protocols.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
        }
        client.webSocket(options).onComplete(upstream -> {
            if (upstream.failed() && ServiceClient.notConnected(upstream.cause()) && i + 1 < replicas.size()) {
                LOG.warnf("notebook-service at %s:%d cannot be reached (%s): trying its next replica", notebook.getHost(), port,
                        upstream.cause().toString());
                open(replicas, i + 1, path, token, requestId, protocols, done);
                return;
            }
            done.handle(upstream);
        });
    }

    /** Answers the browser's upgrade: joined to the service's socket, or with the service's refusal as it came. */
    private void relay(HttpServerRequest req, AsyncResult<WebSocket> upstream, Credentials credentials, String ws, String id) {
        if (upstream.failed()) {
            Throwable f = upstream.cause();
            if (f instanceof UpgradeRejectedException r) {
                HttpServerRequestAnswers.answer(req, r.getStatus(), r.getHeaders() == null ? null : r.getHeaders().get("Content-Type"), r.getBody());
            } else {
                LOG.warnf("notebook-service socket %s failed: %s", id, f.toString());
                refuse(req, Problem.of("service-unavailable", "Service unavailable", 503,
                        "The notebook-service could not be reached; retry later.", null).withCode("SERVICE_UNAVAILABLE"));
            }
            return;
        }
        SocketBridge.upgradeAndJoin(req, upstream.result(), front -> watch(front, credentials, ws, id));
    }

    /**
     * Checks the socket's credentials again every interval while it is open; when they no longer admit the caller (key
     * revoked or expired, cookie's key gone, role lowered, membership removed) the socket is closed with 1008, and the
     * bridge closes the session's side with it. A check that cannot be made (database unavailable) keeps the socket.
     */
    private void watch(io.vertx.core.http.ServerWebSocket front, Credentials credentials, String ws, String id) {
        // the timer ends itself once the socket is closed (the bridge owns the sockets' close handlers)
        vertx.setPeriodic(recheckMillis, t -> {
            if (front.isClosed()) {
                vertx.cancelTimer(t);
                return;
            }
            Context vctx = Vertx.currentContext();
            authenticate(credentials, ws, id)
                    .flatMap(outcome -> outcome.caller() == null
                            ? Uni.createFrom().failure(new ProblemException(Problem.of("unauthorized", "Unauthorized", 401,
                                    outcome.refusal(), null)))
                            : authorizer.admit(outcome.caller(), ws, Role.EDITOR))
                    .subscribe().with(
                            access -> { },
                            failure -> {
                                if (failure instanceof ProblemException p && p.problem().status() < 500) {
                                    vctx.runOnContext(v -> {
                                        if (!front.isClosed()) {
                                            LOG.infof("jupyter socket of session %s closed: its caller lost access (%d)", id,
                                                    p.problem().status());
                                            front.close((short) 1008, "access revoked");
                                        }
                                    });
                                } else {
                                    LOG.warnf("jupyter socket of session %s: access could not be checked again: %s", id, failure.toString());
                                }
                            });
        });
    }

    private static void refuse(HttpServerRequest req, Problem p) {
        Buffer body = Buffer.buffer(Json.encode(p));
        req.response().setStatusCode(p.status()).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (p.status() == 401) {
            req.response().putHeader("WWW-Authenticate", "Bearer realm=\"dms\"");
        }
        req.response().end(body);
    }

    /** Hands a service's refusal of the upgrade back to the browser as it came. */
    private static final class HttpServerRequestAnswers {
        static void answer(HttpServerRequest req, int status, String type, Buffer body) {
            req.response().setStatusCode(status);
            if (type != null) {
                req.response().putHeader("Content-Type", type);
            }
            req.response().end(body == null ? Buffer.buffer() : body);
        }
    }
}
