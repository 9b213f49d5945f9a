package dev.dmsmlflow.instance.provider.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dmsmlflow.platform.problem.ProblemException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The dry-run against network-service's replicas: real local HTTP servers, one of them down where a test says so. */
class HttpNetworkValidationTest {

    private static final NetworkValidation.NetworkRequest REQUEST =
            new NetworkValidation.NetworkRequest("vpc-local", "vsw-local-a", "vsw-local-b", "sg-local-basic");
    private final List<HttpServer> servers = new ArrayList<>();

    /** A network-service stand-in answering every call with {@code status} and {@code body}; counts the calls. */
    private record Replica(String url, AtomicInteger calls) {
    }

    private Replica replica(int status, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger calls = new AtomicInteger();
        server.createContext("/networks/", exchange -> {
            calls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", status < 300 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return new Replica("http://127.0.0.1:" + server.getAddress().getPort(), calls);
    }

    /** The URL of a port nothing listens on: a connection there is refused. */
    private static String down() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static HttpNetworkValidation validation(String urls) {
        return new HttpNetworkValidation(urls, Duration.ofSeconds(5), new ObjectMapper());
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void callsTakeTheReplicasInTurn() throws IOException {
        Replica a = replica(200, "{\"valid\":true}");
        Replica b = replica(200, "{\"valid\":true}");
        HttpNetworkValidation v = validation(a.url() + ", " + b.url() + "/");
        for (int i = 0; i < 4; i++) {
            v.validate(REQUEST, "token");
        }
        assertEquals(2, a.calls().get());
        assertEquals(2, b.calls().get());
    }

    @Test
    void aReplicaThatRefusesConnectionsIsSkippedForTheNextOne() throws IOException {
        Replica up = replica(200, "{\"authModes\":[\"network\",\"token\"]}");
        HttpNetworkValidation v = validation(down() + "," + up.url());
        // whichever replica is first in turn, every call is answered by the one that runs
        for (int i = 0; i < 4; i++) {
            v.validate(REQUEST, "token");
            v.requireAuthMode("token", "token");
        }
        assertEquals(8, up.calls().get());
    }

    @Test
    void aReplicaThatWasReachedAnswersEvenWhenItFails() throws IOException {
        Replica failing = replica(500, "");
        Replica other = replica(200, "{\"valid\":true}");
        HttpNetworkValidation v = validation(failing.url() + "," + other.url());
        ProblemException first = assertThrows(ProblemException.class, () -> v.validate(REQUEST, "token"));
        assertEquals(503, first.problem().status());
        // the request reached a replica: it is not sent again to the other one
        assertEquals(1, failing.calls().get());
        assertEquals(0, other.calls().get());
    }

    @Test
    void aRefusalNamingAFieldIsTheCallersFourHundredFromAnyReplica() throws IOException {
        Replica a = replica(400, "{\"status\":400,\"field\":\"secondaryVSwitchId\",\"code\":\"VSWITCHES_IN_SAME_ZONE\","
                + "\"detail\":\"The two vSwitches are in the same zone.\"}");
        HttpNetworkValidation v = validation(down() + "," + a.url());
        ProblemException e = assertThrows(ProblemException.class, () -> v.validate(REQUEST, "token"));
        assertEquals(400, e.problem().status());
        assertEquals("secondaryVSwitchId", e.problem().field());
    }

    @Test
    void noReplicaReachableIsAServiceUnavailable() throws IOException {
        HttpNetworkValidation v = validation(down() + "," + down());
        ProblemException e = assertThrows(ProblemException.class, () -> v.validate(REQUEST, "token"));
        assertEquals(503, e.problem().status());
        assertEquals(503, assertThrows(ProblemException.class, () -> v.requireAuthMode("token", "token")).problem().status());
    }

    @Test
    void anEmptySettingIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> validation(" , "));
    }
}
