package dev.dmsmlflow.gateway.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Optional;

/** Idempotency records. Claims are atomic statements, so two concurrent duplicates never both proceed. */
@ApplicationScoped
public class IdempotencyRepository implements PanacheRepositoryBase<IdempotencyRecordEntity, IdempotencyRecordEntity.Key> {

    /** Inserts an in-flight record unless one exists; true when this call created it. */
    public boolean claim(String memberId, String key, String requestSha256, Instant now) {
        return getEntityManager().createNativeQuery("""
                        insert into idempotency_records (member_id, idempotency_key, request_sha256, state, started_at)
                        values (?1, ?2, ?3, 'IN_FLIGHT', ?4) on conflict do nothing""")
                .setParameter(1, memberId).setParameter(2, key).setParameter(3, requestSha256).setParameter(4, now)
                .executeUpdate() == 1;
    }

    /** Takes over an in-flight record started before {@code staleBefore} (its worker died); true when taken. */
    public boolean takeOver(String memberId, String key, String requestSha256, Instant staleBefore, Instant now) {
        return update("startedAt = ?1 where memberId = ?2 and idempotencyKey = ?3 and requestSha256 = ?4"
                + " and state = 'IN_FLIGHT' and startedAt < ?5", now, memberId, key, requestSha256, staleBefore) == 1;
    }

    public Optional<IdempotencyRecordEntity> find(String memberId, String key) {
        return findByIdOptional(new IdempotencyRecordEntity.Key(memberId, key));
    }

    public long deleteStartedBefore(Instant cutoff) {
        return delete("startedAt < ?1", cutoff);
    }

    public void deleteOne(String memberId, String key) {
        delete("memberId = ?1 and idempotencyKey = ?2", memberId, key);
    }
}
