package dev.dmsmlflow.platform.websocket;

import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;

/**
 * Joins two WebSockets: data frames go across unchanged (text stays text, fragments stay fragments), a side whose
 * write queue is full pauses the other until it drains, and when one side closes or fails the other is closed with the
 * same status. Each side answers its own pings. Used by the gateway and notebook-service for Jupyter's sockets.
 */
public final class SocketBridge {

    private SocketBridge() {
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
