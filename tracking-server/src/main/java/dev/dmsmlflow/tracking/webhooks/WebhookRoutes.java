package dev.dmsmlflow.tracking.webhooks;

import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Webhooks API under /api/2.0/mlflow/webhooks: create, list, get, update, delete, test. */
@ApplicationScoped
public class WebhookRoutes implements RouteProvider {
    static final Pattern NAME = Pattern.compile("^(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?$", Pattern.CASE_INSENSITIVE);
    static final int MAX_DESCRIPTION = 1000;

    @Inject
    WebhookStore store;
    @Inject
    UrlGuard guard;
    @Inject
    WebhookSecrets secrets;
    @Inject
    WebhookDelivery delivery;

    @Override
    public void register(Routes r) {
        r.post("webhooks", this::create);
        r.get("webhooks", this::list);
        r.get("webhooks/:webhook_id", req -> body(store.get(req.pathParam("webhook_id"))));
        r.patch("webhooks/:webhook_id", this::update);
        r.delete("webhooks/:webhook_id", req -> {
            store.delete(req.pathParam("webhook_id"));
            return JsonBody.EMPTY;
        });
        r.post("webhooks/:webhook_id/test", this::test);
    }

    static JsonBody body(WebhookStore.Webhook w) {
        return JsonBody.field("webhook", w::write);
    }

    private static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw MlflowException.invalidParameter("Webhook name '" + name + "' is invalid. It must start and end with a "
                    + "letter or digit, be less than 63 characters long, and contain only letters, digits, dots (.), "
                    + "underscores (_), and hyphens (-).");
        }
        return name;
    }

    private static String status(String s) {
        if (s == null) {
            return null;
        }
        String u = s.toUpperCase(Locale.ROOT);
        if (!u.equals("ACTIVE") && !u.equals("DISABLED")) {
            throw MlflowException.invalidParameter("Invalid webhook status '" + s + "'. Valid values are ACTIVE, DISABLED");
        }
        return u;
    }

    private static List<WebhookEvent> events(List<Fields> items) {
        LinkedHashSet<WebhookEvent> out = new LinkedHashSet<>();
        for (Fields f : items) {
            out.add(WebhookEvent.of(f.string("entity"), f.string("action")));
        }
        return new ArrayList<>(out);
    }

    private static String description(String d) {
        if (d != null && d.length() > MAX_DESCRIPTION) {
            throw MlflowException.invalidParameter("Webhook description must be at most " + MAX_DESCRIPTION + " characters");
        }
        return d;
    }

    private JsonBody create(MlflowRequest req) {
        String name = name(req.string("name"));
        String url = req.string("url");
        guard.check(url);
        List<WebhookEvent> events = events(req.objects("events"));
        if (events.isEmpty()) {
            throw MlflowException.invalidParameter("Webhook events must be a non-empty list of webhook events.");
        }
        String status = status(req.string("status"));
        String secret = req.string("secret");
        return body(store.create(name, description(req.string("description")), url.trim(), events,
                secrets.encrypt(secret), status == null ? "ACTIVE" : status));
    }

    private JsonBody update(MlflowRequest req) {
        String id = req.pathParam("webhook_id");
        String name = req.has("name") ? name(req.string("name")) : null;
        String url = req.string("url");
        if (url != null) {
            guard.check(url);
            url = url.trim();
        }
        List<WebhookEvent> events = null;
        if (req.has("events")) {
            events = events(req.objects("events"));
            if (events.isEmpty()) {
                throw MlflowException.invalidParameter("Webhook events must be a non-empty list of webhook events.");
            }
        }
        String secret = req.string("secret");
        return body(store.update(id, name, description(req.string("description")), url, events,
                secret == null ? null : secrets.encrypt(secret), status(req.string("status"))));
    }

    private JsonBody list(MlflowRequest req) {
        long max = req.int64("max_results", 100);
        if (max == 0) {
            max = 100;
        }
        if (max < 1 || max > 1000) {
            throw MlflowException.invalidParameter("max_results must be between 1 and 1000.");
        }
        WebhookStore.Page page = store.list((int) max, req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.items().isEmpty()) {
                g.writeArrayFieldStart("webhooks");
                for (WebhookStore.Webhook w : page.items()) {
                    w.write(g);
                }
                g.writeEndArray();
            }
            if (page.nextPageToken() != null) {
                g.writeStringField("next_page_token", page.nextPageToken());
            }
            g.writeEndObject();
        };
    }

    /** Sends the event's example payload once (no retries) and reports what the receiver answered. */
    private JsonBody test(MlflowRequest req) {
        WebhookStore.Webhook w = store.get(req.pathParam("webhook_id"));
        Fields e = req.object("event");
        WebhookEvent event = e != null ? WebhookEvent.of(e.string("entity"), e.string("action"))
                : w.events().stream().findFirst()
                .orElseThrow(() -> MlflowException.invalidParameter("The webhook has no events"));
        WebhookDelivery.Result r = delivery.send(w, event, event.example(), 0);
        return g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("result");
            g.writeBooleanField("success", r.success());
            if (r.status() != null) {
                g.writeNumberField("response_status", r.status());
            }
            if (r.body() != null && !r.body().isEmpty()) {
                g.writeStringField("response_body", r.body());
            }
            if (r.error() != null) {
                g.writeStringField("error_message", r.error());
            }
            g.writeEndObject();
            g.writeEndObject();
        };
    }
}
