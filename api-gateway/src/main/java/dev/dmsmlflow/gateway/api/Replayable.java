package dev.dmsmlflow.gateway.api;

/** An answer with a part that must not be kept for idempotent replays (a secret shown once). */
public interface Replayable {

    /** What a replay of the request answers instead. */
    Object forReplay();
}
