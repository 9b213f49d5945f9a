package dev.dmsmlflow.instance;

import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import dev.dmsmlflow.instance.support.Probes;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A tracking server that cannot start ends the saga in CREATE_FAILED, with everything created removed. */
@QuarkusTest
@TestProfile(ComputeFailureIT.BrokenTrackingServer.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class ComputeFailureIT {

    /** The configured tracking-server "jar" is a file java cannot run: the process exits at once. */
    public static class BrokenTrackingServer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path notAJar = Files.createTempFile("not-a-tracking-server", ".jar");
                Files.writeString(notAJar, "this is not a jar");
                notAJar.toFile().deleteOnExit();
                return Map.of("dms.compute.local.tracking-server-jar", notAJar.toString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static Bus bus;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    @Test
    void computeThatFailsToStartEndsInCreateFailedAndItsDatabaseIsGone() {
        String ws = InstanceApiTest.workspace();
        String id = InstanceSagaIT.create(InstanceApiTest.validBody(ws));
        bus.await("InstanceRequested", Bus.forInstance(id), InstanceSagaIT.EVENT);
        NetworkProvisioned provisioned = InstanceSagaIT.networkProvisioned(id, ws);
        bus.publish(provisioned);

        Bus.Received failed = bus.await("InstanceFailed", Bus.forInstance(id), InstanceSagaIT.DEPLOY);
        assertEquals("COMPUTE_START_FAILED", failed.payload().path("code").asText());
        InstanceApiTest.as(ws).get("/instances/" + id).then().statusCode(200)
                .body("status", equalTo("CREATE_FAILED"))
                .body("statusReason.code", equalTo("COMPUTE_START_FAILED"))
                .body("statusReason.message", containsString("exited with code"));
        assertFalse(Probes.databaseExists("mlflow_" + id.replace("-", "")), "the tracking database was removed");
        // the load balancer network-service created must go too
        bus.await("InstanceReleaseRequested", Bus.forInstance(id), InstanceSagaIT.EVENT);
        assertEquals(0, bus.all("InstanceDeployed", Bus.forInstance(id)).size());
    }
}
