package dev.dmsmlflow.tracking.ui;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A plain HTTP reverse proxy on a free loopback port, as a load balancer in front of the tracking server
 * is: it forwards every request with its method, path, headers and body, adds X-Forwarded-* headers,
 * and streams the answer back.
 */
final class ReverseProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private final Vertx vertx;
    private final HttpServer server;

    ReverseProxy(String backendHost, int backendPort) throws Exception {
        vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(backendHost).setDefaultPort(backendPort));
        server = vertx.createHttpServer().requestHandler(in -> forward(client, in));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    private static void forward(HttpClient client, HttpServerRequest in) {
        in.pause();
        RequestOptions opts = new RequestOptions().setMethod(in.method()).setURI(in.uri());
        in.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                opts.addHeader(h.getKey(), h.getValue());
            }
        });
        opts.addHeader("X-Forwarded-For", in.remoteAddress().hostAddress());
        opts.addHeader("X-Forwarded-Proto", "http");
        opts.addHeader("X-Forwarded-Host", in.getHeader("Host"));
        client.request(opts).onSuccess(out -> {
            out.response().onSuccess(resp -> {
                in.response().setStatusCode(resp.statusCode());
                resp.headers().forEach(h -> {
                    if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                        in.response().putHeader(h.getKey(), h.getValue());
                    }
                });
                if (resp.getHeader("Content-Length") == null) {
                    in.response().setChunked(true);
                }
                resp.pipeTo(in.response());
            }).onFailure(t -> in.response().setStatusCode(502).end());
            if (in.getHeader("Content-Length") == null && in.getHeader("Transfer-Encoding") != null) {
                out.setChunked(true);
            }
            in.pipeTo(out);
        }).onFailure(t -> in.response().setStatusCode(502).end());
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
