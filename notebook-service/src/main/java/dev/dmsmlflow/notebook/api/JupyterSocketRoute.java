package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.platform.websocket.SocketBridge;
import dev.dmsmlflow.notebook.application.SessionService;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import dev.dmsmlflow.platform.auth.Role;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The session's Jupyter WebSockets (kernel channels, events, terminals) for the gateway: the service token is verified
 * as for every call (workspace, editor role), the session must be the caller's workspace's and RUNNING, and the socket
 * is joined to the server's own on 127.0.0.1 with the server's token added here (it never leaves this service). The
 * caller's upgrade is answered only once the server accepted, so a refusal comes back as an HTTP status.
 */
@ApplicationScoped
public class JupyterSocketRoute {

    private static final Logger LOG = Logger.getLogger(JupyterSocketRoute.class);
    private static final Pattern PATH = Pattern.compile("/sessions/([A-Za-z0-9_-]{1,64})/jupyter/(.*)");
    private static final String BEARER = "Bearer ";

    private final JWTParser parser;
    private final SessionService sessions;
    private final NotebookRuntime runtime;
    private final HttpClient client;

    JupyterSocketRoute(JWTParser parser, SessionService sessions, NotebookRuntime runtime, Vertx vertx) {
        this.parser = parser;
        this.sessions = sessions;
        this.runtime = runtime;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000)
                .setMaxWebSocketFrameSize(WebSocketOptions.MAX_FRAME).setMaxWebSocketMessageSize(WebSocketOptions.MAX_FRAME)
                .setMaxWebSockets(1024));
    }

    void register(@Observes Router router) {
        router.routeWithRegex("/sessions/[^/]+/jupyter/.*").order(-10).handler(this::handle);
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** Where the socket goes on the session's server: its ws:// URI. */
    private record Target(URI uri, String token) {
        @Override
        public String toString() {
            return "Target[" + uri + ", token hidden]";
        }
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String upgrade = req.getHeader("Upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            ctx.next();
            return;
        }
        Matcher m = PATH.matcher(req.path());
        if (!m.matches()) {
            refuse(req, Problem.of("not-found", "Resource not found", 404, "No such notebook session.", null));
            return;
        }
        String id = m.group(1);
        String rest = m.group(2);
        String authorization = req.getHeader("Authorization");
        String query = req.query();
        Context vctx = Vertx.currentContext();
        req.pause();
        vctx.<Target>executeBlocking(() -> admit(authorization, id, rest, query), false).onComplete(admitted -> {
            if (admitted.failed()) {
                Throwable f = admitted.cause();
                refuse(req, f instanceof ProblemException p ? p.problem()
                        : Problem.of("service-unavailable", "Service unavailable", 503, "The session's JupyterLab is not reachable right now.", null));
                return;
            }
            connect(req, admitted.result(), id);
        });
    }

    /** Blocking: the token, the session and its server, as {@link JupyterProxyResource} checks them for HTTP. */
    private Target admit(String authorization, String id, String rest, String query) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new ProblemException(Problem.of("unauthorized", "Unauthorized", 401, "A service token is required.", null));
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(authorization.substring(BEARER.length()).trim());
        } catch (ParseException e) {
            throw new ProblemException(Problem.of("unauthorized", "Unauthorized", 401, "The service token is not valid.", null));
        }
        String ws = text(jwt.getClaim("dms_ws"));
        Optional<Role> role = Role.ofClaim(text(jwt.getClaim("dms_role")));
        if (ws == null || role.isEmpty() || jwt.getSubject() == null) {
            throw new ProblemException(Problem.of("unauthorized", "Unauthorized", 401, "The service token lacks a claim.", null));
        }
        SessionStatus status = QuarkusTransaction.requiringNew().call(() -> {
            SessionEntity s = sessions.get(ws, id);
            return s.status;
        });
        if (!role.get().includes(Role.EDITOR)) {
            throw new ProblemException(Problem.of("forbidden", "Forbidden", 403, "This needs the editor role in workspace " + ws + ".", null));
        }
        if (status != SessionStatus.RUNNING) {
            throw new ProblemException(Problem.of("conflict", "Conflict with current state", 409,
                    "The session is " + status + ": its JupyterLab answers only while it is RUNNING.", null).withCode("SESSION_" + status));
        }
        NotebookRuntime.Endpoint endpoint = runtime.endpoint(id).orElseThrow(() -> new ProblemException(Problem.of(
                "service-unavailable", "Service unavailable", 503, "The session's JupyterLab is not reachable right now.", null)));
        String path;
        try {
            path = new URI("http://x/" + rest).getPath().substring(1);
        } catch (URISyntaxException e) {
            throw ProblemException.invalidField("path", "The path is not a valid URI path.");
        }
        URI http = JupyterProxyResource.target(endpoint.baseUri(), path, query);
        try {
            return new Target(new URI("http".equals(http.getScheme()) ? "ws" : "wss", null, http.getHost(), http.getPort(), null, null, null)
                    .resolve(http.getRawPath() + (http.getRawQuery() == null ? "" : "?" + http.getRawQuery())), endpoint.token());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void connect(HttpServerRequest req, Target target, String id) {
        URI u = target.uri();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(u.getHost()).setPort(u.getPort())
                .setSsl("wss".equals(u.getScheme()))
                .setURI(u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()))
                .setTimeout(30_000)
                .putHeader("Authorization", "token " + target.token());
        String protocols = req.getHeader("Sec-WebSocket-Protocol");
        if (protocols != null) {
            options.setSubProtocols(Arrays.stream(protocols.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
        }
        client.webSocket(options).onComplete(server -> {
            if (server.failed()) {
                Throwable f = server.cause();
                if (f instanceof UpgradeRejectedException r) {
                    // the server's own refusal (an unknown kernel: 404); its body is the server's, not passed on
                    refuse(req, Problem.of("upstream-refused", "Refused by JupyterLab", r.getStatus(),
                            "The session's JupyterLab refused the socket (" + r.getStatus() + ").", null));
                } else {
                    LOG.warnf("session %s: the Jupyter socket could not be opened: %s", id, f.toString());
                    refuse(req, Problem.of("service-unavailable", "Service unavailable", 503, "The session's JupyterLab did not answer.", null));
                }
                return;
            }
            SocketBridge.upgradeAndJoin(req, server.result(), front -> { });
        });
    }

    private static String text(Object claim) {
        if (claim instanceof JsonString s) {
            return s.getString();
        }
        return claim instanceof String s ? s : null;
    }

    private static void refuse(HttpServerRequest req, Problem p) {
        req.response().setStatusCode(p.status()).putHeader("Content-Type", Problem.MEDIA_TYPE).end(Buffer.buffer(Json.encode(p)));
    }
}
