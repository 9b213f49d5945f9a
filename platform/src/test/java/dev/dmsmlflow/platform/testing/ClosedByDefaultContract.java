package dev.dmsmlflow.platform.testing;

import dev.dmsmlflow.infra.ServiceKeys;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.restassured.RestAssured.given;

/**
 * An endpoint a service adds without any security annotation needs the gateway's service token (docs/identity.md):
 * a service's test extends this and names such an endpoint (typically a tiny resource of its own test sources).
 */
public abstract class ClosedByDefaultContract {

    /** Path of a GET endpoint with no security annotation that answers 200. */
    protected abstract String unannotatedEndpoint();

    @Test
    void anUnannotatedEndpointRefusesCallsWithoutAValidServiceToken() {
        given().when().get(unannotatedEndpoint()).then()
                .statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer realm=\"dms\"");
        Instant now = Instant.now();
        String expired = ServiceKeys.forTests().mint("mem_1", "ws-1", "owner", now.minusSeconds(1200), now.minusSeconds(600),
                ServiceKeys.ISSUER, ServiceKeys.AUDIENCE);
        given().header("Authorization", "Bearer " + expired).when().get(unannotatedEndpoint()).then()
                .statusCode(401).contentType("application/problem+json");
    }

    @Test
    void anUnannotatedEndpointAnswersAValidServiceToken() {
        String token = ServiceKeys.forTests().mint("mem_1", "ws-1", "viewer", Duration.ofMinutes(2));
        given().header("Authorization", "Bearer " + token).when().get(unannotatedEndpoint()).then().statusCode(200);
    }
}
