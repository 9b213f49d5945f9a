package dev.dmsmlflow.billing.domain;

/**
 * A billing export's transitions as a table. A worker claims a requested export (START), writes its files outside any
 * transaction, then records the outcome: COMPLETE (files and manifest in the sink; BillingExportCompleted is published
 * with the state change), FAIL_RETRYABLE (back to the queue while tries remain), FAIL; ABANDON puts back an export whose
 * worker died while running it.
 */
public final class ExportLifecycle {

    public enum Trigger { START, COMPLETE, FAIL_RETRYABLE, FAIL, ABANDON }

    public enum Effect { NONE, PUBLISH_COMPLETED }

    public record Outcome(ExportStatus next, Effect effect, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private ExportLifecycle() {
    }

    public static Outcome apply(ExportStatus state, Trigger trigger) {
        return switch (state) {
            case REQUESTED -> trigger == Trigger.START ? ok(ExportStatus.RUNNING, Effect.NONE) : refuse(state, trigger);
            case RUNNING -> switch (trigger) {
                case COMPLETE -> ok(ExportStatus.COMPLETED, Effect.PUBLISH_COMPLETED);
                case FAIL_RETRYABLE, ABANDON -> ok(ExportStatus.REQUESTED, Effect.NONE);
                case FAIL -> ok(ExportStatus.FAILED, Effect.NONE);
                case START -> refuse(state, trigger);
            };
            case COMPLETED, FAILED -> refuse(state, trigger);
        };
    }

    private static Outcome ok(ExportStatus next, Effect effect) {
        return new Outcome(next, effect, null);
    }

    private static Outcome refuse(ExportStatus state, Trigger trigger) {
        return new Outcome(null, null, "an export " + state + " cannot " + trigger);
    }
}
