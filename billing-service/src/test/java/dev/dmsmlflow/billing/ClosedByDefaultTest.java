package dev.dmsmlflow.billing;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.platform.testing.ClosedByDefaultContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** A business endpoint added to billing-service without any security annotation is closed to callers without the gateway's token. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class ClosedByDefaultTest extends ClosedByDefaultContract {

    /** Stands for any endpoint written later: no annotation at all. */
    @Path("/closed-by-default-probe")
    public static class Probe {
        @GET
        public String get() {
            return "reached";
        }
    }

    @Override
    protected String unannotatedEndpoint() {
        return "/closed-by-default-probe";
    }
}
