package dev.dmsmlflow.platform.testing;

import io.quarkus.test.common.http.TestHTTPResource;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * What every service's management interface must answer (docs/identity.md): readiness with real checks, metrics and
 * OpenAPI on the management port, none of it on the application port, both on loopback. A service's
 * {@code ReadinessTest} extends it, adding its {@code @QuarkusTest} and test resources (shipped in platform's test-jar).
 */
public abstract class ManagementInterfaceContract {

    @TestHTTPResource(value = "/", management = true)
    protected URL management;

    @TestHTTPResource("/")
    protected URL application;

    /** Readiness checks this service reports besides the database, Kafka and the outbox relay. */
    protected List<String> moreReadinessChecks() {
        return List.of();
    }

    /** {@code path} on the management interface ({@link #management} already ends with its root path, {@code /q/}). */
    private String onManagement(String path) {
        return management.getProtocol() + "://" + management.getHost() + ":" + management.getPort() + path;
    }

    @Test
    void readyOnlyWithDatabaseKafkaAndRelayUp() {
        List<String> checks = new ArrayList<>(List.of("Database connections health check", "kafka", "outbox-relay"));
        checks.addAll(moreReadinessChecks());
        given().when().get(onManagement("/q/health/ready")).then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems(checks.toArray(String[]::new)))
                .body("checks.find { it.name == 'outbox-relay' }.data.state", equalTo("STREAMING"));
    }

    @Test
    void metricsOpenApiAndSwaggerUiAreOnTheManagementInterface() {
        given().when().get(onManagement("/q/health/live")).then().statusCode(200);
        given().when().get(onManagement("/q/metrics")).then().statusCode(200);
        given().when().get(onManagement("/q/openapi")).then().statusCode(200);
        given().when().get(onManagement("/q/swagger-ui/")).then().statusCode(200);
    }

    @Test
    void theApplicationPortServesNoManagementEndpoint() {
        assertNotEquals(application.getPort(), management.getPort());
        for (String path : List.of("q/health/ready", "q/health/live", "q/metrics", "q/openapi", "q/swagger-ui/")) {
            int status = given().when().get(application + path).then().extract().statusCode();
            assertEquals(404, status, path + " on the application port");
        }
    }

    @Test
    void bothInterfacesListenOnLoopbackOnly() {
        var config = ConfigProvider.getConfig();
        assertEquals("127.0.0.1", config.getValue("quarkus.http.host", String.class));
        assertEquals("127.0.0.1", config.getValue("quarkus.management.host", String.class));
    }
}
