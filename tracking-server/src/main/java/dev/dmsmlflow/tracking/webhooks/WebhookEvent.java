package dev.dmsmlflow.tracking.webhooks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.http.MlflowException;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A webhook event type (entity + action, upper case on the API, lower case in deliveries) and its example payload. */
public record WebhookEvent(String entity, String action) {
    static final Map<String, Set<String>> VALID = Map.of(
            "REGISTERED_MODEL", Set.of("CREATED"),
            "MODEL_VERSION", Set.of("CREATED"),
            "MODEL_VERSION_TAG", Set.of("SET", "DELETED"),
            "MODEL_VERSION_ALIAS", Set.of("CREATED", "DELETED"),
            "PROMPT", Set.of("CREATED"),
            "PROMPT_VERSION", Set.of("CREATED"),
            "PROMPT_TAG", Set.of("SET", "DELETED"),
            "PROMPT_VERSION_TAG", Set.of("SET", "DELETED"),
            "PROMPT_ALIAS", Set.of("CREATED", "DELETED"));

    /** Validates and normalizes (names are accepted in any case). */
    public static WebhookEvent of(String entity, String action) {
        if (entity == null || entity.isBlank()) {
            throw MlflowException.invalidParameter("Webhook event entity is required");
        }
        if (action == null || action.isBlank()) {
            throw MlflowException.invalidParameter("Webhook event action is required");
        }
        String e = entity.trim().toUpperCase(Locale.ROOT);
        String a = action.trim().toUpperCase(Locale.ROOT);
        Set<String> actions = VALID.get(e);
        if (actions == null) {
            throw MlflowException.invalidParameter("Invalid webhook event entity '" + entity + "'. Valid entities are: "
                    + VALID.keySet().stream().sorted().toList());
        }
        if (!actions.contains(a)) {
            throw MlflowException.invalidParameter("Invalid action '" + action + "' for entity '" + entity
                    + "'. Valid actions are: " + actions.stream().sorted().toList());
        }
        return new WebhookEvent(e, a);
    }

    /** The example payload upstream sends when testing a webhook for this event. */
    ObjectNode example() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        boolean prompt = entity.startsWith("PROMPT");
        String name = prompt ? "example_prompt" : "example_model";
        o.put("name", name);
        switch (entity + "." + action) {
            case "REGISTERED_MODEL.CREATED", "PROMPT.CREATED" -> {
                o.putObject("tags").put("example_key", "example_value");
                o.put("description", prompt ? "An example prompt" : "An example registered model");
            }
            case "MODEL_VERSION.CREATED" -> {
                o.put("version", "1");
                o.put("source", "models:/123");
                o.put("run_id", "abcd1234abcd5678");
                o.putObject("tags").put("example_key", "example_value");
                o.put("description", "An example model version");
            }
            case "PROMPT_VERSION.CREATED" -> {
                o.put("version", "1");
                o.put("template", "Hello {{name}}!");
                o.putObject("tags").put("example_key", "example_value");
                o.put("description", "An example prompt version");
            }
            case "MODEL_VERSION_TAG.SET", "PROMPT_VERSION_TAG.SET" -> {
                o.put("version", "1");
                o.put("key", "example_key");
                o.put("value", "example_value");
            }
            case "MODEL_VERSION_TAG.DELETED", "PROMPT_VERSION_TAG.DELETED" -> {
                o.put("version", "1");
                o.put("key", "example_key");
            }
            case "PROMPT_TAG.SET" -> {
                o.put("key", "example_key");
                o.put("value", "example_value");
            }
            case "PROMPT_TAG.DELETED" -> o.put("key", "example_key");
            case "MODEL_VERSION_ALIAS.CREATED", "PROMPT_ALIAS.CREATED" -> {
                o.put("alias", "example_alias");
                o.put("version", "1");
            }
            default -> o.put("alias", "example_alias");
        }
        return o;
    }
}
