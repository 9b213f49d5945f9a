package dev.dmsmlflow.network.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A tiny real HTTP backend that answers every request with what it received, as JSON. */
public final class EchoBackend implements AutoCloseable {

    private final HttpServer server;
    private final java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();

    public EchoBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("method", exchange.getRequestMethod());
            json.put("path", exchange.getRequestURI().getPath());
            json.put("query", exchange.getRequestURI().getRawQuery());
            json.put("body", new String(body, StandardCharsets.UTF_8));
            json.put("xTest", exchange.getRequestHeaders().getFirst("X-Test"));
            json.put("forwardedFor", exchange.getRequestHeaders().getFirst("X-Forwarded-For"));
            json.put("authorization", exchange.getRequestHeaders().getFirst("Authorization"));
            json.put("cookie", exchange.getRequestHeaders().getFirst("Cookie"));
            received.add(exchange.getRequestURI().toString());
            json.put("backendAuth", String.join(",", exchange.getRequestHeaders().getOrDefault("X-Dms-Backend-Auth", java.util.List.of())));
            byte[] out = json.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Backend", "echo");
            exchange.sendResponseHeaders(200, out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
    }

    /** Every request URI (path and query) received so far. */
    public java.util.List<String> received() {
        return java.util.List.copyOf(received);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
