package dev.dmsmlflow.tracking.auth;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token list's fetching and the verdicts on it, with a fixed clock. */
class TokenFeedTest {

    private static final Instant NOW = Instant.parse("2026-11-30T01:00:00Z");
    private static final Duration STALE = Duration.ofSeconds(60);

    @Test
    void aWrongSecretGetsNoListAndNothingIsServedInTokenMode() throws Exception {
        try (FakeTokenEndpoint ep = new FakeTokenEndpoint("right")) {
            TokenFeed feed = new TokenFeed(URI.create(ep.url()), "wrong", Duration.ofSeconds(2), Clock.fixed(NOW, ZoneOffset.UTC));
            assertNull(feed.refresh().get());
            assertEquals(1, ep.refused.get());
            assertEquals(TokenAuth.Verdict.UNAVAILABLE,
                    TokenAuth.judge(feed.current(), NOW, STALE, "GET", "/api/2.0/mlflow/experiments/search", "Bearer x").verdict());
        }
    }

    @Test
    void theListKeepsDigestsScopesAndExpiriesAndSurvivesAFailedFetch() throws Exception {
        try (FakeTokenEndpoint ep = new FakeTokenEndpoint("s")) {
            String rw = ep.add("read-write", null);
            String r = ep.add("read", NOW.plusSeconds(30));
            TokenFeed feed = new TokenFeed(URI.create(ep.url()), "s", Duration.ofSeconds(2), Clock.fixed(NOW, ZoneOffset.UTC));
            TokenFeed.Snapshot s = feed.refresh().get();
            assertNotNull(s);
            assertEquals(2, s.grants().size());
            assertEquals(NOW, s.fetchedAt());
            assertEquals(TokenAuth.Verdict.PASS, TokenAuth.judge(s, NOW, STALE, "POST", "/api/2.0/mlflow/runs/create", "Bearer " + rw).verdict());
            assertEquals(TokenAuth.Verdict.READ_ONLY, TokenAuth.judge(s, NOW, STALE, "POST", "/api/2.0/mlflow/runs/create", "Bearer " + r).verdict());
            assertEquals(TokenAuth.Verdict.PASS, TokenAuth.judge(s, NOW, STALE, "POST", "/api/2.0/mlflow/runs/search", "Bearer " + r).verdict());
            assertEquals(TokenAuth.Verdict.UNAUTHENTICATED,
                    TokenAuth.judge(s, NOW.plusSeconds(30), STALE, "GET", "/version", "Bearer " + r).verdict(), "expired at its expiry");
            assertEquals(TokenAuth.Verdict.UNKNOWN_TOKEN, TokenAuth.judge(s, NOW, STALE, "GET", "/version", "Bearer mlft_x_y").verdict());
            assertEquals(TokenAuth.Verdict.UNAUTHENTICATED, TokenAuth.judge(s, NOW, STALE, "GET", "/version", null).verdict());
            ep.down = true;
            assertSame(s, feed.refresh().get(), "the last list stays");
            assertEquals(TokenAuth.Verdict.PASS, TokenAuth.judge(s, NOW.plus(STALE), STALE, "GET", "/version", "Bearer " + rw).verdict());
            assertEquals(TokenAuth.Verdict.UNAVAILABLE,
                    TokenAuth.judge(s, NOW.plus(STALE).plusMillis(1), STALE, "GET", "/version", "Bearer " + rw).verdict());
        }
    }

    @Test
    void networkModeNeedsNoToken() throws Exception {
        try (FakeTokenEndpoint ep = new FakeTokenEndpoint("s")) {
            ep.authMode = "network";
            TokenFeed feed = new TokenFeed(URI.create(ep.url()), "s", Duration.ofSeconds(2), Clock.fixed(NOW, ZoneOffset.UTC));
            TokenFeed.Snapshot s = feed.refresh().get();
            assertEquals(TokenAuth.Verdict.PASS, TokenAuth.judge(s, NOW, STALE, "POST", "/api/2.0/mlflow/runs/create", null).verdict());
        }
    }

    @Test
    void anUnknownTokenIsJudgedOnAListAskedForAfterItArrivedAndSuchFetchesAreRateLimited() throws Exception {
        try (FakeTokenEndpoint ep = new FakeTokenEndpoint("s")) {
            TokenFeed feed = new TokenFeed(URI.create(ep.url()), "s", Duration.ofSeconds(2), Clock.systemUTC());
            TokenFeed.Snapshot first = feed.refresh().get();
            String token = ep.add("read-write", null);
            Instant arrived = Instant.now();
            TokenFeed.Snapshot s = feed.fresherThan(arrived, Duration.ofMillis(200)).get();
            assertTrue(!s.askedAt().isBefore(arrived));
            assertTrue(!s.askedAt().isBefore(first.askedAt().plusMillis(200)), "not sooner than the gap after the last fetch");
            assertEquals(TokenAuth.Verdict.PASS, TokenAuth.judge(s, Instant.now(), STALE, "GET", "/version", "Bearer " + token).verdict());
            // already fresh enough: no fetch
            int fetches = ep.answered.get();
            assertSame(s, feed.fresherThan(arrived, Duration.ofMillis(200)).get());
            assertEquals(fetches, ep.answered.get());
            // many unknown tokens at once share one fetch
            Instant later = Instant.now();
            CompletableFuture<TokenFeed.Snapshot> a = feed.fresherThan(later, Duration.ofMillis(200));
            CompletableFuture<TokenFeed.Snapshot> b = feed.fresherThan(later, Duration.ofMillis(200));
            CompletableFuture<TokenFeed.Snapshot> c = feed.fresherThan(later, Duration.ofMillis(200));
            assertSame(a.get(), b.get());
            assertSame(a.get(), c.get());
            assertEquals(fetches + 1, ep.answered.get());
        }
    }

    @Test
    void concurrentRefreshesShareOneFetch() throws Exception {
        try (FakeTokenEndpoint ep = new FakeTokenEndpoint("s")) {
            TokenFeed feed = new TokenFeed(URI.create(ep.url()), "s", Duration.ofSeconds(2), Clock.fixed(NOW, ZoneOffset.UTC));
            CompletableFuture<TokenFeed.Snapshot> a = feed.refresh();
            CompletableFuture<TokenFeed.Snapshot> b = feed.refresh();
            assertSame(a.get(), b.get());
            assertTrue(ep.answered.get() <= 2);
            if (a == b) {
                assertEquals(1, ep.answered.get());
            }
        }
    }

    @Test
    void aSecretIsRequired() {
        try {
            new TokenFeed(URI.create("http://127.0.0.1:1/x"), " ", Duration.ofSeconds(1), Clock.systemUTC());
            throw new AssertionError("accepted a blank secret");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("secret"));
        }
    }
}
