package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** The first answer to a member's POST with an {@code Idempotency-Key}, or the mark that it is still being worked on. */
@Entity
@Table(name = "idempotency_records")
@IdClass(IdempotencyRecordEntity.Key.class)
public class IdempotencyRecordEntity {

    @Id
    @Column(name = "member_id")
    public String memberId;

    @Id
    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "request_sha256", nullable = false)
    public String requestSha256;

    /** {@code IN_FLIGHT} or {@code DONE}. */
    @Column(nullable = false)
    public String state;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(name = "response_status")
    public Integer responseStatus;

    @Column(name = "response_content_type")
    public String responseContentType;

    @Column(name = "response_location")
    public String responseLocation;

    @Column(name = "response_body")
    public byte[] responseBody;

    /** Primary key: (member, key). */
    public static class Key implements Serializable {
        public String memberId;
        public String idempotencyKey;

        public Key() {
        }

        public Key(String memberId, String idempotencyKey) {
            this.memberId = memberId;
            this.idempotencyKey = idempotencyKey;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(memberId, k.memberId) && Objects.equals(idempotencyKey, k.idempotencyKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(memberId, idempotencyKey);
        }
    }
}
