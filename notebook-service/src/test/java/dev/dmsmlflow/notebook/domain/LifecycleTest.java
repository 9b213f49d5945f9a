package dev.dmsmlflow.notebook.domain;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.notebook.domain.Effect.CLOSE_METER;
import static dev.dmsmlflow.notebook.domain.Effect.DISCARD_RUNTIME;
import static dev.dmsmlflow.notebook.domain.Effect.OPEN_METER;
import static dev.dmsmlflow.notebook.domain.Effect.PROVISION;
import static dev.dmsmlflow.notebook.domain.Effect.PUBLISH_STARTED;
import static dev.dmsmlflow.notebook.domain.Effect.PUBLISH_STOPPED;
import static dev.dmsmlflow.notebook.domain.Effect.REMOVE;
import static dev.dmsmlflow.notebook.domain.Effect.STOP_RUNTIME;
import static dev.dmsmlflow.notebook.domain.SessionStatus.CREATED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.FAILED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.RELEASED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.RUNNING;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STARTING;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STOPPED;
import static dev.dmsmlflow.notebook.domain.SessionStatus.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The session lifecycle, every (status, trigger) pair: next status and effects, or a refusal. */
class LifecycleTest {

    /** An expected cell: next status (null = removed) and effects, or REFUSED. */
    private record Cell(SessionStatus next, List<Effect> effects, boolean refused) {
    }

    private static Cell to(SessionStatus next, Effect... effects) {
        return new Cell(next, List.of(effects), false);
    }

    private static Cell gone(Effect... effects) {
        return new Cell(null, List.of(effects), false);
    }

    private static final Cell REFUSED = new Cell(null, List.of(), true);

    private static Map<Trigger, Cell> row(Cell start, Cell stop, Cell delete, Cell ready, Cell failed, Cell stopped, Cell lost, Cell idle) {
        Map<Trigger, Cell> m = new EnumMap<>(Trigger.class);
        m.put(Trigger.START, start);
        m.put(Trigger.STOP, stop);
        m.put(Trigger.DELETE, delete);
        m.put(Trigger.RUNTIME_READY, ready);
        m.put(Trigger.RUNTIME_FAILED, failed);
        m.put(Trigger.RUNTIME_STOPPED, stopped);
        m.put(Trigger.RUNTIME_LOST, lost);
        m.put(Trigger.IDLE_TIMEOUT, idle);
        return m;
    }

    /** The table (user stop: {@code idleStop} false). Columns: START, STOP, DELETE, READY, FAILED, STOPPED, LOST, IDLE. */
    private static final Map<SessionStatus, Map<Trigger, Cell>> TABLE = new EnumMap<>(Map.of(
            CREATED, row(to(STARTING, PROVISION), REFUSED, gone(REMOVE, DISCARD_RUNTIME), to(CREATED), to(CREATED), to(CREATED),
                    to(CREATED), to(CREATED)),
            STARTING, row(to(STARTING), to(STOPPING, STOP_RUNTIME), REFUSED, to(RUNNING, OPEN_METER, PUBLISH_STARTED), to(FAILED),
                    to(STARTING), to(STARTING), to(STARTING)),
            RUNNING, row(to(RUNNING), to(STOPPING, STOP_RUNTIME), REFUSED, to(RUNNING), to(RUNNING), to(RUNNING),
                    to(FAILED, CLOSE_METER, PUBLISH_STOPPED, STOP_RUNTIME), to(STOPPING, STOP_RUNTIME)),
            STOPPING, row(REFUSED, to(STOPPING), REFUSED, to(STOPPING), to(STOPPING), to(STOPPED, CLOSE_METER, PUBLISH_STOPPED),
                    to(STOPPING), to(STOPPING)),
            STOPPED, row(to(STARTING, PROVISION), to(STOPPED), gone(REMOVE, DISCARD_RUNTIME), to(STOPPED), to(STOPPED), to(STOPPED),
                    to(STOPPED), to(STOPPED)),
            FAILED, row(to(STARTING, PROVISION), to(FAILED), gone(REMOVE, DISCARD_RUNTIME), to(FAILED), to(FAILED), to(FAILED),
                    to(FAILED), to(FAILED)),
            RELEASED, row(to(STARTING, PROVISION), to(RELEASED), gone(REMOVE, DISCARD_RUNTIME), to(RELEASED), to(RELEASED),
                    to(RELEASED), to(RELEASED), to(RELEASED))));

    @Test
    void everyStatusAndTriggerHasTheTransitionOfTheTable() {
        int cells = 0;
        for (SessionStatus status : SessionStatus.values()) {
            for (Trigger trigger : Trigger.values()) {
                Cell want = TABLE.get(status).get(trigger);
                assertNotNull(want, status + " x " + trigger + " missing from the expected table");
                Transition got = Lifecycle.on(status, trigger, false);
                String cell = status + " x " + trigger;
                assertEquals(want.refused(), got.refused(), cell + " refused?");
                if (!want.refused()) {
                    assertEquals(want.next(), got.next(), cell + " next");
                    assertEquals(want.effects(), got.effects(), cell + " effects");
                } else {
                    assertTrue(got.refusal() != null && !got.refusal().isBlank(), cell + " says why");
                }
                cells++;
            }
        }
        assertEquals(SessionStatus.values().length * Trigger.values().length, cells);
    }

    @Test
    void anIdleStopEndsReleasedAndAUserStopEndsStopped() {
        assertEquals(RELEASED, Lifecycle.on(STOPPING, Trigger.RUNTIME_STOPPED, true).next());
        assertEquals(STOPPED, Lifecycle.on(STOPPING, Trigger.RUNTIME_STOPPED, false).next());
        for (SessionStatus s : SessionStatus.values()) {
            if (s != STOPPING) {
                for (Trigger t : Trigger.values()) {
                    Transition idle = Lifecycle.on(s, t, true);
                    Transition user = Lifecycle.on(s, t, false);
                    assertEquals(user, idle, s + " x " + t + " does not depend on the kind of stop");
                }
            }
        }
    }

    @Test
    void onlyProcessWorkIsLeftForAfterTheCommitAndAtMostOnePieceOfIt() {
        for (SessionStatus s : SessionStatus.values()) {
            for (Trigger t : Trigger.values()) {
                Transition tr = Lifecycle.on(s, t, false);
                long outside = tr.effects().stream().filter(Effect::outsideTransaction).count();
                assertTrue(outside <= 1 || tr.next() == null, s + " x " + t);
                if (tr.pendingAction() != null) {
                    assertTrue(List.of(PROVISION, STOP_RUNTIME, DISCARD_RUNTIME).contains(tr.pendingAction()));
                }
            }
        }
        assertNull(Lifecycle.on(RUNNING, Trigger.START, false).pendingAction(), "starting a running session does nothing");
    }
}
