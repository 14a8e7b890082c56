package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bearer token, checked once for every route and upgrade ({@link RequestGuard}), and {@code GET /metrics} in the
 * Prometheus text format, in process (the distribution's tests drive both with curl, Node ws, promtool and a real
 * Prometheus).
 */
@Timeout(60)
class BearerTokenAndMetricsTest {
    private static final String TOKEN = "abcdefghijklmnop-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldRequireTheTokenOnEveryRouteAndUpgradeButHealthAndTheDashboard() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.start(new FeedServer.Context().token(TOKEN))) {
            final String base = "http://127.0.0.1:" + feed.port();
            assertThat(get(base + "/health", null).statusCode()).isEqualTo(200);
            assertThat(get(base + "/", null).statusCode()).isEqualTo(200);
            final HttpResponse<String> refused = get(base + "/simulations", null);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"tickwire\"");
            assertThat(get(base + "/simulations", "Bearer not-the-token-0000000").statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/no-such-file.js", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/simulations", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
            assertThat(get(base + "/metrics", "bearer " + TOKEN).statusCode()).isEqualTo(200);

            // A browser offers the token as a subprotocol; the server selects tickwire.feed.
            final WebSocket ws = http.newWebSocketBuilder()
                .subprotocols(BearerToken.FEED_SUBPROTOCOL, BearerToken.SUBPROTOCOL_PREFIX + TOKEN)
                .buildAsync(URI.create(feed.feedUrl()), new WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
            assertThat(ws.getSubprotocol()).isEqualTo(BearerToken.FEED_SUBPROTOCOL);
            ws.abort();
            assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(URI.create(feed.feedUrl()),
                new WebSocket.Listener() { }).join())
                .isInstanceOf(CompletionException.class).hasStackTraceContaining("status code 401");
        }
    }

    @Test
    void shouldRefuseANonLoopbackBindWithoutATokenOrABadToken() {
        assertThatThrownBy(() -> new FeedServer.Context().bindAddress("0.0.0.0").conclude())
            .hasMessage("binding 0.0.0.0 (not loopback) needs a token, or insecure to serve it to anyone who can "
                + "reach it");
        assertThat(new FeedServer.Context().bindAddress("0.0.0.0").insecure(true).conclude().token()).isNull();
        assertThat(new FeedServer.Context().bindAddress("0.0.0.0").token(TOKEN).conclude().token()).isEqualTo(TOKEN);
        assertThatThrownBy(() -> new FeedServer.Context().token("short").conclude())
            .hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> new FeedServer.Context().token("has a space in it, no good").conclude())
            .hasMessageContaining("found ' '");
    }

    @Test
    void shouldExposeEachRunsHealthAndLatestTickAtScrapeTime() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(50), null).awaitTicks(5)) {
            final HttpResponse<String> r = get("http://127.0.0.1:" + feed.port() + "/metrics", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            // Labels come sorted by name.
            final String id = "run=\"" + feed.simulation().id() + "\"";
            final String run = id + ",simulation=\"checkout\"";
            assertThat(r.body())
                .contains("# TYPE tickwire_ticks_closed_total counter", "tickwire_ticks_closed_total{" + run + "}")
                .contains("tickwire_ring_remaining_capacity{ring=\"metrics\"," + run + "}")
                .contains("tickwire_tick_close_latency_seconds_count{" + run + "}")
                .contains("tickwire_service_requests_per_second{" + id + ",service=\"gateway\",simulation=\"checkout\"}")
                .contains("tickwire_feed_frames_sent_total{" + run + "}")
                // checkout.yaml's gateway: 2 replicas, no start-up delay, so both serving from the first tick.
                .contains("tickwire_service_replicas{" + id + ",service=\"gateway\",simulation=\"checkout\"} 2.0")
                .contains("tickwire_service_ready_replicas{" + id + ",service=\"gateway\",simulation=\"checkout\"} 2.0")
                .contains("jvm_gc_collection_seconds");
        }
    }

    private HttpResponse<String> get(final String url, final String authorization) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
