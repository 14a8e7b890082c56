package io.tickwire.transport;

import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.journal.JournalWriter;
import io.tickwire.journal.test.Messages;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.transport.test.FeedTestClient;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journal whose writer died leaving garbage at its tail (what a full disk did) is served up to its last good tick:
 * a subscriber resuming from it, and a replay of it, get every tick, then the end (FAILED: it has none).
 */
@Timeout(60)
class DamagedJournalFeedTest {
    private static final int TICKS = 300;

    @TempDir
    Path root;

    private Path journal;
    private FeedServer server;
    private final List<FeedTestClient> clients = new ArrayList<>();

    @BeforeEach
    void damagedJournal() throws Exception {
        journal = root.resolve("sim-" + Messages.SIMULATION_ID + "-damaged");
        final JournalWriter writer = JournalWriter.create(journal, Messages.diagram(), Messages.SEED,
            Messages.SIMULATION_ID);
        final UnsafeBuffer catalog = Messages.catalog();
        writer.onCatalog(catalog, 0, catalog.capacity());
        Messages.appendTicks(writer, 0, TICKS);
        final byte[] garbage = Messages.tickBytes(TICKS);
        new UnsafeBuffer(garbage).putShort(4, (short)1); // schema id 1: what the full disk left
        writer.onTick(new UnsafeBuffer(garbage), 0, garbage.length, TICKS, true);
        writer.close(); // no end: the writer "died"
    }

    @AfterEach
    void stop() {
        clients.forEach(FeedTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldResumeFromADamagedJournalUpToItsLastGoodTick() throws Exception {
        server = FeedServer.start(new FeedServer.Context().port(0).journalRoot(root));
        final FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + Messages.SIMULATION_ID + "&from=250");
        clients.add(client);
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
        assertThat(subscribed.firstSequence()).isEqualTo(250);
        assertThat(subscribed.lastSequence()).isEqualTo(TICKS - 1);
        assertThat(FeedWire.messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(FeedMessage.CATALOG);
        assertTicksThenEnd(client, 250);
    }

    @Test
    void shouldReplayADamagedJournalUpToItsLastGoodTick() throws Exception {
        server = FeedServer.start(new FeedServer.Context().port(0));
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, Double.POSITIVE_INFINITY, true);
        assertThat(replay.lastTick()).isEqualTo(TICKS - 1);
        final FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + replay.simulationId() + "&from=0");
        clients.add(client);
        FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
        assertThat(FeedWire.messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(FeedMessage.CATALOG);
        replay.resume();
        assertTicksThenEnd(client, 0);
    }

    private static void assertTicksThenEnd(final FeedTestClient client, final long from) throws Exception {
        long next = from;
        byte[] m;
        while (FeedWire.messageOf(m = client.nextNonHeartbeat(10_000)) == FeedMessage.TICK_SUMMARY) {
            assertThat(FeedWire.tickOf(m)).isEqualTo(next);
            assertThat(m).isEqualTo(Messages.tickBytes(next));
            next++;
        }
        assertThat(next).isEqualTo(TICKS);
        assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(TICKS - 1);
        assertThat(FeedWire.readEnd(m).reason()).isEqualTo(EndReason.FAILED);
    }
}
