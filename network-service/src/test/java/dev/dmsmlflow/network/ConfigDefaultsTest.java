package dev.dmsmlflow.network;

import dev.dmsmlflow.platform.testing.ConfigDefaults;
import org.junit.jupiter.api.Test;

/** One place per default: application.properties repeats no {@code @WithDefault} of network-service's (or platform's) config mappings. */
class ConfigDefaultsTest {

    @Test
    void applicationPropertiesRepeatsNoDefaultOfAConfigMapping() {
        ConfigDefaults.assertNoneRepeated();
    }
}
