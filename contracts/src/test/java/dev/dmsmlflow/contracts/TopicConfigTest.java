package dev.dmsmlflow.contracts;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Partitions come from contracts/topics.properties, overridable per installation. */
class TopicConfigTest {

    @Test
    void theInstanceTopicHasSeveralPartitionsAndEveryTopicHasAnEntry() {
        TopicConfig config = TopicConfig.load(name -> null);
        assertEquals(4, config.partitions(Topics.INSTANCE));
        assertEquals(TopicAccess.topics(), java.util.List.copyOf(config.all().keySet()));
        config.all().values().forEach(n -> assertTrue(n >= 1));
        assertEquals(1, config.partitions(Topics.deadLetters(TopicAccess.NETWORK_SERVICE)), "dead letters fall back to the default");
    }

    @Test
    void anInstallationOverridesAnEntryByPropertyName() {
        Map<String, String> overrides = Map.of("dms.topics.dms.instance.partitions", "8");
        TopicConfig config = TopicConfig.load(overrides::get);
        assertEquals(8, config.partitions(Topics.INSTANCE));
        assertEquals(TopicConfig.load(name -> null).partitions(Topics.NETWORK), config.partitions(Topics.NETWORK));
        assertEquals("DMS_TOPICS_DMS_INSTANCE_PARTITIONS", TopicConfig.environmentName(TopicConfig.property(Topics.INSTANCE)));
    }

    @Test
    void aPartitionCountThatIsNotAPositiveNumberIsRefusedNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopicConfig.load(Map.of("dms.topics.dms.network.partitions", "0")::get));
        assertTrue(e.getMessage().contains("dms.topics.dms.network.partitions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.load(Map.of("dms.topics.dms.network.partitions", "many")::get));
        assertThrows(IllegalArgumentException.class, () -> TopicConfig.load(name -> null).partitions("dms.nothing"));
    }
}
