package io.tickwire.client;

import io.tickwire.engine.Simulation;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.test.FeedServerFixture;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that stalls (its callback blocks the event loop for 1.5 s) while the run goes on at 400 ticks/s, with
 * small socket buffers and write watermarks so that the server sees it fall behind. By policy:
 * CONFLATE gives announced gaps ({@code GapNotice}, counted apart from unannounced ones, of which there are none);
 * DISCONNECT has the server close the connection (1008), after which the client resumes from the journal with no
 * gap at all.
 */
@Timeout(90)
class SlowReaderClientTest {
    private static final long STALL_MS = 1_500;
    private static final int STALL_AT = 20;
    private static final int AFTER = 600;

    @TempDir
    Path tmp;

    @Test
    void shouldReportConflatedTicksAsAnnouncedGaps() throws Exception {
        final Stalling listener = run(ConflationPolicy.CONFLATE);
        assertThat(listener.client.conflatedGaps()).isPositive();
        assertThat(listener.client.conflatedTicks()).isPositive();
        assertThat(listener.client.gaps()).as("unannounced gaps").isZero();
        assertThat(listener.notices).isNotEmpty();
        // Each hole in the ticks delivered is exactly a GapNotice's range.
        long missing = 0;
        for (int i = 1; i < listener.ticks.size(); i++) {
            missing += listener.ticks.get(i) - listener.ticks.get(i - 1) - 1;
        }
        assertThat(missing).isEqualTo(listener.client.conflatedTicks());
    }

    @Test
    void shouldResumeWithoutAGapAfterADisconnectForFallingBehind() throws Exception {
        final Stalling listener = run(ConflationPolicy.DISCONNECT);
        // The server closed it for its policy: the close frame waits behind the ticks queued before it.
        assertThat(listener.slowReaderDisconnects).isPositive();
        assertThat(listener.disconnects).isNotEmpty().allMatch(d -> d.startsWith("1008 slow reader"));
        assertThat(listener.client.reconnects()).isPositive();
        assertThat(listener.client.conflatedGaps()).isZero();
        assertThat(listener.client.gaps()).isZero();
        for (int i = 1; i < listener.ticks.size(); i++) {
            assertThat(listener.ticks.get(i)).isEqualTo(listener.ticks.get(i - 1) + 1);
        }
    }

    private Stalling run(final ConflationPolicy policy) throws Exception {
        final FeedServer.Context serverCtx = new FeedServer.Context()
            .writeBufferLowWaterMark(8 * 1024).writeBufferHighWaterMark(16 * 1024).socketSendBufferBytes(8 * 1024);
        try (FeedServerFixture server = FeedServerFixture.start(serverCtx)) {
            final Simulation run = server.launchExample("checkout.yaml", new Simulation.Context().speed(20),
                tmp.resolve("journal-" + policy));
            final Stalling listener = new Stalling();
            final FeedClient.Context ctx = new FeedClient.Context()
                .uri(server.feedUri())
                .receiveBufferBytes(8 * 1024).heartbeatIntervalMs(5_000);
            try (FeedClient client = FeedClient.connect(ctx, listener)) {
                listener.client = client;
                client.subscribe(Subscription.to(run.id()).policy(policy)).get(10, TimeUnit.SECONDS);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (listener.ticks.size() < STALL_AT + AFTER) {
                    assertThat(System.nanoTime()).as("ticks: %d", listener.ticks.size()).isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
            listener.slowReaderDisconnects = server.registry().broadcaster(run.id()).orElseThrow()
                .slowReaderDisconnects();
            return listener;
        }
    }

    /** Blocks its (the client's) thread once, at the STALL_AT-th tick. */
    private static final class Stalling implements FeedListener {
        final List<Long> ticks = new CopyOnWriteArrayList<>();
        final List<String> notices = new CopyOnWriteArrayList<>();
        final List<String> disconnects = new CopyOnWriteArrayList<>();
        volatile FeedClient client;
        volatile long slowReaderDisconnects;

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            ticks.add(tick);
            if (ticks.size() == STALL_AT) {
                try {
                    Thread.sleep(STALL_MS);
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onGapNotice(final long simulationId, final long from, final long to) {
            notices.add(from + ".." + to);
        }

        @Override
        public void onDisconnect(final int statusCode, final String reason) {
            disconnects.add(statusCode + " " + reason);
        }
    }
}
