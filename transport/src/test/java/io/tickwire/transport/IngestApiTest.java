package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest endpoints' answers to late, malformed, oversized, unauthorised and over-rate input, each as documented
 * in docs/ingest.md, while a well-behaved source sending at the same time loses nothing: its samples in the journaled
 * ticks are exactly those it was told were accepted.
 */
@Timeout(120)
class IngestApiTest {
    private static final String TOKEN = "ingest-test-token-0123456789";
    private static final String CONFIG = """
        name: guarded
        tick: 100ms
        lateness: 2s
        sources:
          - {name: flood, rate: 100/s, burst: 50}
        """;
    private static final int GOOD_REQUESTS = 100;
    private static final int GOOD_SAMPLES_PER_REQUEST = 50;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerEachBadInputAsDocumentedWhileAWellBehavedSourceLosesNothing(@TempDir final Path dir)
        throws Exception {
        final Path journal = dir.resolve("journal");
        try (FeedServerFixture fixture = FeedServerFixture.start(new FeedServer.Context().maxIngestBodyBytes(64 * 1024))) {
            final Observation obs = fixture.registry().launch(ObserveLoader.parse(CONFIG), new Observation.Context(),
                id -> journal);
            final String base = "http://127.0.0.1:" + fixture.port();

            final CompletableFuture<Integer> good = CompletableFuture.supplyAsync(() -> sendGood(base));

            final HttpResponse<String> malformedJson = post(base + "/metrics",
                "[{\"source\":\"bad\",\"metric\":\"m\",\"value\":1},{\"source\":\"bad\",\"metric\":\"m\",\"value\":\"high\"}]");
            assertThat(malformedJson.statusCode()).isEqualTo(400);
            assertThat(malformedJson.body()).contains("[1].value: must be a number");

            final HttpResponse<String> malformedLine = post(base + "/api/v2/write?precision=ms",
                "cpu,host=bad usage_idle=90.5 1733222400000\ncpu,host=bad usage_idle=zz 1733222400000\n");
            assertThat(malformedLine.statusCode()).isEqualTo(400);
            assertThat(malformedLine.body()).contains("line 2: field usage_idle: 'zz' is not a number");

            final HttpResponse<String> oversized = post(base + "/metrics", "[" + "{}, ".repeat(30_000) + "{}]");
            assertThat(oversized.statusCode()).isEqualTo(413);

            assertThat(post(base + "/metrics", samples("flood", 40, false)).statusCode()).isEqualTo(200);
            final HttpResponse<String> overRate = post(base + "/metrics", samples("flood", 40, false));
            assertThat(overRate.statusCode()).isEqualTo(429);
            assertThat(overRate.headers().firstValue("Retry-After")).hasValueSatisfying(
                s -> assertThat(Long.parseLong(s)).isPositive());
            assertThat(overRate.body()).contains("source 'flood' is over its rate");
            assertThat(post(base + "/metrics", samples("flood", 60, false)).statusCode())
                .as("more than the burst at once").isEqualTo(413);

            final HttpResponse<String> late = post(base + "/metrics",
                "{\"source\":\"latecomer\",\"metric\":\"temperature\",\"value\":21.5,\"timestamp\":1000}");
            assertThat(late.statusCode()).as("taken, then counted late").isEqualTo(200);

            assertThat(good.get(60, TimeUnit.SECONDS)).isEqualTo(GOOD_REQUESTS * GOOD_SAMPLES_PER_REQUEST);
            final JsonNode counters = HttpResponses.JSON.readTree(
                get(base + "/observations/" + obs.id()).body());
            final HttpResponse<String> stopped = post(base + "/observations/" + obs.id() + "/stop", "");
            assertThat(stopped.statusCode()).isEqualTo(200);
            assertThat(obs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            assertThat(source(counters, "good").path("accepted").asLong())
                .isEqualTo(GOOD_REQUESTS * GOOD_SAMPLES_PER_REQUEST);
            assertThat(source(counters, "good").path("rejected").path("rate_limited").asLong()).isZero();
            assertThat(source(counters, "flood").path("accepted").asLong()).isEqualTo(40);
            assertThat(source(counters, "flood").path("rejected").path("rate_limited").asLong()).isEqualTo(40);
            assertThat(source(counters, "flood").path("rejected").path("oversized").asLong()).isEqualTo(60);
            assertThat(counters.path("unattributed").path("rejected").path("malformed").asLong()).isEqualTo(2);
            assertThat(counters.path("unattributed").path("rejected").path("oversized").asLong()).isEqualTo(1);
            final JsonNode after = HttpResponses.JSON.readTree(stopped.body());
            assertThat(source(after, "latecomer").path("late").asLong()).isEqualTo(1);
        }

        long goodInTicks = 0;
        long lateInTicks = 0;
        try (JournalReader reader = JournalReader.open(journal)) {
            assertThat(reader.observed()).isTrue();
            final CatalogInfo catalog = CatalogInfo.decode(reader.catalog());
            final long[] sums = new long[2];
            final TickSummaryDecoder d = new TickSummaryDecoder();
            final MessageHeaderDecoder h = new MessageHeaderDecoder();
            while (reader.next((buffer, offset, length, tick) -> {
                h.wrap(buffer, offset);
                d.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
                for (final TickSummaryDecoder.ServicesDecoder s : d.services()) {
                    if (catalog.name(s.serviceId()).startsWith("good/")) {
                        sums[0] += s.arrivals();
                    }
                    sums[1] += s.late();
                    s.skipHistogram();
                }
            })) {
                goodInTicks = sums[0];
                lateInTicks = sums[1];
            }
        }
        assertThat(goodInTicks).as("the well-behaved source's samples in the ticks")
            .isEqualTo(GOOD_REQUESTS * GOOD_SAMPLES_PER_REQUEST);
        assertThat(lateInTicks).isEqualTo(1);
    }

    @Test
    void shouldRefuseIngestWithoutTheBearerTokenWhenTheServerHasOne() throws Exception {
        try (FeedServerFixture fixture = FeedServerFixture.start(new FeedServer.Context().token(TOKEN))) {
            final Observation obs = fixture.registry().launch(ObserveLoader.parse("name: t\n"),
                new Observation.Context(), null);
            final String url = "http://127.0.0.1:" + fixture.port() + "/metrics";
            final String body = samples("web-1", 1, false);
            final HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"tickwire\"");
            final HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer guess").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            final HttpResponse<String> right = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(right.statusCode()).isEqualTo(200);
            assertThat(obs.registry().unattributed().rejected(IngestRejection.UNAUTHORIZED)).isEqualTo(2);
        }
        // The server's one token rule (RequestGuard) covers ingest: off loopback, no token, no start.
        assertThat(new FeedServer.Context().bindAddress("0.0.0.0").port(0))
            .satisfies(ctx -> assertThat(org.assertj.core.api.Assertions.catchThrowable(ctx::conclude))
                .hasMessageContaining("needs a token"));
    }

    private int sendGood(final String base) {
        int accepted = 0;
        for (int i = 0; i < GOOD_REQUESTS; i++) {
            try {
                final HttpResponse<String> r = post(base + "/metrics", samples("good", GOOD_SAMPLES_PER_REQUEST,
                    true));
                if (r.statusCode() != 200) {
                    throw new AssertionError("good request " + i + ": " + r.statusCode() + " " + r.body());
                }
                accepted += HttpResponses.JSON.readTree(r.body()).path("accepted").asInt();
            } catch (final Exception ex) {
                throw new IllegalStateException(ex);
            }
        }
        return accepted;
    }

    /** {@code n} samples of {@code source}, spread over ten metrics; stamped by the server. */
    private static String samples(final String source, final int n, final boolean labelled) {
        final List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add("{\"source\":\"" + source + "\",\"metric\":\"queue_depth_" + (i % 10) + "\",\"value\":" + i
                + (labelled ? ",\"labels\":{\"zone\":\"z" + (i % 2) + "\"}" : "") + "}");
        }
        return "[" + String.join(",", items) + "]";
    }

    private static JsonNode source(final JsonNode observation, final String name) {
        for (final JsonNode s : observation.path("sources")) {
            if (name.equals(s.path("name").asText())) {
                return s;
            }
        }
        throw new AssertionError("no source " + name + " in " + observation);
    }

    /** As their clients send them: line protocol as text/plain (as Telegraf does), the rest as application/json. */
    private HttpResponse<String> post(final String url, final String body) throws Exception {
        final String type = url.contains("/write") ? "text/plain; charset=utf-8" : "application/json";
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(final String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
