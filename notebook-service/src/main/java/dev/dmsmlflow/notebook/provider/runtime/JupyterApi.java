package dev.dmsmlflow.notebook.provider.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.Activity;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.Endpoint;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.ExecutionOutcome;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.Output;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime.RuntimeFailure;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of one Jupyter server: its REST API (status, kernels, terminals) and the kernel protocol over its websocket
 * ({@code /api/kernels/<id>/channels}, JSON messages of protocol 5.3): an {@code execute_request} on the shell channel,
 * its {@code stream}, {@code execute_result}, {@code error} and {@code status} messages on iopub, and the shell's
 * {@code execute_reply}. Authenticates with the server's token in the {@code Authorization} header.
 */
public final class JupyterApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Endpoint endpoint;

    public JupyterApi(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** GET of an API path (relative to the base, e.g. {@code api/status}); null when the server does not answer 200. */
    public JsonNode get(String path, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request(path).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    public boolean answers() {
        try {
            return get("api/status", Duration.ofSeconds(2)) != null;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The server's activity: /api/status (its own, kernels' and terminals' last activity) and whether a kernel is busy. */
    public Activity activity() throws RuntimeFailure {
        try {
            // no_track_activity: reading the activity must not count as activity
            JsonNode status = get("api/status", Duration.ofSeconds(5));
            JsonNode kernels = get("api/kernels?no_track_activity=1", Duration.ofSeconds(5));
            JsonNode terminals = get("api/terminals?no_track_activity=1", Duration.ofSeconds(5));
            if (status == null) {
                throw new RuntimeFailure("SERVER_UNREACHABLE", "the session's Jupyter server does not answer");
            }
            Instant last = instant(status.path("last_activity").asText(null));
            int busy = 0;
            if (kernels != null) {
                for (JsonNode k : kernels) {
                    if ("busy".equals(k.path("execution_state").asText())) {
                        busy++;
                    }
                }
            }
            return new Activity(last, kernels == null ? status.path("kernels").asInt() : kernels.size(), busy,
                    terminals == null ? 0 : terminals.size());
        } catch (IOException e) {
            throw new RuntimeFailure("SERVER_UNREACHABLE", "the session's Jupyter server does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeFailure("INTERRUPTED", "interrupted");
        }
    }

    /** The id of a kernel that exists, starting a new one when {@code known} is null or gone. */
    public String kernel(String known) throws IOException, InterruptedException {
        if (known != null && get("api/kernels/" + known + "?no_track_activity=1", Duration.ofSeconds(5)) != null) {
            return known;
        }
        HttpResponse<String> r = HTTP.send(request("api/kernels").timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"python3\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("starting a kernel answered " + r.statusCode());
        }
        return JSON.readTree(r.body()).path("id").asText();
    }

    public void interrupt(String kernelId) {
        try {
            HTTP.send(request("api/kernels/" + kernelId + "/interrupt").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException ignored) {
            // the kernel is gone anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code code} in kernel {@code kernelId}, streaming to {@code output}; interrupts the kernel at {@code timeout}. */
    public ExecutionOutcome execute(String kernelId, String code, Duration timeout, Output output) throws IOException, InterruptedException {
        String msgId = UUID.randomUUID().toString();
        Collector collector = new Collector(msgId, output);
        URI ws = URI.create(endpoint.baseUri().toString().replaceFirst("^http", "ws") + "api/kernels/" + kernelId
                + "/channels?session_id=" + UUID.randomUUID());
        WebSocket socket;
        try {
            socket = HTTP.newWebSocketBuilder().header("Authorization", "token " + endpoint.token())
                    .connectTimeout(Duration.ofSeconds(10)).buildAsync(ws, collector).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot open the kernel's channels: " + e.getMessage(), e);
        }
        try {
            ObjectNode msg = JSON.createObjectNode();
            ObjectNode header = msg.putObject("header");
            header.put("msg_id", msgId).put("username", "dms").put("session", UUID.randomUUID().toString())
                    .put("msg_type", "execute_request").put("version", "5.3").put("date", Instant.now().toString());
            msg.putObject("parent_header");
            msg.putObject("metadata");
            msg.putObject("content").put("code", code).put("silent", false).put("store_history", true)
                    .put("allow_stdin", false).put("stop_on_error", true).putObject("user_expressions");
            msg.put("channel", "shell");
            msg.putArray("buffers");
            socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
            try {
                collector.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                interrupt(kernelId);
                try {
                    collector.done.get(10, TimeUnit.SECONDS);
                } catch (TimeoutException stillBusy) {
                    // the kernel ignores the interrupt: the execution is reported timed out all the same
                }
                return new ExecutionOutcome("timeout", collector.result, "TimeoutError",
                        "the execution exceeded its time limit of " + timeout.toSeconds() + " s and was interrupted", collector.traceback);
            }
            return new ExecutionOutcome(collector.errorName == null ? "ok" : "error", collector.result, collector.errorName,
                    collector.errorValue, collector.traceback);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the kernel's channels failed: " + e.getMessage(), e);
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            socket.abort();
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(endpoint.baseUri().resolve(path)).header("Authorization", "token " + endpoint.token());
    }

    static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text.endsWith("Z") || text.contains("+") ? text.replace("+00:00", "Z") : text + "Z");
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Gathers the replies to one execute_request; done once the reply came and the kernel went idle for it. */
    private static final class Collector implements WebSocket.Listener {
        private final String msgId;
        private final Output output;
        private final StringBuilder partial = new StringBuilder();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private boolean replied;
        private boolean idle;
        volatile String result;
        volatile String errorName;
        volatile String errorValue;
        volatile String traceback;

        Collector(String msgId, Output output) {
            this.msgId = msgId;
            this.output = output;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    handle(JSON.readTree(text));
                } catch (IOException | RuntimeException e) {
                    // a message we cannot read is not ours to fail on
                }
            }
            ws.request(1);
            return null;
        }

        private void handle(JsonNode m) {
            if (!msgId.equals(m.path("parent_header").path("msg_id").asText())) {
                return;
            }
            String type = m.path("header").path("msg_type").asText(m.path("msg_type").asText());
            JsonNode content = m.path("content");
            switch (type) {
                case "stream" -> {
                    if ("stderr".equals(content.path("name").asText())) {
                        output.stderr(content.path("text").asText());
                    } else {
                        output.stdout(content.path("text").asText());
                    }
                }
                case "execute_result" -> result = content.path("data").path("text/plain").asText(null);
                case "error" -> {
                    errorName = content.path("ename").asText();
                    errorValue = content.path("evalue").asText();
                    StringBuilder tb = new StringBuilder();
                    for (JsonNode line : content.path("traceback")) {
                        tb.append(line.asText().replaceAll("\u001B\\[[0-9;]*[A-Za-z]", "")).append('\n');
                    }
                    traceback = tb.toString();
                }
                case "execute_reply" -> {
                    replied = true;
                    if ("error".equals(content.path("status").asText()) && errorName == null) {
                        errorName = content.path("ename").asText("Error");
                        errorValue = content.path("evalue").asText();
                    }
                }
                case "status" -> idle = "idle".equals(content.path("execution_state").asText());
                default -> {
                }
            }
            if (replied && idle) {
                done.complete(null);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            done.completeExceptionally(new IOException("the kernel's channels closed (" + statusCode + " " + reason + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
