package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.tracking.http.MlflowException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArtifactPathsTest {

    @Test
    void normalisesHarmlessPaths() {
        assertEquals("", ArtifactPaths.safe(null));
        assertEquals("", ArtifactPaths.safe(""));
        assertEquals("a/b/c.txt", ArtifactPaths.safe("a//b/./c.txt/"));
        assertEquals("with space/x+y.txt", ArtifactPaths.safe("with%20space/x+y.txt"));
        assertEquals("na\u00efve", ArtifactPaths.safe("na%C3%AFve"));
        assertEquals("2024-01-01T10:00:00.log", ArtifactPaths.safe("2024-01-01T10:00:00.log"));
        assertEquals("..hidden/x..y", ArtifactPaths.safe("..hidden/x..y"));
    }

    @Test
    void refusesTraversalAndAbsolutePathsInEveryEncoding() {
        for (String bad : new String[] {"..", "../x", "a/../../x", "a/..", "%2e%2e/x", "%2E%2E", "%252e%252e/x",
                "%25252e%25252e", "a%2f..%2fb", "/etc/passwd", "%2fetc", "%252Fetc", "a\\b", "..\\x", "a%5cb",
                "x%00y", "x\u0000y", "a%0Ab", "C:/Windows", "C:x", "file:///etc/passwd", "s3://bucket/x", "a#b", "~/x"}) {
            MlflowException e = assertThrows(MlflowException.class, () -> ArtifactPaths.safe(bad), bad);
            assertEquals("INVALID_PARAMETER_VALUE", e.errorCode().name());
        }
    }

    @Test
    void proxiedUrisMapIntoTheRoot() {
        assertEquals(Optional.of("1/abc/artifacts"), ArtifactStores.proxiedPath("mlflow-artifacts:/1/abc/artifacts"));
        assertEquals(Optional.of("1/abc"), ArtifactStores.proxiedPath("mlflow-artifacts://host:5000/1/abc"));
        assertEquals(Optional.of("7/x"), ArtifactStores.proxiedPath("http://h:1/api/2.0/mlflow-artifacts/artifacts/7/x"));
        assertEquals(Optional.empty(), ArtifactStores.proxiedPath("oss://bucket/p"));
        assertEquals(Optional.empty(), ArtifactStores.proxiedPath("/local/dir"));
    }
}
