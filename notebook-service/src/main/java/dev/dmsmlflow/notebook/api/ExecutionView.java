package dev.dmsmlflow.notebook.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.dmsmlflow.notebook.persistence.ExecutionEntity;

import java.time.Duration;
import java.time.Instant;

/**
 * An execution: status, output and result. {@code stdout}/{@code stderr} start at the offsets asked for
 * ({@code stdoutFrom}, {@code stderrFrom}) so a client can follow the output; {@code stdoutLength}/{@code stderrLength}
 * are the totals so far.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExecutionView(String id, String sessionId, String status, String stdout, int stdoutLength, String stderr,
                            int stderrLength, String result, Error error, Long durationMs, long timeoutSeconds,
                            String requestedBy, Instant createdAt, Instant startedAt, Instant finishedAt) {

    public record Error(String name, String value, String traceback) {
    }

    static ExecutionView of(ExecutionEntity e, int stdoutFrom, int stderrFrom) {
        Long duration = e.startedAt == null ? null
                : Duration.between(e.startedAt, e.finishedAt == null ? Instant.now() : e.finishedAt).toMillis();
        return new ExecutionView(e.id, e.sessionId, e.status.name(), from(e.stdout, stdoutFrom), e.stdout.length(),
                from(e.stderr, stderrFrom), e.stderr.length(), e.result,
                e.errorName == null ? null : new Error(e.errorName, e.errorValue, e.traceback), duration, e.timeoutMs / 1000,
                e.requestedBy, e.createdAt, e.startedAt, e.finishedAt);
    }

    private static String from(String s, int offset) {
        return offset <= 0 ? s : offset >= s.length() ? "" : s.substring(offset);
    }
}
