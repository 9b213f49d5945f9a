package dev.dmsmlflow.tracking.runs;

import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

/**
 * {@link RunSearchSemanticsTest} with every equality filter on a param or tag tested as a hashed set: the test data
 * is small, so with the default threshold its equalities all take the per-run probe.
 */
@QuarkusTest
@TestProfile(RunSearchHashedSemanticsTest.AlwaysHashed.class)
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunSearchHashedSemanticsTest extends RunSearchSemanticsTest {
    /** Hashed equality sets whatever their size. */
    public static class AlwaysHashed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dms.tracking.search.hashed-equality-min-rows", "0");
        }
    }
}
