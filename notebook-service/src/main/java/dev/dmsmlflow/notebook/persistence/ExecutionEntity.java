package dev.dmsmlflow.notebook.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;

/** One piece of code run in a session's kernel, and what it printed and returned. */
@Entity
@Table(name = "notebook_execution")
public class ExecutionEntity {

    /** Where an execution is. */
    public enum Status {
        QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT;

        public boolean finished() {
            return this != QUEUED && this != RUNNING;
        }
    }

    @Id
    public String id;
    @Column(name = "session_id", nullable = false)
    public String sessionId;
    @Column(name = "workspace_id", nullable = false)
    public String workspaceId;
    @Column(nullable = false)
    public String code;
    @Column(name = "timeout_ms", nullable = false)
    public long timeoutMs;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;
    @Column(nullable = false)
    public String stdout = "";
    @Column(nullable = false)
    public String stderr = "";
    public String result;
    @Column(name = "error_name")
    public String errorName;
    @Column(name = "error_value")
    public String errorValue;
    public String traceback;
    @Column(name = "requested_by")
    public String requestedBy;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Version
    public long version;
}
