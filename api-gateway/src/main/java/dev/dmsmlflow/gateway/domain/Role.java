package dev.dmsmlflow.gateway.domain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A member's role in one workspace; each role includes the ones below it (owner ⊃ editor ⊃ viewer). */
public enum Role {
    VIEWER, EDITOR, OWNER;

    /** Name on the wire and in the database: {@code owner}, {@code editor}, {@code viewer}. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Role fromWire(String value) {
        return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown role " + value));
    }

    public static Optional<Role> parse(String value) {
        if (value != null) {
            for (Role r : values()) {
                if (r.wire().equals(value)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether this role may do what {@code required} may do. */
    public boolean includes(Role required) {
        return ordinal() >= required.ordinal();
    }

    /** This role and the roles it includes, highest first (the service token's {@code groups}). */
    public List<String> impliedWireNames() {
        return switch (this) {
            case OWNER -> List.of("owner", "editor", "viewer");
            case EDITOR -> List.of("editor", "viewer");
            case VIEWER -> List.of("viewer");
        };
    }
}
