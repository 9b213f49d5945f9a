package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.provider.NetworkFacts;
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

import java.net.InetAddress;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The local load balancer of one instance: an HTTP reverse proxy on a loopback address and port that admits a client
 * only when the ACL (white list, empty = deny all) and the security group's port-80 inbound rules both cover the
 * client's source address, then streams the request to the registered backend and the answer back.
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

    private final String loadBalancerId;
    private final Set<IpBlock> acl = ConcurrentHashMap.newKeySet();
    private final Supplier<NetworkFacts.SecurityGroup> securityGroup;
    private final HttpClient client;
    private final long maxBodySize;
    private volatile String backendHost;
    private volatile int backendPort;
    private volatile String backendSecret;
    private HttpServer server;

    LocalProxy(String loadBalancerId, Supplier<NetworkFacts.SecurityGroup> securityGroup, HttpClient client, long maxBodySize) {
        this.maxBodySize = maxBodySize;
        this.loadBalancerId = loadBalancerId;
        this.securityGroup = securityGroup;
        this.client = client;
    }

    /** Starts listening; port 0 picks a free port. Returns the bound port. */
    int listen(Vertx vertx, String host, int port) throws Exception {
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setReuseAddress(true));
        s.requestHandler(this::handle);
        server = s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    void close() {
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

    void backend(String host, int port) {
        this.backendHost = host;
        this.backendPort = port;
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
        forward(req, host, backendPort, source);
    }

    private void forward(HttpServerRequest req, String host, int port, InetAddress source) {
        req.pause();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        req.headers().forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !NOT_FORWARDED.contains(name)) {
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
                .setURI(req.uri()).setHeaders(headers);
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                req.resume();
                // never the backend's address: only the load balancer may know where the tracking server listens
                deny(req, 502, "backend", "the tracking server of load balancer " + loadBalancerId + " is not reachable");
                return;
            }
            HttpClientRequest creq = ar.result();
            creq.response().onSuccess(cres -> relay(req, cres)).onFailure(e -> deny(req, 502, "backend",
                    "the tracking server of load balancer " + loadBalancerId + " did not answer"));
            if (hasBody) {
                if (req.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
                    creq.setChunked(true);
                    pipeCounting(req, creq);
                } else {
                    req.pipeTo(creq);
                }
            } else {
                req.resume();
                creq.end();
            }
        });
    }

    /** A chunked body, passed on while it stays within the limit; past it the upload is cut and answered 413. */
    private void pipeCounting(HttpServerRequest req, HttpClientRequest creq) {
        long[] seen = {0};
        boolean[] cut = {false};
        req.handler(buf -> {
            if (cut[0]) {
                return;
            }
            seen[0] += buf.length();
            if (seen[0] > maxBodySize) {
                cut[0] = true;
                tooLarge(req); // first: the backend's failure after the reset must not answer in its place
                creq.reset();
                return;
            }
            creq.write(buf);
            if (creq.writeQueueFull()) {
                req.pause();
                creq.drainHandler(v -> req.resume());
            }
        });
        req.endHandler(v -> {
            if (!cut[0]) {
                creq.end();
            }
        });
        req.exceptionHandler(e -> creq.reset());
        req.resume();
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

    private void relay(HttpServerRequest req, HttpClientResponse cres) {
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
        cres.pipeTo(resp);
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
