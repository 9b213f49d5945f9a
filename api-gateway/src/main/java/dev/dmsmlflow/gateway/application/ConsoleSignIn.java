package dev.dmsmlflow.gateway.application;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's single sign-on with the identity provider the gateway already trusts for bearer tokens (OIDC on): the
 * authorization code flow with PKCE, done by the gateway so that the console's strict content policy (it talks to its own
 * origin only) holds and no client secret reaches a browser.
 * <ol>
 *   <li>{@link #begin} makes a state, a nonce and a PKCE verifier, remembers them for {@link #FLOW_LIFETIME}, and names the
 *       provider's authorization URL; the caller binds the state to the browser with a cookie.</li>
 *   <li>{@link #finish} takes the provider's code back (the state must be known, unused and the browser's own), trades it
 *       at the token endpoint with the verifier, and keeps the access token under a one-time hand-off code for
 *       {@link #HANDOFF_LIFETIME}.</li>
 *   <li>{@link #redeem} gives the token once to the console page that holds the hand-off code (it arrived in the URL
 *       fragment, which no server sees); the console then uses it as a bearer token like an API key.</li>
 * </ol>
 * State lives in this process's memory: with several gateway replicas, route a browser's sign-in to one replica (sticky
 * sessions) or keep one replica for sign-in. Tokens are never logged.
 */
@ApplicationScoped
public class ConsoleSignIn {

    private static final Logger LOG = Logger.getLogger(ConsoleSignIn.class);
    public static final Duration FLOW_LIFETIME = Duration.ofMinutes(10);
    public static final Duration HANDOFF_LIFETIME = Duration.ofSeconds(60);
    private static final int MAX_PENDING = 10_000;

    /** A sign-in in progress: what {@link #begin} made, to check and use when the provider sends the browser back. */
    private record Flow(String verifier, String redirectUri, Instant expires) {
    }

    private record Handoff(String accessToken, long expiresIn, Instant expires) {
    }

    /** Where to send the browser, and the state to bind to it. */
    public record Start(URI authorizationUrl, String state) {
    }

    /** The access token for the console, and its lifetime in seconds as the provider said (0: not said). */
    public record Token(String accessToken, long expiresIn) {
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
    private final ObjectMapper mapper;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final Map<String, Flow> flows = new ConcurrentHashMap<>();
    private final Map<String, Handoff> handoffs = new ConcurrentHashMap<>();
    private volatile JsonNode discovery;

    ConsoleSignIn(@ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidcEnabled,
                  @ConfigProperty(name = "dms.gateway.oidc.console-sign-in", defaultValue = "true") boolean consoleSignIn,
                  @ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> authServerUrl,
                  @ConfigProperty(name = "quarkus.oidc.client-id", defaultValue = "dms-gateway") String clientId,
                  @ConfigProperty(name = "quarkus.oidc.credentials.secret") Optional<String> clientSecret,
                  @ConfigProperty(name = "dms.gateway.oidc.scopes", defaultValue = "openid profile email") String scopes,
                  ObjectMapper mapper) {
        this.authServerUrl = authServerUrl.filter(s -> !s.isBlank()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.enabled = oidcEnabled && consoleSignIn && this.authServerUrl.isPresent();
        this.clientId = clientId;
        this.clientSecret = clientSecret.filter(s -> !s.isBlank());
        this.scopes = scopes;
        this.mapper = mapper;
        this.clock = Clock.systemUTC();
    }

    /** Whether the console offers single sign-on (OIDC on, an identity provider URL configured). */
    public boolean enabled() {
        return enabled;
    }

    /** Starts a sign-in whose provider sends the browser back to {@code redirectUri} (this gateway's callback). */
    public Start begin(String redirectUri) {
        requireEnabled();
        sweep();
        if (flows.size() >= MAX_PENDING) {
            throw new Refused("SIGN_IN_BUSY", "Too many sign-ins are in progress; try again in a few minutes.");
        }
        String state = randomToken();
        String verifier = randomToken() + randomToken();
        String nonce = randomToken();
        flows.put(state, new Flow(verifier, redirectUri, clock.instant().plus(FLOW_LIFETIME)));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", clientId);
        q.put("redirect_uri", redirectUri);
        q.put("scope", scopes);
        q.put("state", state);
        q.put("nonce", nonce);
        q.put("code_challenge", challenge(verifier));
        q.put("code_challenge_method", "S256");
        String endpoint = endpoint("authorization_endpoint");
        return new Start(URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + form(q)), state);
    }

    /**
     * The provider sent the browser back with {@code code} for {@code state}; {@code browserState} is the state the browser's
     * cookie holds. Returns the one-time hand-off code for the console page.
     */
    public String finish(String state, String code, String browserState) {
        requireEnabled();
        Flow flow = state == null ? null : flows.remove(state);
        if (flow == null || flow.expires().isBefore(clock.instant())) {
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
        f.put("redirect_uri", flow.redirectUri());
        f.put("client_id", clientId);
        f.put("code_verifier", flow.verifier());
        clientSecret.ifPresent(s -> f.put("client_secret", s));
        JsonNode answer;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint("token_endpoint")))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(form(f))).build(),
                    HttpResponse.BodyHandlers.ofString());
            answer = mapper.readTree(r.body());
            if (r.statusCode() != 200 || !answer.path("access_token").isTextual()) {
                // the provider's error code only (e.g. invalid_grant): its description may echo what we sent
                LOG.warnf("token endpoint refused the code: HTTP %d %s", r.statusCode(), answer.path("error").asText("-"));
                throw new Refused("SIGN_IN_REFUSED", "The identity provider refused the sign-in ("
                        + answer.path("error").asText("HTTP " + r.statusCode()) + ").");
            }
        } catch (IOException e) {
            LOG.warnf("token endpoint unreachable: %s", e.getClass().getSimpleName());
            throw new Refused("SIGN_IN_UNAVAILABLE", "The identity provider could not be reached; try again.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("SIGN_IN_UNAVAILABLE", "Interrupted.");
        }
        String handoff = randomToken();
        handoffs.put(handoff, new Handoff(answer.get("access_token").asText(), answer.path("expires_in").asLong(0),
                clock.instant().plus(HANDOFF_LIFETIME)));
        return handoff;
    }

    /** The token kept under {@code handoff}, once. */
    public Token redeem(String handoff) {
        requireEnabled();
        Handoff h = handoff == null ? null : handoffs.remove(handoff);
        if (h == null || h.expires().isBefore(clock.instant())) {
            throw new Refused("SIGN_IN_EXPIRED", "This sign-in link is unknown, was already used or expired; sign in again.");
        }
        return new Token(h.accessToken(), h.expiresIn());
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

    private void sweep() {
        Instant now = clock.instant();
        for (Iterator<Flow> it = flows.values().iterator(); it.hasNext(); ) {
            if (it.next().expires().isBefore(now)) {
                it.remove();
            }
        }
        handoffs.values().removeIf(h -> h.expires().isBefore(now));
    }

    private String randomToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
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
