package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.messaging.KafkaClientProperties;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Ready while the Kafka cluster answers a metadata request within two seconds. */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

    private final KafkaClientProperties kafka;
    private final String bootstrapServers;
    private Admin admin;

    KafkaHealthCheck(KafkaClientProperties kafka) {
        this.kafka = kafka;
        this.bootstrapServers = kafka.bootstrapServers();
    }

    @Override
    public HealthCheckResponse call() {
        try {
            int nodes = admin().describeCluster().nodes().get(2, TimeUnit.SECONDS).size();
            return HealthCheckResponse.named("kafka").up()
                    .withData("bootstrap.servers", bootstrapServers).withData("user", String.valueOf(kafka.user()))
                    .withData("nodes", nodes).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("kafka").down()
                    .withData("bootstrap.servers", bootstrapServers).withData("error", String.valueOf(e)).build();
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = kafka.toMap();
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "health-check");
            admin = Admin.create(config);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
