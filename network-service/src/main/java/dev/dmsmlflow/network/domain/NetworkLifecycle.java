package dev.dmsmlflow.network.domain;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The lifecycle of an instance's network as one table: for the network's status (or none yet) and an event, the next
 * status and the effects of the transition, or nothing. Nothing means a refusal (409) for a change a caller asks for, and
 * "ignored" (logged) for a saga event or a step's outcome that finds the network elsewhere (a replay, a release meanwhile).
 * {@code NetworkService} applies a transition's effects in one transaction (the row, the pending step, the outbox); the
 * {@code NetworkWorker} executes the steps those effects leave pending, outside any transaction, and feeds their outcomes
 * back as events here.
 */
public final class NetworkLifecycle {

    /** The network's state before a transition: its status, or {@link #NONE} when the instance has no network row yet. */
    public enum State {
        NONE, PROVISIONING, ACTIVE, FAILED, RELEASING, RELEASED;

        public static State of(NetworkStatus status) {
            return status == null ? NONE : State.valueOf(status.name());
        }

        /** The stored status this state is (none for {@link #NONE}). */
        public NetworkStatus status() {
            return this == NONE ? null : NetworkStatus.valueOf(name());
        }
    }

    /** What happens to a network: an instance event, the outcome of a step, or a change a caller asks for. */
    public enum Event {
        // instance events (the saga)
        INSTANCE_REQUESTED,
        INSTANCE_DEPLOYED,
        /** InstanceUpdated naming an authentication mode. */
        AUTH_MODE_CHANGED,
        RELEASE_REQUESTED,
        // outcomes of the worker's steps
        PROVISIONED,
        PROVISION_FAILED,
        BACKEND_REGISTERED,
        LOAD_BALANCER_DELETED,
        // asked for through the API: a 409 where the table has no row
        CHANGE_ACL(true),
        CHANGE_TOKENS(true);

        private final boolean requested;

        Event() {
            this(false);
        }

        Event(boolean requested) {
            this.requested = requested;
        }

        /** True for what a caller asks for: without a row it is a 409, not an ignored late event. */
        public boolean requested() {
            return requested;
        }
    }

    /** What a transition does besides changing the status, in the order listed, in the transition's transaction. */
    public enum Effect {
        /** Store the new network row from the request (its VPC, vSwitches, security group). */
        RECORD_REQUEST,
        /** Store the instance's authentication mode from the event. */
        RECORD_AUTH_MODE,
        /** Leave the PROVISION step pending: validate, create load balancer, listener and deny-all ACL. */
        STEP_PROVISION,
        /** Leave the REGISTER_BACKEND step pending with the event's backend (a newer one replaces an older). */
        STEP_REGISTER_BACKEND,
        /** The load balancer has to learn the mode again: APPLY_AUTH, or a new intent of a pending PROVISION/REGISTER_BACKEND. */
        STEP_APPLY_AUTH,
        /** Leave the RELEASE step pending; it replaces any other pending step. */
        STEP_RELEASE,
        /** Store a tombstone (RELEASED, nothing else), so that a late request never provisions the instance. */
        RECORD_TOMBSTONE,
        /** Keep the load balancer's ids, address and zones from the outcome. */
        RECORD_LOAD_BALANCER,
        /** Keep the failure code and message of the outcome. */
        RECORD_FAILURE,
        /** Keep the backend the load balancer now forwards to, and its server group. */
        RECORD_BACKEND,
        /** Forget the ACL entries and the backend secret (the load balancer is gone). */
        FORGET_ACL_AND_SECRET,
        /** End the step the outcome was for (a newer intent stays pending). */
        FINISH_STEP,
        /** No step is pending any more. */
        CLEAR_STEP,
        /** Publish NetworkProvisioned (also the stored answer to a re-sent request). */
        ANNOUNCE_PROVISIONED,
        /** Publish NetworkProvisionFailed (also the stored answer to a re-sent request). */
        ANNOUNCE_PROVISION_FAILED,
        ANNOUNCE_BACKEND_REGISTERED,
        ANNOUNCE_RELEASED
    }

    /** The next status and the effects of a transition. */
    public record Transition(State next, List<Effect> effects) {
        public Transition {
            effects = List.copyOf(effects);
        }

        public boolean has(Effect e) {
            return effects.contains(e);
        }
    }

    private static final Map<State, Map<Event, Transition>> TABLE = new EnumMap<>(State.class);

    private static void row(State from, Event on, State to, Effect... effects) {
        TABLE.computeIfAbsent(from, s -> new EnumMap<>(Event.class)).put(on, new Transition(to, List.of(effects)));
    }

    static {
        // a request: a new network with the PROVISION step; a re-sent request gets the stored answer (while the step is
        // pending it is ignored: the step answers), a released instance is never provisioned again
        row(State.NONE, Event.INSTANCE_REQUESTED, State.PROVISIONING, Effect.RECORD_REQUEST, Effect.RECORD_AUTH_MODE, Effect.STEP_PROVISION);
        row(State.ACTIVE, Event.INSTANCE_REQUESTED, State.ACTIVE, Effect.ANNOUNCE_PROVISIONED);
        row(State.FAILED, Event.INSTANCE_REQUESTED, State.FAILED, Effect.ANNOUNCE_PROVISION_FAILED);

        row(State.ACTIVE, Event.INSTANCE_DEPLOYED, State.ACTIVE, Effect.STEP_REGISTER_BACKEND);

        row(State.PROVISIONING, Event.AUTH_MODE_CHANGED, State.PROVISIONING, Effect.RECORD_AUTH_MODE, Effect.STEP_APPLY_AUTH);
        row(State.ACTIVE, Event.AUTH_MODE_CHANGED, State.ACTIVE, Effect.RECORD_AUTH_MODE, Effect.STEP_APPLY_AUTH);

        // a release wins over everything pending or in flight; answered at once when nothing exists
        row(State.NONE, Event.RELEASE_REQUESTED, State.RELEASED, Effect.RECORD_TOMBSTONE, Effect.ANNOUNCE_RELEASED);
        row(State.PROVISIONING, Event.RELEASE_REQUESTED, State.RELEASING, Effect.STEP_RELEASE);
        row(State.ACTIVE, Event.RELEASE_REQUESTED, State.RELEASING, Effect.STEP_RELEASE);
        row(State.FAILED, Event.RELEASE_REQUESTED, State.RELEASING, Effect.STEP_RELEASE);
        row(State.RELEASED, Event.RELEASE_REQUESTED, State.RELEASED, Effect.ANNOUNCE_RELEASED);

        // PROVISION's outcomes; a load balancer made while a release won is only kept for the release to delete
        row(State.PROVISIONING, Event.PROVISIONED, State.ACTIVE, Effect.RECORD_LOAD_BALANCER, Effect.FINISH_STEP,
                Effect.ANNOUNCE_PROVISIONED);
        row(State.ACTIVE, Event.PROVISIONED, State.ACTIVE, Effect.RECORD_LOAD_BALANCER);
        row(State.FAILED, Event.PROVISIONED, State.FAILED, Effect.RECORD_LOAD_BALANCER);
        row(State.RELEASING, Event.PROVISIONED, State.RELEASING, Effect.RECORD_LOAD_BALANCER);
        row(State.RELEASED, Event.PROVISIONED, State.RELEASED, Effect.RECORD_LOAD_BALANCER);
        row(State.PROVISIONING, Event.PROVISION_FAILED, State.FAILED, Effect.RECORD_FAILURE, Effect.CLEAR_STEP,
                Effect.ANNOUNCE_PROVISION_FAILED);

        row(State.ACTIVE, Event.BACKEND_REGISTERED, State.ACTIVE, Effect.RECORD_BACKEND, Effect.FINISH_STEP,
                Effect.ANNOUNCE_BACKEND_REGISTERED);

        row(State.RELEASING, Event.LOAD_BALANCER_DELETED, State.RELEASED, Effect.FORGET_ACL_AND_SECRET, Effect.CLEAR_STEP,
                Effect.ANNOUNCE_RELEASED);

        // callers' changes need a load balancer to tell
        row(State.ACTIVE, Event.CHANGE_ACL, State.ACTIVE);
        row(State.ACTIVE, Event.CHANGE_TOKENS, State.ACTIVE);
    }

    private NetworkLifecycle() {
    }

    /** The transition for {@code event} in {@code state}; empty when the event is refused (requested) or ignored. */
    public static Optional<Transition> on(State state, Event event) {
        Map<Event, Transition> row = TABLE.get(state);
        return Optional.ofNullable(row == null ? null : row.get(event));
    }

    /** As {@link #on(State, Event)} for a stored network (null: none yet). */
    public static Optional<Transition> on(Network network, Event event) {
        return on(network == null ? State.NONE : State.of(network.status()), event);
    }
}
