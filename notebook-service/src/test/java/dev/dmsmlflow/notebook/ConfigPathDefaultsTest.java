package dev.dmsmlflow.notebook;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The path settings resolve as they did when application.properties held them: from the variables {@code ./dms up} sets
 * (DMS_WORK_DIR, DMS_CACHE_DIR, DMS_NOTEBOOK_MASTER_KEY_FILE), else the same relative defaults; the service's own
 * application.properties (outside the test profile) is read with them, so a line there would still win.
 */
class ConfigPathDefaultsTest {

    private static NotebookConfig config(Map<String, String> environment) throws IOException {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors() // expressions, as Quarkus resolves them
                .withSources(new PropertiesConfigSource(ConfigPathDefaultsTest.class.getClassLoader().getResource("application.properties"), 250))
                .withSources(new MapBackedConfigSource("environment", environment, 300) {
                })
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(NotebookConfig.class)
                .build();
        return config.getConfigMapping(NotebookConfig.class);
    }

    @Test
    void withoutTheVariablesThePathsAreTheRelativeDefaults() throws IOException {
        NotebookConfig c = config(Map.of());
        assertEquals(".dms", c.local().workDir());
        assertEquals("~/.cache/dms-mlflow", c.local().cacheDir());
        assertEquals(".dms/secrets/notebook-master-key", c.secrets().local().masterKeyFile());
    }

    @Test
    void theVariablesOfDmsUpChooseThePaths() throws IOException {
        NotebookConfig c = config(Map.of("DMS_WORK_DIR", "/srv/dms", "DMS_CACHE_DIR", "/var/cache/dms",
                "DMS_NOTEBOOK_MASTER_KEY_FILE", "/srv/dms/secrets/notebook-master-key"));
        assertEquals("/srv/dms", c.local().workDir());
        assertEquals("/var/cache/dms", c.local().cacheDir());
        assertEquals("/srv/dms/secrets/notebook-master-key", c.secrets().local().masterKeyFile());
    }

    @Test
    void thePropertiesOwnNamesStillWin() throws IOException {
        NotebookConfig c = config(Map.of("DMS_WORK_DIR", "/srv/dms", "dms.notebook.local.work-dir", "/elsewhere"));
        assertEquals("/elsewhere", c.local().workDir());
    }
}
