package dev.dmsmlflow.tracking.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.DataFetcherResult;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.language.StringValue;
import graphql.language.IntValue;
import graphql.schema.Coercing;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /graphql}: the queries and mutations the MLflow web UI sends (run page, experiment header, runs
 * table, metric charts). Each root field is the REST endpoint of the same name called in-process
 * ({@link Routes#invoke}), so validation, limits and errors are the REST API's; an endpoint's error
 * becomes a GraphQL error with a null field, and the answer is {@code {"data": ..., "errors": [messages]}}
 * as upstream answers it.
 */
@ApplicationScoped
public class GraphqlRoutes implements RouteProvider {
    private static final Logger LOG = Logger.getLogger(GraphqlRoutes.class);
    static final int MAX_DEPTH = 10;
    static final int MAX_SELECTIONS = 1000;
    static final int MAX_ROOT_FIELDS = 10;
    static final int MAX_BODY = 1024 * 1024;
    private static final String API = "/api/2.0/mlflow/";
    private static final String REQUEST_KEY = "dms.graphql.request";

    private Routes routes;
    private GraphQL graphql;

    @Override
    public void register(Routes r) {
        this.routes = r;
        this.graphql = GraphQL.newGraphQL(schema())
                .instrumentation(new ChainedInstrumentation(List.of(new MaxQueryDepthInstrumentation(MAX_DEPTH),
                        new graphql.analysis.MaxQueryComplexityInstrumentation(MAX_SELECTIONS))))
                .build();
        BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
        r.router().post("/graphql").handler(body).blockingHandler(this::handle, false);
        r.router().get("/graphql").blockingHandler(this::handle, false);
    }

    private void handle(RoutingContext ctx) {
        String query;
        Map<String, Object> variables = Map.of();
        String operationName;
        try {
            if (ctx.request().method() == HttpMethod.GET) {
                query = ctx.queryParams().get("query");
                operationName = ctx.queryParams().get("operationName");
                String vars = ctx.queryParams().get("variables");
                if (vars != null && !vars.isBlank()) {
                    variables = toMap(Json.MAPPER.readTree(vars));
                }
            } else {
                JsonNode body = ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0
                        ? null : Json.MAPPER.readTree(ctx.body().buffer().getBytes());
                if (body == null || !body.isObject()) {
                    throw MlflowException.invalidParameter("The request body must be a JSON object with a 'query'.");
                }
                query = body.path("query").isTextual() ? body.get("query").asText() : null;
                operationName = body.path("operationName").isTextual() ? body.get("operationName").asText() : null;
                if (body.path("variables").isObject()) {
                    variables = toMap(body.get("variables"));
                }
            }
            if (query == null || query.isBlank()) {
                throw MlflowException.invalidParameter("Missing value for required parameter 'query'.");
            }
        } catch (MlflowException e) {
            Routes.sendError(ctx, e);
            return;
        } catch (IOException e) {
            Routes.sendError(ctx, MlflowException.invalidParameter("Malformed JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : "unreadable body")));
            return;
        }
        ExecutionInput.Builder in = ExecutionInput.newExecutionInput().query(query).variables(variables)
                .graphQLContext(Map.of(REQUEST_KEY, ctx));
        if (operationName != null && !operationName.isBlank()) {
            in.operationName(operationName);
        }
        ExecutionResult result;
        try {
            result = graphql.execute(in.build());
        } catch (RuntimeException e) {
            LOG.errorf(e, "GraphQL execution failed");
            result = ExecutionResult.newExecutionResult()
                    .addError(GraphqlErrorBuilder.newError().message("Internal error").build()).build();
        }
        ExecutionResult r = result;
        Routes.send(ctx, 200, g -> {
            g.writeStartObject();
            g.writeFieldName("data");
            Json.MAPPER.writeValue(g, r.isDataPresent() ? r.getData() : null);
            g.writeFieldName("errors");
            if (r.getErrors().isEmpty()) {
                g.writeNull();
            } else {
                g.writeStartArray();
                for (GraphQLError e : r.getErrors()) {
                    g.writeString(e.getMessage());
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    private GraphQLSchema schema() {
        String sdl;
        try (InputStream in = GraphqlRoutes.class.getResourceAsStream("/graphql/mlflow.graphqls")) {
            sdl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("graphql/mlflow.graphqls is missing", e);
        }
        DataFetcher<Object> finiteFloat = env -> {
            Object v = env.getSource() instanceof Map<?, ?> m ? m.get(env.getField().getName()) : null;
            if (v instanceof Number n) {
                double d = n.doubleValue();
                return Double.isFinite(d) ? d : null; // NaN and infinities are not GraphQL Floats
            }
            return null; // "NaN", "Infinity" as protobuf-JSON strings
        };
        RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
                .scalar(LONG_STRING)
                .type("Query", t -> t
                        .dataFetcher("mlflowGetExperiment", env -> call(env, HttpMethod.GET, "experiments/get"))
                        .dataFetcher("mlflowGetRun", env -> call(env, HttpMethod.GET, "runs/get"))
                        .dataFetcher("mlflowSearchRuns", env -> call(env, HttpMethod.POST, "runs/search"))
                        .dataFetcher("mlflowGetMetricHistoryBulkInterval",
                                env -> call(env, HttpMethod.GET, "metrics/get-history-bulk-interval"))
                        .dataFetcher("mlflowListArtifacts", env -> call(env, HttpMethod.GET, "artifacts/list"))
                        .dataFetcher("mlflowSearchModelVersions", env -> call(env, HttpMethod.GET, "model-versions/search"))
                        .dataFetcher("test", env -> Map.of("output", String.valueOf(env.<String>getArgument("inputString")))))
                .type("Mutation", t -> t
                        .dataFetcher("mlflowSearchRuns", env -> call(env, HttpMethod.POST, "runs/search"))
                        .dataFetcher("mlflowSearchDatasets", env -> call(env, HttpMethod.POST, "experiments/search-datasets"))
                        .dataFetcher("testMutation", env -> Map.of("output", String.valueOf(env.<String>getArgument("inputString")))))
                .type("MlflowRunExtension", t -> t
                        .dataFetcher("experiment", this::runExperiment)
                        .dataFetcher("modelVersions", this::runModelVersions))
                .type("MlflowMetricExtension", t -> t.dataFetcher("value", finiteFloat))
                .type("MlflowMetricWithRunId", t -> t.dataFetcher("value", finiteFloat))
                .type("MlflowModelMetric", t -> t.dataFetcher("value", finiteFloat))
                .build();
        return new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(sdl), wiring);
    }

    /** Calls the REST endpoint with the field's {@code input} (camelCase keys turned snake_case). */
    private Object call(DataFetchingEnvironment env, HttpMethod method, String path) {
        // like upstream: a bounded number of root fields (aliases included), so one request is a few REST calls
        long roots = env.getOperationDefinition().getSelectionSet().getSelections().size();
        if (roots > MAX_ROOT_FIELDS) {
            return error(env, "GraphQL queries should have at most " + MAX_ROOT_FIELDS + " root fields, got " + roots + " root fields.");
        }
        Object input = env.getArgument("input");
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (input instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getValue() != null) {
                    body.set(snake(String.valueOf(e.getKey())), Json.MAPPER.valueToTree(e.getValue()));
                }
            }
        }
        return invoke(env, method, path, body);
    }

    private Object invoke(DataFetchingEnvironment env, HttpMethod method, String path, ObjectNode body) {
        RoutingContext ctx = env.getGraphQlContext().get(REQUEST_KEY);
        try {
            return toMap(routes.invoke(method, API + path, Fields.ofJson(body), ctx));
        } catch (MlflowException e) {
            return error(env, e.getMessage());
        }
    }

    private static DataFetcherResult<Object> error(DataFetchingEnvironment env, String message) {
        return DataFetcherResult.newResult().error(GraphqlErrorBuilder.newError(env).message(message).build()).build();
    }

    @SuppressWarnings("unchecked")
    private Object runExperiment(DataFetchingEnvironment env) {
        Map<String, Object> run = env.getSource();
        Object info = run == null ? null : run.get("info");
        Object id = info instanceof Map<?, ?> m ? m.get("experimentId") : null;
        if (id == null) {
            return null;
        }
        // one lookup per experiment per request (a runs table lists many runs of one experiment)
        Map<String, Object> cache = env.getGraphQlContext().computeIfAbsent("dms.experiments", k -> new java.util.concurrent.ConcurrentHashMap<>());
        Object hit = cache.get(id.toString());
        if (hit != null) {
            return hit;
        }
        Object res = invoke(env, HttpMethod.GET, "experiments/get",
                Json.MAPPER.createObjectNode().put("experiment_id", id.toString()));
        if (res instanceof Map<?, ?> m) {
            Object exp = m.get("experiment");
            if (exp != null) {
                cache.put(id.toString(), exp);
            }
            return exp;
        }
        return res;
    }

    private Object runModelVersions(DataFetchingEnvironment env) {
        Map<String, Object> run = env.getSource();
        Object info = run == null ? null : run.get("info");
        Object id = info instanceof Map<?, ?> m ? m.get("runId") : null;
        if (id == null) {
            return null;
        }
        Object res = invoke(env, HttpMethod.GET, "model-versions/search",
                Json.MAPPER.createObjectNode().put("filter", "run_id = '" + id.toString().replace("'", "") + "'"));
        return res instanceof Map<?, ?> m ? m.get("modelVersions") : res;
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String camel(String snake) {
        StringBuilder sb = new StringBuilder(snake.length());
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    /** A JSON response as maps with camelCase keys, lists and plain values (what the default fetchers read). */
    static Map<String, Object> toMap(JsonNode node) {
        Object v = plain(node, false);
        if (v instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) v;
            return m;
        }
        return new LinkedHashMap<>();
    }

    private static Object plain(JsonNode n, boolean keepKeys) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(keepKeys ? e.getKey() : camel(e.getKey()), plain(e.getValue(), keepKeys));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            for (JsonNode x : (ArrayNode) n) {
                l.add(plain(x, keepKeys));
            }
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.longValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        return n.asText();
    }

    /** int64 as a decimal string (JavaScript numbers lose precision above 2^53); accepted as number or string. */
    static final GraphQLScalarType LONG_STRING = GraphQLScalarType.newScalar().name("LongString")
            .description("Long converted to string to prevent truncation to max integer in JavaScript")
            .coercing(new Coercing<Object, String>() {
                @Override
                public String serialize(Object v) {
                    return String.valueOf(v);
                }

                @Override
                public Object parseValue(Object v) {
                    try {
                        return Long.parseLong(String.valueOf(v).trim());
                    } catch (NumberFormatException e) {
                        throw new graphql.schema.CoercingParseValueException("Expected an integer, got " + v);
                    }
                }

                @Override
                public Object parseLiteral(Object v) {
                    if (v instanceof IntValue i) {
                        return i.getValue().longValue();
                    }
                    if (v instanceof StringValue s) {
                        return parseValue(s.getValue());
                    }
                    throw new graphql.schema.CoercingParseLiteralException("Expected an integer");
                }
            }).build();

}
