import dev.dmsmlflow.infra.LocalPostgres;

import java.nio.file.Path;

/**
 * Starts one durable PostgreSQL for the tracking benchmark and creates the given databases, prints the
 * durability settings read back from the server ({@code SETTINGS ...}) and {@code READY <port>}, then runs until killed or until stdin closes.
 * Run as a single-file program: {@code java -cp LOCAL_INFRA_CLASSPATH BenchPostgres.java DIR PORT DB...}.
 */
public class BenchPostgres {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        LocalPostgres pg = LocalPostgres.start(dir, port, false);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "bench-pg-stop"));
        for (int i = 2; i < args.length; i++) {
            pg.dropDatabase(args[i]);
            pg.createDatabase(args[i]);
        }
        System.out.println("SETTINGS " + pg.durability());
        System.out.println("READY " + pg.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        System.exit(0);
    }
}
