package dev.dmsmlflow.network.provider.aliyun;

import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import dev.dmsmlflow.network.support.Steps;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole service with {@code dms.network.provider=aliyun} against the fake Alibaba Cloud endpoint. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = AliyunCloudResource.class, restrictToAnnotatedClass = true)
class AliyunServiceIT {

    @Inject
    NetworkService service;

    @Test
    void validationProvisioningAclAndReleaseGoToAlibabaCloud() throws Exception {
        ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON)
                .body(Map.of("vpcId", "vpc-a1", "vSwitchId", "vsw-h1", "secondaryVSwitchId", "vsw-i1", "securityGroupId", "sg-basic"))
                .when().post("/networks/validate").then().statusCode(200).body("zoneIds[1]", equalTo("cn-hangzhou-i"));
        ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON)
                .body(Map.of("vpcId", "vpc-a1", "vSwitchId", "vsw-h1", "secondaryVSwitchId", "vsw-i1", "securityGroupId", "sg-managed"))
                .when().post("/networks/validate").then().statusCode(400).body("code", equalTo("SECURITY_GROUP_NOT_BASIC"));
        ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON)
                .body(Map.of("vpcId", "vpc-a1", "vSwitchId", "vsw-i1", "secondaryVSwitchId", "vsw-h1", "securityGroupId", "sg-basic"))
                .when().post("/networks/validate").then().statusCode(400).body("code", equalTo("VSWITCH_NO_FREE_IP"));

        String id = "mlf-ali-1";
        Steps.run(id, () -> service.onInstanceRequested(new InstanceRequested(id, "ws-1", "n", null,
                "vpc-a1", "vsw-h1", "vsw-i1", "sg-basic", "b", "p", "2C4G", null, Instant.now())));
        String aclId = ServiceTokens.editorOf("ws-1").when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("ACTIVE"))
                .body("vpcPort", equalTo(80)).body("vpcAddress", equalTo("192.168.0.10")).extract().path("aclId");
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON).body(Map.of("cidr", "192.168.3.0/24")).when().post("/networks/" + id + "/acl/entries")
                .then().statusCode(200);
        assertTrue(cloud.acls.get(aclId).entries.contains("192.168.3.0/24"));
        ServiceTokens.editorOf("ws-1").queryParam("source", "192.168.3.9").when().get("/networks/" + id + "/diagnose").then().statusCode(200)
                .body("admitted", equalTo(true));

        Steps.run(id, () -> {
            try {
                service.onReleaseRequested(new dev.dmsmlflow.contracts.instance.InstanceReleaseRequested(id, "ws-1", null, Instant.now()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(0, cloud.loadBalancers.size() + cloud.listeners.size() + cloud.acls.size() + cloud.serverGroups.size());
    }

    @Test
    void tokenModeIsOfferedAndKeptTheTrackingServerChecksTheTokens() {
        ServiceTokens.viewerOf("ws-1").get("/networks/auth-modes").then().statusCode(200)
                .body("authModes", equalTo(java.util.List.of("network", "token")));
        String id = "mlf-ali-tok";
        Steps.run(id, () -> service.onInstanceRequested(new InstanceRequested(id, "ws-1", "n", null,
                "vpc-a1", "vsw-h1", "vsw-i1", "sg-basic", "b", "p2", "2C4G", "token", "user-1", Instant.now())));
        ServiceTokens.editorOf("ws-1").when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("ACTIVE"))
                .body("authMode", equalTo("token"));
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        int calls = cloud.calls.size();
        // made and revoked at once: nothing for the ALB to learn (the server fetches the list), so never pending
        String tokenId = ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON).body(Map.of("name", "nb", "scope", "read"))
                .when().post("/networks/" + id + "/tokens").then().statusCode(201).body("pending", org.hamcrest.Matchers.nullValue())
                .extract().path("id");
        ServiceTokens.editorOf("ws-1").when().delete("/networks/" + id + "/tokens/" + tokenId).then().statusCode(204);
        assertEquals(calls, cloud.calls.size());
        Steps.run(id, () -> {
            try {
                service.onReleaseRequested(new dev.dmsmlflow.contracts.instance.InstanceReleaseRequested(id, "ws-1", null, Instant.now()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
