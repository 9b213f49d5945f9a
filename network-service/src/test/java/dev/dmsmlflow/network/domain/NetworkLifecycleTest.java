package dev.dmsmlflow.network.domain;

import dev.dmsmlflow.network.domain.NetworkLifecycle.Effect;
import dev.dmsmlflow.network.domain.NetworkLifecycle.Event;
import dev.dmsmlflow.network.domain.NetworkLifecycle.State;
import dev.dmsmlflow.network.domain.NetworkLifecycle.Transition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network lifecycle as a table: every (state, event) pair, its next state and effects, or a refusal. */
class NetworkLifecycleTest {

    /**
     * Every transition there is, written out: {@code STATE EVENT -> NEXT EFFECT...}. Every pair not listed is refused (a
     * caller's change: 409) or ignored (a saga event or a step's outcome).
     */
    private static final String TABLE = """
            NONE INSTANCE_REQUESTED -> PROVISIONING RECORD_REQUEST RECORD_AUTH_MODE STEP_PROVISION
            ACTIVE INSTANCE_REQUESTED -> ACTIVE ANNOUNCE_PROVISIONED
            FAILED INSTANCE_REQUESTED -> FAILED ANNOUNCE_PROVISION_FAILED
            ACTIVE INSTANCE_DEPLOYED -> ACTIVE STEP_REGISTER_BACKEND
            PROVISIONING AUTH_MODE_CHANGED -> PROVISIONING RECORD_AUTH_MODE STEP_APPLY_AUTH
            ACTIVE AUTH_MODE_CHANGED -> ACTIVE RECORD_AUTH_MODE STEP_APPLY_AUTH
            NONE RELEASE_REQUESTED -> RELEASED RECORD_TOMBSTONE ANNOUNCE_RELEASED
            PROVISIONING RELEASE_REQUESTED -> RELEASING STEP_RELEASE
            ACTIVE RELEASE_REQUESTED -> RELEASING STEP_RELEASE
            FAILED RELEASE_REQUESTED -> RELEASING STEP_RELEASE
            RELEASED RELEASE_REQUESTED -> RELEASED ANNOUNCE_RELEASED
            PROVISIONING PROVISIONED -> ACTIVE RECORD_LOAD_BALANCER FINISH_STEP ANNOUNCE_PROVISIONED
            ACTIVE PROVISIONED -> ACTIVE RECORD_LOAD_BALANCER
            FAILED PROVISIONED -> FAILED RECORD_LOAD_BALANCER
            RELEASING PROVISIONED -> RELEASING RECORD_LOAD_BALANCER
            RELEASED PROVISIONED -> RELEASED RECORD_LOAD_BALANCER
            PROVISIONING PROVISION_FAILED -> FAILED RECORD_FAILURE CLEAR_STEP ANNOUNCE_PROVISION_FAILED
            ACTIVE BACKEND_REGISTERED -> ACTIVE RECORD_BACKEND FINISH_STEP ANNOUNCE_BACKEND_REGISTERED
            RELEASING LOAD_BALANCER_DELETED -> RELEASED FORGET_ACL_AND_SECRET CLEAR_STEP ANNOUNCE_RELEASED
            ACTIVE CHANGE_ACL -> ACTIVE
            ACTIVE CHANGE_TOKENS -> ACTIVE
            """;

    private static Map<String, Transition> expected() {
        Map<String, Transition> out = new HashMap<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] w = line.trim().split("\\s+");
            List<Effect> effects = new ArrayList<>();
            Arrays.stream(w, 4, w.length).forEach(e -> effects.add(Effect.valueOf(e)));
            out.put(State.valueOf(w[0]) + " " + Event.valueOf(w[1]), new Transition(State.valueOf(w[3]), effects));
        }
        return out;
    }

    @Test
    void everyStateAndEventHasItsTransitionOrNone() {
        Map<String, Transition> expected = expected();
        int pairs = 0;
        for (State s : State.values()) {
            for (Event e : Event.values()) {
                pairs++;
                Optional<Transition> actual = NetworkLifecycle.on(s, e);
                Transition want = expected.get(s + " " + e);
                assertEquals(Optional.ofNullable(want), actual, s + " x " + e);
            }
        }
        assertEquals(State.values().length * Event.values().length, pairs);
        assertEquals(21, expected.size(), "the table above lists every transition once");
    }

    @Test
    void callersChangesNeedAnActiveNetworkAndAreRefusedElsewhere() {
        for (State s : State.values()) {
            for (Event e : List.of(Event.CHANGE_ACL, Event.CHANGE_TOKENS)) {
                assertTrue(e.requested());
                assertEquals(s == State.ACTIVE, NetworkLifecycle.on(s, e).isPresent(), s + " x " + e);
                NetworkLifecycle.on(s, e).ifPresent(t -> assertEquals(List.of(), t.effects(), "a change of its own, no step"));
            }
        }
        Arrays.stream(Event.values()).filter(e -> e != Event.CHANGE_ACL && e != Event.CHANGE_TOKENS)
                .forEach(e -> assertFalse(e.requested(), e + " is a saga event or an outcome: ignored, never a 409"));
    }

    @Test
    void aReleaseWinsAndNothingComesBackFromReleased() {
        for (State s : State.values()) {
            for (Event e : Event.values()) {
                Optional<Transition> t = NetworkLifecycle.on(s, e);
                if (t.isEmpty()) {
                    continue;
                }
                if (s == State.RELEASED || s == State.RELEASING) {
                    assertTrue(t.get().next() == State.RELEASED || t.get().next() == State.RELEASING, s + " x " + e + " leaves the release");
                    assertFalse(t.get().has(Effect.ANNOUNCE_PROVISIONED), s + " x " + e + " announces a released network");
                }
                if (t.get().next() == State.RELEASING && s != State.RELEASING) {
                    assertTrue(t.get().has(Effect.STEP_RELEASE), s + " x " + e + " starts releasing without the step");
                }
                if (t.get().has(Effect.ANNOUNCE_PROVISIONED)) {
                    assertEquals(State.ACTIVE, t.get().next());
                }
            }
        }
        // a provisioning outcome arriving after the release keeps the ids for the release to delete, announces nothing
        Transition late = NetworkLifecycle.on(State.RELEASING, Event.PROVISIONED).orElseThrow();
        assertEquals(List.of(Effect.RECORD_LOAD_BALANCER), late.effects());
    }

    @Test
    void aStoredNetworkIsLookedUpByItsStatusAndNoneByNone() {
        assertEquals(State.PROVISIONING, NetworkLifecycle.on((Network) null, Event.INSTANCE_REQUESTED).orElseThrow().next());
        for (NetworkStatus status : NetworkStatus.values()) {
            assertEquals(status, State.of(status).status());
        }
        assertTrue(State.NONE.status() == null);
    }
}
