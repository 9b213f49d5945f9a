package dev.dmsmlflow.notebook;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.platform.testing.ManagementInterfaceContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** The management interface of notebook-service (the shared contract of every service). */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class ReadinessTest extends ManagementInterfaceContract {
}
