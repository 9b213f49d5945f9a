package dev.dmsmlflow.gateway.support;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Helpers for tests of the public API: set up workspaces, members and keys through the API itself. */
public final class Api {

    private Api() {
    }

    public static String admin() {
        return StandInServices.bootstrapKey();
    }

    public static RequestSpecification as(String apiKey) {
        return given().header("Authorization", "Bearer " + apiKey).contentType(ContentType.JSON);
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new workspace owned by the admin; returns its id. */
    public static String workspace() {
        return as(admin()).body(Map.of("name", unique("team"))).post("/api/v1/workspaces")
                .then().statusCode(201).extract().path("id");
    }

    /** Adds a new member with a role to {@code ws} (as the admin) and returns a key scoped to ws for them: [memberId, key]. */
    public static String[] member(String ws, String role) {
        String memberId = as(admin()).body(Map.of("displayName", unique("user"), "role", role))
                .post("/api/v1/workspaces/" + ws + "/members").then().statusCode(201).extract().path("memberId");
        String key = as(admin()).body(Map.of("memberId", memberId)).post("/api/v1/workspaces/" + ws + "/keys")
                .then().statusCode(201).extract().path("apiKey");
        return new String[] {memberId, key};
    }

    public static ValidatableResponse createInstance(String apiKey, String ws, String name) {
        return as(apiKey).body(instanceBody(name)).post("/api/v1/workspaces/" + ws + "/instances").then();
    }

    public static Map<String, Object> instanceBody(String name) {
        return Map.of("name", name, "vpcId", "vpc-1", "vSwitchId", "vsw-a", "secondaryVSwitchId", "vsw-b",
                "securityGroupId", "sg-1", "ossBucket", "dms-artifacts", "ossPath", "team/" + name, "spec", "mlflow.small");
    }
}
