package dev.dmsmlflow.notebook.api;

import dev.dmsmlflow.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Jupyter pass-through only ever reaches the session's own server under its base path: a path that would resolve to
 * another host (and carry the server's token there) or above the base path is a 400 naming {@code path}.
 */
class JupyterProxyTargetTest {

    private static final URI BASE = URI.create("http://127.0.0.1:41234/api/v1/workspaces/ws-1/notebook-sessions/nb-1/jupyter/");

    @Test
    void relativePathsAndQueriesStayUnderTheServersBasePath() {
        assertEquals(URI.create(BASE + "api/status"), JupyterProxyResource.target(BASE, "api/status", null));
        assertEquals(URI.create(BASE + "api/contents/my%20notes/50%25.txt?content=1"),
                JupyterProxyResource.target(BASE, "api/contents/my notes/50%.txt", "content=1"));
        assertEquals(URI.create(BASE + "api/contents/a:b"), JupyterProxyResource.target(BASE, "api/contents/a:b", null));
        assertEquals(BASE, JupyterProxyResource.target(BASE, "", null));
    }

    @Test
    void pathsLeavingTheServerAreRefusedNamingThePath() {
        for (String path : List.of("//evil.example/steal", "/api/status", "http://evil.example/x", "evil.example:80/x", "../x",
                "api/../../x", "a\\..\\b", "\\\\evil.example\\x")) {
            ProblemException e = assertThrows(ProblemException.class, () -> JupyterProxyResource.target(BASE, path, null), path);
            assertEquals(400, e.problem().status(), path);
            assertEquals("path", e.problem().field(), path);
        }
    }

    @Test
    void theServersTokenIsTakenOutOfPagesPassedOn() {
        String token = "0f3c9a7d5e1b2c4d6e8f0a1b2c3d4e5f";
        byte[] page = ("<script id=\"jupyter-config-data\" type=\"application/json\">{\"baseUrl\": \"/x/\", \"token\": \"" + token
                + "\", \"treePath\": \"\"}</script>").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String out = new String(JupyterProxyResource.withoutToken(page, token), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(-1, out.indexOf(token));
        org.junit.jupiter.api.Assertions.assertTrue(out.contains("\"token\": \"\""), out);
        byte[] other = "{\"ok\": true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertSame(other, JupyterProxyResource.withoutToken(other, token));
    }
}
