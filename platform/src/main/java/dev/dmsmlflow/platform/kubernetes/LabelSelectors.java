package dev.dmsmlflow.platform.kubernetes;

import java.util.Map;
import java.util.TreeMap;

/**
 * Label selectors as they are written in configuration ({@code app=x,tier=y}): the one parser the services' Kubernetes
 * providers (instance-service's compute, network-service's load balancers, notebook-service's session runtime) use.
 */
public final class LabelSelectors {

    private LabelSelectors() {
    }

    /**
     * The labels of {@code text}, in key order; blank parts are skipped, keys and values trimmed. Each call answers a new
     * map the caller owns (providers add their own labels to it).
     *
     * @throws IllegalArgumentException when a part is not {@code key=value} with a non-empty key
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null) {
            return labels;
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || p.substring(0, eq).isBlank()) {
                throw new IllegalArgumentException("a label selector is key=value[,key=value], not '" + text + "'");
            }
            labels.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return labels;
    }
}
