package dev.dmsmlflow.platform.messaging;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaClientPropertiesTest {

    @Test
    void secretsNeverShowInToStringButReachTheClients() {
        KafkaClientProperties p = KafkaClientProperties.of(Map.of(
                "bootstrap.servers", "127.0.0.1:19092",
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"instance-service\" password=\"s3cr3t-value\";",
                "ssl.truststore.password", "another-secret"));
        assertFalse(p.toString().contains("s3cr3t-value"), p.toString());
        assertFalse(p.toString().contains("another-secret"), p.toString());
        assertTrue(p.toString().contains("SASL_PLAINTEXT"), p.toString());
        assertEquals("instance-service", p.user());
        assertTrue(String.valueOf(p.toMap().get("sasl.jaas.config")).contains("s3cr3t-value"));
        p.toMap().put("client.id", "x"); // a copy
        assertFalse(p.toMap().containsKey("client.id"));
    }

    @Test
    void bootstrapServersAreRequired() {
        assertThrows(IllegalArgumentException.class, () -> KafkaClientProperties.of(Map.of("security.protocol", "SASL_PLAINTEXT")));
    }
}
