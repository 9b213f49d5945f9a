package dev.dmsmlflow.instance.domain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.dmsmlflow.instance.domain.InstanceStatus.CREATE_FAILED;
import static dev.dmsmlflow.instance.domain.InstanceStatus.CREATING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.REDEPLOYING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.RELEASED;
import static dev.dmsmlflow.instance.domain.InstanceStatus.RELEASE_FAILED;
import static dev.dmsmlflow.instance.domain.InstanceStatus.RELEASING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.RUNNING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.STARTING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.STOPPED;
import static dev.dmsmlflow.instance.domain.InstanceStatus.STOPPING;
import static dev.dmsmlflow.instance.domain.InstanceStatus.UPDATING;

/**
 * The instance lifecycle as one table: for a state (status and pending saga step) and an event, the next state and the
 * effects of the transition, or nothing. Nothing means a refusal (409) for an event a caller asked for, and "ignored"
 * for an outcome or a network event that arrives for a step the instance has left (a replay, a release meanwhile).
 * {@code InstanceService} applies the table in one transaction per event; the saga worker executes the {@link Work} of
 * the step a transition leaves ({@link #plan}) and feeds what happened back as the plan's events.
 */
public final class InstanceLifecycle {

    /** What happens to an instance: a caller's request, a network-service event, or the outcome of a saga step. */
    public enum Event {
        // asked for through the API: refused with a 409 where the table has no row
        EDIT(true, "edited"),
        CHANGE_SPEC(true, "resized"),
        REDEPLOY(true, "redeployed"),
        STOP(true, "stopped"),
        START(true, "started"),
        RELEASE(true, "released"),
        // from network-service
        NETWORK_PROVISIONED,
        NETWORK_PROVISION_FAILED,
        /** The load balancer forwards to the instance's tracking server. */
        BACKEND_REGISTERED,
        /** The load balancer forwards to the new tracking server of a resize. */
        SUCCESSOR_REGISTERED,
        NETWORK_RELEASED,
        // outcomes of saga steps and their timeouts
        /** A tracking server answers its health check on a new address (or at the first deploy). */
        COMPUTE_STARTED,
        /** A restarted tracking server answers on the address the load balancer already forwards to. */
        COMPUTE_STARTED_SAME_ADDRESS,
        DEPLOY_FAILED,
        DEPLOY_TIMED_OUT,
        FAILURE_CLEANED_UP,
        RESTART_FAILED,
        COMPUTE_STOPPED,
        /** Compute and database are gone; the load balancer is not yet. */
        COMPUTE_RELEASED,
        /** Compute and database are gone, and the load balancer was already. */
        COMPUTE_RELEASED_AFTER_NETWORK,
        RELEASE_FAILED,
        SUCCESSOR_STARTED,
        RESIZE_FAILED,
        RESIZE_TIMED_OUT,
        PREDECESSOR_RETIRED,
        RESIZE_ROLLED_BACK;

        private final boolean requested;
        private final String verb;

        Event() {
            this(false, null);
        }

        Event(boolean requested, String verb) {
            this.requested = requested;
            this.verb = verb;
        }

        /** True for what a caller asks for: without a row it is a 409, not a silently ignored late event. */
        public boolean requested() {
            return requested;
        }

        /** "cannot be {verb} now", for the 409 of a requested event. */
        public String verb() {
            return verb;
        }
    }

    /**
     * What a transition does besides changing the state, in the order listed: first the changes of the instance's fields
     * (and metering), then, after the row is written in the same transaction, the events published through the outbox.
     */
    public enum Effect {
        /** Keep the load balancer's address, ids and backend secret digest from NetworkProvisioned. */
        RECORD_NETWORK,
        /** Keep the failure code and message of the event as the instance's statusReason. */
        RECORD_FAILURE,
        /** A fallback or failure reason no longer applies once the next change begins. */
        CLEAR_REASON,
        /** network-service removed the load balancer (or never made one). */
        NETWORK_GONE,
        /** Keep the address of the tracking server that answered. */
        RECORD_BACKEND,
        /** The release step still has compute and database to remove. */
        COMPUTE_PENDING,
        /** Compute and database are removed; the instance has no tracking server address any more. */
        COMPUTE_GONE,
        /** Compute and database are removed; the address is kept until the load balancer is gone too. */
        COMPUTE_REMOVED,
        /** Remember the spec a resize rolls out (and the version a redeploy asks for). */
        PEND_SPEC,
        /** The new spec is in effect at once (a STOPPED instance's next start uses it). */
        APPLY_SPEC,
        /** A redeploy's tracking-server version, when one is asked for. */
        RECORD_VERSION,
        /** Keep the port of the resize's new tracking server. */
        RECORD_SUCCESSOR,
        /** The resize's new server serves: its spec and port are the instance's, metered from now. */
        ADOPT_SUCCESSOR,
        /** A resize is over or abandoned: no spec pending, no second server. */
        FORGET_SUCCESSOR,
        /** Meter the running time up to now, ending with a partial window. */
        METER_FINAL,
        /** Start metering now, unless metering runs already. */
        START_METERING,
        PUBLISH_DEPLOYED,
        /** InstanceDeployed naming the resize's new tracking server, so the load balancer switches to it. */
        PUBLISH_DEPLOYED_SUCCESSOR,
        PUBLISH_RUNNING,
        PUBLISH_FAILED,
        /** InstanceUpdated with the spec now in effect. */
        PUBLISH_SPEC_UPDATED,
        PUBLISH_RELEASE_REQUESTED,
        /** InstanceReleaseRequested on the service's behalf, unless network-service already removed the load balancer. */
        ASK_NETWORK_RELEASE,
        PUBLISH_RELEASED;

        /** True for effects that publish an event (executed after the instance is written). */
        public boolean publishes() {
            return name().startsWith("PUBLISH_") || this == ASK_NETWORK_RELEASE;
        }
    }

    /** Work outside the database transaction that the saga worker does for a step, in order. */
    public enum Work {
        CREATE_DATABASE,
        STOP_COMPUTE,
        /** Start the tracking server (on the port it had, for a restart), trying again a few times. */
        START_COMPUTE,
        /** Start a tracking server of the pending spec beside the serving one. */
        START_SUCCESSOR,
        /** Stop every tracking server of the instance but the one on its backend port. */
        RETIRE_OTHER_SERVERS,
        DROP_DATABASE
    }

    /**
     * A row's outcome: the next status and saga step (null: none), and the effects. {@code unchanged} marks a request that
     * is already fulfilled (stop a stopped instance): answered as it is, nothing written or published.
     */
    public record Transition(InstanceStatus to, SagaStep step, List<Effect> effects, boolean unchanged) {
        public Transition {
            effects = List.copyOf(effects);
        }
    }

    /** The saga worker's part of a step: its work, the event when all of it is done, and the event when a part fails. */
    public record Plan(List<Work> work, Event done, Event failed) {
        public Plan {
            work = List.copyOf(work);
        }
    }

    /** One cell of the table. */
    public record Key(InstanceStatus status, SagaStep step, Event event) {
    }

    /** Every step, and no step at all. */
    private static final List<SagaStep> ANY_STEP;

    static {
        List<SagaStep> any = new ArrayList<>(Arrays.asList(SagaStep.values()));
        any.add(null);
        ANY_STEP = Collections.unmodifiableList(any);
    }

    private static final Map<Key, Transition> TABLE;
    private static final Map<SagaStep, Plan> PLANS;

    static {
        Rows r = new Rows();
        // requests (InstanceResource): a missing cell is a 409
        r.on(statuses(except(RELEASING, RELEASED)), ANY_STEP, Event.EDIT).stays();
        r.on(RUNNING, ANY_STEP, Event.CHANGE_SPEC).to(UPDATING, SagaStep.RESIZE, Effect.CLEAR_REASON, Effect.FORGET_SUCCESSOR,
                Effect.PEND_SPEC);
        r.on(STOPPED, ANY_STEP, Event.CHANGE_SPEC).stays(Effect.APPLY_SPEC);
        r.on(RUNNING, ANY_STEP, Event.REDEPLOY).to(REDEPLOYING, SagaStep.REDEPLOY, Effect.CLEAR_REASON, Effect.RECORD_VERSION);
        r.on(RUNNING, ANY_STEP, Event.STOP).to(STOPPING, SagaStep.STOP, Effect.METER_FINAL, Effect.CLEAR_REASON);
        r.on(statuses(STOPPING, STOPPED), ANY_STEP, Event.STOP).unchanged();
        r.on(STOPPED, ANY_STEP, Event.START).to(STARTING, SagaStep.START, Effect.CLEAR_REASON);
        r.on(statuses(STARTING, RUNNING), ANY_STEP, Event.START).unchanged();
        // a release replaces whatever step was pending: a create is cancelled, a change abandoned
        r.on(statuses(InstanceStatus.RELEASABLE.toArray(InstanceStatus[]::new)), ANY_STEP, Event.RELEASE).to(RELEASING,
                SagaStep.RELEASE, Effect.METER_FINAL, Effect.CLEAR_REASON, Effect.FORGET_SUCCESSOR, Effect.COMPUTE_PENDING,
                Effect.PUBLISH_RELEASE_REQUESTED);
        r.on(statuses(RELEASING, RELEASED), ANY_STEP, Event.RELEASE).unchanged();

        // create
        r.on(CREATING, SagaStep.AWAIT_NETWORK, Event.NETWORK_PROVISIONED).to(CREATING, SagaStep.DEPLOY, Effect.RECORD_NETWORK);
        r.on(CREATING, SagaStep.AWAIT_NETWORK, Event.NETWORK_PROVISION_FAILED).to(CREATING, SagaStep.FAIL_CLEANUP,
                Effect.RECORD_FAILURE, Effect.NETWORK_GONE);
        r.on(CREATING, steps(SagaStep.AWAIT_NETWORK, SagaStep.AWAIT_BACKEND), Event.DEPLOY_TIMED_OUT).to(CREATING,
                SagaStep.FAIL_CLEANUP, Effect.RECORD_FAILURE);
        r.on(CREATING, SagaStep.DEPLOY, Event.COMPUTE_STARTED).to(CREATING, SagaStep.AWAIT_BACKEND, Effect.RECORD_BACKEND,
                Effect.PUBLISH_DEPLOYED);
        r.on(CREATING, SagaStep.DEPLOY, Event.COMPUTE_STARTED_SAME_ADDRESS).to(CREATING, SagaStep.AWAIT_BACKEND,
                Effect.RECORD_BACKEND, Effect.PUBLISH_DEPLOYED);
        r.on(CREATING, SagaStep.DEPLOY, Event.DEPLOY_FAILED).to(CREATING, SagaStep.FAIL_CLEANUP, Effect.RECORD_FAILURE);
        r.on(CREATING, SagaStep.FAIL_CLEANUP, Event.FAILURE_CLEANED_UP).to(CREATE_FAILED, null, Effect.COMPUTE_GONE,
                Effect.PUBLISH_FAILED, Effect.ASK_NETWORK_RELEASE);
        r.on(statuses(CREATING, REDEPLOYING, STARTING), SagaStep.AWAIT_BACKEND, Event.BACKEND_REGISTERED).to(RUNNING, null,
                Effect.START_METERING, Effect.PUBLISH_RUNNING);

        // redeploy and start: a new address waits for the load balancer, the same one is RUNNING at once
        for (InstanceStatus s : List.of(REDEPLOYING, STARTING)) {
            SagaStep step = s == REDEPLOYING ? SagaStep.REDEPLOY : SagaStep.START;
            r.on(s, step, Event.COMPUTE_STARTED).to(s, SagaStep.AWAIT_BACKEND, Effect.RECORD_BACKEND, Effect.PUBLISH_DEPLOYED);
            r.on(s, step, Event.COMPUTE_STARTED_SAME_ADDRESS).to(RUNNING, null, Effect.RECORD_BACKEND, Effect.START_METERING,
                    Effect.PUBLISH_DEPLOYED, Effect.PUBLISH_RUNNING);
            r.on(s, step, Event.RESTART_FAILED).to(STOPPED, null, Effect.METER_FINAL, Effect.RECORD_FAILURE);
        }

        // stop
        r.on(STOPPING, SagaStep.STOP, Event.COMPUTE_STOPPED).to(STOPPED, null);

        // resize
        r.on(UPDATING, SagaStep.RESIZE, Event.SUCCESSOR_STARTED).to(UPDATING, SagaStep.AWAIT_SUCCESSOR, Effect.RECORD_SUCCESSOR,
                Effect.PUBLISH_DEPLOYED_SUCCESSOR);
        r.on(UPDATING, SagaStep.RESIZE, Event.RESIZE_FAILED).to(RUNNING, null, Effect.RECORD_FAILURE, Effect.FORGET_SUCCESSOR,
                Effect.START_METERING, Effect.PUBLISH_RUNNING);
        r.on(UPDATING, SagaStep.AWAIT_SUCCESSOR, Event.SUCCESSOR_REGISTERED).to(UPDATING, SagaStep.RETIRE_PREDECESSOR,
                Effect.METER_FINAL, Effect.ADOPT_SUCCESSOR, Effect.PUBLISH_SPEC_UPDATED);
        r.on(UPDATING, SagaStep.AWAIT_SUCCESSOR, Event.RESIZE_TIMED_OUT).to(UPDATING, SagaStep.ROLLBACK_RESIZE,
                Effect.RECORD_FAILURE);
        r.on(UPDATING, SagaStep.RETIRE_PREDECESSOR, Event.PREDECESSOR_RETIRED).to(RUNNING, null, Effect.START_METERING,
                Effect.PUBLISH_RUNNING);
        // InstanceDeployed names the serving server again, so a load balancer that switched late is pointed back
        r.on(UPDATING, SagaStep.ROLLBACK_RESIZE, Event.RESIZE_ROLLED_BACK).to(RUNNING, null, Effect.FORGET_SUCCESSOR,
                Effect.START_METERING, Effect.PUBLISH_DEPLOYED, Effect.PUBLISH_RUNNING);

        // release
        r.on(RELEASING, SagaStep.RELEASE, Event.COMPUTE_RELEASED).to(RELEASING, SagaStep.AWAIT_NETWORK_RELEASE,
                Effect.COMPUTE_REMOVED);
        r.on(RELEASING, SagaStep.RELEASE, Event.COMPUTE_RELEASED_AFTER_NETWORK).to(RELEASED, null, Effect.COMPUTE_GONE,
                Effect.PUBLISH_RELEASED);
        r.on(RELEASING, SagaStep.RELEASE, Event.RELEASE_FAILED).to(RELEASE_FAILED, null, Effect.RECORD_FAILURE);
        // NetworkReleased is remembered in any state (a failed create's cleanup asks for it too); it ends a release
        r.on(statuses(except(RELEASED)), ANY_STEP, Event.NETWORK_RELEASED).stays(Effect.NETWORK_GONE);
        r.on(RELEASING, SagaStep.AWAIT_NETWORK_RELEASE, Event.NETWORK_RELEASED).to(RELEASED, null, Effect.NETWORK_GONE,
                Effect.COMPUTE_GONE, Effect.PUBLISH_RELEASED);
        TABLE = Collections.unmodifiableMap(r.rows);

        Map<SagaStep, Plan> plans = new EnumMap<>(SagaStep.class);
        plans.put(SagaStep.DEPLOY, new Plan(List.of(Work.CREATE_DATABASE, Work.START_COMPUTE), Event.COMPUTE_STARTED,
                Event.DEPLOY_FAILED));
        plans.put(SagaStep.REDEPLOY, new Plan(List.of(Work.STOP_COMPUTE, Work.CREATE_DATABASE, Work.START_COMPUTE),
                Event.COMPUTE_STARTED, Event.RESTART_FAILED));
        plans.put(SagaStep.START, new Plan(List.of(Work.CREATE_DATABASE, Work.START_COMPUTE), Event.COMPUTE_STARTED,
                Event.RESTART_FAILED));
        plans.put(SagaStep.STOP, new Plan(List.of(Work.STOP_COMPUTE), Event.COMPUTE_STOPPED, null));
        // a cleanup that fails is tried again at the next poll: there is no state to fall back to
        plans.put(SagaStep.FAIL_CLEANUP, new Plan(List.of(Work.STOP_COMPUTE, Work.DROP_DATABASE), Event.FAILURE_CLEANED_UP, null));
        plans.put(SagaStep.RELEASE, new Plan(List.of(Work.STOP_COMPUTE, Work.DROP_DATABASE), Event.COMPUTE_RELEASED,
                Event.RELEASE_FAILED));
        plans.put(SagaStep.RESIZE, new Plan(List.of(Work.START_SUCCESSOR), Event.SUCCESSOR_STARTED, Event.RESIZE_FAILED));
        plans.put(SagaStep.RETIRE_PREDECESSOR, new Plan(List.of(Work.RETIRE_OTHER_SERVERS), Event.PREDECESSOR_RETIRED, null));
        plans.put(SagaStep.ROLLBACK_RESIZE, new Plan(List.of(Work.RETIRE_OTHER_SERVERS), Event.RESIZE_ROLLED_BACK, null));
        PLANS = Collections.unmodifiableMap(plans);
    }

    private InstanceLifecycle() {
    }

    /** The transition of {@code event} in state ({@code status}, {@code step}); empty when the table has none. */
    public static Optional<Transition> next(InstanceStatus status, SagaStep step, Event event) {
        return Optional.ofNullable(TABLE.get(new Key(status, step, event)));
    }

    /** Every cell of the table that has a transition. */
    public static Map<Key, Transition> table() {
        return TABLE;
    }

    /** The worker's plan for a local step; empty for a step that waits for another service. */
    public static Optional<Plan> plan(SagaStep step) {
        return Optional.ofNullable(step == null ? null : PLANS.get(step));
    }

    // ---------------------------------------------------------------- building the table

    private static List<InstanceStatus> statuses(InstanceStatus... s) {
        return List.of(s);
    }

    private static InstanceStatus[] except(InstanceStatus... excluded) {
        List<InstanceStatus> out = new ArrayList<>(Arrays.asList(InstanceStatus.values()));
        out.removeAll(List.of(excluded));
        return out.toArray(InstanceStatus[]::new);
    }

    private static List<SagaStep> steps(SagaStep... s) {
        return List.of(s);
    }

    /** Collects rows; a cell written twice keeps the later row (a specific row after a general one). */
    private static final class Rows {
        private final Map<Key, Transition> rows = new HashMap<>();

        Cells on(InstanceStatus status, SagaStep step, Event event) {
            return on(List.of(status), Collections.singletonList(step), event);
        }

        Cells on(InstanceStatus status, List<SagaStep> steps, Event event) {
            return on(List.of(status), steps, event);
        }

        Cells on(List<InstanceStatus> statuses, SagaStep step, Event event) {
            return on(statuses, Collections.singletonList(step), event);
        }

        Cells on(List<InstanceStatus> statuses, List<SagaStep> steps, Event event) {
            return new Cells(this, statuses, steps, event);
        }
    }

    private record Cells(Rows rows, List<InstanceStatus> statuses, List<SagaStep> steps, Event event) {
        /** To {@code status} with {@code step} pending. */
        void to(InstanceStatus status, SagaStep step, Effect... effects) {
            put((s, st) -> new Transition(status, step, List.of(effects), false));
        }

        /** Status and step stay what they are. */
        void stays(Effect... effects) {
            put((s, st) -> new Transition(s, st, List.of(effects), false));
        }

        /** A request already fulfilled: answered as it is. */
        void unchanged() {
            put((s, st) -> new Transition(s, st, List.of(), true));
        }

        private void put(java.util.function.BiFunction<InstanceStatus, SagaStep, Transition> row) {
            for (InstanceStatus s : statuses) {
                for (SagaStep st : steps) {
                    rows.rows.put(new Key(s, st, event), row.apply(s, st));
                }
            }
        }
    }
}
