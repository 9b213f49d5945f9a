package dev.dmsmlflow.tracking;

import dev.dmsmlflow.platform.testing.ConfigDefaults;
import org.junit.jupiter.api.Test;

/** One place per default: application.properties repeats no {@code @WithDefault} of the module's config mappings. */
class ConfigDefaultsTest {

    @Test
    void applicationPropertiesRepeatsNoDefaultOfAConfigMapping() {
        ConfigDefaults.assertNoneRepeated();
    }
}
