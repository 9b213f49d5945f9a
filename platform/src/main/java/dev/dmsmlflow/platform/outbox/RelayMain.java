package dev.dmsmlflow.platform.outbox;

import java.time.Duration;

/**
 * Runs one relay in its own JVM until killed: {@code RelayMain <slot> <jdbcUrl> <user> <bootstrap>}, with the secrets in
 * its environment, never on its command line: {@code DMS_DB_PASSWORD}, and {@code DMS_KAFKA_USER}/{@code DMS_KAFKA_PASSWORD}
 * (SASL/SCRAM-SHA-512) when the broker wants a login. Used to prove that an abruptly killed relay loses nothing.
 */
public final class RelayMain {

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: RelayMain <slot> <jdbcUrl> <user> <bootstrapServers> (env DMS_DB_PASSWORD, DMS_KAFKA_USER, DMS_KAFKA_PASSWORD)");
            System.exit(2);
        }
        RelaySettings settings = RelaySettings.forJdbcUrl(args[0], args[1], args[2], System.getenv("DMS_DB_PASSWORD"), args[3]);
        String kafkaUser = System.getenv("DMS_KAFKA_USER");
        if (kafkaUser != null) {
            settings = settings.withClientProperties(java.util.Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + kafkaUser
                            + "\" password=\"" + System.getenv("DMS_KAFKA_PASSWORD") + "\";"));
        }
        OutboxRelay relay = new OutboxRelay(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close));
        relay.start();
        relay.awaitStreaming(Duration.ofSeconds(60));
        System.out.println("RELAY STREAMING " + settings.slotName());
        System.out.flush();
        Thread.currentThread().join();
    }
}
