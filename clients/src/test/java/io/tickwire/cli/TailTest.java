package io.tickwire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickwire.engine.Simulation;
import io.tickwire.transport.test.FeedServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickwire tail}: one JSON line per tick, consecutive, until --count or the end of the run. */
@Timeout(60)
class TailTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldPrintConsecutiveTicksAsJsonLines() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), null).awaitTicks(1)) {
            final Cli.Result tail = Cli.execute("tail", feed.feedUrl(), "--count", "30");
            assertThat(tail.code()).as(tail.err()).isZero();
            assertThat(tail.err()).isEmpty();
            final String[] lines = tail.out().split("\n");
            assertThat(lines).hasSize(30);
            long previous = -1;
            for (final String line : lines) {
                final JsonNode tick = mapper.readTree(line);
                assertThat(tick.get("sim").asLong()).isEqualTo(feed.simulation().id());
                if (previous >= 0) {
                    assertThat(tick.get("tick").asLong()).isEqualTo(previous + 1);
                }
                previous = tick.get("tick").asLong();
                assertThat(tick.get("services")).hasSize(8);
            }
        }
    }

    @Test
    void shouldStopWhenTheSimulationEnds() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), null)) {
            // A second, short run (5 s at speed 20): tail follows it by id and ends with it. The feed is live
            // (no replay yet), so tail sees the ticks from when it connects: some, and the last one.
            final Simulation shortRun = feed.launchExample("mm1.yaml", new Simulation.Context().speed(20).ticks(100),
                null);
            final Cli.Result tail = Cli.execute("tail", feed.feedUrl(), "--sim", String.valueOf(shortRun.id()));
            assertThat(tail.code()).as(tail.err()).isZero();
            final String[] lines = tail.out().isEmpty() ? new String[0] : tail.out().split("\n");
            assertThat(lines.length).isBetween(1, 100);
            assertThat(mapper.readTree(lines[lines.length - 1]).get("tick").asLong()).isEqualTo(99);
            assertThat(mapper.readTree(lines[0]).get("services").get(0).get("name").asText()).isEqualTo("server");
        }
    }

    @Test
    void shouldExitTwoForAnUnknownSimulation() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), null)) {
            final Cli.Result tail = Cli.execute("tail", feed.feedUrl(), "--sim", "99", "--count", "1");
            assertThat(tail.code()).isEqualTo(2);
            assertThat(tail.errLines()).containsExactly("tickwire: server error: no simulation 99");
        }
    }

    @Test
    void shouldExitTwoForABadPolicyOrSequence() throws Exception {
        final Cli.Result policy = Cli.execute("tail", "ws://127.0.0.1:1/feed", "--policy", "drop");
        assertThat(policy.code()).isEqualTo(2);
        assertThat(policy.errLines()).containsExactly("tickwire: --policy must be conflate or disconnect, got drop");
        final Cli.Result from = Cli.execute("tail", "ws://127.0.0.1:1/feed?from=-5");
        assertThat(from.code()).isEqualTo(2);
        assertThat(from.errLines()).containsExactly("tickwire: --from-seq must be >= 0, got -5");
    }

    @Test
    void shouldReplayFromASequenceWithOnlyTheNamedServices(@TempDir final Path tmp) throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), tmp.resolve("journal")).awaitTicks(50)) {
            final Cli.Result tail = Cli.execute("tail", feed.feedUrl(), "--sim", String.valueOf(feed.simulation().id()),
                "--from-seq", "5", "--count", "30", "--services", "orders,gateway", "--policy", "disconnect");
            assertThat(tail.code()).as(tail.err()).isZero();
            final String[] lines = tail.out().split("\n");
            assertThat(lines).hasSize(30);
            for (int i = 0; i < lines.length; i++) {
                final JsonNode tick = mapper.readTree(lines[i]);
                assertThat(tick.get("tick").asLong()).isEqualTo(5 + i); // from the journal, then live
                assertThat(tick.get("services")).hasSize(2);
                assertThat(tick.get("services").get(0).get("name").asText()).isEqualTo("gateway");
                assertThat(tick.get("services").get(1).get("name").asText()).isEqualTo("orders");
                assertThat(tick.get("services").get(0).has("storageBytes")).isTrue();
            }
        }
    }

    @Test
    void shouldTakeTheSubscriptionFromTheUrlAndExitTwoForAnUnknownService() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), null).awaitTicks(1)) {
            final Cli.Result tail = Cli.execute("tail", feed.feedUrl() + "?sim=latest&services=payments",
                "--count", "3");
            assertThat(tail.code()).as(tail.err()).isZero();
            for (final String line : tail.out().split("\n")) {
                assertThat(mapper.readTree(line).get("services").get(0).get("name").asText()).isEqualTo("payments");
            }
            final Cli.Result unknown = Cli.execute("tail", feed.feedUrl(), "--services", "nope", "--count", "1");
            assertThat(unknown.code()).isEqualTo(2);
            assertThat(unknown.errLines()).containsExactly("tickwire: server error: simulation "
                + feed.simulation().id() + " has no service 'nope'");
        }
    }
}
