package dev.dmsmlflow.tracking.artifacts;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A blocking {@link InputStream} over a Vert.x request body, for a worker thread. Chunks arrive on the
 * event loop; the request is paused while more than {@link #HIGH_WATER} bytes wait, and resumed when
 * the reader has drained below {@link #LOW_WATER}, so an upload of any size holds at most a few MB.
 */
final class RequestBodyStream extends InputStream {
    static final int HIGH_WATER = 4 * 1024 * 1024;
    static final int LOW_WATER = 1024 * 1024;

    private final HttpServerRequest request;
    private final Context context;
    private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
    private long queued;
    private boolean ended;
    private boolean paused;
    private Throwable failure;
    private Buffer current;
    private int pos;
    private long received;

    /** Call on the request's event loop before the body starts flowing (the request should be paused). */
    RequestBodyStream(HttpServerRequest request, Context context) {
        this.request = request;
        this.context = context;
        request.handler(this::onChunk);
        request.endHandler(v -> onEnd());
        request.exceptionHandler(this::onFailure);
        paused = true;
    }

    /** Starts the flow of body chunks. */
    void start() {
        synchronized (this) {
            paused = false;
        }
        request.resume();
    }

    private void onChunk(Buffer b) {
        boolean pause;
        synchronized (this) {
            chunks.add(b);
            queued += b.length();
            pause = !paused && queued > HIGH_WATER;
            if (pause) {
                paused = true;
            }
            notifyAll();
        }
        if (pause) {
            request.pause();
        }
    }

    private synchronized void onEnd() {
        ended = true;
        notifyAll();
    }

    private synchronized void onFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        notifyAll();
    }

    long bytesReceived() {
        return received;
    }

    /** Next chunk, blocking; null at the end of the body. */
    private Buffer next() throws IOException {
        boolean resume = false;
        Buffer b;
        synchronized (this) {
            while (chunks.isEmpty() && !ended && failure == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("Interrupted while reading the request body");
                }
            }
            if (failure != null) {
                throw new IOException("The request body could not be read: " + failure.getMessage(), failure);
            }
            b = chunks.poll();
            if (b == null) {
                return null; // ended
            }
            queued -= b.length();
            if (paused && queued < LOW_WATER) {
                paused = false;
                resume = true;
            }
        }
        if (resume) {
            context.runOnContext(v -> request.resume());
        }
        return b;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || pos >= current.length()) {
            current = next();
            pos = 0;
            if (current == null) {
                return -1;
            }
        }
        int n = Math.min(len, current.length() - pos);
        current.getBytes(pos, pos + n, dst, off);
        pos += n;
        received += n;
        return n;
    }

    @Override
    public synchronized int available() {
        return current == null ? 0 : current.length() - pos;
    }
}
