package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broker's listeners each get their own port: freePort never hands the same port out twice in one JVM. */
class FreePortTest {

    @Test
    void portsAskedForOneAfterTheOtherAreAllDifferent() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            int port = LocalKafka.freePort();
            assertTrue(port > 0 && port < 65536, "port " + port);
            assertTrue(seen.add(port), "port " + port + " handed out twice (call " + i + ")");
        }
    }
}
