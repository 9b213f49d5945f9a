package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** A tiny service used only by tests: publishes through the outbox, with and without committing. */
@Path("/test")
public class TestEventsResource {

    /** A request body with a typed field, to exercise JSON error mapping. */
    public record Order(String topic, String aggregate, int quantity) {
    }

    @Inject
    Outbox outbox;

    @POST
    @Path("/publish")
    @Transactional
    public Map<String, String> publish(Order order) {
        if (order.quantity() < 0) {
            throw ProblemException.invalidField("quantity", "quantity must not be negative");
        }
        var id = outbox.publish(order.topic(), order.aggregate(), "OrderPlaced", Map.of("quantity", order.quantity()));
        return Map.of("eventId", id.toString());
    }

    @POST
    @Path("/publish-then-fail/{topic}/{aggregate}")
    @Transactional
    public void publishThenFail(@PathParam("topic") String topic, @PathParam("aggregate") String aggregate) {
        outbox.publish(topic, aggregate, "OrderPlaced", Map.of("quantity", -1));
        throw new IllegalStateException("the caller's transaction fails after publishing");
    }
}
