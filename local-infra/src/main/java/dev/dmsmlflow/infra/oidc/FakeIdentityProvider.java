package dev.dmsmlflow.infra.oidc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dmsmlflow.infra.ServiceKeys;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local OpenID Connect provider for tests, written from the OAuth 2.0 / OIDC / PKCE specifications: discovery
 * ({@code /.well-known/openid-configuration}), an authorization endpoint that signs in {@link #user} at once (no page; or
 * answers {@code error=access_denied} when {@link #deny} is set), and a token endpoint that trades a code once, for the
 * client, redirect URI and PKCE verifier (S256) it was issued to. Access tokens are RS256 JWTs signed with the given
 * {@link ServiceKeys} pair, issuer = this server's URL, audience = the client id; whoever trusts that public key and
 * issuer accepts them. With {@link #refreshTokens} on (the default), the code's answer also carries a refresh token, which
 * the token endpoint's {@code refresh_token} grant trades once for a new access token and a new refresh token (rotation);
 * {@link #endSessions} makes every refresh token issued so far invalid, as a provider does when its session ends.
 */
public final class FakeIdentityProvider implements AutoCloseable {

    private record Grant(String clientId, String redirectUri, String challenge, String subject, Instant expires) {
    }

    private final HttpServer server;
    private final ServiceKeys keys;
    private final String clientId;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, Grant> refreshes = new ConcurrentHashMap<>();
    /** Every authorization request's parameters, in order. */
    public final List<Map<String, String>> authorizations = new CopyOnWriteArrayList<>();
    /** Every token request's parameters, in order. */
    public final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    /** Who signs in at the next authorization request. */
    public volatile String user = "sso-user";
    /** When set, the authorization endpoint answers access_denied. */
    public volatile boolean deny;
    /** Whether a code's answer carries a refresh token. */
    public volatile boolean refreshTokens = true;
    /** The lifetime of the access tokens it issues. */
    public volatile Duration accessTokenLifetime = Duration.ofMinutes(5);

    /** Every refresh token issued so far stops working (the provider's session ended). */
    public void endSessions() {
        refreshes.clear();
    }

    public FakeIdentityProvider(ServiceKeys keys, String clientId) throws IOException {
        this.keys = keys;
        this.clientId = clientId;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The issuer and {@code auth-server-url}: {@code http://127.0.0.1:<port>/realms/dms}. */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/dms";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String base = "/realms/dms";
            if (path.equals(base + "/.well-known/openid-configuration") && "GET".equals(ex.getRequestMethod())) {
                json(ex, 200, "{\"issuer\":\"" + issuer() + "\",\"authorization_endpoint\":\"" + issuer() + "/auth\","
                        + "\"token_endpoint\":\"" + issuer() + "/token\",\"jwks_uri\":\"" + issuer() + "/certs\","
                        + "\"response_types_supported\":[\"code\"],\"code_challenge_methods_supported\":[\"S256\"],"
                        + "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
            } else if (path.equals(base + "/certs") && "GET".equals(ex.getRequestMethod())) {
                json(ex, 200, jwks());
            } else if (path.equals(base + "/auth") && "GET".equals(ex.getRequestMethod())) {
                authorize(ex, query(ex.getRequestURI().getRawQuery()));
            } else if (path.equals(base + "/token") && "POST".equals(ex.getRequestMethod())) {
                token(ex, query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            } else {
                json(ex, 404, "{\"error\":\"not_found\"}");
            }
        } catch (RuntimeException e) {
            json(ex, 500, "{\"error\":\"server_error\"}");
        }
    }

    private void authorize(HttpExchange ex, Map<String, String> q) throws IOException {
        authorizations.add(Map.copyOf(q));
        String redirect = q.get("redirect_uri");
        if (!clientId.equals(q.get("client_id")) || redirect == null || !redirect.startsWith("http")) {
            json(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"unknown client or redirect_uri\"}");
            return;
        }
        String state = q.getOrDefault("state", "");
        String target;
        if (deny) {
            target = redirect + "?error=access_denied&state=" + enc(state);
        } else if (!"code".equals(q.get("response_type")) || !"S256".equals(q.get("code_challenge_method")) || q.get("code_challenge") == null) {
            target = redirect + "?error=invalid_request&state=" + enc(state);
        } else {
            String code = UUID.randomUUID().toString();
            codes.put(code, new Grant(clientId, redirect, q.get("code_challenge"), user, Instant.now().plusSeconds(60)));
            target = redirect + "?code=" + enc(code) + "&state=" + enc(state);
        }
        ex.getResponseHeaders().set("Location", target);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex, Map<String, String> f) throws IOException {
        tokenRequests.add(Map.copyOf(f));
        if ("refresh_token".equals(f.get("grant_type"))) {
            Grant r = f.get("refresh_token") == null ? null : refreshes.remove(f.get("refresh_token"));
            if (r == null || r.expires().isBefore(Instant.now()) || !r.clientId().equals(f.get("client_id"))) {
                json(ex, 400, "{\"error\":\"invalid_grant\"}");
                return;
            }
            json(ex, 200, tokens(r));
            return;
        }
        Grant g = f.get("code") == null ? null : codes.remove(f.get("code"));
        if (!"authorization_code".equals(f.get("grant_type")) || g == null || g.expires().isBefore(Instant.now())
                || !g.clientId().equals(f.get("client_id")) || !g.redirectUri().equals(f.get("redirect_uri"))
                || f.get("code_verifier") == null || !g.challenge().equals(s256(f.get("code_verifier")))) {
            json(ex, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        json(ex, 200, tokens(g));
    }

    /** A token answer for the grant's subject: an access token, and a new refresh token when {@link #refreshTokens}. */
    private String tokens(Grant g) {
        Instant now = Instant.now();
        Duration lifetime = accessTokenLifetime;
        String token = keys.mint(g.subject(), "none", "viewer", now.minusSeconds(5), now.plus(lifetime), issuer(), clientId);
        String refresh = "";
        if (refreshTokens) {
            String r = UUID.randomUUID() + "." + UUID.randomUUID();
            refreshes.put(r, new Grant(g.clientId(), g.redirectUri(), null, g.subject(), now.plus(Duration.ofHours(1))));
            refresh = ",\"refresh_token\":\"" + r + "\"";
        }
        return "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" + lifetime.toSeconds()
                + refresh + ",\"scope\":\"openid\"}";
    }

    /** The signing key as a JSON Web Key Set (RSA modulus and exponent, unsigned big-endian, base64url). */
    private String jwks() throws IOException {
        try {
            String pem = java.nio.file.Files.readString(keys.publicKeyFile()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            var key = (java.security.interfaces.RSAPublicKey) java.security.KeyFactory.getInstance("RSA")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            return "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"" + b64.encodeToString(unsigned(key.getModulus()))
                    + "\",\"e\":\"" + b64.encodeToString(unsigned(key.getPublicExponent())) + "\"}]}";
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static byte[] unsigned(java.math.BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /** The query parameters of {@code location} (a redirect's target), decoded. */
    public static Map<String, String> params(String location) {
        return query(URI.create(location).getRawQuery());
    }
}
