package dev.dmsmlflow.instance.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A compute size of a tracking server from the catalogue; usage is metered in instance-hours of a spec, under the price
 * SKU billing rates it by ({@code sku}).
 */
public record Spec(String name, int cpuCores, int memoryGiB, String sku) {

    private static final Map<String, Spec> CATALOGUE = new LinkedHashMap<>();

    static {
        for (Spec s : new Spec[] {
                new Spec("mlflow.small", 1, 2, "MLFLOW-INSTANCE-SMALL"),
                new Spec("mlflow.medium", 2, 4, "MLFLOW-INSTANCE-MEDIUM"),
                new Spec("mlflow.large", 4, 8, "MLFLOW-INSTANCE-LARGE")}) {
            CATALOGUE.put(s.name(), s);
        }
    }

    /** The spec of that name, if the catalogue has it. */
    public static Optional<Spec> find(String name) {
        return Optional.ofNullable(name == null ? null : CATALOGUE.get(name));
    }

    /** Every spec, smallest first. */
    public static Iterable<Spec> all() {
        return CATALOGUE.values();
    }

    /** Names of every spec, for error messages. */
    public static String names() {
        return String.join(", ", CATALOGUE.keySet());
    }
}
