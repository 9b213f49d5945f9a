package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The artifact proxy on the default filesystem store. */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class ArtifactProxyFileSystemTest extends ArtifactProxyContract {
}
