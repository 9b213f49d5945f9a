package dev.dmsmlflow.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs PostgreSQL and Kafka for {@code ./dms up} with their data under one directory, kept across restarts:
 * {@code LocalInfraMain --dir .dms --pg-port 15432 --kafka-port 19092 --controller-port 19093 --databases a,b}
 * ({@code --no-kafka true} runs PostgreSQL alone, as {@code ./dms tracking-server} does).
 * With Kafka (the whole stack) it also creates the gateway's service-token key pair under {@code DIR/keys} if absent.
 * Prints {@code READY} once both answer; stops both cleanly on SIGTERM or Ctrl-C.
 */
public final class LocalInfraMain {

    private LocalInfraMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(".dms");
        int pgPort = 15432;
        int kafkaPort = 19092;
        int controllerPort = 19093;
        List<String> databases = new ArrayList<>();
        boolean withKafka = true;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--pg-port" -> pgPort = Integer.parseInt(args[i + 1]);
                case "--kafka-port" -> kafkaPort = Integer.parseInt(args[i + 1]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[i + 1]);
                case "--databases" -> databases.addAll(List.of(args[i + 1].split(",")));
                case "--no-kafka" -> withKafka = !Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long started = System.nanoTime();
        // the gateway's service-token key pair, created once and kept (docs/identity.md)
        ServiceKeys keys = withKafka ? ServiceKeys.inDirectory(dir.resolve("keys")) : null;
        LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), pgPort, false);
        for (String db : databases) {
            if (!db.isBlank()) {
                pg.createDatabase(db.trim());
            }
        }
        System.out.printf("postgres  127.0.0.1:%d  (user postgres, data %s, %s)%n", pg.port(), dir.resolve("postgres"), pg.durability());
        if (keys != null) {
            System.out.printf("keys      %s (public) %s (private, owner only)%n", keys.publicKeyFile(), keys.signingKeyFile());
        }
        LocalKafka kafka = withKafka ? LocalKafka.at(dir.resolve("kafka"), kafkaPort, controllerPort) : null;
        if (kafka != null) {
            kafka.start();
            System.out.printf("kafka     %s  (data %s)%n", kafka.bootstrapServers(), dir.resolve("kafka"));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (kafka != null) {
                kafka.stop();
            }
            pg.close();
            stopped.countDown();
        }, "local-infra-stop"));
        System.out.printf("READY in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        System.out.flush();
        stopped.await();
    }
}
