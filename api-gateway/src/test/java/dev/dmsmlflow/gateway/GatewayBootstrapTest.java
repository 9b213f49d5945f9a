package dev.dmsmlflow.gateway;

import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import dev.dmsmlflow.gateway.application.Bootstrap;
import jakarta.inject.Inject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayBootstrapTest {

    @Inject
    Bootstrap bootstrap;

    @Test
    void theFirstStartWroteAnOwnerKeyReadableByItsOwnerOnly() throws Exception {
        Path file = StandInServices.bootstrapKeyFile;
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String key = StandInServices.bootstrapKey();
        as(key).get("/api/v1/me").then().statusCode(200).body("displayName", equalTo("admin"))
                .body("workspaces.id", hasItem("ws-1")).body("workspaces.find { it.id == 'ws-1' }.role", equalTo("owner"));
        as(key).get("/api/v1/keys?pageSize=100").then().body("items.find { it.name == 'bootstrap' }.workspaceId", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aRestartChangesNothing() throws Exception {
        Path other = TempDirs.forThisJvm("dms-gw-").resolve("again");
        assertFalse(bootstrap.run(other));
        assertFalse(Files.exists(other));
        as(StandInServices.bootstrapKey()).get("/api/v1/me").then().statusCode(200);
    }
}
