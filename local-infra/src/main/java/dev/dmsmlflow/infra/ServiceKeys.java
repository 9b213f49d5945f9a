package dev.dmsmlflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The key pair behind the gateway's internal service tokens (RS256 JWTs, see docs/identity.md): the gateway signs
 * with the private key, every service verifies with the public key. {@code ./dms up} keeps one pair under
 * {@code .dms/keys/} (private key mode 0600); tests get a fresh pair per JVM ({@link #forTests()}), and can mint
 * tokens with {@link #mint}.
 */
public final class ServiceKeys {

    /** File name of the PKCS#8 PEM private key (gateway only). */
    public static final String SIGNING_KEY_FILE = "gateway-signing-key.pem";
    /** File name of the X.509 (SubjectPublicKeyInfo) PEM public key (every service). */
    public static final String PUBLIC_KEY_FILE = "gateway-public-key.pem";
    /** Token issuer ({@code iss}). */
    public static final String ISSUER = "dms-gateway";
    /** Token audience ({@code aud}). */
    public static final String AUDIENCE = "dms-services";

    private static ServiceKeys forTests;

    private final Path signingKeyFile;
    private final Path publicKeyFile;

    private ServiceKeys(Path signingKeyFile, Path publicKeyFile) {
        this.signingKeyFile = signingKeyFile;
        this.publicKeyFile = publicKeyFile;
    }

    /** The pair in {@code dir}, created (RSA 2048, CSPRNG) if it does not exist yet; the private key is readable by its owner only. */
    public static ServiceKeys inDirectory(Path dir) {
        Path priv = dir.resolve(SIGNING_KEY_FILE);
        Path pub = dir.resolve(PUBLIC_KEY_FILE);
        try {
            Files.createDirectories(dir);
            if (!Files.exists(priv) || !Files.exists(pub)) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048, new SecureRandom());
                KeyPair pair = g.generateKeyPair();
                writePrivate(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the service token keys in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return new ServiceKeys(priv, pub);
    }

    /** One pair per JVM in a temporary directory, for tests. */
    public static synchronized ServiceKeys forTests() {
        if (forTests == null) {
            forTests = inDirectory(TempDirs.forThisJvm("dms-keys-"));
        }
        return forTests;
    }

    public Path signingKeyFile() {
        return signingKeyFile;
    }

    public Path publicKeyFile() {
        return publicKeyFile;
    }

    /**
     * A service token as the gateway issues it: {@code sub}/{@code upn} = {@code principal}, {@code dms_ws} = workspace,
     * {@code dms_role} = role, {@code groups} = the role and the roles it includes, valid for {@code ttl}.
     */
    public String mint(String principal, String workspaceId, String role, Duration ttl) {
        Instant now = Instant.now();
        return mint(principal, workspaceId, role, now, now.plus(ttl), ISSUER, AUDIENCE);
    }

    /** A token with every claim chosen by the caller (tests of expired, foreign-issuer or wrong-audience tokens). */
    public String mint(String principal, String workspaceId, String role, Instant issuedAt, Instant expiresAt,
                       String issuer, String audience) {
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        StringBuilder groups = new StringBuilder();
        for (String g : impliedRoles(role)) {
            groups.append(groups.isEmpty() ? "" : ",").append(json(g));
        }
        String claims = "{\"iss\":" + json(issuer) + ",\"aud\":" + json(audience) + ",\"sub\":" + json(principal)
                + ",\"upn\":" + json(principal) + ",\"dms_ws\":" + json(workspaceId) + ",\"dms_role\":" + json(role)
                + ",\"groups\":[" + groups + "],\"iat\":" + issuedAt.getEpochSecond() + ",\"exp\":" + expiresAt.getEpochSecond()
                + ",\"jti\":" + json(UUID.randomUUID().toString()) + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(privateKey());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code owner} includes {@code editor}, which includes {@code viewer}. */
    public static List<String> impliedRoles(String role) {
        return switch (role) {
            case "owner" -> List.of("owner", "editor", "viewer");
            case "editor" -> List.of("editor", "viewer");
            case "viewer" -> List.of("viewer");
            default -> List.of(role);
        };
    }

    private PrivateKey privateKey() throws GeneralSecurityException {
        try {
            String pem = Files.readString(signingKeyFile, StandardCharsets.US_ASCII);
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException e) { // not a POSIX file system
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
