package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.GatewayConfig;
import dev.dmsmlflow.gateway.persistence.IdempotencyRecordEntity;
import dev.dmsmlflow.gateway.persistence.IdempotencyRepository;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} for every POST, per member: the first request with a key claims it; its answer is kept and
 * replayed to retries with the same method, path and body; the same key with another request is 409, and so is a
 * duplicate that arrives while the first is still being worked on. A claim whose worker died (still in flight after
 * {@code dms.gateway.idempotency.in-flight-timeout}) may be retried: instance-service receives the key as well and
 * answers that retry with the instance it already created.
 */
@ApplicationScoped
public class Idempotency {

    private static final Logger LOG = Logger.getLogger(Idempotency.class);
    /** Printable ASCII, no spaces. */
    public static final String KEY_PATTERN = "^[\\x21-\\x7E]{1,255}$";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /** A stored first answer. */
    public record Answer(int status, String contentType, String location, byte[] body) {
    }

    /** What to do with a request: proceed (this request owns the key) or replay a first answer. */
    public record Start(boolean proceed, Answer replay) {
    }

    private final IdempotencyRepository records;
    private final GatewayConfig config;

    Idempotency(IdempotencyRepository records, GatewayConfig config) {
        this.records = records;
        this.config = config;
    }

    /** Checks the header's form: 400 naming {@code Idempotency-Key} when it is not 1-255 printable characters. */
    public static void checkKey(String key) {
        if (key != null && !KEY.matcher(key).matches()) {
            throw ProblemException.invalidField("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters without spaces.");
        }
    }

    /** Fingerprint of a request: method, path and canonical body. */
    public static String fingerprint(String method, String path, String canonicalBody) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((method + ' ' + path + '\n').getBytes(StandardCharsets.UTF_8));
            if (canonicalBody != null) {
                d.update(canonicalBody.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims the key for this request, or says which first answer to replay; 409 for a different or concurrent request. Blocking. */
    public Start begin(String memberId, String key, String fingerprint) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            if (records.claim(memberId, key, fingerprint, now)) {
                return new Start(true, null);
            }
            IdempotencyRecordEntity r = records.find(memberId, key).orElse(null);
            if (r == null) { // deleted (abandoned) between the two statements: claim again
                return new Start(records.claim(memberId, key, fingerprint, now), null);
            }
            if (r.startedAt.isBefore(now.minus(config.idempotency().retention()))) {
                records.deleteOne(memberId, key);
                return new Start(records.claim(memberId, key, fingerprint, now), null);
            }
            if (!r.requestSha256.equals(fingerprint)) {
                throw new ProblemException(Problem.of("idempotency-key-reused", "Idempotency key reused", 409,
                        "This Idempotency-Key was used for a different request; use a new key for a new request.",
                        "Idempotency-Key").withCode("IDEMPOTENCY_KEY_REUSED"));
            }
            if ("DONE".equals(r.state)) {
                return new Start(false, new Answer(r.responseStatus, r.responseContentType, r.responseLocation, r.responseBody));
            }
            if (records.takeOver(memberId, key, fingerprint, now.minus(config.idempotency().inFlightTimeout()), now)) {
                return new Start(true, null);
            }
            throw new ProblemException(Problem.of("idempotency-in-progress", "Request in progress", 409,
                    "A request with this Idempotency-Key is still being processed; retry after it completes.",
                    "Idempotency-Key").withCode("IDEMPOTENCY_IN_PROGRESS"));
        });
    }

    /** Keeps the first answer. Blocking. */
    public void complete(String memberId, String key, Answer answer) {
        QuarkusTransaction.requiringNew().run(() -> records.find(memberId, key).ifPresent(r -> {
            r.state = "DONE";
            r.completedAt = Instant.now();
            r.responseStatus = answer.status();
            r.responseContentType = answer.contentType();
            r.responseLocation = answer.location();
            r.responseBody = answer.body();
        }));
    }

    /** Forgets the claim so the request can be retried (it failed without an answer worth keeping). Blocking. */
    public void abandon(String memberId, String key) {
        try {
            QuarkusTransaction.requiringNew().run(() -> records.deleteOne(memberId, key));
        } catch (RuntimeException e) {
            LOG.warnf("could not release an idempotency key of member %s: %s", memberId, e.toString());
        }
    }

    public Optional<IdempotencyRecordEntity> find(String memberId, String key) {
        return QuarkusTransaction.requiringNew().call(() -> records.find(memberId, key));
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        Instant cutoff = Instant.now().minus(config.idempotency().retention());
        long n = QuarkusTransaction.requiringNew().call(() -> records.deleteStartedBefore(cutoff));
        if (n > 0) {
            LOG.infof("purged %d idempotency records older than %s", n, cutoff);
        }
    }
}
