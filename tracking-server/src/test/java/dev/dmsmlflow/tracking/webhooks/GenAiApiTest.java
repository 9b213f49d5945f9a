package dev.dmsmlflow.tracking.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assessments, evaluation datasets, scorers and webhooks over HTTP: signed deliveries and bad input answered 4xx. */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class GenAiApiTest {
    @TestHTTPResource("/")
    URL root;
    Api api;
    String experiment;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
        experiment = api.post("experiments/create", obj("name", "genai-" + UUID.randomUUID())).json().get("experiment_id").asText();
    }

    private Resp v3(String method, String path, Object body) {
        return api.send(method, "/api/3.0/mlflow/" + path, body == null ? null : body.toString(),
                body == null ? null : "application/json");
    }

    private static void assertError(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.errorCode(), r.toString());
    }

    private String trace() {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        Resp r = v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", id, "trace_location",
                obj("mlflow_experiment", obj("experiment_id", experiment)), "request_time", "2024-01-01T00:00:00Z", "state", "OK"))));
        assertEquals(200, r.status(), r.toString());
        return id;
    }

    @Test
    void assessmentsValidateAndAnswerNotFound() {
        String t = trace();
        Resp ok = v3("POST", "traces/" + t + "/assessments", obj("assessment", obj("assessment_name", "q",
                "source", obj("source_type", "HUMAN", "source_id", "me"), "feedback", obj("value", true))));
        assertEquals(200, ok.status(), ok.toString());
        String aid = ok.json().get("assessment").get("assessment_id").asText();
        assertTrue(aid.startsWith("a-"));
        assertError(v3("POST", "traces/tr-nope/assessments", obj("assessment", obj("assessment_name", "q",
                "feedback", obj("value", 1)))), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(v3("POST", "traces/" + t + "/assessments", obj()), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/" + t + "/assessments", obj("assessment", obj("assessment_name", "q"))), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/" + t + "/assessments", obj("assessment", obj("assessment_name", "q",
                "source", obj("source_type", "ROBOT"), "feedback", obj("value", 1)))), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("PATCH", "traces/" + t + "/assessments/" + aid, obj("assessment", obj("expectation", obj("value", 1)),
                "update_mask", "expectation")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("GET", "traces/" + t + "/assessments/a-missing", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertEquals(200, v3("DELETE", "traces/" + t + "/assessments/a-missing", null).status());
    }

    @Test
    void datasetsAnswerBadInputWith4xx() {
        assertError(v3("POST", "datasets/create", obj()), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "datasets/create", obj("name", "d", "tags", "{not json")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "datasets/create", obj("name", "d", "experiment_ids", new String[]{"424242"})), 404,
                "RESOURCE_DOES_NOT_EXIST");
        assertError(v3("GET", "datasets/d-missing", null), 404, "RESOURCE_DOES_NOT_EXIST");
        String id = v3("POST", "datasets/create", obj("name", "d", "experiment_ids", new String[]{experiment}))
                .json().get("dataset").get("dataset_id").asText();
        assertError(v3("POST", "datasets/" + id + "/records", obj("records", "{\"inputs\": 1}")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "datasets/" + id + "/records", obj("records", "[1]")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "datasets/search", obj("filter_string", "owner = 'x'")), 400, "INVALID_PARAMETER_VALUE");
        Resp up = v3("POST", "datasets/" + id + "/records", obj("records", "[{\"inputs\": {\"q\": 1}}, {\"inputs\": {\"q\": 1}}]"));
        assertEquals(1, up.json().get("inserted_count").asInt(), up.toString());
        assertEquals(1, up.json().get("updated_count").asInt(), up.toString());
        JsonNode ids = v3("GET", "datasets/" + id + "/experiment-ids", null).json().get("experiment_ids");
        assertEquals(experiment, ids.get(0).asText());
    }

    @Test
    void scorersRefuseGatewayJudgesAndUnknownNames() {
        String gateway = "{\"builtin_scorer_class\": \"Guidelines\", \"builtin_scorer_pydantic_data\": {\"model\": \"gateway:/judge\"}}";
        assertError(v3("POST", "scorers/register", obj("experiment_id", experiment, "name", "g", "serialized_scorer", gateway)),
                404, "RESOURCE_DOES_NOT_EXIST");
        assertError(v3("POST", "scorers/register", obj("experiment_id", experiment, "name", " ", "serialized_scorer", "{}")),
                400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "scorers/register", obj("experiment_id", experiment, "name", "x", "serialized_scorer", "nope")),
                400, "INVALID_PARAMETER_VALUE");
        assertError(api.send("GET", "/api/3.0/mlflow/scorers/get?experiment_id=" + experiment + "&name=none", null, null),
                404, "RESOURCE_DOES_NOT_EXIST");
        Resp ok = v3("POST", "scorers/register", obj("experiment_id", experiment, "name", "s", "serialized_scorer", "{}"));
        assertEquals(1, ok.json().get("version").asInt(), ok.toString());
        assertError(v3("PUT", "scorers/online-config", obj("experiment_id", experiment, "name", "s", "sample_rate", 0.5)),
                400, "INVALID_PARAMETER_VALUE");
    }

    @Test
    void webhookDeliveriesAreSignedAndDestinationsGuarded() throws Exception {
        LinkedBlockingQueue<Map<String, String>> got = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            got.add(Map.of("body", body, "id", ex.getRequestHeaders().getFirst("X-MLflow-Delivery-Id"),
                    "ts", ex.getRequestHeaders().getFirst("X-MLflow-Timestamp"),
                    "sig", ex.getRequestHeaders().getFirst("X-MLflow-Signature")));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
            Resp created = api.post("webhooks", obj("name", "hook-" + UUID.randomUUID().toString().substring(0, 8), "url", url,
                    "secret", "k3y", "events", new Object[]{obj("entity", "MODEL_VERSION_TAG", "action", "SET")}));
            assertEquals(200, created.status(), created.toString());
            String model = "m-" + UUID.randomUUID();
            api.post("registered-models/create", obj("name", model));
            api.post("model-versions/create", obj("name", model, "source", "mlflow-artifacts:/x"));
            api.post("model-versions/set-tag", obj("name", model, "version", "1", "key", "k", "value", "v"));
            Map<String, String> d = got.poll(15, TimeUnit.SECONDS);
            assertNotNull(d, "no delivery");
            JsonNode payload = Api.JSON.readTree(d.get("body"));
            assertEquals("model_version_tag", payload.get("entity").asText());
            assertEquals("set", payload.get("action").asText());
            assertEquals(model, payload.get("data").get("name").asText());
            assertEquals(WebhookDelivery.sign("k3y", d.get("id"), d.get("ts"), d.get("body")), d.get("sig"));

            Resp test = api.post("webhooks/" + created.json().get("webhook").get("webhook_id").asText() + "/test", obj());
            assertEquals(204, test.json().get("result").get("response_status").asInt(), test.toString());
        } finally {
            receiver.stop(0);
        }
        Object[] ev = {obj("entity", "REGISTERED_MODEL", "action", "CREATED")};
        for (String bad : new String[]{"ftp://example.com/h", "http://169.254.169.254/x", "http://100.100.100.200/x",
                "http://192.168.1.1/x", "http://[fe80::1]/x", "http:///nohost", "http://user:pw@127.0.0.1/x"}) {
            assertError(api.post("webhooks", obj("name", "bad", "url", bad, "events", ev)), 400, "INVALID_PARAMETER_VALUE");
        }
        assertError(api.post("webhooks", obj("name", "-bad-", "url", "http://127.0.0.1/x", "events", ev)), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(api.post("webhooks", obj("name", "ok", "url", "http://127.0.0.1/x",
                "events", new Object[]{obj("entity", "REGISTERED_MODEL", "action", "DELETED")})), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("webhooks", obj("name", "ok", "url", "http://127.0.0.1/x")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.get("webhooks/nope", Map.of()), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(api.get("webhooks", Map.of("max_results", "5000")), 400, "INVALID_PARAMETER_VALUE");
    }
}
