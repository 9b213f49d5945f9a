package dev.dmsmlflow.instance.domain;

import dev.dmsmlflow.instance.domain.InstanceLifecycle.Effect;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Event;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Transition;
import dev.dmsmlflow.instance.domain.InstanceLifecycle.Work;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lifecycle as a table, checked against the rules written out below (the README's saga and the API's 409 rules): every
 * row gives its next state and effects, and every other (status, step, event) cell is refused (a request: 409) or ignored.
 */
class InstanceLifecycleTest {

    /**
     * {@code status step event -> status step effects}; {@code *} for any status or step (and "the same" on the right),
     * {@code -} for no step, {@code =} for a request answered as it is. Later lines win over earlier ones for a cell.
     */
    private static final String RULES = """
            *        *  EDIT                         -> *  *
            RELEASING *  EDIT                        -> !
            RELEASED *  EDIT                         -> !
            RUNNING  *  CHANGE_SPEC                  -> UPDATING RESIZE CLEAR_REASON FORGET_SUCCESSOR PEND_SPEC
            STOPPED  *  CHANGE_SPEC                  -> * * APPLY_SPEC
            RUNNING  *  REDEPLOY                     -> REDEPLOYING REDEPLOY CLEAR_REASON RECORD_VERSION
            RUNNING  *  STOP                         -> STOPPING STOP METER_FINAL CLEAR_REASON
            STOPPING *  STOP                         -> =
            STOPPED  *  STOP                         -> =
            STOPPED  *  START                        -> STARTING START CLEAR_REASON
            STARTING *  START                        -> =
            RUNNING  *  START                        -> =
            *        *  RELEASE                      -> RELEASING RELEASE METER_FINAL CLEAR_REASON FORGET_SUCCESSOR COMPUTE_PENDING PUBLISH_RELEASE_REQUESTED
            RELEASING *  RELEASE                     -> =
            RELEASED *  RELEASE                      -> =
            CREATING AWAIT_NETWORK NETWORK_PROVISIONED      -> CREATING DEPLOY RECORD_NETWORK
            CREATING AWAIT_NETWORK NETWORK_PROVISION_FAILED -> CREATING FAIL_CLEANUP RECORD_FAILURE NETWORK_GONE
            CREATING AWAIT_NETWORK DEPLOY_TIMED_OUT         -> CREATING FAIL_CLEANUP RECORD_FAILURE
            CREATING AWAIT_BACKEND DEPLOY_TIMED_OUT         -> CREATING FAIL_CLEANUP RECORD_FAILURE
            CREATING DEPLOY COMPUTE_STARTED                 -> CREATING AWAIT_BACKEND RECORD_BACKEND PUBLISH_DEPLOYED
            CREATING DEPLOY COMPUTE_STARTED_SAME_ADDRESS    -> CREATING AWAIT_BACKEND RECORD_BACKEND PUBLISH_DEPLOYED
            CREATING DEPLOY DEPLOY_FAILED                   -> CREATING FAIL_CLEANUP RECORD_FAILURE
            CREATING FAIL_CLEANUP FAILURE_CLEANED_UP        -> CREATE_FAILED - COMPUTE_GONE PUBLISH_FAILED ASK_NETWORK_RELEASE
            CREATING AWAIT_BACKEND BACKEND_REGISTERED       -> RUNNING - START_METERING PUBLISH_RUNNING
            REDEPLOYING AWAIT_BACKEND BACKEND_REGISTERED    -> RUNNING - START_METERING PUBLISH_RUNNING
            STARTING AWAIT_BACKEND BACKEND_REGISTERED       -> RUNNING - START_METERING PUBLISH_RUNNING
            REDEPLOYING REDEPLOY COMPUTE_STARTED            -> REDEPLOYING AWAIT_BACKEND RECORD_BACKEND PUBLISH_DEPLOYED
            REDEPLOYING REDEPLOY COMPUTE_STARTED_SAME_ADDRESS -> RUNNING - RECORD_BACKEND START_METERING PUBLISH_DEPLOYED PUBLISH_RUNNING
            REDEPLOYING REDEPLOY RESTART_FAILED             -> STOPPED - METER_FINAL RECORD_FAILURE
            STARTING START COMPUTE_STARTED                  -> STARTING AWAIT_BACKEND RECORD_BACKEND PUBLISH_DEPLOYED
            STARTING START COMPUTE_STARTED_SAME_ADDRESS     -> RUNNING - RECORD_BACKEND START_METERING PUBLISH_DEPLOYED PUBLISH_RUNNING
            STARTING START RESTART_FAILED                   -> STOPPED - METER_FINAL RECORD_FAILURE
            STOPPING STOP COMPUTE_STOPPED                   -> STOPPED -
            UPDATING RESIZE SUCCESSOR_STARTED               -> UPDATING AWAIT_SUCCESSOR RECORD_SUCCESSOR PUBLISH_DEPLOYED_SUCCESSOR
            UPDATING RESIZE RESIZE_FAILED                   -> RUNNING - RECORD_FAILURE FORGET_SUCCESSOR START_METERING PUBLISH_RUNNING
            UPDATING AWAIT_SUCCESSOR SUCCESSOR_REGISTERED   -> UPDATING RETIRE_PREDECESSOR METER_FINAL ADOPT_SUCCESSOR PUBLISH_SPEC_UPDATED
            UPDATING AWAIT_SUCCESSOR RESIZE_TIMED_OUT       -> UPDATING ROLLBACK_RESIZE RECORD_FAILURE
            UPDATING RETIRE_PREDECESSOR PREDECESSOR_RETIRED -> RUNNING - START_METERING PUBLISH_RUNNING
            UPDATING ROLLBACK_RESIZE RESIZE_ROLLED_BACK     -> RUNNING - FORGET_SUCCESSOR START_METERING PUBLISH_DEPLOYED PUBLISH_RUNNING
            RELEASING RELEASE COMPUTE_RELEASED              -> RELEASING AWAIT_NETWORK_RELEASE COMPUTE_REMOVED
            RELEASING RELEASE COMPUTE_RELEASED_AFTER_NETWORK -> RELEASED - COMPUTE_GONE PUBLISH_RELEASED
            RELEASING RELEASE RELEASE_FAILED                -> RELEASE_FAILED - RECORD_FAILURE
            *        *  NETWORK_RELEASED                    -> * * NETWORK_GONE
            RELEASED *  NETWORK_RELEASED                    -> !
            RELEASING AWAIT_NETWORK_RELEASE NETWORK_RELEASED -> RELEASED - NETWORK_GONE COMPUTE_GONE PUBLISH_RELEASED
            """;

    private record Cell(InstanceStatus status, SagaStep step, Event event) {
    }

    @Test
    void everyCellIsTheRuleWrittenOutAndEveryOtherCellIsRefused() {
        Map<Cell, Optional<Transition>> expected = expectedCells();
        int transitions = 0;
        int unchanged = 0;
        int refused = 0;
        for (InstanceStatus status : InstanceStatus.values()) {
            for (SagaStep step : stepsAndNone()) {
                for (Event event : Event.values()) {
                    Cell cell = new Cell(status, step, event);
                    Optional<Transition> want = expected.getOrDefault(cell, Optional.empty());
                    Optional<Transition> got = InstanceLifecycle.next(status, step, event);
                    assertEquals(want, got, "cell " + cell);
                    if (got.isEmpty()) {
                        refused++;
                    } else if (got.get().unchanged()) {
                        unchanged++;
                    } else {
                        transitions++;
                    }
                }
            }
        }
        // the table has no cell outside the ones walked above
        assertEquals(transitions + unchanged, InstanceLifecycle.table().size());
        assertTrue(transitions > 0 && unchanged > 0 && refused > 0);
    }

    @Test
    void requestsFollowTheApisConflictRules() {
        for (InstanceStatus status : InstanceStatus.values()) {
            for (SagaStep step : stepsAndNone()) {
                assertEquals(status == InstanceStatus.RUNNING, changes(status, step, Event.REDEPLOY), status + " redeploy");
                assertEquals(status == InstanceStatus.RUNNING, changes(status, step, Event.STOP), status + " stop");
                assertEquals(status == InstanceStatus.STOPPED, changes(status, step, Event.START), status + " start");
                assertEquals(InstanceStatus.SPEC_EDITABLE.contains(status), changes(status, step, Event.CHANGE_SPEC), status + " spec");
                assertEquals(InstanceStatus.RELEASABLE.contains(status), changes(status, step, Event.RELEASE), status + " release");
                assertEquals(status != InstanceStatus.RELEASING && status != InstanceStatus.RELEASED,
                        InstanceLifecycle.next(status, step, Event.EDIT).isPresent(), status + " edit");
                // a release is never refused: RELEASING and RELEASED answer as they are
                assertTrue(InstanceLifecycle.next(status, step, Event.RELEASE).isPresent(), status + " release answered");
            }
        }
        for (Event e : Event.values()) {
            assertEquals(e.verb() != null, e.requested(), e + " has a verb for its 409 exactly when it is a request");
        }
    }

    @Test
    void aReleaseReplacesWhateverStepWasPending() {
        for (InstanceStatus status : InstanceStatus.RELEASABLE) {
            for (SagaStep step : stepsAndNone()) {
                Transition t = InstanceLifecycle.next(status, step, Event.RELEASE).orElseThrow();
                assertEquals(InstanceStatus.RELEASING, t.to());
                assertEquals(SagaStep.RELEASE, t.step());
            }
        }
    }

    @Test
    void everyLocalStepHasAPlanAndEveryPlanEventIsARowOfItsStep() {
        for (SagaStep step : SagaStep.values()) {
            Optional<InstanceLifecycle.Plan> plan = InstanceLifecycle.plan(step);
            assertEquals(step.isLocal(), plan.isPresent(), step + " has work exactly when it is local");
            if (plan.isEmpty()) {
                continue;
            }
            assertFalse(plan.get().work().isEmpty(), step + " has work");
            Set<InstanceStatus> statusesOfStep = statusesReaching(step);
            assertFalse(statusesOfStep.isEmpty(), step + " is reached by some transition");
            for (InstanceStatus status : statusesOfStep) {
                assertTrue(InstanceLifecycle.next(status, step, plan.get().done()).isPresent(), status + "/" + step + " done");
                if (plan.get().failed() != null) {
                    assertTrue(InstanceLifecycle.next(status, step, plan.get().failed()).isPresent(), status + "/" + step + " failed");
                }
            }
        }
        assertEquals(List.of(Work.CREATE_DATABASE, Work.START_COMPUTE), InstanceLifecycle.plan(SagaStep.DEPLOY).orElseThrow().work());
        assertEquals(List.of(Work.STOP_COMPUTE, Work.DROP_DATABASE), InstanceLifecycle.plan(SagaStep.RELEASE).orElseThrow().work());
    }

    @Test
    void everyStepATransitionLeavesIsOneTheSagaCanLeaveAgain() {
        // no dead end: a pending step is local work (a plan) or waits for an event some row takes it further with
        for (Map.Entry<InstanceLifecycle.Key, Transition> row : InstanceLifecycle.table().entrySet()) {
            Transition t = row.getValue();
            if (t.step() == null || t.unchanged() || t.step() == row.getKey().step()) {
                continue;
            }
            boolean leaves = Arrays.stream(Event.values()).filter(e -> !e.requested())
                    .anyMatch(e -> InstanceLifecycle.next(t.to(), t.step(), e).filter(n -> n.step() != t.step()).isPresent());
            assertTrue(leaves, "state " + t.to() + "/" + t.step() + " reached from " + row.getKey() + " has a way out");
        }
    }

    private static boolean changes(InstanceStatus status, SagaStep step, Event event) {
        return InstanceLifecycle.next(status, step, event).filter(t -> !t.unchanged()).isPresent();
    }

    private static Set<InstanceStatus> statusesReaching(SagaStep step) {
        Set<InstanceStatus> out = EnumSet.noneOf(InstanceStatus.class);
        for (Map.Entry<InstanceLifecycle.Key, Transition> row : InstanceLifecycle.table().entrySet()) {
            Transition t = row.getValue();
            if (t.step() == step && row.getKey().step() != step) { // a row that enters the step, not one that keeps it
                out.add(t.to());
            }
        }
        if (step == SagaStep.AWAIT_NETWORK) {
            out.add(InstanceStatus.CREATING); // where a create begins
        }
        return out;
    }

    private static List<SagaStep> stepsAndNone() {
        List<SagaStep> steps = new ArrayList<>(Arrays.asList(SagaStep.values()));
        steps.add(null);
        return steps;
    }

    private static Map<Cell, Optional<Transition>> expectedCells() {
        Map<Cell, Optional<Transition>> cells = new HashMap<>();
        for (String line : RULES.strip().split("\n")) {
            String[] sides = line.split("->");
            String[] left = sides[0].trim().split("\\s+");
            String[] right = sides[1].trim().split("\\s+");
            Event event = Event.valueOf(left[2]);
            for (InstanceStatus status : left[0].equals("*") ? List.of(InstanceStatus.values()) : List.of(InstanceStatus.valueOf(left[0]))) {
                for (SagaStep step : left[1].equals("*") ? stepsAndNone() : java.util.Collections.singletonList(step(left[1]))) {
                    Optional<Transition> t;
                    if (right[0].equals("!")) {
                        t = Optional.empty();
                    } else if (right[0].equals("=")) {
                        t = Optional.of(new Transition(status, step, List.of(), true));
                    } else {
                        InstanceStatus to = right[0].equals("*") ? status : InstanceStatus.valueOf(right[0]);
                        SagaStep next = right[1].equals("*") ? step : step(right[1]);
                        List<Effect> effects = Arrays.stream(right).skip(2).map(Effect::valueOf).toList();
                        t = Optional.of(new Transition(to, next, effects, false));
                    }
                    cells.put(new Cell(status, step, event), t);
                }
            }
        }
        return cells;
    }

    private static SagaStep step(String name) {
        return name.equals("-") ? null : SagaStep.valueOf(name);
    }
}
