package dev.dmsmlflow.gateway.provider;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.domain.Access;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.UUID;

/**
 * The gateway's signed token for calls to services (docs/identity.md): RS256, {@code iss} dms-gateway, {@code aud}
 * dms-services, {@code sub}/{@code upn} the member, {@code dms_ws}, {@code dms_role}, {@code groups}, 120 s lifetime.
 * A token is reused for at most half its lifetime per (member, workspace, role), so the hot path does not sign.
 */
@ApplicationScoped
public class ServiceTokens {

    public static final String ISSUER = "dms-gateway";
    public static final String AUDIENCE = "dms-services";

    private final Duration lifetime;
    private final String keyLocation;
    private final Cache<String, String> tokens;
    private volatile PrivateKey key;

    ServiceTokens(GatewayConfig config, @ConfigProperty(name = "smallrye.jwt.sign.key.location") String keyLocation) {
        this.lifetime = config.serviceToken().lifetime();
        this.keyLocation = keyLocation;
        this.tokens = Caffeine.newBuilder().expireAfterWrite(lifetime.dividedBy(2)).maximumSize(100_000).build();
    }

    /** A valid token for this access, minted at most {@code lifetime / 2} ago. */
    public String tokenFor(Access access) {
        String cacheKey = access.memberId() + '\u0000' + access.workspaceId() + '\u0000' + access.role().wire();
        return tokens.get(cacheKey, k -> mint(access));
    }

    private String mint(Access access) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(access.memberId())
                .upn(access.memberId())
                .claim("dms_ws", access.workspaceId())
                .claim("dms_role", access.role().wire())
                .groups(new LinkedHashSet<>(access.role().impliedWireNames()))
                .issuedAt(now)
                .expiresAt(now.plus(lifetime))
                .claim("jti", UUID.randomUUID().toString())
                .jws().algorithm(SignatureAlgorithm.RS256)
                .sign(signingKey());
    }

    private PrivateKey signingKey() {
        PrivateKey k = key;
        if (k == null) {
            synchronized (this) {
                if (key == null) {
                    key = read(keyLocation);
                }
                k = key;
            }
        }
        return k;
    }

    /**
     * A secret for another purpose derived from the signing key (HMAC-SHA256 of the purpose under the key's encoding):
     * every replica holding the key derives the same one, and a value made with it is never a valid service token.
     */
    public byte[] derivedSecret(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(signingKey().getEncoded(), "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a PKCS#8 PEM private key from a file ({@code file:} prefix optional). */
    static PrivateKey read(String location) {
        Path file = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the service-token signing key " + file.toAbsolutePath(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the service-token signing key " + file.toAbsolutePath() + " is not a PKCS#8 RSA key", e);
        }
    }
}
