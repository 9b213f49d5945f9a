package dev.dmsmlflow.billing.domain;

/**
 * The billing period's transitions as a table: every (state, trigger) has a next state and an effect, or a refusal.
 * A closed period is never edited: a charge for it becomes a correction in the next open period.
 */
public final class PeriodLifecycle {

    /** What happens to a period. */
    public enum Trigger { CHARGE, CLOSE }

    /** What a transition does besides changing the state. */
    public enum Effect { BILL_IN_PERIOD, FREEZE_STATEMENT, CORRECTION_IN_NEXT_OPEN_PERIOD }

    /** A transition's outcome: a next state and its effect, or a refusal with its reason. */
    public record Outcome(PeriodStatus next, Effect effect, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private PeriodLifecycle() {
    }

    public static Outcome apply(PeriodStatus state, Trigger trigger) {
        return switch (state) {
            case OPEN -> switch (trigger) {
                case CHARGE -> new Outcome(PeriodStatus.OPEN, Effect.BILL_IN_PERIOD, null);
                case CLOSE -> new Outcome(PeriodStatus.CLOSED, Effect.FREEZE_STATEMENT, null);
            };
            case CLOSED -> switch (trigger) {
                case CHARGE -> new Outcome(PeriodStatus.CLOSED, Effect.CORRECTION_IN_NEXT_OPEN_PERIOD, null);
                case CLOSE -> new Outcome(null, null, "the billing period is already closed");
            };
        };
    }
}
