package dev.dmsmlflow.contracts;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Locates the module's contract resource folders on the test classpath. */
final class Resources {

    private Resources() {
    }

    static Path dir(String resource) {
        URL url = Resources.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("missing resource folder " + resource);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path currentSchemas() {
        return dir("contracts/v1/schemas");
    }

    static Path releasedSchemas() {
        return dir("contracts/released/v1");
    }

    static Path examples() {
        return dir("contracts/v1/examples");
    }
}
