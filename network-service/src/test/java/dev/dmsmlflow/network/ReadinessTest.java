package dev.dmsmlflow.network;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.platform.testing.ManagementInterfaceContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

import java.util.List;

/** The management interface of network-service (the shared contract of every service), with its consumers' check. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class ReadinessTest extends ManagementInterfaceContract {

    @Override
    protected List<String> moreReadinessChecks() {
        // the Kafka connector's channels (SmallRye Reactive Messaging's check)
        return List.of("SmallRye Reactive Messaging - readiness check");
    }
}
