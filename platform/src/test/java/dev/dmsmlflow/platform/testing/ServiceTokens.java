package dev.dmsmlflow.platform.testing;

import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.infra.ServiceKeys;
import io.restassured.specification.RequestSpecification;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * Service tokens for tests, as the gateway would issue them (docs/identity.md), signed with the JVM's test key pair that
 * {@code LocalInfraTestResource} configures; and the tokens an attacker could bring. Each request gets a fresh token.
 */
public final class ServiceTokens {

    /** The member every test token speaks for unless a test chooses another. */
    public static final String PRINCIPAL = "mem_test";
    private static ServiceKeys stranger;

    private ServiceTokens() {
    }

    /** A valid token of {@code principal} acting in {@code workspace} with {@code role}. */
    public static String token(String principal, String workspace, String role) {
        return ServiceKeys.forTests().mint(principal, workspace, role, Duration.ofMinutes(2));
    }

    /** A request carrying a valid token of {@code principal} acting in {@code workspace} with {@code role}. */
    public static RequestSpecification as(String principal, String workspace, String role) {
        return bearer(token(principal, workspace, role));
    }

    public static RequestSpecification editorOf(String workspace) {
        return as(PRINCIPAL, workspace, "editor");
    }

    public static RequestSpecification viewerOf(String workspace) {
        return as(PRINCIPAL, workspace, "viewer");
    }

    public static RequestSpecification ownerOf(String workspace) {
        return as(PRINCIPAL, workspace, "owner");
    }

    public static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    /**
     * Tokens for {@code workspace} (owner role) that must all be refused with 401, by what is wrong with them: expired,
     * signed by another key, another issuer, another audience, malformed.
     */
    public static Map<String, String> refused(String workspace) {
        Instant now = Instant.now();
        ServiceKeys keys = ServiceKeys.forTests();
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("expired", keys.mint(PRINCIPAL, workspace, "owner", now.minusSeconds(1200), now.minusSeconds(600),
                ServiceKeys.ISSUER, ServiceKeys.AUDIENCE));
        tokens.put("signed by another key", strangerKeys().mint(PRINCIPAL, workspace, "owner", Duration.ofMinutes(2)));
        tokens.put("another issuer", keys.mint(PRINCIPAL, workspace, "owner", now, now.plusSeconds(120), "not-the-gateway",
                ServiceKeys.AUDIENCE));
        tokens.put("another audience", keys.mint(PRINCIPAL, workspace, "owner", now, now.plusSeconds(120), ServiceKeys.ISSUER,
                "another-audience"));
        tokens.put("malformed", "eyJhbGciOiJub25lIn0.e30.");
        return tokens;
    }

    private static synchronized ServiceKeys strangerKeys() {
        if (stranger == null) {
            stranger = ServiceKeys.inDirectory(TempDirs.forThisJvm("dms-stranger-keys-"));
        }
        return stranger;
    }
}
