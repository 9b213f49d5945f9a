package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.gateway.application.Blocking;
import dev.dmsmlflow.gateway.application.Idempotency;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Applies {@link Idempotency} to a POST: claim the key, run the call, keep its answer (4xx included; a 5xx or a failure
 * releases the key so the request can be retried), or replay the first answer with {@code Idempotent-Replayed: true}.
 */
@ApplicationScoped
public class IdempotentCalls {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    static final String DESCRIPTION = "Makes a retry safe: the same key with the same request returns the first answer"
            + " (Idempotent-Replayed: true); with another request it is 409.";

    private final Idempotency idempotency;
    private final ObjectMapper mapper;
    private final Blocking blocking;

    IdempotentCalls(Idempotency idempotency, ObjectMapper mapper, Blocking blocking) {
        this.idempotency = idempotency;
        this.mapper = mapper;
        this.blocking = blocking;
    }

    /** For resources running on a worker thread. */
    public Response run(Caller caller, String key, String path, Object body, Supplier<Response> action) {
        Idempotency.checkKey(key);
        if (key == null) {
            return action.get();
        }
        Idempotency.Start start = idempotency.begin(caller.memberId(), key, fingerprint(path, body));
        if (!start.proceed()) {
            return replay(start.replay());
        }
        Response response;
        try {
            response = action.get();
        } catch (ProblemException e) {
            settle(caller, key, e.problem());
            throw e;
        } catch (RuntimeException e) {
            idempotency.abandon(caller.memberId(), key);
            throw e;
        }
        settle(caller, key, response);
        return response;
    }

    /** For non-blocking resources (forwarding): the database work runs on the worker pool. */
    public Uni<Response> runAsync(Caller caller, String key, String path, Object body, Supplier<Uni<Response>> action) {
        Idempotency.checkKey(key);
        if (key == null) {
            return action.get();
        }
        String fingerprint = fingerprint(path, body);
        return blocking.call(() -> idempotency.begin(caller.memberId(), key, fingerprint)).flatMap(start -> {
            if (!start.proceed()) {
                return Uni.createFrom().item(replay(start.replay()));
            }
            return action.get().onItemOrFailure().<Response>transformToUni((response, failure) -> {
                if (failure != null) {
                    return blocking.run(() -> {
                        if (failure instanceof ProblemException p) {
                            settle(caller, key, p.problem());
                        } else {
                            idempotency.abandon(caller.memberId(), key);
                        }
                    }).flatMap(v -> Uni.createFrom().<Response>failure(failure));
                }
                return blocking.run(() -> settle(caller, key, response)).replaceWith(response);
            });
        });
    }

    /** The key instance-service receives: derived per member, so two members' equal keys never meet there. */
    public static String downstreamKey(Caller caller, String key) {
        if (key == null) {
            return null;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((caller.memberId() + '\n' + key).getBytes(StandardCharsets.UTF_8));
            return "gw-" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void settle(Caller caller, String key, Problem problem) {
        if (problem.status() >= 500) {
            idempotency.abandon(caller.memberId(), key);
        } else {
            idempotency.complete(caller.memberId(), key, new Idempotency.Answer(problem.status(), Problem.MEDIA_TYPE, null, json(problem)));
        }
    }

    private void settle(Caller caller, String key, Response response) {
        if (response.getStatus() >= 500) {
            idempotency.abandon(caller.memberId(), key);
            return;
        }
        Object entity = response.getEntity();
        byte[] body;
        if (entity == null) {
            body = null;
        } else if (entity instanceof byte[] bytes) {
            body = bytes;
        } else if (entity instanceof Replayable r) {
            body = json(r.forReplay());
        } else {
            body = json(entity);
        }
        MediaType type = response.getMediaType();
        String location = response.getHeaderString("Location");
        idempotency.complete(caller.memberId(), key, new Idempotency.Answer(response.getStatus(),
                type == null ? (body == null ? null : MediaType.APPLICATION_JSON) : type.toString(), location, body));
    }

    private static Response replay(Idempotency.Answer a) {
        Response.ResponseBuilder b = Response.status(a.status()).header(REPLAYED, "true");
        if (a.body() != null) {
            b.entity(a.body()).type(a.contentType());
        }
        if (a.location() != null) {
            b.header("Location", a.location());
        }
        return b.build();
    }

    private String fingerprint(String path, Object body) {
        return Idempotency.fingerprint("POST", path, body == null ? null : new String(json(body), StandardCharsets.UTF_8));
    }

    private byte[] json(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
