package dev.dmsmlflow.platform.auth;

import java.util.Locale;
import java.util.Optional;

/** A member's role in the workspace a call acts in (claim {@code dms_role}); each role includes the ones before it. */
public enum Role {
    VIEWER, EDITOR, OWNER;

    /** Whether a caller with this role may do what {@code needed} allows. */
    public boolean includes(Role needed) {
        return ordinal() >= needed.ordinal();
    }

    /** The claim value, as the gateway writes it ({@code viewer}, {@code editor}, {@code owner}). */
    public String claim() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role a claim names; empty for anything else (no case folding: the gateway writes lower case). */
    public static Optional<Role> ofClaim(String claim) {
        for (Role r : values()) {
            if (r.claim().equals(claim)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
