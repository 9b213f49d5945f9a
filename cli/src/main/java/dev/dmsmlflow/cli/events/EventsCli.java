package dev.dmsmlflow.cli.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dms events}: the operator's view of the bus. {@code dms events dead-letters list|replay} reads the dead-letter
 * topics and replays dead letters with the Kafka super user's login, taken from the environment ({@code DMS_KAFKA_BOOTSTRAP},
 * {@code DMS_KAFKA_USER}, {@code DMS_KAFKA_PASSWORD}; the {@code ./dms} script passes the one {@code ./dms up} generated).
 */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Operator commands on the event bus (Kafka).",
        subcommands = {EventsCli.DeadLettersCommand.class, CommandLine.HelpCommand.class})
public final class EventsCli {

    /** Runs the command line and returns its exit code. */
    public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new EventsCli(), new Factory(env, out));
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            err.println("dms events: " + e.getMessage());
            return e instanceof IllegalArgumentException ? 2 : 1; // 2: a usage error, as picocli's own
        });
        return cli.execute(args);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(System.getenv(), out, err, args));
    }

    /** The Kafka client settings of the operator's login, from the environment. */
    static Map<String, Object> kafka(Map<String, String> env) {
        String password = env.get("DMS_KAFKA_PASSWORD");
        if (password == null || password.isBlank()) {
            throw new IllegalArgumentException("DMS_KAFKA_PASSWORD is not set (./dms passes the password of .dms/secrets/kafka-admin)");
        }
        String user = env.getOrDefault("DMS_KAFKA_USER", "admin");
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", env.getOrDefault("DMS_KAFKA_BOOTSTRAP", "127.0.0.1:19092"));
        p.put("security.protocol", env.getOrDefault("DMS_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"));
        p.put("sasl.mechanism", env.getOrDefault("DMS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"));
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        p.put("client.id", "dms-events-cli");
        return p;
    }

    /** Gives commands the environment and the output. */
    private record Factory(Map<String, String> env, PrintWriter out) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == DeadLettersCommand.List.class) {
                return cls.cast(new DeadLettersCommand.List(env, out));
            }
            if (cls == DeadLettersCommand.Replay.class) {
                return cls.cast(new DeadLettersCommand.Replay(env, out));
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** {@code dms events dead-letters}. */
    @Command(name = "dead-letters", mixinStandardHelpOptions = true,
            description = "Records consumers could not handle: list them (reason, original coordinates, type, id), replay them.",
            subcommands = {DeadLettersCommand.List.class, DeadLettersCommand.Replay.class})
    static final class DeadLettersCommand {

        @Command(name = "list", mixinStandardHelpOptions = true, description = "Every dead letter, oldest first per topic.")
        static final class List implements Callable<Integer> {
            private final Map<String, String> env;
            private final PrintWriter out;

            @Option(names = "--topic", description = "a dead-letter topic (dms.dlq.<service>) or an original topic (dms.instance...)")
            String topic;

            @Option(names = {"-o", "--output"}, description = "table (default) or json", defaultValue = "table")
            String output;

            List(Map<String, String> env, PrintWriter out) {
                this.env = env;
                this.out = out;
            }

            @Override
            public Integer call() {
                try (DeadLetterStore store = new DeadLetterStore(kafka(env))) {
                    java.util.List<DeadLetter> letters = store.list(topic);
                    if ("json".equals(output)) {
                        ObjectMapper json = new ObjectMapper();
                        ArrayNode array = json.createArrayNode();
                        for (DeadLetter d : letters) {
                            ObjectNode o = array.addObject();
                            o.put("id", d.id()).put("type", d.type()).put("kind", d.kind()).put("reason", d.reason())
                                    .put("original", d.original()).put("key", d.keyText()).put("deadLetter", d.coordinates())
                                    .put("consumer", d.header(dev.dmsmlflow.contracts.DeadLetters.CONSUMER))
                                    .put("at", d.header(dev.dmsmlflow.contracts.DeadLetters.DEAD_AT));
                        }
                        out.println(array.toPrettyString());
                    } else {
                        out.printf("%-38s %-26s %-13s %-24s %-38s %s%n", "ID", "TYPE", "KIND", "ORIGINAL", "KEY", "REASON");
                        for (DeadLetter d : letters) {
                            out.printf("%-38s %-26s %-13s %-24s %-38s %s%n", d.id(), d.type(), d.kind(), d.original(),
                                    d.keyText(), d.reason());
                        }
                        out.printf("%d dead letter(s)%n", letters.size());
                    }
                }
                return 0;
            }
        }

        @Command(name = "replay", mixinStandardHelpOptions = true,
                description = "Publishes dead letters' original records to their original topics (a replay of an event "
                        + "that was handled after all changes nothing: the consumer's inbox knows its id).")
        static final class Replay implements Callable<Integer> {
            private final Map<String, String> env;
            private final PrintWriter out;

            @Option(names = "--topic", description = "only dead letters of this dead-letter topic or original topic")
            String topic;

            @Option(names = "--id", description = "the dead letter's event id (ce_id) or coordinates (dms.dlq.<service>/<partition>/<offset>)")
            String id;

            @Option(names = "--all", description = "every dead letter (of --topic)")
            boolean all;

            Replay(Map<String, String> env, PrintWriter out) {
                this.env = env;
                this.out = out;
            }

            @Override
            public Integer call() throws Exception {
                if ((id == null) == !all) {
                    throw new IllegalArgumentException("replay needs exactly one of --id ID and --all");
                }
                try (DeadLetterStore store = new DeadLetterStore(kafka(env))) {
                    java.util.List<DeadLetter> letters = store.list(topic).stream().filter(d -> all || d.matches(id)).toList();
                    if (letters.isEmpty()) {
                        out.println(all ? "no dead letters" : "no dead letter " + id);
                        return all ? 0 : 2;
                    }
                    for (DeadLetter d : letters) {
                        RecordMetadata m = store.replay(d);
                        out.printf("replayed %s (%s, from %s) to %s/%d/%d%n", d.id(), d.type(), d.coordinates(), m.topic(),
                                m.partition(), m.offset());
                    }
                }
                return 0;
            }
        }
    }
}
