package dev.dmsmlflow.gateway.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.persistence.SsoFlowEntity;
import dev.dmsmlflow.gateway.persistence.SsoHandoffEntity;
import dev.dmsmlflow.gateway.persistence.SsoRepository;
import dev.dmsmlflow.gateway.persistence.SsoSessionEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The console's single sign-on with the identity provider the gateway already trusts for bearer tokens (OIDC on): the
 * authorization code flow with PKCE, done by the gateway so that the console's strict content policy (it talks to its own
 * origin only) holds and no client secret reaches a browser.
 * <ol>
 *   <li>{@link #begin} makes a state, a nonce and a PKCE verifier, stores the flow for {@link #FLOW_LIFETIME}, and names
 *       the provider's authorization URL; the caller binds the state to the browser with a cookie.</li>
 *   <li>{@link #finish} takes the provider's code back (the state must be known, unused and the browser's own), trades it
 *       at the token endpoint with the verifier, and keeps the tokens under a one-time hand-off code for
 *       {@link #HANDOFF_LIFETIME}; {@link #abort} ends a flow the provider answered with an error.</li>
 *   <li>{@link #redeem} gives the access token once to the console page that holds the hand-off code (it arrived in the
 *       URL fragment, which no server sees); the console then uses it as a bearer token like an API key. A refresh token,
 *       if the provider gave one, never leaves the gateway: it becomes a {@link #startSession session} found by the
 *       browser's HttpOnly cookie, which {@link #refresh} uses to renew the access token.</li>
 * </ol>
 * Everything lives in the gateway's database ({@code sso_*}, see V4), so any replica finishes what another began; rows are
 * found by the SHA-256 of the browser's secret and their contents {@link Sealer sealed}. Tokens are never logged.
 * Blocking (JDBC, HTTP to the provider): callers run it on a worker thread; no provider call runs inside a transaction.
 */
@ApplicationScoped
public class ConsoleSignIn {

    private static final Logger LOG = Logger.getLogger(ConsoleSignIn.class);
    public static final Duration FLOW_LIFETIME = Duration.ofMinutes(10);
    public static final Duration HANDOFF_LIFETIME = Duration.ofSeconds(60);
    private static final int MAX_PENDING = 10_000;
    private static final String FLOW = "flow";
    private static final String HANDOFF = "handoff";
    private static final String SESSION = "session";

    /** Where to send the browser, and the state to bind to it. */
    public record Start(URI authorizationUrl, String state) {
        @Override
        public String toString() {
            return "Start[" + authorizationUrl.getHost() + ", state <redacted>]";
        }
    }

    /**
     * The access token for the console, its lifetime in seconds as the provider said (0: not said), and the provider's
     * refresh token if it gave one (kept by the gateway, never answered to a browser).
     */
    public record Token(String accessToken, long expiresIn, String refreshToken) {
        @Override
        public String toString() {
            return "Token[<redacted>, " + expiresIn + " s, refresh " + (refreshToken != null) + "]";
        }
    }

    /** A sign-in that cannot go on; {@code code} names why (problem+json code). */
    public static final class Refused extends RuntimeException {
        public final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    private final boolean enabled;
    private final Optional<String> authServerUrl;
    private final String clientId;
    private final Optional<String> clientSecret;
    private final String scopes;
    private final Duration sessionLifetime;
    private final ObjectMapper mapper;
    private final SsoRepository store;
    private final Sealer sealer;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private volatile JsonNode discovery;

    ConsoleSignIn(@ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidcEnabled,
                  @ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> authServerUrl,
                  @ConfigProperty(name = "quarkus.oidc.client-id", defaultValue = "dms-gateway") String clientId,
                  @ConfigProperty(name = "quarkus.oidc.credentials.secret") Optional<String> clientSecret,
                  GatewayConfig config, ObjectMapper mapper, SsoRepository store, Sealer sealer) {
        this.authServerUrl = authServerUrl.filter(s -> !s.isBlank()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.enabled = oidcEnabled && config.oidc().consoleSignIn() && this.authServerUrl.isPresent();
        this.clientId = clientId;
        this.clientSecret = clientSecret.filter(s -> !s.isBlank());
        this.scopes = config.oidc().scopes();
        this.sessionLifetime = config.oidc().sessionLifetime();
        this.mapper = mapper;
        this.store = store;
        this.sealer = sealer;
        this.clock = Clock.systemUTC();
    }

    /** Whether the console offers single sign-on (OIDC on, an identity provider URL configured). */
    public boolean enabled() {
        return enabled;
    }

    /** How long a renewable sign-in lasts at most, from the sign-in (the provider may end it sooner). */
    public Duration sessionLifetime() {
        return sessionLifetime;
    }

    /** Starts a sign-in whose provider sends the browser back to {@code redirectUri} (this gateway's callback). */
    public Start begin(String redirectUri) {
        requireEnabled();
        String endpoint = endpoint("authorization_endpoint");
        String state = Sealer.newSecret();
        String verifier = Sealer.newSecret() + Sealer.newSecret();
        String nonce = Sealer.newSecret();
        Instant now = clock.instant();
        SsoFlowEntity flow = new SsoFlowEntity();
        flow.stateSha256 = Sealer.sha256(state);
        flow.sealed = sealer.seal(FLOW, state, json(Map.of("verifier", verifier, "nonce", nonce)));
        flow.redirectUri = redirectUri;
        flow.createdAt = now;
        flow.expiresAt = now.plus(FLOW_LIFETIME);
        QuarkusTransaction.requiringNew().run(() -> {
            if (store.pendingFlows(now) >= MAX_PENDING) {
                throw new Refused("SIGN_IN_BUSY", "Too many sign-ins are in progress; try again in a few minutes.");
            }
            store.persist(flow);
        });
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", clientId);
        q.put("redirect_uri", redirectUri);
        q.put("scope", scopes);
        q.put("state", state);
        q.put("nonce", nonce);
        q.put("code_challenge", challenge(verifier));
        q.put("code_challenge_method", "S256");
        return new Start(URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + form(q)), state);
    }

    /**
     * The provider sent the browser back with {@code code} for {@code state}; {@code browserState} is the state the browser's
     * cookie holds. Returns the one-time hand-off code for the console page. The flow is spent whatever the outcome.
     */
    public String finish(String state, String code, String browserState) {
        requireEnabled();
        Optional<SsoFlowEntity> taken = state == null || state.length() > 128 ? Optional.empty()
                : QuarkusTransaction.requiringNew().call(() -> store.take(SsoFlowEntity.class, Sealer.sha256(state)));
        Optional<JsonNode> flow = taken.filter(f -> f.expiresAt.isAfter(clock.instant()))
                .flatMap(f -> sealer.open(FLOW, state, f.sealed)).map(this::read);
        if (flow.isEmpty()) {
            throw new Refused("SIGN_IN_EXPIRED", "This sign-in is unknown, was already used or took too long; sign in again.");
        }
        if (browserState == null || !MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8), browserState.getBytes(StandardCharsets.UTF_8))) {
            throw new Refused("SIGN_IN_OTHER_BROWSER", "This sign-in was started in another browser; sign in again here.");
        }
        if (code == null || code.isBlank() || code.length() > 4096) {
            throw new Refused("SIGN_IN_NO_CODE", "The identity provider sent no authorization code.");
        }
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "authorization_code");
        f.put("code", code);
        f.put("redirect_uri", taken.get().redirectUri);
        f.put("client_id", clientId);
        f.put("code_verifier", flow.get().path("verifier").asText());
        clientSecret.ifPresent(s -> f.put("client_secret", s));
        JsonNode answer = tokenEndpoint(f, "code");
        String idToken = answer.path("id_token").asText(null);
        if (idToken != null && !flow.get().path("nonce").asText().equals(claim(idToken, "nonce"))) {
            LOG.warn("the identity provider's ID token does not carry this sign-in's nonce");
            throw new Refused("SIGN_IN_REFUSED", "The identity provider's answer does not belong to this sign-in; sign in again.");
        }
        String handoff = Sealer.newSecret();
        Instant now = clock.instant();
        SsoHandoffEntity h = new SsoHandoffEntity();
        h.codeSha256 = Sealer.sha256(handoff);
        ObjectNode tokens = mapper.createObjectNode().put("accessToken", answer.get("access_token").asText())
                .put("expiresIn", answer.path("expires_in").asLong(0));
        if (answer.path("refresh_token").isTextual()) {
            tokens.put("refreshToken", answer.get("refresh_token").asText());
        }
        h.sealed = sealer.seal(HANDOFF, handoff, tokens.toString());
        h.createdAt = now;
        h.expiresAt = now.plus(HANDOFF_LIFETIME);
        QuarkusTransaction.requiringNew().run(() -> store.persist(h));
        return handoff;
    }

    /** The provider answered the sign-in of {@code state} with an error: the flow ends now (its state cannot be used again). */
    public void abort(String state) {
        if (enabled && state != null && state.length() <= 128) {
            QuarkusTransaction.requiringNew().run(() -> store.delete(SsoFlowEntity.class, Sealer.sha256(state)));
        }
    }

    /** The tokens kept under {@code handoff}, once. */
    public Token redeem(String handoff) {
        requireEnabled();
        Optional<SsoHandoffEntity> taken = QuarkusTransaction.requiringNew().call(() -> store.take(SsoHandoffEntity.class, Sealer.sha256(handoff)));
        Optional<JsonNode> h = taken.filter(t -> t.expiresAt.isAfter(clock.instant()))
                .flatMap(t -> sealer.open(HANDOFF, handoff, t.sealed)).map(this::read);
        if (h.isEmpty()) {
            throw new Refused("SIGN_IN_EXPIRED", "This sign-in link is unknown, was already used or expired; sign in again.");
        }
        return new Token(h.get().path("accessToken").asText(), h.get().path("expiresIn").asLong(0), h.get().path("refreshToken").asText(null));
    }

    /** Keeps {@code refreshToken} for a browser; returns the secret of the browser's session cookie. */
    public String startSession(String refreshToken) {
        String secret = Sealer.newSecret();
        Instant now = clock.instant();
        SsoSessionEntity s = new SsoSessionEntity();
        s.cookieSha256 = Sealer.sha256(secret);
        s.sealed = sealer.seal(SESSION, secret, refreshToken);
        s.createdAt = now;
        s.expiresAt = now.plus(sessionLifetime);
        QuarkusTransaction.requiringNew().run(() -> store.persist(s));
        return secret;
    }

    /**
     * A new access token for the browser whose session cookie holds {@code secret}, from the provider's refresh token
     * (replaced when the provider rotates it). An unknown or expired session, or a refresh the provider refuses, is
     * {@code SIGN_IN_EXPIRED} and ends the session.
     */
    public Token refresh(String secret) {
        requireEnabled();
        if (secret == null || secret.length() != 43) {
            throw expiredSession();
        }
        String id = Sealer.sha256(secret);
        Optional<SsoSessionEntity> session = QuarkusTransaction.requiringNew().call(() -> store.find(SsoSessionEntity.class, id, false));
        Optional<String> refreshToken = session.filter(s -> s.expiresAt.isAfter(clock.instant()))
                .flatMap(s -> sealer.open(SESSION, secret, s.sealed));
        if (refreshToken.isEmpty()) {
            endSession(secret);
            throw expiredSession();
        }
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", "refresh_token");
        f.put("refresh_token", refreshToken.get());
        f.put("client_id", clientId);
        clientSecret.ifPresent(s -> f.put("client_secret", s));
        JsonNode answer;
        try {
            answer = tokenEndpoint(f, "refresh token");
        } catch (Refused e) {
            if ("SIGN_IN_REFUSED".equals(e.code)) {
                endSession(secret);
                throw expiredSession();
            }
            throw e;
        }
        String rotated = answer.path("refresh_token").asText(null);
        Instant now = clock.instant();
        QuarkusTransaction.requiringNew().run(() -> store.find(SsoSessionEntity.class, id, true).ifPresent(s -> {
            if (rotated != null) {
                s.sealed = sealer.seal(SESSION, secret, rotated);
            }
            s.lastRefreshedAt = now;
        }));
        return new Token(answer.get("access_token").asText(), answer.path("expires_in").asLong(0), null);
    }

    /** Forgets the session of this cookie secret (sign-out, or a refresh that can no longer work). */
    public void endSession(String secret) {
        if (secret != null && secret.length() <= 128) {
            QuarkusTransaction.requiringNew().run(() -> store.delete(SsoSessionEntity.class, Sealer.sha256(secret)));
        }
    }

    /** Expired sign-ins, hand-offs and sessions go (every minute, in every replica: the deletes are idempotent). */
    @Scheduled(every = "${dms.gateway.oidc.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweepOnSchedule() {
        sweep();
    }

    /** Deletes the expired sign-ins, hand-offs and sessions now; returns how many rows went. */
    public int sweep() {
        int n = QuarkusTransaction.requiringNew().call(() -> store.deleteExpired(clock.instant()));
        if (n > 0) {
            LOG.debugf("swept %d expired sign-in rows", n);
        }
        return n;
    }

    private static Refused expiredSession() {
        return new Refused("SIGN_IN_EXPIRED", "The single sign-on session ended; sign in again.");
    }

    /** Posts {@code form} to the provider's token endpoint; its JSON answer with an access token, else {@link Refused}. */
    private JsonNode tokenEndpoint(Map<String, String> form, String what) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint("token_endpoint")))
                            .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                            .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(form(form))).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = mapper.readTree(r.body());
            if (r.statusCode() != 200 || !answer.path("access_token").isTextual()) {
                // the provider's error code only (e.g. invalid_grant): its description may echo what we sent
                LOG.warnf("token endpoint refused the %s: HTTP %d %s", what, r.statusCode(), answer.path("error").asText("-"));
                throw new Refused("SIGN_IN_REFUSED", "The identity provider refused the sign-in ("
                        + answer.path("error").asText("HTTP " + r.statusCode()) + ").");
            }
            return answer;
        } catch (IOException e) {
            LOG.warnf("token endpoint unreachable: %s", e.getClass().getSimpleName());
            throw new Refused("SIGN_IN_UNAVAILABLE", "The identity provider could not be reached; try again.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("SIGN_IN_UNAVAILABLE", "Interrupted.");
        }
    }

    private void requireEnabled() {
        if (!enabled) {
            throw new Refused("SIGN_IN_NOT_CONFIGURED", "Single sign-on is not configured on this gateway; sign in with an API key.");
        }
    }

    private String endpoint(String name) {
        JsonNode d = discovery;
        if (d == null) {
            String url = authServerUrl.orElseThrow() + "/.well-known/openid-configuration";
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException("HTTP " + r.statusCode());
                }
                d = mapper.readTree(r.body());
            } catch (IOException e) {
                LOG.warnf("identity provider discovery at %s failed: %s", url, e.getMessage());
                throw new Refused("SIGN_IN_UNAVAILABLE", "The identity provider could not be reached; try again.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused("SIGN_IN_UNAVAILABLE", "Interrupted.");
            }
            discovery = d;
        }
        String value = d.path(name).asText("");
        if (!value.startsWith("https://") && !value.startsWith("http://")) {
            throw new Refused("SIGN_IN_UNAVAILABLE", "The identity provider's discovery document names no " + name + ".");
        }
        return value;
    }

    private String json(Map<String, String> values) {
        try {
            return mapper.writeValueAsString(values);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("a sealed sign-in record is not JSON", e);
        }
    }

    /** A claim of a JWT received straight from the token endpoint (over the connection the gateway opened; not re-verified). */
    private String claim(String jwt, String name) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            return mapper.readTree(Base64.getUrlDecoder().decode(parts[1])).path(name).asText(null);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    static String challenge(String verifier) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String form(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> {
            if (!b.isEmpty()) {
                b.append('&');
            }
            b.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return b.toString();
    }
}
