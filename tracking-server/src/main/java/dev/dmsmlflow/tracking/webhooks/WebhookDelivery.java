package dev.dmsmlflow.tracking.webhooks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.traces.PyJson;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Sends webhook deliveries: a JSON body {entity, action, timestamp, data}, headers X-MLflow-Delivery-Id,
 * X-MLflow-Timestamp and, with a secret, X-MLflow-Signature {@code v1,<base64 HMAC-SHA256 of
 * "<delivery id>.<timestamp>.<body>">} (the Standard Webhooks scheme upstream uses). Event deliveries run
 * on a small pool after the change committed, retried on 429/5xx and connection failures; redirects are
 * never followed and the destination is checked again before each attempt.
 */
@ApplicationScoped
public class WebhookDelivery {
    private static final Logger LOG = Logger.getLogger(WebhookDelivery.class);
    static final String DELIVERY_ID = "X-MLflow-Delivery-Id";
    static final String TIMESTAMP = "X-MLflow-Timestamp";
    static final String SIGNATURE = "X-MLflow-Signature";
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    @Inject
    WebhookConfig config;
    @Inject
    UrlGuard guard;
    @Inject
    WebhookSecrets secrets;

    private final ExecutorService pool = new ThreadPoolExecutor(1, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
            r -> {
                Thread t = new Thread(r, "webhook-delivery");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());
    private volatile HttpClient client;

    void shutdown(@Observes ShutdownEvent ev) {
        pool.shutdown();
    }

    private HttpClient client() {
        if (client == null) {
            synchronized (this) {
                if (client == null) {
                    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
                            .connectTimeout(config.timeout()).build();
                }
            }
        }
        return client;
    }

    /** The outcome of one delivery. */
    public record Result(boolean success, Integer status, String body, String error) {
    }

    public void deliverAsync(WebhookStore.Webhook w, WebhookEvent event, ObjectNode data) {
        pool.submit(() -> {
            Result r = send(w, event, data, config.maxRetries());
            if (!r.success()) {
                LOG.warnf("Webhook %s (%s) delivery for %s.%s failed: %s", w.id(), w.url(), event.entity(), event.action(),
                        r.error() != null ? r.error() : "HTTP " + r.status());
            }
        });
    }

    /** Sends one event now, retrying up to {@code retries} times; never throws. */
    public Result send(WebhookStore.Webhook w, WebhookEvent event, ObjectNode data, int retries) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("entity", event.entity().toLowerCase(Locale.ROOT));
        payload.put("action", event.action().toLowerCase(Locale.ROOT));
        payload.put("timestamp", OffsetDateTime.now(ZoneOffset.UTC).format(ISO));
        payload.set("data", data);
        String body = PyJson.dump(payload);
        String secret;
        try {
            secret = secrets.decrypt(w.secret());
        } catch (IllegalStateException e) {
            return new Result(false, null, null, e.getMessage());
        }
        Result last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(Math.min(60_000L, 1000L << (attempt - 1)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return last;
                }
            }
            last = attempt(w.url(), body, secret);
            boolean retryable = last.error() != null && last.status() == null && !last.error().startsWith("Refused")
                    || last.status() != null && (last.status() == 429 || last.status() >= 500);
            if (last.success() || !retryable) {
                return last;
            }
        }
        return last;
    }

    private Result attempt(String url, String body, String secret) {
        URI uri;
        try {
            uri = guard.check(url);
        } catch (MlflowException e) {
            return new Result(false, null, null, "Refused: " + e.getMessage());
        }
        String deliveryId = UUID.randomUUID().toString();
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header(DELIVERY_ID, deliveryId)
                .header(TIMESTAMP, ts)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (secret != null && !secret.isEmpty()) {
            rb.header(SIGNATURE, sign(secret, deliveryId, ts, body));
        }
        try {
            HttpResponse<String> resp = client().send(rb.build(), HttpResponse.BodyHandlers.ofString());
            String text = resp.body();
            if (text != null && text.length() > 10_000) {
                text = text.substring(0, 10_000);
            }
            return new Result(resp.statusCode() < 400, resp.statusCode(), text, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, null, null, "Interrupted");
        } catch (Exception e) {
            // what went wrong in words, never an exception's class or stack
            String why = e instanceof java.net.ConnectException ? "the destination refused the connection"
                    : e instanceof java.net.http.HttpTimeoutException ? "the destination did not answer in time"
                    : e instanceof java.net.UnknownHostException ? "the destination's host name does not resolve"
                    : "the request could not be sent";
            return new Result(false, null, null, "Failed to deliver webhook: " + why);
        }
    }

    /** {@code v1,<base64(HMAC-SHA256(secret, "<id>.<timestamp>.<body>"))>}. */
    public static String sign(String secret, String deliveryId, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((deliveryId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
