package dev.dmsmlflow.network.provider.local;

import dev.dmsmlflow.network.domain.BackendHealth;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The active health check of one backend of a local load balancer: {@code GET /health} (with the backend secret) every
 * interval, judged by {@link BackendHealth}'s thresholds. It runs as a verticle so that its timers and answers share one
 * event-loop context (no locks, no thread of its own) and vanish with its undeployment.
 */
final class BackendHealthCheck extends AbstractVerticle {

    private static final Logger LOG = Logger.getLogger(BackendHealthCheck.class);

    /** The check's settings (see {@code dms.network.local.health-check.*}). */
    record Settings(Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {
        Settings {
            if (interval.toMillis() < 1 || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("dms.network.local.health-check.interval and timeout must be at least 1ms");
            }
            if (healthyThreshold < 1 || unhealthyThreshold < 1) {
                throw new IllegalArgumentException("dms.network.local.health-check thresholds must be at least 1");
            }
        }
    }

    private final Vertx owner;
    private final String loadBalancerId;
    private final HttpClient client;
    private final String host;
    private final int port;
    private final Supplier<String> secret;
    private final Settings settings;
    private volatile BackendHealth health;
    private volatile boolean stopped;
    private String deploymentId;

    BackendHealthCheck(Vertx owner, String loadBalancerId, HttpClient client, String host, int port, Supplier<String> secret,
                       Settings settings) {
        this.owner = owner;
        this.loadBalancerId = loadBalancerId;
        this.client = client;
        this.host = host;
        this.port = port;
        this.secret = secret;
        this.settings = settings;
        this.health = BackendHealth.unknown(Instant.now(), null);
    }

    /** The verdict so far. */
    BackendHealth health() {
        return health;
    }

    /** Starts checking; the first check runs at once. */
    void begin() {
        owner.deployVerticle(this).onComplete(ar -> {
            if (ar.failed()) {
                LOG.errorf(ar.cause(), "the health check of load balancer %s could not start", loadBalancerId);
                return;
            }
            synchronized (this) {
                deploymentId = ar.result();
                if (stopped) {
                    owner.undeploy(deploymentId);
                }
            }
        });
    }

    /** Stops checking (its timers go with the deployment); a check under way is ignored when it ends. */
    void end() {
        synchronized (this) {
            stopped = true;
            if (deploymentId != null) {
                owner.undeploy(deploymentId).onFailure(e -> LOG.debugf("undeploying the health check of %s: %s", loadBalancerId, e));
            }
        }
    }

    @Override
    public void start() {
        check();
    }

    /** One check; when it is over, the next is scheduled one interval after this one began. */
    private void check() {
        if (stopped) {
            return;
        }
        long began = System.nanoTime();
        Attempt attempt = new Attempt(began);
        long timeoutMs = settings.timeout().toMillis();
        attempt.timer = vertx.setTimer(timeoutMs, id -> {
            if (attempt.finish("no answer within " + text(settings.timeout())) && attempt.request != null) {
                attempt.request.reset();
            }
        });
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI("/health")
                .setConnectTimeout(timeoutMs).putHeader("User-Agent", "dms-load-balancer-health-check");
        String s = secret.get();
        if (s != null) {
            options.putHeader(LocalProxy.BACKEND_AUTH_HEADER, s);
        }
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                attempt.finish(failure(ar.cause()));
                return;
            }
            HttpClientRequest request = ar.result();
            if (attempt.over) {
                request.reset();
                return;
            }
            attempt.request = request;
            request.send().compose(response -> {
                response.handler(ignored -> {
                }); // the body does not matter, but it is read so that the connection can serve again
                return response.end().map(v -> response.statusCode());
            }).onComplete(done -> {
                if (done.failed()) {
                    attempt.finish(failure(done.cause()));
                } else if (done.result() / 100 == 2) {
                    attempt.finish(null);
                } else {
                    attempt.finish("GET /health answered " + done.result());
                }
            });
        });
    }

    /** One check's state; touched only on this verticle's context. */
    private final class Attempt {
        private final long began;
        private long timer;
        private HttpClientRequest request;
        private boolean over;

        Attempt(long began) {
            this.began = began;
        }

        /** Records the outcome (null: passed) unless one was recorded already; true when this call recorded it. */
        boolean finish(String failure) {
            if (over) {
                return false;
            }
            over = true;
            vertx.cancelTimer(timer);
            if (stopped) {
                return true;
            }
            record(failure);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            vertx.setTimer(Math.max(1, settings.interval().toMillis() - elapsedMs), id -> check());
            return true;
        }
    }

    private void record(String failure) {
        Instant now = Instant.now();
        BackendHealth before = health;
        BackendHealth after = failure == null ? before.passed(now, settings.healthyThreshold())
                : before.failed(now, failure, settings.unhealthyThreshold());
        health = after;
        if (after.status() == before.status()) {
            return;
        }
        // once per change of verdict, never per check; never the backend's address
        if (after.status() == BackendHealth.Status.UNHEALTHY) {
            LOG.warnf("load balancer %s: its tracking server is UNHEALTHY after %d failed health checks (%s); requests are still"
                    + " forwarded", loadBalancerId, after.failuresInARow(), failure);
        } else {
            LOG.infof("load balancer %s: its tracking server is %s after %d passed health checks", loadBalancerId, after.status(),
                    after.passesInARow());
        }
    }

    /** Why a check failed, without the backend's address (exception messages carry it). */
    private String failure(Throwable e) {
        if (e instanceof TimeoutException || e instanceof ConnectTimeoutException) {
            return "no connection within " + text(settings.timeout());
        }
        if (e instanceof ConnectException) {
            return "the connection was refused";
        }
        if (e instanceof HttpClosedException) {
            return "the connection closed before an answer";
        }
        return "the check failed (" + e.getClass().getSimpleName() + ")";
    }

    /** A duration as people write it: {@code 2s}, {@code 500ms}, {@code 1m}. */
    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s >= 60 && s % 60 == 0 ? (s / 60) + "m" : s + "s";
    }
}
