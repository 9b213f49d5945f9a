package dev.dmsmlflow.tracking.artifacts;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Copies an {@link InputStream} into a Vert.x response from a worker thread, honouring back-pressure. */
final class ResponseStreams {
    private static final int CHUNK = 256 * 1024;
    private static final long DRAIN_TIMEOUT_MINUTES = 10;

    private ResponseStreams() {
    }

    /** Writes all of {@code in} to {@code response} (headers must be set already) and ends it. */
    static void pump(InputStream in, HttpServerResponse response) throws IOException {
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (n == 0) {
                continue;
            }
            if (response.closed()) {
                throw new IOException("The client closed the connection");
            }
            response.write(Buffer.buffer(n).appendBytes(buf, 0, n));
            if (response.writeQueueFull()) {
                awaitDrain(response);
            }
        }
        response.end();
    }

    private static void awaitDrain(HttpServerResponse response) throws IOException {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        response.drainHandler(v -> drained.complete(null));
        response.closeHandler(v -> drained.completeExceptionally(new IOException("The client closed the connection")));
        if (!response.writeQueueFull()) {
            drained.complete(null);
        }
        try {
            drained.get(DRAIN_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while sending an artifact");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("The client stopped reading");
        }
    }
}
