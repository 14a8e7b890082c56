package io.tickwire.transport;

import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.tickwire.codec.FeedMessage.CATALOG;
import static io.tickwire.codec.FeedMessage.SIMULATION_END;
import static io.tickwire.codec.test.FeedWire.messageOf;
import static io.tickwire.codec.test.FeedWire.tickOf;
import static io.tickwire.transport.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journal with retention on the feed: resumes from before its first retained tick get SEQUENCE_UNAVAILABLE naming
 * the range; from within it, every tick; a replay plays the retained part.
 */
@Timeout(60)
class RetentionFeedTest {
    @TempDir
    Path tmp;

    private FeedServerFixture server;
    private FeedTestClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldRefuseResumesOlderThanRetentionAndReplayWhatIsRetained() throws Exception {
        // 1,000 ticks, one MINUTELY cycle per 100 (the clock moves a minute every 100 ticks), keeping 3 minutes.
        final Path root = tmp.resolve("journals");
        final Diagram diagram = DiagramLoader.parse(TestSupport.TWO_SERVICES);
        final Path dir = root.resolve("sim-5-" + diagram.name());
        SimulatedJournals.runRetained(dir, diagram, 5);
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.firstTick()).isEqualTo(700);
            assertThat(reader.lastTick()).isEqualTo(999);
        }

        server = FeedServerFixture.start(new FeedServer.Context().journalRoot(root));
        client = FeedTestClient.connect(server.port(), "");
        client.subscribe(1, 5, 699, ConflationPolicy.CONFLATE, "");
        final ErrorDecoder error = FeedWire.readError(client.nextNonHeartbeat(5_000));
        assertThat(error.requestId()).isEqualTo(1);
        assertThat(error.code()).isEqualTo(ErrorCode.SEQUENCE_UNAVAILABLE);
        assertThat(error.message()).isEqualTo("sequence 699 is no longer held: ticks 700..999 are available");

        client.subscribe(2, 5, 700, ConflationPolicy.CONFLATE, "");
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
        assertThat(subscribed.firstSequence()).isEqualTo(700);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).as("the catalog, from catalog.sbe")
            .isEqualTo(CATALOG);
        for (long tick = 700; tick < 1_000; tick++) {
            assertThat(tickOf(client.nextNonHeartbeat(5_000))).isEqualTo(tick);
        }
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(SIMULATION_END);

        // A replay of it (its own server: the id is the journal's) plays the retained part.
        try (FeedServerFixture replays = FeedServerFixture.start()) {
            final JournalPlayer replay = replays.registry().replay(dir, -1, -1, Double.POSITIVE_INFINITY, false);
            assertThat(replay.firstTick()).isEqualTo(700);
            assertThat(replay.awaitEnd(10, TimeUnit.SECONDS)).isTrue();
            assertThat(replay.failure()).isNull();
            assertThat(replay.position()).isEqualTo(999);
        }
    }
}
