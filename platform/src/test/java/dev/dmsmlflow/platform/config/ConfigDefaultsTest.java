package dev.dmsmlflow.platform.config;

import dev.dmsmlflow.platform.testing.ConfigDefaults;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The check that keeps one place per default: it finds a repeated default, and platform's own files have none. */
class ConfigDefaultsTest {

    @ConfigMapping(prefix = "demo")
    interface Demo {
        @WithDefault("30s")
        Duration checkInterval();

        @WithDefault("${DMS_WORK_DIR:.dms}")
        String workDir();

        Map<String, Image> images();

        Local local();

        interface Image {
            @WithDefault("")
            String description();

            @WithName("service-name")
            @WithDefault("DMS MLflow")
            String service();
        }

        interface Local {
            @WithDefault("local")
            String provider();
        }
    }

    private static Properties properties(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    @Test
    void findsEveryDefaultOfAMappingWithItsPropertyName() {
        List<String> names = ConfigDefaults.defaults(Demo.class).stream().map(ConfigDefaults.Default::property).sorted().toList();
        assertEquals(List.of("demo.check-interval", "demo.images.*.description", "demo.images.*.service-name", "demo.local.provider",
                "demo.work-dir"), names);
    }

    @Test
    void aRepeatedDefaultIsFoundLiterallyOrAsAnExpressionsFallbackAndAnOverrideIsNot() throws Exception {
        Properties p = properties("""
                demo.check-interval=30s
                demo.local.provider=${DMS_PROVIDER:local}
                demo.work-dir=${DMS_WORK_DIR:.dms}
                demo.images."Python3.9\\:1.0.9".service-name=DMS MLflow
                demo.images."Python3.9\\:1.0.9".description=Python 3.9
                demo.images.slim.service-name=DMS Notebook
                %test.demo.check-interval=30s
                demo.other=30s
                """);
        List<String> keys = ConfigDefaults.repeated(p, ConfigDefaults.defaults(Demo.class)).stream()
                .map(ConfigDefaults.Repeat::key).sorted().toList();
        assertEquals(List.of("demo.check-interval", "demo.images.\"Python3.9:1.0.9\".service-name", "demo.local.provider",
                "demo.work-dir"), keys);
    }

    @Test
    void platformsDefaultsAreWrittenOnce() throws Exception {
        Properties p = new Properties();
        try (var in = getClass().getResourceAsStream("/META-INF/microprofile-config.properties")) {
            p.load(in);
        }
        List<ConfigDefaults.Default> defaults = new java.util.ArrayList<>();
        defaults.addAll(ConfigDefaults.defaults(dev.dmsmlflow.platform.quarkus.MessagingConfig.class));
        defaults.addAll(ConfigDefaults.defaults(dev.dmsmlflow.platform.quarkus.RelayConfig.class));
        assertTrue(defaults.stream().anyMatch(d -> d.property().equals("dms.messaging.retry.initial-backoff")));
        assertEquals(List.of(), ConfigDefaults.repeated(p, defaults));
    }
}
