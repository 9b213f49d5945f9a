package dev.dmsmlflow.tracking.webhooks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Turns registry changes into webhook events as upstream names them (prompt changes become PROMPT_*
 * events) and hands them to the subscribed, active webhooks. Runs off the request thread.
 */
@ApplicationScoped
public class WebhookEvents {
    private static final Logger LOG = Logger.getLogger(WebhookEvents.class);
    static final String IS_PROMPT = "mlflow.prompt.is_prompt";
    static final String PROMPT_TYPE = "_mlflow_prompt_type";
    static final String PROMPT_TEXT = "mlflow.prompt.text";

    @Inject
    WebhookStore store;
    @Inject
    WebhookDelivery delivery;

    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "webhook-events");
        t.setDaemon(true);
        return t;
    });

    void on(@Observes RegistryChange change) {
        dispatcher.submit(() -> {
            try {
                dispatch(change);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not dispatch webhooks for %s of %s", change.kind(), change.name());
            }
        });
    }

    private void dispatch(RegistryChange ch) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode d = f.objectNode();
        d.put("name", ch.name());
        WebhookEvent ev;
        switch (ch.kind()) {
            case MODEL_CREATED -> {
                boolean prompt = ch.tags() != null && ch.tags().containsKey(IS_PROMPT);
                Map<String, String> tags = new LinkedHashMap<>(ch.tags() == null ? Map.of() : ch.tags());
                if (prompt) {
                    tags.remove(IS_PROMPT);
                    tags.remove(PROMPT_TYPE);
                }
                ObjectNode t = d.putObject("tags");
                tags.forEach(t::put);
                d.put("description", ch.description());
                ev = new WebhookEvent(prompt ? "PROMPT" : "REGISTERED_MODEL", "CREATED");
            }
            case VERSION_CREATED -> {
                boolean prompt = ch.tags() != null && ch.tags().containsKey(IS_PROMPT);
                Map<String, String> tags = new LinkedHashMap<>(ch.tags() == null ? Map.of() : ch.tags());
                d.put("version", ch.version());
                if (prompt) {
                    d.put("template", tags.remove(PROMPT_TEXT));
                    tags.remove(IS_PROMPT);
                    tags.remove(PROMPT_TYPE);
                } else {
                    d.put("source", ch.source());
                    d.put("run_id", ch.runId());
                }
                ObjectNode t = d.putObject("tags");
                tags.forEach(t::put);
                d.put("description", ch.description());
                ev = new WebhookEvent(prompt ? "PROMPT_VERSION" : "MODEL_VERSION", "CREATED");
            }
            case MODEL_TAG_SET, MODEL_TAG_DELETED -> {
                if (!store.isPrompt(ch.name())) {
                    return; // upstream announces tag changes of prompts only
                }
                d.put("key", ch.key());
                if (ch.kind() == RegistryChange.Kind.MODEL_TAG_SET) {
                    d.put("value", ch.value());
                }
                ev = new WebhookEvent("PROMPT_TAG", ch.kind() == RegistryChange.Kind.MODEL_TAG_SET ? "SET" : "DELETED");
            }
            case VERSION_TAG_SET, VERSION_TAG_DELETED -> {
                boolean prompt = store.isPrompt(ch.name());
                d.put("version", ch.version());
                d.put("key", ch.key());
                if (ch.kind() == RegistryChange.Kind.VERSION_TAG_SET) {
                    d.put("value", ch.value());
                }
                ev = new WebhookEvent(prompt ? "PROMPT_VERSION_TAG" : "MODEL_VERSION_TAG",
                        ch.kind() == RegistryChange.Kind.VERSION_TAG_SET ? "SET" : "DELETED");
            }
            default -> {
                boolean prompt = store.isPrompt(ch.name());
                d.put("alias", ch.alias());
                if (ch.kind() == RegistryChange.Kind.ALIAS_SET) {
                    d.put("version", ch.version());
                }
                ev = new WebhookEvent(prompt ? "PROMPT_ALIAS" : "MODEL_VERSION_ALIAS",
                        ch.kind() == RegistryChange.Kind.ALIAS_SET ? "CREATED" : "DELETED");
            }
        }
        for (WebhookStore.Webhook w : store.activeFor(ev)) {
            delivery.deliverAsync(w, ev, d);
        }
    }
}
