package dev.dmsmlflow.gateway.api;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * The public server's WebSocket settings for Jupyter's sockets: JupyterLab asks for the kernel protocol
 * {@value #KERNEL_PROTOCOL} (the session's server accepts it too, so both hops agree), and a kernel message with an image
 * is one frame of several MiB.
 */
@ApplicationScoped
public class WebSocketOptions implements HttpServerOptionsCustomizer {

    public static final String KERNEL_PROTOCOL = "v1.kernel.websocket.jupyter.org";
    public static final int MAX_FRAME = 32 * 1024 * 1024;

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setWebSocketSubProtocols(List.of(KERNEL_PROTOCOL)).setMaxWebSocketFrameSize(MAX_FRAME).setMaxWebSocketMessageSize(MAX_FRAME);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        customizeHttpServer(options);
    }
}
