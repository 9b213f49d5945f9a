package dev.dmsmlflow.notebook.domain;

import java.util.List;

/**
 * One cell of {@link Lifecycle}: the status after the trigger and the effects to carry out, or a refusal (409) with the
 * reason, or "nothing to do" (an idempotent repeat: same status, no effect).
 *
 * @param next    status after the transition (null when refused, or when the session is removed)
 * @param effects effects in the order to carry them out
 * @param refusal why the trigger is not allowed in this status; null when allowed
 */
public record Transition(SessionStatus next, List<Effect> effects, String refusal) {

    public Transition {
        effects = List.copyOf(effects);
    }

    static Transition to(SessionStatus next, Effect... effects) {
        return new Transition(next, List.of(effects), null);
    }

    static Transition stay(SessionStatus current) {
        return new Transition(current, List.of(), null);
    }

    static Transition refuse(String why) {
        return new Transition(null, List.of(), why);
    }

    static Transition removed(Effect... effects) {
        return new Transition(null, List.of(effects), null);
    }

    public boolean refused() {
        return refusal != null;
    }

    /** The effect the worker carries out after the commit, if any (at most one per transition). */
    public Effect pendingAction() {
        return effects.stream().filter(Effect::outsideTransaction).findFirst().orElse(null);
    }
}
