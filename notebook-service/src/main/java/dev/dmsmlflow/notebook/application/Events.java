package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.contracts.notebook.NotebookSessionStarted;
import dev.dmsmlflow.contracts.notebook.NotebookSessionStopped;
import dev.dmsmlflow.contracts.notebook.NotebookStopReason;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import dev.dmsmlflow.notebook.persistence.SessionEntity;

import java.time.Instant;

/** The one place sessions become contract events. */
final class Events {

    private Events() {
    }

    static NotebookSessionStarted started(SessionEntity s, Instant at) {
        return new NotebookSessionStarted(s.id, s.workspaceId, s.name, s.spec, s.image, s.instanceId, s.trackingUri,
                s.idleReleaseMinutes, at);
    }

    static NotebookSessionStopped stopped(SessionEntity s, Instant at) {
        NotebookStopReason reason = s.status == SessionStatus.RELEASED ? NotebookStopReason.IDLE_RELEASE
                : s.status == SessionStatus.FAILED ? NotebookStopReason.FAILED : NotebookStopReason.USER_REQUESTED;
        return new NotebookSessionStopped(s.id, s.workspaceId, reason, at);
    }
}
