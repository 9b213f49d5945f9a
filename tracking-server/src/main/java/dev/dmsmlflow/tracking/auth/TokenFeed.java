package dev.dmsmlflow.tracking.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The instance's MLflow access tokens as the control plane lists them: their SHA-256 digests (never the tokens), scopes
 * and expiries, and the instance's auth mode, fetched from network-service with the server's secret in
 * {@value #SECRET_HEADER}. The last list that arrived is kept with the time it arrived; fetches are asynchronous, and
 * concurrent calls of {@link #refresh()} share one fetch. When the endpoint does not answer, the last list stays (its age
 * grows: {@link TokenAuth} refuses to judge by a list older than its bound). Neither the secret nor a digest is logged.
 */
public final class TokenFeed {

    private static final Logger LOG = Logger.getLogger(TokenFeed.class);
    /** The header carrying the server's secret (the same secret and header as for its storage credentials). */
    public static final String SECRET_HEADER = "X-Dms-Storage-Secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An active token: its id (for messages), scope, expiry (null: none) and the SHA-256 of its text. */
    public record Grant(String tokenId, String scope, Instant expiresAt, byte[] digest) {
        public boolean readWrite() {
            return "read-write".equals(scope);
        }

        @Override
        public String toString() {
            return "Grant[" + tokenId + " " + scope + "]";
        }
    }

    /** One answer of the control plane: when it was asked for, and when it arrived. */
    public record Snapshot(String authMode, List<Grant> grants, Instant askedAt, Instant fetchedAt) {
        public boolean tokenMode() {
            return !"network".equals(authMode);
        }
    }

    private final URI endpoint;
    private final String secret;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;
    private volatile Snapshot current;
    private volatile Instant lastAttempt = Instant.MIN;
    private CompletableFuture<Snapshot> inFlight;
    private Instant inFlightAskedAt;
    /** A fetch waiting for its turn ({@link #fresherThan}). */
    private CompletableFuture<Snapshot> queued;
    private String lastFailure;

    public TokenFeed(URI endpoint, String secret, Duration timeout, Clock clock) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("dms.tracking.auth.tokens-url needs a secret: dms.tracking.auth.tokens-secret or"
                    + " dms.tracking.oss.credentials-secret");
        }
        this.endpoint = endpoint;
        this.secret = secret;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).executor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "token-feed");
            t.setDaemon(true);
            return t;
        })).build();
    }

    /** The last list that arrived; null before the first. */
    public Snapshot current() {
        return current;
    }

    /** When a fetch was last started. */
    public Instant lastAttempt() {
        return lastAttempt;
    }

    /**
     * Fetches the list now, or joins the fetch under way. Completes with the list then current: the new one, or the
     * previous one (possibly null) when the endpoint did not answer usably. Never completes exceptionally.
     */
    public synchronized CompletableFuture<Snapshot> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        Instant asked = clock.instant();
        lastAttempt = asked;
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(timeout).header(SECRET_HEADER, secret)
                .header("Accept", "application/json").GET().build();
        CompletableFuture<Snapshot> f;
        try {
            f = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(a -> accept(a, asked));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Snapshot> done = f.handle((s, e) -> {
            synchronized (this) {
                inFlight = null;
                if (e != null) {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
                    if (!why.equals(lastFailure)) {
                        LOG.warnf("the access tokens could not be fetched from %s (%s); the list of %s stays", endpoint, why,
                                current == null ? "nobody" : current.fetchedAt());
                        lastFailure = why;
                    }
                } else {
                    if (lastFailure != null) {
                        LOG.infof("the access tokens are fetched from %s again", endpoint);
                    }
                    lastFailure = null;
                }
                return current;
            }
        });
        if (!done.isDone()) {
            inFlight = done;
            inFlightAskedAt = asked;
        }
        return done;
    }

    /**
     * A list asked for at {@code t} or later: the current one if it is, the fetch under way if it started then, else a new
     * fetch, started once the one under way ended and {@code minGap} after the previous start (so that unknown tokens,
     * however many, fetch at most once per {@code minGap}; requests waiting meanwhile share that fetch). Never completes
     * exceptionally; completes with the previous list (possibly null) when the endpoint did not answer.
     */
    public synchronized CompletableFuture<Snapshot> fresherThan(Instant t, Duration minGap) {
        if (current != null && !current.askedAt().isBefore(t)) {
            return CompletableFuture.completedFuture(current);
        }
        if (inFlight != null && !inFlightAskedAt.isBefore(t)) {
            return inFlight;
        }
        if (queued != null) {
            return queued;
        }
        CompletableFuture<Snapshot> before = inFlight != null ? inFlight : CompletableFuture.completedFuture(current);
        CompletableFuture<Snapshot> next = before.thenCompose(ignored -> {
            // a millisecond more than the gap: the delay and the clock need not agree to the microsecond
            long wait = Math.max(0, Duration.between(clock.instant(), lastAttempt.plus(minGap).plusMillis(1)).toNanos());
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS))
                    .thenCompose(v -> {
                        synchronized (this) {
                            queued = null;
                            return refresh();
                        }
                    });
        });
        if (!next.isDone()) {
            queued = next;
        }
        return next;
    }

    private Snapshot accept(HttpResponse<byte[]> answer, Instant asked) {
        if (answer.statusCode() != 200) {
            throw new CompletionException(new IOException("the token endpoint answered " + answer.statusCode()));
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new CompletionException(new IOException("the token endpoint answered no JSON"));
        }
        String mode = body.path("authMode").asText("");
        if (!mode.equals("token") && !mode.equals("network")) {
            throw new CompletionException(new IOException("the token endpoint answered no authMode"));
        }
        List<Grant> grants = new ArrayList<>();
        for (JsonNode t : body.path("tokens")) {
            String digest = t.path("digest").asText("");
            String scope = t.path("scope").asText("");
            if (digest.length() != 64 || scope.isEmpty()) {
                continue; // not a token this server can judge by
            }
            byte[] raw;
            Instant expires;
            try {
                raw = HexFormat.of().parseHex(digest);
                expires = t.hasNonNull("expiresAt") ? Instant.parse(t.get("expiresAt").asText()) : null;
            } catch (RuntimeException e) {
                continue;
            }
            grants.add(new Grant(t.path("id").asText(""), scope, expires, raw));
        }
        Snapshot s = new Snapshot(mode, List.copyOf(grants), asked, clock.instant());
        current = s;
        return s;
    }

    @Override
    public String toString() {
        return "TokenFeed[" + endpoint + "]";
    }
}
