package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.network.domain.IpBlock;
import dev.dmsmlflow.network.provider.NetworkFacts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local load balancer ({@link LocalProxy}, the very class network-service runs) alone, for bench/tracking's
 * {@code --walls} mode: no database, no Kafka, one backend. Not a test. Arguments:
 * {@code --port P --backend-port B [--secret S] [--token-hash SHA256HEX:scope]... [--max-body BYTES]}; admits 127.0.0.0/8
 * (ACL and security group, as an opened instance does); prints {@code READY <port>} and runs until stdin closes.
 */
public final class BenchProxy {

    private BenchProxy() {
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        int backendPort = -1;
        String secret = null;
        long maxBody = 1L << 30;
        Map<String, LocalProxy.Grant> grants = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--backend-port" -> backendPort = Integer.parseInt(args[++i]);
                case "--secret" -> secret = args[++i];
                case "--max-body" -> maxBody = Long.parseLong(args[++i]);
                case "--token-hash" -> {
                    String[] p = args[++i].split(":", 2);
                    grants.put(p[0], new LocalProxy.Grant("tok_bench" + grants.size(), p[1], null));
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Vertx vertx = Vertx.vertx();
        NetworkFacts.SecurityGroup sg = new NetworkFacts.SecurityGroup("sg-bench", "vpc-bench", "normal", false,
                List.of(new NetworkFacts.InboundRule("tcp", 80, 80, "127.0.0.0/8", "accept")));
        // the service's defaults: connect 5s, upstream idle 60s, a health check every 5s
        LocalProxy proxy = new LocalProxy(vertx, "alb-bench", () -> sg,
                vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(64)),
                new LocalProxy.Limits(maxBody, Duration.ofSeconds(5), Duration.ofSeconds(60)),
                new BackendHealthCheck.Settings(Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3));
        proxy.addAcl(IpBlock.parse("127.0.0.0/8"));
        proxy.backendSecret(secret);
        proxy.backend("127.0.0.1", backendPort);
        proxy.authentication(!grants.isEmpty(), grants);
        int bound = proxy.listen("127.0.0.1", port);
        System.out.println("READY " + bound);
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the benchmark closes our stdin
        }
        proxy.close();
        vertx.close();
    }
}
