package io.tickwire.client;

import io.tickwire.engine.Simulation;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.transport.test.FeedServerFixture;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must show for the feed: a client whose connection is killed at a random tick 20 times during a 10,000-tick run at
 * 1,000 ticks/s reassembles, by automatic reconnect and resume ({@code fromSequence = last + 1}), exactly the
 * journal: every tick once, in order, byte for byte.
 * <p>
 * Real components end to end: the engine, the Chronicle Queue journal in a temp directory, the Netty feed server on
 * an ephemeral port, this client. Each kill closes the client's socket abruptly (no close frame), from inside the
 * tick callback, at tick counts drawn with a fixed seed. The subscription uses the DISCONNECT policy so that a
 * reader the server finds slow is also resumed from the journal rather than conflated: the stream must be exact.
 */
@Timeout(120)
class ResumeChaosTest {
    private static final int TICKS = 10_000;
    private static final int KILLS = 20;
    private static final long SEED = 0x7177_2026L;

    @TempDir
    Path tmp;

    @Test
    void shouldReassembleTheJournalExactlyAcrossTwentyKilledConnections() throws Exception {
        final Random random = new Random(SEED);
        final TreeSet<Long> killAt = new TreeSet<>();
        while (killAt.size() < KILLS) {
            // Kills between tick 100 and 9,100: the stream must go on after the last one on a new connection (frames
            // of a killed connection already read, up to a few hundred in a replay burst, are still delivered).
            killAt.add(100 + (long)random.nextInt(TICKS - 1_000));
        }
        final Path journal = tmp.resolve("journal");
        try (FeedServerFixture server = FeedServerFixture.start()) {
            final Collector collector = new Collector(killAt);
            final FeedClient.Context ctx = new FeedClient.Context()
                .uri(server.feedUri())
                .reconnectBackoffMs(10, 200);
            try (FeedClient client = FeedClient.connect(ctx, collector)) {
                collector.client = client;
                // mm1 closes a 50 ms tick; at speed 50 that is one tick per wall-clock millisecond.
                final Simulation run = server.launchExample("mm1.yaml", new Simulation.Context().speed(50).ticks(TICKS),
                    journal);
                client.subscribe(Subscription.to(run.id()).fromSequence(0).policy(ConflationPolicy.DISCONNECT))
                    .get(10, TimeUnit.SECONDS);
                assertThat(collector.all.await(90, TimeUnit.SECONDS))
                    .as("ticks received: %d, reconnects %d", collector.ticks.size(), client.reconnects()).isTrue();
                assertThat(run.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                assertThat(collector.kills).isEqualTo(KILLS);
                assertThat(client.reconnects()).isGreaterThanOrEqualTo(KILLS);
                assertThat(collector.disconnects).isGreaterThanOrEqualTo(KILLS);
                assertThat(client.gaps()).isZero();
                assertThat(client.conflatedGaps()).isZero();
                assertThat(collector.outOfOrder).isZero();
            }
            final List<byte[]> journaled = new ArrayList<>(TICKS);
            try (JournalReader reader = JournalReader.open(journal)) {
                assertThat(reader.seek(0)).isTrue();
                while (reader.next((buffer, offset, length, tick) -> journaled.add(copy(buffer, offset, length)))) {
                    // collect
                }
            }
            assertThat(journaled).hasSize(TICKS);
            assertThat(collector.ticks).hasSize(TICKS);
            for (int i = 0; i < TICKS; i++) {
                assertThat(collector.ticks.get(i)).as("tick %d, byte for byte", i).isEqualTo(journaled.get(i));
            }
        }
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /** Keeps a copy of every tick and kills the connection at the chosen counts. On the client's event loop. */
    private static final class Collector implements FeedListener {
        final List<byte[]> ticks = new ArrayList<>(TICKS);
        final CountDownLatch all = new CountDownLatch(TICKS);
        final TreeSet<Long> killAt;
        volatile FeedClient client;
        volatile int kills;
        volatile int disconnects;
        volatile int outOfOrder;
        private boolean killDue;
        private boolean connectionAlive = true;

        Collector(final TreeSet<Long> killAt) {
            this.killAt = killAt;
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            if (tick != ticks.size()) {
                outOfOrder++;
            }
            ticks.add(copy(buffer, offset, length));
            all.countDown();
            if (killAt.contains((long)ticks.size())) {
                killDue = true;
            }
            // Frames already read from a killed connection may still arrive: a kill point among them waits for the
            // next connection, so that 20 kills are 20 connections.
            if (killDue && connectionAlive) {
                killDue = false;
                connectionAlive = false;
                kills++;
                client.dropConnection();
            }
        }

        @Override
        public void onDisconnect(final int statusCode, final String reason) {
            disconnects++;
            connectionAlive = false;
        }

        @Override
        public void onReconnect() {
            connectionAlive = true;
        }
    }
}
