package io.tickwire.transport;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.test.SimulatedJournals;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.tickwire.transport.FeedClient.templateId;
import static io.tickwire.transport.TestSupport.tickOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journal with retention on the feed: resumes from before its first retained tick get SEQUENCE_UNAVAILABLE naming
 * the range; from within it, every tick; a replay plays the retained part.
 */
@Timeout(60)
class RetentionFeedTest {
    @TempDir
    Path tmp;

    private FeedServer server;
    private FeedClient client;

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

        server = FeedServer.start(new FeedServer.Context().port(0).journalRoot(root));
        client = FeedClient.connect(server.port(), "");
        client.subscribe(1, 5, 699, ConflationPolicy.CONFLATE, "");
        final ErrorDecoder error = Wire.error(client.nextNonHeartbeat(5_000));
        assertThat(error.requestId()).isEqualTo(1);
        assertThat(error.code()).isEqualTo(ErrorCode.SEQUENCE_UNAVAILABLE);
        assertThat(error.message()).isEqualTo("sequence 699 is no longer held: ticks 700..999 are available");

        client.subscribe(2, 5, 700, ConflationPolicy.CONFLATE, "");
        final SubscribedDecoder subscribed = Wire.subscribed(client.nextNonHeartbeat(5_000));
        assertThat(subscribed.firstSequence()).isEqualTo(700);
        assertThat(templateId(client.nextNonHeartbeat(5_000))).as("the catalog, from catalog.sbe")
            .isEqualTo(Wire.CATALOG);
        for (long tick = 700; tick < 1_000; tick++) {
            assertThat(tickOf(client.nextNonHeartbeat(5_000))).isEqualTo(tick);
        }
        assertThat(templateId(client.nextNonHeartbeat(5_000))).isEqualTo(Wire.END);

        // A replay of it (its own server: the id is the journal's) plays the retained part.
        try (FeedServer replays = FeedServer.start(new FeedServer.Context().port(0))) {
            final JournalPlayer replay = replays.registry().replay(dir, -1, -1, Double.POSITIVE_INFINITY, false);
            assertThat(replay.firstTick()).isEqualTo(700);
            assertThat(replay.awaitEnd(10, TimeUnit.SECONDS)).isTrue();
            assertThat(replay.failure()).isNull();
            assertThat(replay.position()).isEqualTo(999);
        }
    }
}
