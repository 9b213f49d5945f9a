package dev.dmsmlflow.instance.provider.compute.aliyun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.StorageCredentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tracking server's OSS credentials come from STS AssumeRole with a policy on its own prefix, never the platform's keys. */
class StsStorageCredentialsTest {

    static final String ROLE = "acs:ram::1234567890:role/dms-mlflow-artifacts";

    @BeforeAll
    static void platformKeys() {
        // the first link of the default credential chain: the platform's own keys, which sign AssumeRole only
        System.setProperty("alibabacloud.accessKeyId", FakeSts.ACCESS_KEY_ID);
        System.setProperty("alibabacloud.accessKeySecret", FakeSts.ACCESS_KEY_SECRET);
    }

    @AfterAll
    static void forget() {
        System.clearProperty("alibabacloud.accessKeyId");
        System.clearProperty("alibabacloud.accessKeySecret");
    }

    @Test
    void assumeRoleNarrowsTheSessionToTheInstancesPrefix() throws Exception {
        try (FakeSts sts = new FakeSts()) {
            StsStorageCredentials issuer = new StsStorageCredentials(sts.endpoint(), "cn-hangzhou", "http", ROLE, Duration.ofHours(1));
            StorageCredentials.Scoped c = issuer.issue("3f1c-instance", "team-bucket", "ws-1/models");
            assertTrue(c.accessKeyId().startsWith("STS."), c.toString());
            assertEquals("scoped-token", c.securityToken());
            assertTrue(c.expiresAt().isAfter(Instant.now().plus(Duration.ofMinutes(59))));
            assertFalse(c.toString().contains("scoped-secret") || c.toString().contains("scoped-token"), c.toString());
            assertFalse(c.accessKeyId().equals(FakeSts.ACCESS_KEY_ID) || c.accessKeySecret().equals(FakeSts.ACCESS_KEY_SECRET),
                    "never the platform's keys");

            Map<String, String> call = sts.assumeRoles.get(0);
            assertEquals(ROLE, call.get("RoleArn"));
            assertEquals("dms-mlflow-3f1c-instance", call.get("RoleSessionName"));
            assertEquals("3600", call.get("DurationSeconds"));
            JsonNode policy = new ObjectMapper().readTree(call.get("Policy"));
            List<String> resources = policy.findValues("Resource").stream().flatMap(r -> {
                java.util.List<String> out = new java.util.ArrayList<>();
                r.forEach(x -> out.add(x.asText()));
                return out.stream();
            }).toList();
            assertEquals(List.of("acs:oss:*:*:team-bucket/ws-1/models/*", "acs:oss:*:*:team-bucket"), resources);
            assertEquals("[\"ws-1/models/*\",\"ws-1/models/\"]", policy.at("/Statement/1/Condition/StringLike/oss:Prefix").toString());
            assertFalse(call.get("Policy").contains("\"oss:*\""), "no wildcard action");
        }
    }

    @Test
    void aPrefixThatIsNoInstanceRootAndARefusalAreErrors() throws Exception {
        for (String prefix : List.of("", "*", "a/*", "/abs", "a/../b", "trailing/")) {
            assertThrows(IllegalArgumentException.class, () -> StsStorageCredentials.policy("team-bucket", prefix), prefix);
        }
        assertThrows(IllegalArgumentException.class, () -> StsStorageCredentials.policy("Bad_Bucket", "p"));
        try (FakeSts sts = new FakeSts()) {
            System.setProperty("alibabacloud.accessKeySecret", "a-wrong-secret");
            try {
                StsStorageCredentials issuer = new StsStorageCredentials(sts.endpoint(), "cn-hangzhou", "http", ROLE, Duration.ofHours(1));
                ComputeException e = assertThrows(ComputeException.class, () -> issuer.issue("i-2", "team-bucket", "p"));
                assertTrue(e.getMessage().contains("SignatureDoesNotMatch"), e.getMessage());
            } finally {
                System.setProperty("alibabacloud.accessKeySecret", FakeSts.ACCESS_KEY_SECRET);
            }
        }
    }
}
