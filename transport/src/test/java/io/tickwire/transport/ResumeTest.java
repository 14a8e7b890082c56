package io.tickwire.transport;

import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tickwire.codec.FeedMessage.CATALOG;
import static io.tickwire.codec.FeedMessage.ERROR;
import static io.tickwire.codec.FeedMessage.HEARTBEAT;
import static io.tickwire.codec.FeedMessage.SIMULATION_END;
import static io.tickwire.codec.FeedMessage.SUBSCRIBED;
import static io.tickwire.codec.FeedMessage.TICK_SUMMARY;
import static io.tickwire.codec.test.FeedWire.messageOf;
import static io.tickwire.codec.test.FeedWire.tickOf;
import static io.tickwire.transport.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume: {@code fromSequence = N} gets every tick from N, out of the journal or the in-memory tail, then live, with
 * no gap and no duplicate, byte for byte as journaled, while the run goes on at 1,000 ticks/s.
 */
@Timeout(120)
class ResumeTest {
    /** 1 ms ticks: 1,000 ticks/s at speed 1. */
    static final String MILLISECOND_TICKS = """
        name: resume
        tick: 1ms
        seed: 11
        services:
          - name: api
            latency: { distribution: exponential, mean: 200us }
            calls: [ { to: db } ]
          - name: db
            replicas: 2
            latency: { distribution: exponential, mean: 300us }
        load:
          - { target: api, rate: 2000/s }
        """;
    /** A small tail, so that "far back" is in the journal only. */
    private static final int TAIL_TICKS = 256;

    @TempDir
    Path tmp;

    private FeedServerFixture server;
    private final List<FeedTestClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(FeedTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldServeEveryTickFromAnySequenceThenLiveWithoutGapOrDuplicate() throws Exception {
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(TAIL_TICKS).replayBatchTicks(64));
        final Path journal = tmp.resolve("journal");
        final int ticks = 6_000;
        final Simulation sim = server.launch(MILLISECOND_TICKS,
            new Simulation.Context().speed(1.0).ticks(ticks), journal);
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        await("2,000 ticks", 30_000, () -> broadcaster.lastSequence() >= 2_000);
        assertThat(sim.state()).isEqualTo(Simulation.State.RUNNING);

        // Far back (journal only), inside the tail, at the live edge, and in the near future.
        final long last = broadcaster.lastSequence();
        final long[] froms = {0, 100, last - TAIL_TICKS / 2, last + 1, last + 500};
        final Map<Long, FeedTestClient> byFrom = new HashMap<>();
        for (final long from : froms) {
            final FeedTestClient client = FeedTestClient.connect(server.port(), "");
            clients.add(client);
            client.subscribe(from, sim.id(), from, ConflationPolicy.CONFLATE, "");
            byFrom.put(from, client);
        }
        assertThat(broadcaster.tail().oldest()).as("tick 100 is out of the tail").isGreaterThan(100);

        final Map<Long, List<byte[]>> received = new HashMap<>();
        for (final long from : froms) {
            final FeedTestClient client = byFrom.get(from);
            final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
            assertThat(subscribed.requestId()).isEqualTo(from);
            assertThat(subscribed.firstSequence()).isEqualTo(from);
            assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
            received.put(from, ticksUntilEnd(client, ticks - 1));
        }
        assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        final Map<Long, byte[]> journaled = readJournal(journal, ticks);
        for (final long from : froms) {
            final List<byte[]> got = received.get(from);
            assertThat(got).as("ticks from %d", from).hasSize((int)(ticks - from));
            for (int i = 0; i < got.size(); i++) {
                final long expected = from + i;
                assertThat(tickOf(got.get(i))).as("from %d, message %d", from, i).isEqualTo(expected);
                assertThat(got.get(i)).as("from %d, tick %d as journaled", from, expected)
                    .isEqualTo(journaled.get(expected));
            }
        }
    }

    @Test
    void shouldReassembleTheJournalExactlyAcrossTwentyReconnects() throws Exception {
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(TAIL_TICKS));
        final Path journal = tmp.resolve("reconnects");
        final int ticks = 10_000;
        final Simulation sim = server.launch(MILLISECOND_TICKS,
            new Simulation.Context().speed(1.0).ticks(ticks), journal);
        final java.util.Random random = new java.util.Random(42);
        final List<byte[]> stream = new ArrayList<>();
        int reconnects = 0;
        boolean ended = false;
        while (!ended) {
            final long from = stream.size();
            // Cut the connection after a random number of ticks, 20 times; the last connection runs to the end.
            final int cutAfter = reconnects < 20 ? 1 + random.nextInt(2 * ticks / 21) : Integer.MAX_VALUE;
            try (FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id() + "&from=" + from)) {
                int got = 0;
                byte[] m;
                while (got < cutAfter && (m = client.nextBinary()) != null) {
                    final FeedMessage template = messageOf(m);
                    if (template == SUBSCRIBED) {
                        assertThat(FeedWire.readSubscribed(m).firstSequence()).isEqualTo(from);
                    } else if (template == TICK_SUMMARY) {
                        stream.add(m);
                        got++;
                    } else if (template == SIMULATION_END) {
                        ended = true;
                        break;
                    } else {
                        assertThat(template).isIn(CATALOG, HEARTBEAT);
                    }
                }
            }
            reconnects++;
        }
        assertThat(reconnects).isGreaterThan(20);
        final Map<Long, byte[]> journaled = readJournal(journal, ticks);
        assertThat(stream).hasSize(ticks);
        for (int i = 0; i < ticks; i++) {
            assertThat(stream.get(i)).as("tick %d", i).isEqualTo(journaled.get((long)i));
        }
    }

    @Test
    void shouldReplayAnEndedJournaledRunFromAnySequenceThenEnd() throws Exception {
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(TAIL_TICKS));
        final Path journal = tmp.resolve("ended");
        final Simulation sim = server.launch(MILLISECOND_TICKS,
            new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(2_000), journal);
        assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        await("the end handed over and the tail released", 10_000,
            () -> broadcaster.ended() && broadcaster.tail().oldest() > broadcaster.tail().newest());

        final FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id() + "&from=1500&services=db");
        clients.add(client);
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
        assertThat(subscribed.firstSequence()).isEqualTo(1500);
        assertThat(subscribed.lastSequence()).isEqualTo(1999);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
        final List<byte[]> got = ticksUntilEnd(client, 1999);
        assertThat(got).hasSize(500);
        final Map<Long, byte[]> journaled = readJournal(journal, 2_000);
        for (int i = 0; i < got.size(); i++) {
            final TickSummaryDecoder filtered = FeedWire.readTick(got.get(i));
            assertThat(filtered.tick()).isEqualTo(1500 + i);
            final TickSummaryDecoder whole = FeedWire.readTick(journaled.get(1500L + i));
            final List<String> wanted = new ArrayList<>();
            for (final TickSummaryDecoder.ServicesDecoder row : whole.services()) {
                if (row.serviceId() == 1) {
                    wanted.add(row.serviceId() + " " + row.completed() + " " + row.p999Ns() + " "
                        + row.histogramLength());
                } else {
                    row.skipHistogram();
                }
            }
            final List<String> rows = new ArrayList<>();
            for (final TickSummaryDecoder.ServicesDecoder row : filtered.services()) {
                rows.add(row.serviceId() + " " + row.completed() + " " + row.p999Ns() + " " + row.histogramLength());
            }
            assertThat(rows).as("tick %d", 1500 + i).isEqualTo(wanted);
        }
    }

    @Test
    void shouldServeARunOfAnEarlierServerFromItsJournal() throws Exception {
        final Path root = tmp.resolve("journals");
        final long id;
        try (FeedServerFixture earlier = FeedServerFixture.start(new FeedServer.Context().journalRoot(root))) {
            final Simulation sim = earlier.registry().launch(DiagramLoader.parse(MILLISECOND_TICKS),
                new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(300),
                runId -> root.resolve("sim-" + runId + "-resume"));
            assertThat(sim.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            id = sim.id();
        }
        server = FeedServerFixture.start(new FeedServer.Context().journalRoot(root));
        assertThat(server.registry().get(id)).isEmpty();

        final FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + id + "&from=250");
        clients.add(client);
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.nextNonHeartbeat(5_000));
        assertThat(subscribed.simulationId()).isEqualTo(id);
        assertThat(subscribed.firstSequence()).isEqualTo(250);
        assertThat(subscribed.lastSequence()).isEqualTo(299);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
        final List<byte[]> got = new ArrayList<>();
        byte[] m;
        while (messageOf(m = client.nextNonHeartbeat(10_000)) == TICK_SUMMARY) {
            got.add(m);
        }
        assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(299);
        assertThat(FeedWire.readEnd(m).reason()).isEqualTo(io.tickwire.sbe.EndReason.COMPLETED);
        final Map<Long, byte[]> journaled = readJournal(root.resolve("sim-" + id + "-resume"), 300);
        assertThat(got).hasSize(50);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).isEqualTo(journaled.get(250L + i));
        }
        // And no journal, no run.
        client.subscribe(2, id + 100, 0, ConflationPolicy.CONFLATE, "");
        assertThat(FeedWire.readError(client.nextNonHeartbeat(5_000)).code()).isEqualTo(ErrorCode.UNKNOWN_SIMULATION);
    }

    @Test
    void shouldRefuseSequencesOlderThanWhatIsHeld() throws Exception {
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(TAIL_TICKS));
        final Simulation sim = server.launch(MILLISECOND_TICKS,
            new Simulation.Context().speed(1.0).ticks(-1), (Path)null);
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        await("the tail to wrap", 30_000, () -> broadcaster.tail().oldest() > 10);

        final FeedTestClient client = FeedTestClient.connect(server.port(), "");
        clients.add(client);
        client.subscribe(3, sim.id(), 5, ConflationPolicy.CONFLATE, "");
        final ErrorDecoder error = FeedWire.readError(client.nextNonHeartbeat(5_000));
        assertThat(error.requestId()).isEqualTo(3);
        assertThat(error.code()).isEqualTo(ErrorCode.SEQUENCE_UNAVAILABLE);
        assertThat(error.message()).startsWith("sequence 5 is no longer held: ticks ").endsWith(" are available");

        // Inside the tail is served, on the same connection.
        final long from = broadcaster.lastSequence() - TAIL_TICKS / 4;
        client.subscribe(4, sim.id(), from, ConflationPolicy.CONFLATE, "");
        assertThat(FeedWire.readSubscribed(client.nextNonHeartbeat(5_000)).firstSequence()).isEqualTo(from);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
        for (long expected = from; expected < from + TAIL_TICKS; expected++) {
            assertThat(tickOf(client.nextNonHeartbeat(5_000))).isEqualTo(expected);
        }
    }

    /** Ticks until SimulationEnd (which must name {@code lastTick}); no other message in between. */
    private static List<byte[]> ticksUntilEnd(final FeedTestClient client, final long lastTick) throws Exception {
        final List<byte[]> ticks = new ArrayList<>();
        while (true) {
            final byte[] m = client.nextNonHeartbeat(15_000);
            assertThat(m).as("a message after %d ticks", ticks.size()).isNotNull();
            if (messageOf(m) == SIMULATION_END) {
                assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(lastTick);
                return ticks;
            }
            if (messageOf(m) == ERROR) {
                throw new AssertionError("after " + ticks.size() + " ticks: Error " + FeedWire.readError(m).code() + " "
                    + FeedWire.readError(m).message());
            }
            assertThat(messageOf(m)).as("after %d ticks", ticks.size()).isEqualTo(TICK_SUMMARY);
            ticks.add(m);
        }
    }

    private static Map<Long, byte[]> readJournal(final Path journal, final int ticks) throws Exception {
        final Map<Long, byte[]> journaled = new HashMap<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            await("the journal's end", 10_000, reader::ended);
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                journaled.put(tick, bytes);
            })) {
                assertThat(journaled).isNotEmpty();
            }
        }
        assertThat(journaled).hasSize(ticks);
        return journaled;
    }
}
