package dev.dmsmlflow.instance.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for network-service's {@code POST /networks/validate} with a tiny real HTTP server: like network-service it
 * refuses a call without a bearer token (401), knows a few bad resources (unknown VPC, same-zone vSwitch, managed
 * security group) and answers 400 problem+json naming the field for them, 200 for anything else. It remembers the
 * Authorization header of the last call, so tests can see which token instance-service forwarded.
 */
public class NetworkServiceStandIn implements QuarkusTestResourceLifecycleManager {

    public static final String UNKNOWN_VPC = "vpc-unknown";
    public static final String SAME_ZONE_VSWITCH = "vsw-same-zone";
    public static final String MANAGED_SECURITY_GROUP = "sg-managed";
    public static final AtomicInteger CALLS = new AtomicInteger();
    /** Whether the stand-in's load balancers check MLflow tokens (network-service's local provider does, aliyun's not). */
    public static final java.util.concurrent.atomic.AtomicBoolean TOKEN_MODE_OFFERED = new java.util.concurrent.atomic.AtomicBoolean(true);
    /** The Authorization header of the last call (null when it had none). */
    public static final AtomicReference<String> LAST_AUTHORIZATION = new AtomicReference<>();

    private static HttpServer server;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/networks/validate", exchange -> {
                CALLS.incrementAndGet();
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                LAST_AUTHORIZATION.set(authorization);
                if (authorization == null || !authorization.startsWith("Bearer ")) {
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"dms\"");
                    exchange.sendResponseHeaders(401, -1);
                    exchange.close();
                    return;
                }
                JsonNode body = MAPPER.readTree(exchange.getRequestBody());
                String answer = null;
                if (UNKNOWN_VPC.equals(body.path("vpcId").asText())) {
                    answer = problem("vpcId", "VPC_NOT_FOUND", "VPC vpc-unknown does not exist.");
                } else if (SAME_ZONE_VSWITCH.equals(body.path("secondaryVSwitchId").asText())) {
                    answer = problem("secondaryVSwitchId", "VSWITCHES_IN_SAME_ZONE", "The two vSwitches are in the same zone.");
                } else if (MANAGED_SECURITY_GROUP.equals(body.path("securityGroupId").asText())) {
                    answer = problem("securityGroupId", "SECURITY_GROUP_NOT_BASIC", "Managed security groups are not supported.");
                }
                byte[] bytes = (answer == null ? "{\"valid\":true}" : answer).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", answer == null ? "application/json" : "application/problem+json");
                exchange.sendResponseHeaders(answer == null ? 200 : 400, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.createContext("/networks/auth-modes", exchange -> {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                if (authorization == null || !authorization.startsWith("Bearer ")) {
                    exchange.sendResponseHeaders(401, -1);
                    exchange.close();
                    return;
                }
                byte[] bytes = (TOKEN_MODE_OFFERED.get() ? "{\"authModes\":[\"network\",\"token\"]}"
                        : "{\"authModes\":[\"network\"]}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
        }
        return Map.of("dms.network.validation-url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static String problem(String field, String code, String detail) {
        return "{\"type\":\"https://dms-mlflow.dev/problems/invalid-field\",\"title\":\"Invalid request field\",\"status\":400,"
                + "\"detail\":\"" + detail + "\",\"field\":\"" + field + "\",\"code\":\"" + code + "\"}";
    }

    @Override
    public void stop() {
        // shared by every Quarkus app of this JVM; goes with the JVM
    }
}
