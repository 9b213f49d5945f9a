package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.ServiceKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A rough, local look at the forwarding hot path (the real benchmark is bench/gateway): authenticated
 * {@code GET …/instances/{id}} through the gateway against the same call straight to the stand-in service.
 * Runs only with {@code -Ddms.perf.gateway=true}.
 */
@QuarkusTest
@TestProfile(GatewayThroughputTest.Unlimited.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
@EnabledIfSystemProperty(named = "dms.perf.gateway", matches = "true")
class GatewayThroughputTest {

    /** No rate limit in the way of the measurement. */
    public static class Unlimited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dms.gateway.rate-limit.rate", "1000000", "dms.gateway.rate-limit.burst", "1000000");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Test
    void forwardingAddsLittle() throws Exception {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("perf")).statusCode(201).extract().path("id");
        String key = Api.admin();
        URI service = URI.create(ConfigProvider.getConfig().getValue("dms.gateway.instance-service-url", String.class));
        String token = ServiceKeys.forTests().mint("perf", ws, "owner", Duration.ofMinutes(10));
        Vertx vertx = Vertx.vertx();
        try {
            int n = Integer.getInteger("dms.perf.requests", 20000);
            int concurrency = Integer.getInteger("dms.perf.concurrency", 16);
            for (int round = 0; round < 2; round++) { // the first round warms up
                Result direct = run(vertx, service.getHost(), service.getPort(), "/instances/" + id, "Bearer " + token, n, concurrency);
                Result gateway = run(vertx, root.getHost(), root.getPort(), "/api/v1/workspaces/" + ws + "/instances/" + id,
                        "Bearer " + key, n, concurrency);
                System.out.printf("perf round %d: direct %s | gateway %s | added p50 %.2f ms%n", round, direct, gateway,
                        gateway.p50 - direct.p50);
            }
        } finally {
            vertx.close();
        }
    }

    record Result(double perSecond, double p50, double p99, int errors) {
        @Override
        public String toString() {
            return String.format("%.0f req/s p50 %.2f ms p99 %.2f ms errors %d", perSecond, p50, p99, errors);
        }
    }

    private static Result run(Vertx vertx, String host, int port, String path, String authorization, int n, int concurrency)
            throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultHost(host).setDefaultPort(port),
                new PoolOptions().setHttp1MaxSize(concurrency));
        long[] latencies = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger finished = new AtomicInteger();
        long start = System.nanoTime();
        Runnable[] fire = new Runnable[1];
        fire[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= n) {
                return;
            }
            long t0 = System.nanoTime();
            client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path).putHeader("Authorization", authorization))
                    .compose(req -> req.send().compose(resp -> {
                        if (resp.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        return resp.body();
                    }))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            errors.incrementAndGet();
                        }
                        latencies[i] = System.nanoTime() - t0;
                        if (finished.incrementAndGet() == n) {
                            done.complete(null);
                        } else {
                            fire[0].run();
                        }
                    });
        };
        vertx.runOnContext(v -> {
            for (int c = 0; c < concurrency; c++) {
                fire[0].run();
            }
        });
        done.get(5, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        client.close();
        Arrays.sort(latencies);
        assertEquals(0, errors.get(), "errors");
        return new Result(n / seconds, latencies[n / 2] / 1e6, latencies[(int) (n * 0.99)] / 1e6, errors.get());
    }
}
