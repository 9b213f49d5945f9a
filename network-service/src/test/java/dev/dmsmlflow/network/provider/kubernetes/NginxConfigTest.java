package dev.dmsmlflow.network.provider.kubernetes;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text of the load balancer's nginx configuration: the ACL as allow lines before a deny, and nothing but data in it. */
class NginxConfigTest {

    static final NginxConfig.Settings POD = new NginxConfig.Settings("8080", "/tmp", "auto", "1g", Duration.ofSeconds(5),
            Duration.ofSeconds(60));

    @Test
    void anEmptyAclDeniesEverythingAndAnswers503WithoutABackend() {
        String conf = NginxConfig.render(POD, List.of(), null, null);
        String root = location(conf, "location / {");
        assertTrue(root.contains("deny all;"), root);
        assertFalse(root.contains("allow "), root);
        assertFalse(conf.contains("proxy_pass"), conf);
        assertTrue(root.contains("try_files /.no-backend =503;"), root);
        // the probe path is answered by nginx itself, outside the ACL
        String health = location(conf, "location = /.dms/healthz {");
        assertTrue(health.contains("return 200"), health);
        assertFalse(health.contains("deny"), health);
    }

    @Test
    void eachEntryIsAllowedNormalizedAndSortedBeforeTheDenyAndRequestsGoToTheTrackingServer() {
        String conf = NginxConfig.render(POD, List.of("10.1.2.3", "192.168.7.9/24", "10.0.0.0/8"),
                "dms-mlflow-abc-a.dms-mlflow-instances.svc.cluster.local", 5000);
        String root = location(conf, "location / {");
        int a = root.indexOf("allow 10.0.0.0/8;");
        int b = root.indexOf("allow 10.1.2.3/32;");
        int c = root.indexOf("allow 192.168.7.0/24;");
        int deny = root.indexOf("deny all;");
        assertTrue(a > 0 && a < b && b < c && c < deny, root);
        assertTrue(conf.contains("server dms-mlflow-abc-a.dms-mlflow-instances.svc.cluster.local:5000;"), conf);
        assertTrue(root.contains("proxy_pass http://tracking_server;"), root);
        assertTrue(root.contains("proxy_read_timeout 60s;"), root);
        assertFalse(conf.contains("Authorization"), "the client's Authorization header goes on untouched");
        assertTrue(conf.contains("listen 8080;") && conf.contains("pid /tmp/nginx.pid;") && conf.contains("proxy_temp_path /tmp/proxy;"), conf);
        assertTrue(conf.contains("client_max_body_size 1g;"), conf);
    }

    @Test
    void nothingButDataReachesTheText() {
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(POD, List.of("10.0.0.0/8; allow all"), null, null));
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(POD, List.of(), "evil;} server {", 5000));
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(POD, List.of(), "ok.example", 0));
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(POD, List.of(), "ok.example", null));
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(
                new NginxConfig.Settings("8080; include /etc/passwd", "/tmp", "auto", "1g", Duration.ofSeconds(1), Duration.ofSeconds(1)),
                List.of(), null, null));
        assertThrows(IllegalArgumentException.class, () -> NginxConfig.render(
                new NginxConfig.Settings("8080", "/tmp", "auto", "1g;", Duration.ofSeconds(1), Duration.ofSeconds(1)), List.of(), null, null));
    }

    @Test
    void theSameStateGivesTheSameTextWhateverTheOrder() {
        assertEquals(NginxConfig.render(POD, List.of("10.0.0.1", "10.0.0.2"), "h", 1),
                NginxConfig.render(POD, List.of("10.0.0.2/32", "10.0.0.1"), "h", 1));
    }

    /** The block that starts with {@code opening}, up to its closing brace. */
    static String location(String conf, String opening) {
        int start = conf.indexOf(opening);
        assertTrue(start >= 0, "no " + opening + " in\n" + conf);
        return conf.substring(start, conf.indexOf('}', start) + 1);
    }
}
