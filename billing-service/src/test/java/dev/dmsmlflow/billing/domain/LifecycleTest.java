package dev.dmsmlflow.billing.domain;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lifecycles as tables: every (state, trigger) pair, its next state and effect, or a refusal. */
class LifecycleTest {

    @Test
    void billingPeriodTable() {
        Map<String, String> expected = Map.of(
                "OPEN CHARGE", "OPEN BILL_IN_PERIOD",
                "OPEN CLOSE", "CLOSED FREEZE_STATEMENT",
                "CLOSED CHARGE", "CLOSED CORRECTION_IN_NEXT_OPEN_PERIOD",
                "CLOSED CLOSE", "refused");
        int cells = 0;
        for (PeriodStatus s : PeriodStatus.values()) {
            for (PeriodLifecycle.Trigger t : PeriodLifecycle.Trigger.values()) {
                PeriodLifecycle.Outcome o = PeriodLifecycle.apply(s, t);
                assertEquals(expected.get(s + " " + t), o.refused() ? "refused" : o.next() + " " + o.effect(), s + " " + t);
                cells++;
            }
        }
        assertEquals(expected.size(), cells);
    }

    @Test
    void exportTable() {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("REQUESTED START", "RUNNING NONE"),
                Map.entry("REQUESTED COMPLETE", "refused"),
                Map.entry("REQUESTED FAIL_RETRYABLE", "refused"),
                Map.entry("REQUESTED FAIL", "refused"),
                Map.entry("REQUESTED ABANDON", "refused"),
                Map.entry("RUNNING START", "refused"),
                Map.entry("RUNNING COMPLETE", "COMPLETED PUBLISH_COMPLETED"),
                Map.entry("RUNNING FAIL_RETRYABLE", "REQUESTED NONE"),
                Map.entry("RUNNING FAIL", "FAILED NONE"),
                Map.entry("RUNNING ABANDON", "REQUESTED NONE"),
                Map.entry("COMPLETED START", "refused"),
                Map.entry("COMPLETED COMPLETE", "refused"),
                Map.entry("COMPLETED FAIL_RETRYABLE", "refused"),
                Map.entry("COMPLETED FAIL", "refused"),
                Map.entry("COMPLETED ABANDON", "refused"),
                Map.entry("FAILED START", "refused"),
                Map.entry("FAILED COMPLETE", "refused"),
                Map.entry("FAILED FAIL_RETRYABLE", "refused"),
                Map.entry("FAILED FAIL", "refused"),
                Map.entry("FAILED ABANDON", "refused"));
        int cells = 0;
        for (ExportStatus s : ExportStatus.values()) {
            for (ExportLifecycle.Trigger t : ExportLifecycle.Trigger.values()) {
                ExportLifecycle.Outcome o = ExportLifecycle.apply(s, t);
                assertEquals(expected.get(s + " " + t), o.refused() ? "refused" : o.next() + " " + o.effect(), s + " " + t);
                cells++;
            }
        }
        assertEquals(expected.size(), cells);
    }
}
