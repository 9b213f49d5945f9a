package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.network.domain.BackendHealth;
import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.provider.NetworkFacts;
import dev.dmsmlflow.network.provider.SignInCodes;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import dev.dmsmlflow.mlflowaccess.MlflowCredentials;
import dev.dmsmlflow.mlflowaccess.MlflowRequests;
import io.vertx.core.http.HttpMethod;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The local load balancer of one instance: an HTTP reverse proxy on a loopback address and port that admits a client
 * only when the ACL (white list, empty = deny all) and the security group's port-80 inbound rules both cover the
 * client's source address, then streams the request to the registered backend and the answer back. An exchange in
 * which nothing moves for the upstream timeout is given up (504 before the answer began); a {@link BackendHealthCheck}
 * judges the backend meanwhile, without ever holding requests back.
 *
 * <p>In token mode it also wants an MLflow access token: in {@code Authorization} (Bearer, or the password of Basic
 * credentials), or for a browser in the instance's sign-in cookie, which it sets itself on {@link #SIGN_IN_PATH} in
 * exchange for a one-time code. Paths under {@link #RESERVED_PREFIX} are the load balancer's own and never forwarded, and
 * its cookies never reach the tracking server.
 */
final class LocalProxy {

    private static final Logger LOG = Logger.getLogger(LocalProxy.class);
    /** The listener port the security group rules are checked against (the ALB listener is on 80). */
    static final int LISTENER_PORT = 80;
    /** The header carrying the per-instance secret toward the backend; a client's own value is always dropped. */
    static final String BACKEND_AUTH_HEADER = "X-Dms-Backend-Auth";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "proxy-connection");
    /** Request headers never passed on as the client sent them. */
    private static final Set<String> NOT_FORWARDED = Set.of("x-dms-backend-auth");
    /** Paths the load balancer answers itself: never forwarded. */
    static final String RESERVED_PREFIX = "/.dms/";
    /** Where a browser trades a one-time code for the sign-in cookie. */
    static final String SIGN_IN_PATH = RESERVED_PREFIX + "sign-in";
    /** Every load balancer's cookie starts so (locally they share a host: cookies ignore ports). */
    static final String COOKIE_PREFIX = "dms_mlflow_";
    /** A sign-in code as issued: 256 bits in unpadded base64url. */
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final Vertx vertx;
    private final String loadBalancerId;
    /** The instance whose sign-in codes this load balancer takes; null: it signs no browser in. */
    private final String instanceId;
    private final SignInCodes signIns;
    /** This load balancer's sign-in cookie. */
    private final String cookieName;
    private final Set<IpBlock> acl = ConcurrentHashMap.newKeySet();
    private final Supplier<NetworkFacts.SecurityGroup> securityGroup;
    private final HttpClient client;
    private final long maxBodySize;
    private final Duration connectTimeout;
    private final Duration upstreamTimeout;
    private final BackendHealthCheck.Settings healthSettings;
    /** Checks the registered backend; null while there is none. */
    private BackendHealthCheck healthCheck;
    private final Instant createdAt = Instant.now();
    private boolean closed;
    private volatile String backendHost;
    private volatile int backendPort;
    private volatile String backendSecret;
    private volatile boolean tokenMode;
    /** Active tokens by the SHA-256 (hex) of the token. */
    private volatile Map<String, Grant> grants = Map.of();

    /** What a token may do: {@code read} or {@code read-write}, until {@code expiresAt} (null: no end). */
    record Grant(String tokenId, String scope, Instant expiresAt) {
    }
    private HttpServer server;

    /**
     * The longest request URI (path and query, bytes) forwarded: what upstream MLflow's server accepts, about 8 KB (long
     * {@code runs/search} filters in a GET, deep artifact paths). A longer one is answered 414 with the limit.
     */
    static final int MAX_URI_LENGTH = 8192;
    /** The request line's limit: the URI plus room for the longest method and the version ({@code OPTIONS ... HTTP/1.1}). */
    static final int MAX_REQUEST_LINE = MAX_URI_LENGTH + 32;

    /**
     * The proxy's limits: the largest body; how long to wait for a connection to the backend; how long a forwarded
     * exchange may stay idle (no byte either way) before it is given up (504 before the answer began).
     */
    record Limits(long maxBodySize, Duration connectTimeout, Duration upstreamTimeout) {
    }

    LocalProxy(Vertx vertx, String loadBalancerId, Supplier<NetworkFacts.SecurityGroup> securityGroup, HttpClient client,
               Limits limits, BackendHealthCheck.Settings healthSettings) {
        this(vertx, loadBalancerId, null, null, securityGroup, client, limits, healthSettings);
    }

    LocalProxy(Vertx vertx, String loadBalancerId, String instanceId, SignInCodes signIns,
               Supplier<NetworkFacts.SecurityGroup> securityGroup, HttpClient client, Limits limits,
               BackendHealthCheck.Settings healthSettings) {
        this.vertx = vertx;
        this.instanceId = instanceId;
        this.signIns = signIns;
        this.cookieName = COOKIE_PREFIX + loadBalancerId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        this.maxBodySize = limits.maxBodySize();
        this.connectTimeout = limits.connectTimeout();
        this.upstreamTimeout = limits.upstreamTimeout();
        this.healthSettings = healthSettings;
        this.loadBalancerId = loadBalancerId;
        this.securityGroup = securityGroup;
        this.client = client;
    }

    /** Starts listening; port 0 picks a free port. Returns the bound port. */
    int listen(String host, int port) throws Exception {
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setReuseAddress(true)
                .setMaxInitialLineLength(MAX_REQUEST_LINE));
        // a request line over the decoder's limit never becomes a request: answer 414 with the limit, like a long URI
        s.invalidRequestHandler(req -> {
            Throwable cause = req.decoderResult().cause();
            if (cause instanceof io.netty.handler.codec.TooLongFrameException && cause.getMessage() != null
                    && cause.getMessage().startsWith("An HTTP line is larger than")) {
                uriTooLong(req);
            } else {
                HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(req);
            }
        });
        s.requestHandler(req -> {
            try {
                handle(req);
            } catch (RuntimeException e) {
                LOG.errorf(e, "load balancer %s could not handle %s %s", loadBalancerId, req.method(), req.path());
                deny(req, 500, "load-balancer", "the load balancer could not handle the request");
            }
        });
        server = s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    void close() {
        synchronized (this) {
            closed = true;
            if (healthCheck != null) {
                healthCheck.end();
                healthCheck = null;
            }
        }
        HttpServer s = server;
        if (s != null) {
            try {
                s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("closing proxy of %s: %s", loadBalancerId, e.toString());
            }
        }
    }

    void addAcl(IpBlock block) {
        acl.add(block);
    }

    void removeAcl(IpBlock block) {
        acl.remove(block);
    }

    /**
     * Points the proxy at a backend and (re)starts its health check; the same backend again keeps the check and its
     * verdict.
     */
    synchronized void backend(String host, int port) {
        boolean same = host.equals(backendHost) && port == backendPort && healthCheck != null;
        this.backendHost = host;
        this.backendPort = port;
        if (same || closed) {
            return;
        }
        if (healthCheck != null) {
            healthCheck.end();
        }
        healthCheck = new BackendHealthCheck(vertx, loadBalancerId, client, host, port, () -> backendSecret, healthSettings);
        healthCheck.begin();
    }

    /** What the health check says of the backend; UNKNOWN while none is registered. */
    synchronized BackendHealth backendHealth() {
        return healthCheck != null ? healthCheck.health()
                : BackendHealth.unknown(createdAt, "no tracking server is registered");
    }

    /** Token mode on or off, and the instance's active tokens by hash. */
    void authentication(boolean tokenMode, Map<String, Grant> grants) {
        this.grants = Map.copyOf(grants);
        this.tokenMode = tokenMode;
    }

    /** A verdict on an Authorization value, valid only while {@code grants} is the map it was taken from. */
    private record Seen(Map<String, Grant> grants, Grant grant) {
    }

    /** How many Authorization values the proxy remembers (a client reuses one header on every request). */
    static final int SEEN_MAX = 1024;
    /**
     * Recent Authorization values and their grant: hashing the token (SHA-256) on every request cost about a tenth of the
     * proxy's throughput. An entry is used only while the grants it came from are the current ones, so a token revoked or
     * a mode changed (a new map) is never answered from here; expiry is still checked on every request.
     */
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    /** The grant of the token in {@code authorization}, or null when it carries none of the active tokens. */
    Grant grant(String authorization) {
        if (authorization == null) {
            return null;
        }
        Map<String, Grant> current = grants;
        Seen s = seen.get(authorization);
        if (s != null && s.grants() == current) {
            return s.grant();
        }
        String hash = tokenHash(authorization);
        Grant grant = hash == null ? null : current.get(hash);
        if (grant != null) {
            if (seen.size() >= SEEN_MAX) {
                seen.clear();
            }
            seen.put(authorization, new Seen(current, grant));
        }
        return grant;
    }

    /** The secret added to every forwarded request (null: none). */
    void backendSecret(String secret) {
        this.backendSecret = secret;
    }

    /** Why the ACL admits or refuses a source; null when admitted. */
    String aclDenial(InetAddress source) {
        if (acl.isEmpty()) {
            return "the ACL has no entries and denies all traffic";
        }
        for (IpBlock b : acl) {
            if (b.contains(source)) {
                return null;
            }
        }
        return "no ACL entry covers " + source.getHostAddress();
    }

    /** Why the security group refuses a source on port 80; null when admitted. */
    String securityGroupDenial(InetAddress source) {
        NetworkFacts.SecurityGroup sg = securityGroup.get();
        if (sg == null) {
            return "the security group no longer exists";
        }
        for (NetworkFacts.InboundRule r : sg.inboundRules()) {
            if (r.accepts() && r.admitsPort(LISTENER_PORT) && IpBlock.parse(r.sourceCidr()).contains(source)) {
                return null;
            }
        }
        return "no inbound rule of " + sg.id() + " allows port " + LISTENER_PORT + " from " + source.getHostAddress();
    }

    private void handle(HttpServerRequest req) {
        if (req.uri().length() > MAX_URI_LENGTH) {
            uriTooLong(req);
            return;
        }
        InetAddress source;
        try {
            source = IpBlock.parseAddress(req.remoteAddress().hostAddress());
        } catch (RuntimeException e) {
            deny(req, 403, "unknown", "the source address cannot be determined");
            return;
        }
        String why = aclDenial(source);
        if (why != null) {
            deny(req, 403, "acl", why);
            return;
        }
        why = securityGroupDenial(source);
        if (why != null) {
            deny(req, 403, "security-group", why);
            return;
        }
        if (req.path().startsWith(RESERVED_PREFIX)) {
            if (SIGN_IN_PATH.equals(req.path())) {
                signIn(req);
            } else {
                mlflowError(req, 404, "ENDPOINT_NOT_FOUND", "No such path on the load balancer: " + req.path());
            }
            return;
        }
        boolean tokens = tokenMode;
        if (tokens && !(req.method() == HttpMethod.GET && "/health".equals(req.path()))) {
            String authorization = req.getHeader(HttpHeaders.AUTHORIZATION);
            boolean byCookie = false;
            if (authorization == null) {
                String fromCookie = cookieToken(req.headers().getAll(HttpHeaders.COOKIE), cookieName);
                if (fromCookie != null) {
                    authorization = "Bearer " + fromCookie;
                    byCookie = true;
                }
            }
            Grant grant = grant(authorization);
            if (grant == null || (grant.expiresAt() != null && !grant.expiresAt().isAfter(Instant.now()))) {
                unauthenticated(req);
                return;
            }
            if (!"read-write".equals(grant.scope()) && !MlflowRequests.readsOnly(req.method().name(), req.path())) {
                mlflowError(req, 403, "PERMISSION_DENIED", "The token " + grant.tokenId() + " may only read; "
                        + req.method().name() + " " + req.path() + " writes.");
                return;
            }
            if (byCookie && crossSite(req)) {
                // SameSite=Lax still sends the cookie with requests from other ports of the same host: a change must come
                // from the UI's own origin
                mlflowError(req, 403, "PERMISSION_DENIED", "A request signed in by the browser cookie must come from this"
                        + " instance's own pages to change anything.");
                return;
            }
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared < 0) {
                deny(req, 400, "load-balancer", "the Content-Length header is not a number");
                return;
            }
            if (declared > maxBodySize) {
                tooLarge(req);
                return;
            }
        }
        String host = backendHost;
        if (host == null) {
            deny(req, 503, "backend", "no backend is registered with load balancer " + loadBalancerId);
            return;
        }
        forward(req, host, backendPort, source, tokens);
    }

    /**
     * A browser's sign-in: a GET with the one-time code of this instance gets the instance's cookie (an access token of
     * the member who asked for the link, HttpOnly, SameSite=Lax, the whole site) and a 303 to the UI; anything else is a
     * 401 and sets nothing. The code is spent on a worker thread (database), never on the event loop.
     */
    private void signIn(HttpServerRequest req) {
        String code = req.method() == HttpMethod.GET ? req.getParam("code") : null;
        if (signIns == null || instanceId == null || code == null || !CODE.matcher(code).matches()) {
            signInRefused(req);
            return;
        }
        vertx.<Optional<SignInCodes.SignedIn>>executeBlocking(() -> signIns.redeem(instanceId, code), false).onComplete(ar -> {
            HttpServerResponse resp = req.response();
            if (resp.closed() || resp.ended()) {
                return;
            }
            if (ar.failed()) {
                LOG.warnf("load balancer %s could not spend a sign-in code: %s", loadBalancerId, ar.cause().toString());
                mlflowError(req, 503, "TEMPORARILY_UNAVAILABLE", "The sign-in could not be checked right now; try again.");
                return;
            }
            if (ar.result().isEmpty()) {
                signInRefused(req);
                return;
            }
            SignInCodes.SignedIn in = ar.result().get();
            long maxAge = Math.max(1, Duration.between(Instant.now(), in.expiresAt()).getSeconds());
            resp.setStatusCode(303).putHeader(HttpHeaders.LOCATION, "/")
                    .putHeader("Set-Cookie", cookieName + "=" + in.token() + "; Path=/; Max-Age=" + maxAge + "; HttpOnly; SameSite=Lax")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("Referrer-Policy", "no-referrer").end();
        });
    }

    private static void signInRefused(HttpServerRequest req) {
        req.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        mlflowError(req, 401, "UNAUTHENTICATED", "This sign-in link is not valid: it was already used, has expired or is not"
                + " of this instance. Open the instance again from the console.");
    }

    /** The value of cookie {@code name} in the request's Cookie headers; null without. */
    static String cookieToken(java.util.List<String> cookieHeaders, String name) {
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                String p = pair.trim();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).trim().equals(name)) {
                    String v = p.substring(eq + 1).trim();
                    return v.isEmpty() ? null : v;
                }
            }
        }
        return null;
    }

    /** A Cookie header without the load balancers' own cookies; null when nothing else is left. */
    static String withoutOwnCookies(String header) {
        StringBuilder kept = new StringBuilder();
        for (String pair : header.split(";")) {
            String p = pair.trim();
            if (p.isEmpty() || p.startsWith(COOKIE_PREFIX)) {
                continue;
            }
            if (kept.length() > 0) {
                kept.append("; ");
            }
            kept.append(p);
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    /** A changing request (not GET, HEAD or OPTIONS) whose Origin is not this load balancer's own address. */
    private static boolean crossSite(HttpServerRequest req) {
        HttpMethod m = req.method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return false;
        }
        if ("cross-site".equalsIgnoreCase(req.getHeader("Sec-Fetch-Site"))) {
            return true;
        }
        String origin = req.getHeader(HttpHeaders.ORIGIN);
        String host = req.getHeader(HttpHeaders.HOST);
        return origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host));
    }

    /**
     * The SHA-256 (hex) of the token in {@code Authorization}: {@code Bearer <token>} (MLFLOW_TRACKING_TOKEN) or
     * {@code Basic base64(user:token)} (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, any user name); null without.
     */
    static String tokenHash(String authorization) {
        String token = MlflowCredentials.token(authorization);
        return token == null ? null : MlflowCredentials.digestHex(token);
    }

    private void unauthenticated(HttpServerRequest req) {
        req.response().headers().add("WWW-Authenticate", "Basic realm=\"mlflow\"")
                .add("WWW-Authenticate", "Bearer realm=\"mlflow\"");
        mlflowError(req, 401, "UNAUTHENTICATED", "This MLflow instance needs an access token: set MLFLOW_TRACKING_TOKEN, or"
                + " MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (the token as the password).");
    }

    /** An answer in MLflow's error format, so that clients show the message. */
    private static void mlflowError(HttpServerRequest req, int status, String code, String message) {
        JsonObject body = new JsonObject().put("error_code", code).put("message", message);
        req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
    }

    private void forward(HttpServerRequest req, String host, int port, InetAddress source, boolean dropAuthorization) {
        req.pause();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        req.headers().forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("cookie")) {
                // the load balancers' sign-in cookies (tokens) never reach a tracking server
                String kept = withoutOwnCookies(h.getValue());
                if (kept != null) {
                    headers.add(h.getKey(), kept);
                }
            } else if (!HOP_BY_HOP.contains(name) && !NOT_FORWARDED.contains(name) && !(dropAuthorization && name.equals("authorization"))) {
                headers.add(h.getKey(), h.getValue());
            }
        });
        String secret = backendSecret;
        if (secret != null) {
            headers.set(BACKEND_AUTH_HEADER, secret);
        }
        String forwardedFor = req.getHeader("X-Forwarded-For");
        headers.set("X-Forwarded-For", forwardedFor == null ? source.getHostAddress() : forwardedFor + ", " + source.getHostAddress());
        if (req.getHeader(HttpHeaders.HOST) != null) {
            headers.set("X-Forwarded-Host", req.getHeader(HttpHeaders.HOST));
        }
        headers.set("X-Forwarded-Proto", "http");
        boolean hasBody = req.getHeader(HttpHeaders.CONTENT_LENGTH) != null || req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        RequestOptions options = new RequestOptions().setMethod(req.method()).setHost(host).setPort(port)
                .setURI(req.uri()).setHeaders(headers).setConnectTimeout(connectTimeout.toMillis());
        Exchange x = new Exchange(req);
        req.response().closeHandler(v -> x.abandon());
        client.request(options).onComplete(ar -> {
            if (x.over) {
                if (ar.succeeded()) {
                    ar.result().reset();
                }
                return;
            }
            if (ar.failed()) {
                req.resume();
                // never the backend's address: only the load balancer may know where the tracking server listens
                if (ar.cause() instanceof TimeoutException || ar.cause() instanceof ConnectTimeoutException) {
                    x.fail(504, "no connection to the tracking server of load balancer " + loadBalancerId + " within "
                            + BackendHealthCheck.text(connectTimeout));
                } else {
                    x.fail(502, "the tracking server of load balancer " + loadBalancerId + " is not reachable");
                }
                return;
            }
            HttpClientRequest creq = ar.result();
            x.connected(creq);
            creq.response().onSuccess(x::relay).onFailure(e -> x.fail(502,
                    "the tracking server of load balancer " + loadBalancerId + " did not answer"));
            if (hasBody) {
                pipeBody(x, req, creq, req.getHeader(HttpHeaders.CONTENT_LENGTH) == null);
            } else {
                req.resume();
                creq.end();
            }
        });
    }

    /**
     * One forwarded request and its answer: watches that bytes keep moving (upload or answer) and gives up once nothing
     * moved for {@code upstreamTimeout}. Everything here runs on the request's event loop.
     */
    private final class Exchange {
        private final HttpServerRequest req;
        private HttpClientRequest creq;
        private long lastMove = System.nanoTime();
        private long timer = -1;
        /** An outcome was given (answer relayed to the end, an error answered, or the client gone). */
        private boolean over;

        Exchange(HttpServerRequest req) {
            this.req = req;
        }

        void moved() {
            lastMove = System.nanoTime();
        }

        void connected(HttpClientRequest creq) {
            this.creq = creq;
            moved();
            watch(upstreamTimeout.toNanos());
        }

        private void watch(long nanos) {
            timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)), id -> {
                if (over) {
                    return;
                }
                long idle = System.nanoTime() - lastMove;
                if (idle < upstreamTimeout.toNanos()) {
                    watch(upstreamTimeout.toNanos() - idle);
                } else {
                    timedOut();
                }
            });
        }

        private void end() {
            over = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }

        private void timedOut() {
            end();
            creq.reset();
            HttpServerResponse resp = req.response();
            if (resp.headWritten()) {
                // the answer stalled halfway: the client can only be told by a cut connection
                resp.reset();
                return;
            }
            gatewayTimeout(req, "the tracking server of load balancer " + loadBalancerId + " sent nothing for "
                    + BackendHealthCheck.text(upstreamTimeout));
        }

        /** An error answer (or a cut connection when the answer already began), once. */
        void fail(int status, String detail) {
            if (over) {
                return;
            }
            end();
            if (status == 504) {
                gatewayTimeout(req, detail);
            } else {
                deny(req, status, "backend", detail);
            }
        }

        /** The client went away: stop waiting on the backend. */
        void abandon() {
            if (over) {
                return;
            }
            end();
            if (creq != null) {
                creq.reset();
            }
        }

        /** Passes the answer on as it comes, with backpressure both ways. */
        void relay(HttpClientResponse cres) {
            if (over) {
                return;
            }
            moved();
            HttpServerResponse resp = req.response();
            resp.setStatusCode(cres.statusCode());
            resp.setStatusMessage(cres.statusMessage());
            cres.headers().forEach(h -> {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    resp.headers().add(h.getKey(), h.getValue());
                }
            });
            boolean noBody = cres.statusCode() == 204 || cres.statusCode() == 304 || req.method().name().equals("HEAD");
            if (!noBody && cres.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                resp.setChunked(true);
            }
            cres.handler(buf -> {
                if (over) {
                    return;
                }
                moved();
                resp.write(buf);
                if (resp.writeQueueFull()) {
                    cres.pause();
                    resp.drainHandler(v -> {
                        moved();
                        cres.resume();
                    });
                }
            });
            cres.exceptionHandler(e -> {
                if (!over) {
                    end();
                    resp.reset();
                }
            });
            cres.endHandler(v -> {
                if (!over) {
                    end();
                    resp.end();
                }
            });
        }
    }

    /**
     * The request body to the backend as it comes, with backpressure; a chunked body (no declared length) is counted and
     * cut with a 413 once it passes the limit (a declared one was checked before).
     */
    private void pipeBody(Exchange x, HttpServerRequest req, HttpClientRequest creq, boolean chunked) {
        if (chunked) {
            creq.setChunked(true);
        }
        long[] seen = {0};
        req.handler(buf -> {
            if (x.over) {
                return;
            }
            seen[0] += buf.length();
            if (chunked && seen[0] > maxBodySize) {
                x.end();
                tooLarge(req); // first: the backend's failure after the reset must not answer in its place
                creq.reset();
                return;
            }
            x.moved();
            creq.write(buf);
            if (creq.writeQueueFull()) {
                req.pause();
                creq.drainHandler(v -> {
                    x.moved();
                    req.resume();
                });
            }
        });
        req.endHandler(v -> {
            if (!x.over) {
                creq.end();
            }
        });
        req.exceptionHandler(e -> {
            if (!x.over) {
                x.end();
                creq.reset();
            }
        });
        req.resume();
    }

    private void uriTooLong(HttpServerRequest req) {
        String detail = "The request URI is longer than the limit of " + MAX_URI_LENGTH + " bytes.";
        JsonObject body = new JsonObject()
                .put("status", 414)
                .put("error", "uri_too_long")
                .put("error_code", "REQUEST_LIMIT_EXCEEDED")
                .put("layer", "load-balancer")
                .put("loadBalancerId", loadBalancerId)
                .put("limit", MAX_URI_LENGTH)
                .put("message", detail)
                .put("detail", detail);
        req.response().setStatusCode(414).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(body.encode())
                .onComplete(v -> req.connection().close());
    }

    private void tooLarge(HttpServerRequest req) {
        if (req.response().headWritten()) {
            req.response().reset();
            return;
        }
        JsonObject body = new JsonObject()
                .put("status", 413)
                .put("error", "payload_too_large")
                .put("error_code", "REQUEST_LIMIT_EXCEEDED")
                .put("layer", "load-balancer")
                .put("loadBalancerId", loadBalancerId)
                .put("limit", maxBodySize)
                .put("message", "The request body is larger than the limit of " + maxBodySize + " bytes.")
                .put("detail", "The request body is larger than the limit of " + maxBodySize + " bytes.");
        req.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(body.encode())
                // the rest of the body is not wanted: close instead of reading it
                .onComplete(v -> req.connection().close());
    }

    /** 504 in the proxy's error shape; the connection is closed after it (an upload may be cut halfway). */
    private void gatewayTimeout(HttpServerRequest req, String detail) {
        if (req.response().headWritten()) {
            req.response().reset();
            return;
        }
        JsonObject body = new JsonObject()
                .put("status", 504)
                .put("error", "gateway_timeout")
                .put("layer", "backend")
                .put("loadBalancerId", loadBalancerId)
                .put("detail", detail);
        req.response().setStatusCode(504).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close").end(body.encode())
                .onComplete(v -> req.connection().close());
    }

    private void deny(HttpServerRequest req, int status, String layer, String detail) {
        if (req.response().headWritten()) {
            req.response().reset();
            return;
        }
        JsonObject body = new JsonObject()
                .put("status", status)
                .put("error", status == 403 ? "forbidden" : status == 503 ? "no_backend" : "bad_gateway")
                .put("layer", layer)
                .put("loadBalancerId", loadBalancerId)
                .put("detail", detail);
        req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
    }
}
