package dev.dmsmlflow.billing.domain;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.usage.UsageUnit;

/** The wire names of usage units ({@code instance-hours}...), as the contracts write them and the catalogue names them. */
public final class UnitNames {

    private UnitNames() {
    }

    public static String wire(UsageUnit unit) {
        try {
            JsonProperty p = UsageUnit.class.getField(unit.name()).getAnnotation(JsonProperty.class);
            return p == null ? unit.name().toLowerCase() : p.value();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }
}
