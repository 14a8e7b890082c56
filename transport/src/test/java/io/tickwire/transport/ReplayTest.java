package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tickwire.codec.FeedMessage.CATALOG;
import static io.tickwire.codec.FeedMessage.HEARTBEAT;
import static io.tickwire.codec.FeedMessage.SIMULATION_END;
import static io.tickwire.codec.FeedMessage.SUBSCRIBED;
import static io.tickwire.codec.FeedMessage.TICK_SUMMARY;
import static io.tickwire.codec.test.FeedWire.messageOf;
import static io.tickwire.codec.test.FeedWire.tickOf;
import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journal replayed as a simulation of its own ({@link JournalPlayer}): the journal's catalog, sequence numbers and
 * tick bytes, on the same feed; pause, resume and seek through REST, and what subscribers see of a seek.
 */
@Timeout(120)
class ReplayTest {
    private static final int TICKS = 2_000;

    @TempDir
    static Path shared;
    private static Path journal;
    private static Map<Long, byte[]> journaled;
    private static byte[] catalog;

    private FeedServerFixture server;
    private final List<FeedTestClient> clients = new ArrayList<>();

    /** One journal for every test: 2,000 ticks of 10 ms, made by a real run at speed max. */
    @BeforeAll
    static void journal() throws Exception {
        journal = shared.resolve("run");
        try (FeedServerFixture maker = FeedServerFixture.start()) {
            final Simulation sim = maker.launch(TestSupport.TWO_SERVICES,
                new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(TICKS), journal);
            assertThat(sim.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        journaled = new HashMap<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            await("the journal's end", 10_000, reader::ended);
            catalog = reader.catalog();
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                journaled.put(tick, bytes);
            })) {
                assertThat(journaled).isNotEmpty();
            }
        }
        assertThat(journaled).hasSize(TICKS);
    }

    @AfterEach
    void stop() {
        clients.forEach(FeedTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldServeTheJournalsBytesAtSpeedMaxToEverySubscriberWithoutDroppingAny() throws Exception {
        // A small tail and small water marks: at speed max the replay must wait for its slowest reader.
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(64)
            .writeBufferLowWaterMark(8 * 1024).writeBufferHighWaterMark(16 * 1024));
        final JournalPlayer replay = server.registry().replay(journal, 100, 1_499, Double.POSITIVE_INFINITY,
            true); // paused, so that both subscribers are there from tick 100 on
        final FeedTestClient first = connect("?sim=" + replay.simulationId() + "&from=100");
        final FeedTestClient snapshot = connect("?sim=latest");
        final FeedTestClient filtered = connect("?sim=" + replay.simulationId() + "&from=100&services=db");
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(first.nextNonHeartbeat(5_000));
        assertThat(subscribed.simulationId()).isEqualTo(replay.simulationId());
        assertThat(subscribed.firstSequence()).isEqualTo(100);
        assertThat(first.nextNonHeartbeat(5_000)).as("the journal's catalog, byte for byte").isEqualTo(catalog);
        assertThat(FeedWire.readSubscribed(snapshot.nextNonHeartbeat(5_000)).simulationId()).isEqualTo(replay.simulationId());
        assertThat(snapshot.nextNonHeartbeat(5_000)).isEqualTo(catalog);
        assertThat(messageOf(filtered.nextNonHeartbeat(5_000))).isEqualTo(SUBSCRIBED);
        assertThat(filtered.nextNonHeartbeat(5_000)).isEqualTo(catalog);
        replay.resume();

        final List<byte[]> got = ticksUntilEnd(first, 1_499, EndReason.COMPLETED);
        assertThat(got).hasSize(1_400);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).as("tick %d as journaled", 100 + i).isEqualTo(journaled.get(100L + i));
        }
        final List<byte[]> live = ticksUntilEnd(snapshot, 1_499, EndReason.COMPLETED);
        assertThat(live).as("the snapshot subscriber, live from the start: nothing conflated").hasSize(1_400);
        assertThat(tickOf(live.get(0))).isEqualTo(100);
        final List<byte[]> onlyDb = ticksUntilEnd(filtered, 1_499, EndReason.COMPLETED);
        assertThat(onlyDb).hasSize(1_400);
        for (int i = 0; i < onlyDb.size(); i++) {
            final io.tickwire.sbe.TickSummaryDecoder tick = FeedWire.readTick(onlyDb.get(i));
            assertThat(tick.tick()).isEqualTo(100 + i);
            final List<Integer> ids = new ArrayList<>();
            for (final io.tickwire.sbe.TickSummaryDecoder.ServicesDecoder row : tick.services()) {
                ids.add(row.serviceId());
                row.skipHistogram();
            }
            assertThat(ids).as("the db rows only").containsExactly(1);
        }
        assertThat(replay.awaitEnd(10, TimeUnit.SECONDS)).isTrue();
        assertThat(replay.failure()).isNull();
        assertThat(TestSupport.get(server.port(), "/").statusCode()).as("the dashboard").isEqualTo(200);
    }

    @Test
    void shouldWaitAtSpeedMaxForAReaderThatStallsInsteadOfConflatingIt() throws Exception {
        // Small buffers everywhere: a reader that stops reading makes its connection unwritable within a few ticks.
        server = FeedServerFixture.start(new FeedServer.Context().tailTicks(64).socketSendBufferBytes(8 * 1024)
            .writeBufferLowWaterMark(8 * 1024).writeBufferHighWaterMark(16 * 1024));
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, Double.POSITIVE_INFINITY, true);
        try (FeedTestClient stalled = FeedTestClient.connect(server.port(),
            "?sim=" + replay.simulationId() + "&from=0", 4 * 1024)) {
            assertThat(messageOf(stalled.nextBinary())).isEqualTo(SUBSCRIBED);
            replay.resume();
            Thread.sleep(1_000); // not reading
            assertThat(replay.ended()).as("the replay waits for its slowest reader").isFalse();
            final long held = replay.position();
            assertThat(held).isLessThan(TICKS / 2);
            long expected = 0;
            byte[] m;
            while ((m = stalled.nextBinary()) != null && messageOf(m) != SIMULATION_END) {
                if (messageOf(m) == TICK_SUMMARY) {
                    assertThat(m).as("tick %d, nothing conflated", expected).isEqualTo(journaled.get(expected));
                    expected++;
                } else {
                    assertThat(messageOf(m)).as("after tick %d", expected).isIn(CATALOG, HEARTBEAT);
                }
            }
            assertThat(m).isNotNull();
            assertThat(expected).isEqualTo(TICKS);
            assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(TICKS - 1);
        }
        assertThat(replay.awaitEnd(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldRefuseSequencesOutsideTheReplayedRange() throws Exception {
        server = FeedServerFixture.start();
        final JournalPlayer replay = server.registry().replay(journal, 500, -1, 1.0, true);
        final FeedTestClient client = connect("");
        client.subscribe(7, replay.simulationId(), 499, ConflationPolicy.CONFLATE, "");
        final ErrorDecoder error = FeedWire.readError(client.nextNonHeartbeat(5_000));
        assertThat(error.requestId()).isEqualTo(7);
        assertThat(error.code()).isEqualTo(ErrorCode.SEQUENCE_UNAVAILABLE);
        assertThat(error.message()).contains("sequence 499");
    }

    @Test
    void shouldPauseResumeAndSeekThroughRestAndTellSubscribersOfEachSeek() throws Exception {
        server = FeedServerFixture.start();
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, 1.0, false); // 100 ticks/s
        final long id = replay.simulationId();
        final FeedTestClient client = connect("?sim=" + id + "&from=0");
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(SUBSCRIBED);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
        long expected = 0;
        for (; expected < 20; expected++) {
            assertThat(tickOf(client.nextNonHeartbeat(5_000))).isEqualTo(expected);
        }

        // Pause: the position stops moving.
        final JsonNode paused = json(post(id, "pause"));
        assertThat(paused.get("replay").get("paused").asBoolean()).isTrue();
        Thread.sleep(100);
        final long held = replay.position();
        Thread.sleep(300);
        assertThat(replay.position()).isEqualTo(held);
        final JsonNode state = json(TestSupport.get(server.port(), "/simulations/" + id));
        assertThat(state.get("replay").get("position").asLong()).isEqualTo(held);
        assertThat(state.get("replay").get("speed").asDouble()).isEqualTo(1.0);
        assertThat(state.get("state").asText()).isEqualTo("RUNNING");

        // Seek forward (by simulated time: 12 s is tick 1200 of 10 ms): a GapNotice, then tick 1200.
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/seek?time=12s", null).statusCode())
            .isEqualTo(200);
        json(post(id, "resume"));
        for (; expected <= held; expected++) {
            assertThat(tickOf(client.nextNonHeartbeat(5_000))).isEqualTo(expected);
        }
        final GapNoticeDecoder gap = FeedWire.readGapNotice(client.nextNonHeartbeat(5_000));
        assertThat(gap.fromSequence()).isEqualTo(held + 1);
        assertThat(gap.toSequence()).isEqualTo(1_199);
        final byte[] landed = client.nextNonHeartbeat(5_000);
        assertThat(landed).isEqualTo(journaled.get(1_200L));

        // Seek backward: the subscription ends with an Error naming the new position; subscribing again goes on.
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/seek?tick=300", null).statusCode())
            .isEqualTo(200);
        byte[] m;
        while (messageOf(m = client.nextNonHeartbeat(5_000)) == TICK_SUMMARY) {
            assertThat(tickOf(m)).isGreaterThan(1_200);
        }
        final ErrorDecoder error = FeedWire.readError(m);
        assertThat(error.requestId()).isZero();
        assertThat(error.code()).isEqualTo(ErrorCode.SEQUENCE_UNAVAILABLE);
        assertThat(error.message()).contains("tick 300");
        client.subscribe(2, id, 300, ConflationPolicy.CONFLATE, "");
        assertThat(FeedWire.readSubscribed(client.nextNonHeartbeat(5_000)).firstSequence()).isEqualTo(300);
        assertThat(messageOf(client.nextNonHeartbeat(5_000))).isEqualTo(CATALOG);
        for (long tick = 300; tick < 310; tick++) {
            assertThat(client.nextNonHeartbeat(5_000)).as("tick %d", tick).isEqualTo(journaled.get(tick));
        }

        // Bad seeks, and a run is not a replay.
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/seek?tick=5000", null).statusCode())
            .isEqualTo(400);
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/seek", null).statusCode()).isEqualTo(400);
        assertThat(send(server.port(), "GET", "/simulations/" + id + "/pause", null).statusCode()).isEqualTo(405);

        // Stop: SimulationEnd STOPPED after the tick in hand.
        final JsonNode stopped = json(post(id, "stop"));
        assertThat(stopped.get("state").asText()).as("the answer: the state after the stop").isEqualTo("ENDED");
        assertThat(stopped.get("endReason").asText()).isEqualTo("STOPPED");
        while (messageOf(m = client.nextNonHeartbeat(5_000)) == TICK_SUMMARY) {
            assertThat(tickOf(m)).isGreaterThan(309);
        }
        final SimulationEndDecoder end = FeedWire.readEnd(m);
        assertThat(end.reason()).isEqualTo(EndReason.STOPPED);
        assertThat(replay.awaitEnd(5, TimeUnit.SECONDS)).isTrue();
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/resume", null).statusCode()).isEqualTo(409);
        final JsonNode listed = json(TestSupport.get(server.port(), "/simulations"));
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("state").asText()).isEqualTo("ENDED");
        assertThat(listed.get(0).get("endReason").asText()).isEqualTo("STOPPED");
    }

    @Test
    void shouldChangeAPacedReplaysSpeedThroughRestAndServeItsDiagram() throws Exception {
        server = FeedServerFixture.start();
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, 0.5, false); // 50 ticks/s
        final long id = replay.simulationId();
        await("the first ticks", 10_000, () -> replay.position() >= 5);

        final JsonNode faster = json(post(id, "speed?x=4"));

        assertThat(faster.get("replay").get("speed").asDouble()).isEqualTo(4.0);
        assertThat(replay.speed()).isEqualTo(4.0);
        final long from = replay.position();
        await("ticks at the new speed", 10_000, () -> replay.position() >= from + 50);
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/speed?x=0", null).statusCode())
            .isEqualTo(400);
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/speed?x=fast", null).statusCode())
            .isEqualTo(400);
        assertThat(send(server.port(), "POST", "/simulations/" + id + "/speed", null).statusCode()).isEqualTo(400);
        assertThat(send(server.port(), "POST", "/simulations/77/speed?x=2", null).statusCode()).isEqualTo(404);
        assertThat(replay.speed()).isEqualTo(4.0);

        final JsonNode diagram = json(TestSupport.get(server.port(), "/simulations/" + id + "/diagram"));
        assertThat(diagram.get("name").asText()).isEqualTo("feedtest");
        assertThat(diagram.get("calls").get(0).get("to").asInt()).isEqualTo(1);
        json(post(id, "stop"));
        assertThat(replay.awaitEnd(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldKeepAReplayAtSpeedMaxAtMax() throws Exception {
        server = FeedServerFixture.start();
        final JournalPlayer replay = server.registry().replay(journal, -1, -1, Double.POSITIVE_INFINITY, true);
        final HttpResponse<String> refused =
            send(server.port(), "POST", "/simulations/" + replay.simulationId() + "/speed?x=2", null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("max");
        assertThat(Double.isInfinite(replay.speed())).isTrue();
    }

    private HttpResponse<String> post(final long id, final String action) throws Exception {
        final HttpResponse<String> response = send(server.port(), "POST", "/simulations/" + id + "/" + action, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private FeedTestClient connect(final String query) throws Exception {
        final FeedTestClient client = FeedTestClient.connect(server.port(), query);
        clients.add(client);
        return client;
    }

    private static List<byte[]> ticksUntilEnd(final FeedTestClient client, final long lastTick, final EndReason reason)
        throws Exception {
        final List<byte[]> ticks = new ArrayList<>();
        while (true) {
            final byte[] m = client.nextNonHeartbeat(15_000);
            assertThat(m).as("a message after %d ticks", ticks.size()).isNotNull();
            if (messageOf(m) == SIMULATION_END) {
                assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(lastTick);
                assertThat(FeedWire.readEnd(m).reason()).isEqualTo(reason);
                return ticks;
            }
            assertThat(messageOf(m)).as("after %d ticks", ticks.size()).isEqualTo(TICK_SUMMARY);
            ticks.add(m);
        }
    }
}
