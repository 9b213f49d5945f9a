package dev.dmsmlflow.tracking.prompts;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prompts are registered models and versions tagged {@code mlflow.prompt.is_prompt}. Their versions carry
 * the template in a tag and a placeholder source ({@code dummy-source}, {@code prompt-template}), which the
 * registry accepts for prompts only; local paths and {@code file:} URIs stay refused.
 */
public final class PromptRules {
    public static final String IS_PROMPT_TAG = "mlflow.prompt.is_prompt";
    public static final String PROMPT_TEXT_TAG = "mlflow.prompt.text";
    public static final String PROMPT_TYPE_TAG = "_mlflow_prompt_type";
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.\\-]*):");

    private PromptRules() {
    }

    /** A model-version or registered-model request is a prompt's when it carries the prompt tag. */
    public static boolean isPrompt(Map<String, String> tags) {
        return tags != null && tags.containsKey(IS_PROMPT_TAG);
    }

    /** Validates a prompt version's source: no local paths, no relative references in remote URIs. */
    public static void validateSource(String source) {
        Matcher m = SCHEME.matcher(source);
        String scheme = m.find() ? m.group(1).toLowerCase(java.util.Locale.ROOT) : null;
        if ("file".equals(scheme) || (scheme == null && (source.startsWith("/") || source.startsWith("\\")))
                || (scheme != null && scheme.length() == 1)) {
            throw MlflowException.invalidParameter("Invalid prompt source: '" + source
                    + "'. Local source paths are not allowed for prompts.");
        }
        if (scheme != null) {
            String decoded = source;
            for (int i = 0; i < 3; i++) {
                try {
                    decoded = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    break;
                }
            }
            for (String part : decoded.split("[/\\\\]")) {
                if (part.equals("..")) {
                    throw MlflowException.invalidParameter("Invalid prompt source: '" + source
                            + "'. Relative path references are not allowed.");
                }
            }
        }
    }
}
