package io.tickwire.cli;

import io.tickwire.client.FeedAnswers;
import io.tickwire.client.FeedClient;
import io.tickwire.client.FeedListener;
import io.tickwire.client.Subscription;
import io.tickwire.engine.Simulation;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java client against the real server: two simulations on one connection, requests, auto-subscribe, resume. */
@Timeout(60)
class FeedClientLiveTest {
    @TempDir
    Path tmp;

    @Test
    void shouldMultiplexTwoSimulationsAndAnswerEveryRequest() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), null).awaitTicks(1)) {
            final Simulation mm1 = feed.launchExample("mm1.yaml", new Simulation.Context().speed(20), null);
            final Recorder recorder = new Recorder();
            try (FeedClient client = FeedClient.connect(URI.create(feed.feedUrl()), recorder)) {
                final FeedAnswers.Subscribed a = client.subscribe(feed.simulation().id()).get(10, TimeUnit.SECONDS);
                final FeedAnswers.Subscribed b = client.subscribe(Subscription.to(0)).get(10, TimeUnit.SECONDS);
                assertThat(a.simulationId()).isEqualTo(feed.simulation().id());
                assertThat(b.simulationId()).as("0 is the latest").isEqualTo(mm1.id());
                recorder.awaitTicks(feed.simulation().id(), 20);
                recorder.awaitTicks(mm1.id(), 20);
                for (final long sim : List.of(feed.simulation().id(), mm1.id())) {
                    final List<Long> ticks = recorder.ticks.get(sim);
                    for (int i = 1; i < ticks.size(); i++) {
                        assertThat(ticks.get(i)).as("sim %d", sim).isEqualTo(ticks.get(i - 1) + 1);
                    }
                }
                assertThat(client.gaps()).isZero();

                final List<FeedAnswers.SimulationInfo> list = client.listSimulations().get(10, TimeUnit.SECONDS);
                assertThat(list).extracting(FeedAnswers.SimulationInfo::simulationId)
                    .contains(feed.simulation().id(), mm1.id());
                assertThat(list).filteredOn(s -> s.simulationId() == mm1.id()).singleElement()
                    .satisfies(s -> {
                        assertThat(s.name()).isEqualTo("mm1");
                        assertThat(s.state()).isEqualTo(SimulationState.RUNNING);
                        assertThat(s.tickLengthNs()).isEqualTo(50_000_000L);
                    });
                final FeedAnswers.Pong pong = client.ping().get(10, TimeUnit.SECONDS);
                assertThat(pong.serverTimeNs()).isPositive();
                assertThat(pong.roundTripNs()).isPositive();

                final long last = client.unsubscribe(mm1.id()).get(10, TimeUnit.SECONDS);
                final int after = recorder.ticks.get(mm1.id()).size();
                assertThat(recorder.ticks.get(mm1.id()).get(after - 1)).isEqualTo(last);
                recorder.awaitTicks(feed.simulation().id(), recorder.ticks.get(feed.simulation().id()).size() + 20);
                assertThat(recorder.ticks.get(mm1.id())).as("nothing after Unsubscribed").hasSize(after);
            }
        }
    }

    @Test
    void shouldResumeAnAutoSubscriptionWithItsServiceFilter() throws Exception {
        try (FeedServerFixture feed = FeedServerFixture.startExample("checkout.yaml",
            new Simulation.Context().speed(20), tmp.resolve("journal")).awaitTicks(1)) {
            final long sim = feed.simulation().id();
            final Recorder recorder = new Recorder();
            final URI uri = URI.create(feed.feedUrl() + "?sim=" + sim + "&services=auth");
            try (FeedClient client = FeedClient.connect(uri, recorder)) {
                recorder.awaitTicks(sim, 10);
                client.dropConnection();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (client.reconnects() == 0) {
                    assertThat(System.nanoTime()).as("no reconnect").isLessThan(deadline);
                    Thread.sleep(5);
                }
                recorder.awaitTicks(sim, recorder.ticks.get(sim).size() + 20); // after the resume
                assertThat(client.reconnects()).isEqualTo(1);
                assertThat(recorder.subscribedRequests).first().isEqualTo(0L); // by the URL
                assertThat(recorder.subscribedRequests).hasSize(2);
                final List<Long> ticks = recorder.ticks.get(sim);
                for (int i = 1; i < ticks.size(); i++) {
                    assertThat(ticks.get(i)).isEqualTo(ticks.get(i - 1) + 1);
                }
                assertThat(recorder.serviceCounts).containsOnly(1);
                assertThat(client.gaps()).isZero();
            }
        }
    }

    /** Ticks per simulation, on the client's event loop. */
    private static final class Recorder implements FeedListener {
        final Map<Long, List<Long>> ticks = new ConcurrentHashMap<>();
        final List<Integer> serviceCounts = new CopyOnWriteArrayList<>();
        final List<Long> subscribedRequests = new CopyOnWriteArrayList<>();
        private final TickSummaryDecoder decoder = new TickSummaryDecoder();

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            ticks.computeIfAbsent(simulationId, k -> new CopyOnWriteArrayList<>()).add(tick);
            final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
            decoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
                header.version());
            serviceCounts.add(decoder.services().count());
        }

        @Override
        public void onSubscribed(final long requestId, final long simulationId, final long first, final long last) {
            subscribedRequests.add(requestId);
        }

        void awaitTicks(final long simulationId, final int count) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ticks.getOrDefault(simulationId, List.of()).size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("sim " + simulationId + ": " + ticks.getOrDefault(simulationId,
                        List.of()).size() + " ticks, waited for " + count);
                }
                Thread.sleep(5);
            }
        }
    }
}
