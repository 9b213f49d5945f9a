package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.contracts.compat.Incompatibility;
import dev.dmsmlflow.contracts.compat.SchemaCompatibilityChecker;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The build gate: a schema change that breaks the released contract fails this test (see contracts/README.md). */
class ReleasedSchemasCompatibilityTest {

    @Test
    void currentSchemasAreCompatibleWithTheReleasedCopy() {
        Map<String, JsonNode> released = SchemaCompatibilityChecker.loadDirectory(Resources.releasedSchemas());
        Map<String, JsonNode> current = SchemaCompatibilityChecker.loadDirectory(Resources.currentSchemas());
        assertFalse(released.isEmpty(), "no released schemas found");
        List<Incompatibility> found = new SchemaCompatibilityChecker().check(released, current);
        assertTrue(found.isEmpty(), "incompatible with the released contract; add optional fields or a new event type "
                + "instead:\n" + found.stream().map(Incompatibility::toString).collect(Collectors.joining("\n")));
    }
}
