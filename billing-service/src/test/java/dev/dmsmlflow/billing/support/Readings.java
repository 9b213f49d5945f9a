package dev.dmsmlflow.billing.support;

import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Usage readings as the meters send them (one UTC hour each), with what the test expects them to cost: the unit prices
 * below are the test's own copy of the catalogue in application.properties, so a rating mistake cannot cancel out.
 */
public final class Readings {

    /** Unit prices of the configured SKUs, CNY. */
    public static final Map<String, BigDecimal> PRICES = Map.of(
            "MLFLOW-INSTANCE-SMALL", new BigDecimal("0.35"),
            "MLFLOW-INSTANCE-MEDIUM", new BigDecimal("0.70"),
            "MLFLOW-INSTANCE-LARGE", new BigDecimal("1.40"),
            "NOTEBOOK-VCPU", new BigDecimal("0.12"),
            "NOTEBOOK-MEMORY", new BigDecimal("0.015"));

    /** A reading and the SKU it must be rated with. */
    public record Reading(UsageMetered event, String sku) {
        public BigDecimal exactCost() {
            return event.quantity().multiply(PRICES.get(sku));
        }

        /** The same reading sent with a display name of its subject (as the meters send them). */
        public Reading named(String name) {
            UsageMetered m = event;
            return new Reading(new UsageMetered(m.meterId(), m.subjectType(), m.subjectId(), m.workspaceId(), m.resourceType(), m.spec(),
                    m.windowStart(), m.windowEnd(), m.quantity(), m.unit(), m.meteredAt(), name), sku);
        }
    }

    /** The display name {@link #grid} gives a subject. */
    public static String nameOf(String subject) {
        return "name of " + subject;
    }

    private Readings() {
    }

    /** A reading of {@code kind} (0-2 instance small/medium/large, 3 notebook vCPU, 4 notebook memory) for one hour. */
    public static Reading of(int kind, String workspace, String subject, Instant hour, BigDecimal quantity) {
        UsageSubjectType type = kind < 3 ? UsageSubjectType.MLFLOW_INSTANCE : UsageSubjectType.NOTEBOOK_SESSION;
        UsageUnit unit = switch (kind) {
            case 0, 1, 2 -> UsageUnit.INSTANCE_HOURS;
            case 3 -> UsageUnit.VCPU_HOURS;
            default -> UsageUnit.GIB_HOURS;
        };
        String spec = switch (kind) {
            case 0 -> "mlflow.small";
            case 1 -> "mlflow.medium";
            case 2 -> "mlflow.large";
            default -> "nb.2c8g";
        };
        String sku = switch (kind) {
            case 0 -> "MLFLOW-INSTANCE-SMALL";
            case 1 -> "MLFLOW-INSTANCE-MEDIUM";
            case 2 -> "MLFLOW-INSTANCE-LARGE";
            case 3 -> "NOTEBOOK-VCPU";
            default -> "NOTEBOOK-MEMORY";
        };
        String meterId = UUID.nameUUIDFromBytes((subject + "|" + unit + "|" + hour).getBytes(StandardCharsets.UTF_8)).toString();
        ResourceType resource = ResourceType.COMPUTE;
        UsageMetered m = new UsageMetered(meterId, type, subject, workspace, resource, spec, hour, hour.plus(1, ChronoUnit.HOURS),
                quantity, unit, hour.plus(1, ChronoUnit.HOURS).plusSeconds(5));
        return new Reading(m, sku);
    }

    /**
     * {@code subjects} × {@code hours} readings from {@code start}: subject k is of kind k % 5 in workspace
     * {@code workspaces[k % workspaces.length]}; quantities random with six decimals (a notebook's up to 4 vCPU or 16 GiB).
     */
    public static List<Reading> grid(String[] workspaces, String prefix, int subjects, int hours, Instant start, long seed) {
        Random random = new Random(seed);
        List<Reading> out = new ArrayList<>(subjects * hours);
        for (int k = 0; k < subjects; k++) {
            int kind = k % 5;
            String ws = workspaces[k % workspaces.length];
            String subject = prefix + "-" + k;
            for (int h = 0; h < hours; h++) {
                BigDecimal scale = kind == 3 ? BigDecimal.valueOf(4) : kind == 4 ? BigDecimal.valueOf(16) : BigDecimal.ONE;
                BigDecimal q = BigDecimal.valueOf(random.nextInt(1_000_001)).movePointLeft(6).multiply(scale)
                        .setScale(6, RoundingMode.UNNECESSARY);
                out.add(of(kind, ws, subject, start.plus(h, ChronoUnit.HOURS), q).named(nameOf(subject)));
            }
        }
        return out;
    }
}
