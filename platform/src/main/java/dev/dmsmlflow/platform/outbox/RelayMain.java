package dev.dmsmlflow.platform.outbox;

import java.time.Duration;

/**
 * Runs one relay in its own JVM until killed: {@code RelayMain <slot> <jdbcUrl> <user> <password> <bootstrap>}.
 * Used to prove that an abruptly killed relay loses nothing.
 */
public final class RelayMain {

    private RelayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: RelayMain <slot> <jdbcUrl> <user> <password> <bootstrapServers>");
            System.exit(2);
        }
        RelaySettings settings = RelaySettings.forJdbcUrl(args[0], args[1], args[2], args[3], args[4]);
        OutboxRelay relay = new OutboxRelay(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close));
        relay.start();
        relay.awaitStreaming(Duration.ofSeconds(60));
        System.out.println("RELAY STREAMING " + settings.slotName());
        System.out.flush();
        Thread.currentThread().join();
    }
}
