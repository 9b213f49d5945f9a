package dev.dmsmlflow.platform.websocket;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Joins two WebSockets: data frames go across unchanged (text stays text, fragments stay fragments), a side whose
 * write queue is full pauses the other until it drains, and when one side closes or fails the other is closed with the
 * same status. Each side answers its own pings. Used by the gateway and notebook-service for Jupyter's sockets.
 */
public final class SocketBridge {

    private SocketBridge() {
    }

    /**
     * Upgrades the caller's request and joins it to {@code upstream}, the socket already opened to the server behind
     * (paused here until both are joined, so nothing it sends first is lost). A failed upgrade closes {@code upstream}; two
     * sides that agreed on different sub-protocols are both closed with 1002. {@code joined} gets the caller's socket once
     * the two are joined, before {@code upstream} flows.
     */
    public static void upgradeAndJoin(HttpServerRequest req, WebSocket upstream, Consumer<ServerWebSocket> joined) {
        upstream.pause();
        req.toWebSocket().onComplete(front -> {
            if (front.failed()) {
                upstream.close();
                return;
            }
            if (!Objects.equals(front.result().subProtocol(), upstream.subProtocol())) {
                front.result().close((short) 1002, "sub-protocol mismatch");
                upstream.close((short) 1002, "sub-protocol mismatch");
                return;
            }
            join(front.result(), upstream);
            joined.accept(front.result());
            upstream.resume();
        });
    }

    public static void join(WebSocketBase a, WebSocketBase b) {
        pipe(a, b);
        pipe(b, a);
        a.closeHandler(v -> closeWith(b, a.closeStatusCode(), a.closeReason()));
        b.closeHandler(v -> closeWith(a, b.closeStatusCode(), b.closeReason()));
        a.exceptionHandler(e -> failBoth(a, b));
        b.exceptionHandler(e -> failBoth(a, b));
    }

    private static void pipe(WebSocketBase from, WebSocketBase to) {
        from.frameHandler(frame -> {
            if (!isData(frame) || to.isClosed()) {
                return;
            }
            to.writeFrame(frame);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
    }

    private static boolean isData(WebSocketFrame frame) {
        return frame.isText() || frame.isBinary() || frame.isContinuation();
    }

    private static void closeWith(WebSocketBase other, Short status, String reason) {
        if (other.isClosed()) {
            return;
        }
        // 1005 (no status) and 1006 (abnormal) are never sent on the wire
        if (status == null || status == 1005 || status == 1006) {
            other.close();
        } else {
            other.close(status, reason);
        }
    }

    private static void failBoth(WebSocketBase a, WebSocketBase b) {
        for (WebSocketBase s : new WebSocketBase[] {a, b}) {
            if (!s.isClosed()) {
                s.close((short) 1011);
            }
        }
    }
}
