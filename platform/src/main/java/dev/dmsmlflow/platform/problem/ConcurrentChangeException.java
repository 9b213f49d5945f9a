package dev.dmsmlflow.platform.problem;

import jakarta.persistence.OptimisticLockException;
import org.hibernate.StaleStateException;
import org.jboss.logging.Logger;

import java.util.function.Supplier;

/**
 * Another transaction changed a row between this writer's read and its write (its {@code @Version} moved on), so nothing
 * was written: a lost optimistic-locking race. Answered as a 409 problem, code {@code CONCURRENT_CHANGE}, naming the
 * resource and its {@code id}; a background writer (a worker, a consumer) retries instead ({@link #retrying}). Every
 * service that persists with Hibernate ORM turns its lost races into this one exception, so clients see one answer.
 */
public class ConcurrentChangeException extends ProblemException {

    public static final String CODE = "CONCURRENT_CHANGE";

    private static final Logger LOG = Logger.getLogger(ConcurrentChangeException.class);

    private final String kind;
    private final String id;

    /** {@code kind} names the resource as a sentence starts it ("Instance", "Network"); {@code id} is its id. */
    public ConcurrentChangeException(String kind, String id) {
        super(Problem.of("conflict", "Conflict with current state", 409, kind + " " + id
                + " was changed by another request meanwhile; nothing was written. Read it again and retry.", "id")
                .withCode(CODE));
        this.kind = kind;
        this.id = id;
    }

    public String kind() {
        return kind;
    }

    public String id() {
        return id;
    }

    /**
     * Whether {@code t}, or one of its causes, is a lost race: this exception, or the persistence layer's sign of one (JPA's
     * {@link OptimisticLockException}, Hibernate's {@link StaleStateException}, also when a commit wraps them).
     */
    public static boolean isLostRace(Throwable t) {
        return isLostRace(t, 0);
    }

    private static boolean isLostRace(Throwable t, int depth) {
        if (t == null || depth > 16) {
            return false;
        }
        if (t instanceof ConcurrentChangeException || t instanceof OptimisticLockException || t instanceof StaleStateException) {
            return true;
        }
        // a transaction manager may attach what failed at the commit as a suppressed exception rather than the cause
        for (Throwable s : t.getSuppressed()) {
            if (isLostRace(s, depth + 1)) {
                return true;
            }
        }
        return t.getCause() != t && isLostRace(t.getCause(), depth + 1);
    }

    /** Runs {@code write}; a lost race in it (at a flush or at its commit) is thrown as this exception for kind and id. */
    public static <T> T translating(String kind, String id, Supplier<T> write) {
        try {
            return write.get();
        } catch (ConcurrentChangeException e) {
            throw e;
        } catch (RuntimeException e) {
            if (isLostRace(e)) {
                throw new ConcurrentChangeException(kind, id);
            }
            throw e;
        }
    }

    /**
     * Runs {@code attempt} (which reads afresh and writes in a transaction of its own) up to {@code tries} times while it
     * loses races; the last loss is thrown as this exception for kind and id. For writers that must not give up at the
     * first conflict (a worker's outcome, an API call whose other writer is the service's own background work).
     */
    public static <T> T retrying(int tries, String kind, String id, Supplier<T> attempt) {
        for (int i = 1; ; i++) {
            try {
                return translating(kind, id, attempt);
            } catch (ConcurrentChangeException e) {
                if (i >= tries) {
                    throw e;
                }
                LOG.infof("%s %s was changed by another writer meanwhile (try %d of %d); reading it again", kind, id, i, tries);
            }
        }
    }
}
