package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.Schema;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.engine.Simulation;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.PongDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SimulationListDecoder;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.UnsubscribedDecoder;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.tickwire.codec.FeedMessage.CATALOG;
import static io.tickwire.codec.FeedMessage.ERROR;
import static io.tickwire.codec.FeedMessage.GAP_NOTICE;
import static io.tickwire.codec.FeedMessage.HEARTBEAT;
import static io.tickwire.codec.FeedMessage.SIMULATION_END;
import static io.tickwire.codec.FeedMessage.SUBSCRIBED;
import static io.tickwire.codec.FeedMessage.TICK_SUMMARY;
import static io.tickwire.codec.FeedMessage.UNSUBSCRIBED;
import static io.tickwire.codec.test.FeedWire.messageOf;
import static io.tickwire.codec.test.FeedWire.schemaId;
import static io.tickwire.codec.test.FeedWire.tickOf;
import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.get;
import static io.tickwire.transport.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The binary WebSocket feed, end to end: real server, real simulations, the wire-level test client. */
@Timeout(60)
class FeedTest {
    /** One service, 1 s ticks: long quiet stretches between ticks. */
    private static final String SLOW_TICKS = """
        name: slowticks
        tick: 1s
        seed: 7
        services:
          - name: api
            latency: { distribution: exponential, mean: 1ms }
        load:
          - { target: api, rate: 20/s }
        """;

    @TempDir
    Path tmp;

    private FeedServerFixture server;

    @BeforeEach
    void start() throws Exception {
        server = FeedServerFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void shouldSubscribeOnlyWhenAskedAndAnswerWithSubscribedCatalogTicksAndEnd() throws Exception {
        final FeedTestClient client = connect(server, "");
        assertThat(client.next(300)).as("plain /feed subscribes to nothing").isNull();
        client.subscribe(5, 0);
        final byte[] error = client.next(5_000);
        assertThat(FeedWire.readError(error).requestId()).isEqualTo(5);
        assertThat(FeedWire.readError(error).code()).isEqualTo(ErrorCode.UNKNOWN_SIMULATION);
        assertThat(client.closed()).isNotDone();

        final Simulation sim = launch(TWO_SERVICES, 1.0, 40, null);
        client.subscribe(1, 0);
        final SubscribedDecoder subscribed = FeedWire.readSubscribed(client.next(5_000));
        assertThat(subscribed.requestId()).isEqualTo(1);
        assertThat(subscribed.simulationId()).isEqualTo(sim.id());
        assertThat(subscribed.policy()).isEqualTo(ConflationPolicy.CONFLATE);
        assertThat(subscribed.firstSequence()).isEqualTo(subscribed.lastSequence()); // the snapshot, or -1: none yet
        final List<byte[]> messages = untilEnd(client);

        final List<byte[]> ticks = assertCatalogTicksEnd(messages, sim);
        assertThat(tickOf(ticks.get(0))).isEqualTo(Math.max(0, subscribed.firstSequence()));
        assertThat(tickOf(ticks.get(ticks.size() - 1))).isEqualTo(39);
        assertThat(FeedWire.readEnd(messages.get(messages.size() - 1)).reason()).isEqualTo(EndReason.COMPLETED);

        // The connection stays open, and a later simulation does not subscribe it.
        launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, 5, null);
        assertThat(client.nextNonHeartbeat(300)).isNull();
        assertThat(client.closed()).isNotDone();
    }

    @Test
    void shouldSendTicksByteForByteAsJournaled() throws Exception {
        final Path journal = tmp.resolve("journal");
        final FeedTestClient client = connect(server, "");
        final Simulation sim = launch(TWO_SERVICES, 2.0, 60, journal);
        client.subscribe(7, sim.id());
        assertThat(FeedWire.readSubscribed(client.next(5_000)).requestId()).isEqualTo(7);

        final List<byte[]> messages = untilEnd(client);

        final List<byte[]> ticks = assertCatalogTicksEnd(messages, sim);
        final Map<Long, byte[]> journaled = new HashMap<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            await("the journal's end", 10_000, reader::ended);
            assertThat(reader.catalog()).isEqualTo(messages.get(0));
            while (reader.next((buffer, offset, length, tick) -> {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                journaled.put(tick, bytes);
            })) {
                assertThat(journaled).isNotEmpty();
            }
        }
        assertThat(journaled).hasSize(60);
        assertThat(ticks).hasSizeGreaterThan(10);
        for (final byte[] tick : ticks) {
            assertThat(tick).as("tick %d", tickOf(tick)).isEqualTo(journaled.get(tickOf(tick)));
        }
    }

    @Test
    void shouldSubscribeByQueryAndSendSnapshotAndEndToLateSubscriber() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, 30, null);
        assertThat(sim.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        await("the end handed over", 5_000, broadcaster::ended);

        for (final String query : new String[] {"?sim=" + sim.id(), "?sim=latest"}) {
            final FeedTestClient late = connect(server, query);
            final SubscribedDecoder subscribed = FeedWire.readSubscribed(late.next(5_000));
            assertThat(subscribed.requestId()).isZero();
            assertThat(subscribed.firstSequence()).isEqualTo(29);
            assertThat(subscribed.lastSequence()).isEqualTo(29);
            final byte[] catalog = late.next(5_000);
            final byte[] snapshot = late.next(5_000);
            final byte[] end = late.next(5_000);

            assertThat(catalog).isEqualTo(sim.catalog());
            assertThat(tickOf(snapshot)).isEqualTo(29);
            assertThat(FeedWire.readEnd(end).lastSequence()).isEqualTo(29);
        }
        final FeedTestClient unknown = connect(server, "?sim=99");
        assertThat(FeedWire.readError(unknown.next(5_000)).code()).isEqualTo(ErrorCode.UNKNOWN_SIMULATION);
        final FeedTestClient bad = connect(server, "?sim=one");
        assertThat(FeedWire.readError(bad.next(5_000)).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(bad.closed()).isNotDone();
    }

    @Test
    void shouldStopTicksOnUnsubscribeAndStartAgainOnSubscribe() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedTestClient client = connect(server, "?sim=" + sim.id());
        assertThat(messageOf(client.next(5_000))).isEqualTo(SUBSCRIBED);
        assertThat(messageOf(client.next(5_000))).isEqualTo(CATALOG);
        long lastTick = tickOf(client.next(5_000));

        client.unsubscribe(2, 0);
        UnsubscribedDecoder unsubscribed = null;
        while (unsubscribed == null) {
            final byte[] m = client.next(5_000);
            if (messageOf(m) == TICK_SUMMARY) {
                lastTick = tickOf(m);
            } else {
                unsubscribed = FeedWire.readUnsubscribed(m);
            }
        }
        assertThat(unsubscribed.requestId()).isEqualTo(2);
        assertThat(unsubscribed.simulationId()).isEqualTo(sim.id());
        assertThat(unsubscribed.lastSequence()).isEqualTo(lastTick);
        assertThat(client.next(300)).as("nothing after Unsubscribed").isNull();

        client.unsubscribe(3, sim.id());
        final ErrorDecoder notSubscribed = FeedWire.readError(client.next(5_000));
        assertThat(notSubscribed.requestId()).isEqualTo(3);
        assertThat(notSubscribed.code()).isEqualTo(ErrorCode.NOT_SUBSCRIBED);

        client.subscribe(4, sim.id());
        assertThat(FeedWire.readSubscribed(client.next(5_000)).requestId()).isEqualTo(4);
        assertThat(messageOf(client.next(5_000))).isEqualTo(CATALOG);
        long previous = tickOf(client.next(5_000));
        for (int i = 0; i < 5; i++) {
            final long tick = tickOf(client.next(5_000));
            assertThat(tick).isEqualTo(previous + 1);
            previous = tick;
        }
    }

    @Test
    void shouldAnswerListSimulationsAndPing() throws Exception {
        final Simulation ended = launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, 10, null);
        assertThat(ended.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        await("run 1 ended", 5_000, () -> ended.state() == Simulation.State.ENDED);
        final Simulation running = launch(TWO_SERVICES, 1.0, -1, null);
        final Broadcaster runningFeed = server.registry().broadcaster(running.id()).orElseThrow();
        await("a tick of run 2", 5_000, () -> runningFeed.lastSequence() >= 0);
        final FeedTestClient client = connect(server, "");

        client.sendBinary(FeedWire.listSimulations(11));
        final SimulationListDecoder list = FeedWire.readSimulationList(client.next(5_000));
        assertThat(list.requestId()).isEqualTo(11);
        final List<String> rows = new ArrayList<>();
        for (final SimulationListDecoder.SimulationsDecoder row : list.simulations()) {
            rows.add(row.simulationId() + " " + row.state() + " " + (row.lastSequence() >= 0) + " "
                + row.tickLengthNs() + " " + row.name());
        }
        assertThat(rows).containsExactly(
            ended.id() + " ENDED true 10000000 feedtest",
            running.id() + " RUNNING true 10000000 feedtest");

        final long before = System.currentTimeMillis() * 1_000_000L;
        client.sendBinary(FeedWire.ping(12, 123_456_789L));
        final PongDecoder pong = FeedWire.readPong(client.next(5_000));
        assertThat(pong.requestId()).isEqualTo(12);
        assertThat(pong.clientTimeNs()).isEqualTo(123_456_789L);
        assertThat(pong.serverTimeNs()).isBetween(before - 1_000_000_000L, System.currentTimeMillis() * 1_000_000L
            + 1_000_000_000L);
    }

    @Test
    void shouldFilterServicesEncodingOncePerDistinctFilter() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        final FeedTestClient all = connect(server, "?sim=" + sim.id());
        final FeedTestClient db = connect(server, "");
        final FeedTestClient dbToo = connect(server, "?sim=" + sim.id() + "&services=db");
        db.subscribe(1, sim.id(), -1, ConflationPolicy.CONFLATE, " db ,");
        final FeedTestClient unknown = connect(server, "");
        unknown.subscribe(2, sim.id(), -1, ConflationPolicy.CONFLATE, "db,nosuch");
        final ErrorDecoder error = FeedWire.readError(unknown.next(5_000));
        assertThat(error.code()).isEqualTo(ErrorCode.UNKNOWN_SERVICE);
        assertThat(error.message()).contains("nosuch");

        final Map<Long, byte[]> whole = new HashMap<>();
        for (final FeedTestClient c : List.of(all, db, dbToo)) {
            assertThat(messageOf(c.next(5_000))).isEqualTo(SUBSCRIBED);
            assertThat(messageOf(c.next(5_000))).isEqualTo(CATALOG);
        }
        assertThat(broadcaster.filterCount()).isEqualTo(1);
        final long[] wholeUpTo = {-1};
        for (final FeedTestClient c : List.of(db, dbToo)) {
            int compared = 0;
            for (int i = 0; i < 10; i++) {
                final byte[] filtered = c.next(5_000);
                final TickSummaryDecoder f = FeedWire.readTick(filtered);
                final List<String> services = new ArrayList<>();
                for (final TickSummaryDecoder.ServicesDecoder row : f.services()) {
                    services.add(row.serviceId() + ":" + row.arrivals() + ":" + row.p99Ns() + ":"
                        + row.histogramLength());
                }
                final String entries = f.entries().count() + "";
                while (wholeUpTo[0] < f.tick()) { // the whole ticks, read up to this one
                    final byte[] m = all.next(5_000);
                    if (messageOf(m) == TICK_SUMMARY) {
                        whole.put(tickOf(m), m);
                        wholeUpTo[0] = tickOf(m);
                    }
                }
                final byte[] unfiltered = whole.get(f.tick());
                if (unfiltered != null) {
                    final TickSummaryDecoder u = FeedWire.readTick(unfiltered);
                    final List<String> expected = new ArrayList<>();
                    for (final TickSummaryDecoder.ServicesDecoder row : u.services()) {
                        if (row.serviceId() == 1) {
                            expected.add(row.serviceId() + ":" + row.arrivals() + ":" + row.p99Ns() + ":"
                                + row.histogramLength());
                        } else {
                            row.skipHistogram();
                        }
                    }
                    assertThat(services).isEqualTo(expected);
                    assertThat(entries).isEqualTo(u.entries().count() + "");
                    compared++;
                } else {
                    assertThat(services).hasSize(1);
                    assertThat(services.get(0)).startsWith("1:");
                }
            }
            assertThat(compared).as("filtered ticks compared with whole ones").isPositive();
        }
        all.close();
        db.close();
        dbToo.close();
        await("the filter released", 5_000, () -> broadcaster.filterCount() == 0);
    }

    @Test
    void shouldMultiplexTwoSimulationsOnOneConnection() throws Exception {
        final Simulation a = launch(TWO_SERVICES, 1.0, 60, null);
        final Simulation b = launch(TWO_SERVICES, 2.0, 100, null);
        final FeedTestClient client = connect(server, "");
        client.subscribe(1, a.id());
        client.subscribe(2, b.id());

        final Map<Long, List<FeedMessage>> templates = new HashMap<>();
        final Map<Long, Long> lastTick = new HashMap<>();
        int ends = 0;
        while (ends < 2) {
            final byte[] m = client.next(10_000);
            assertThat(m).isNotNull();
            final FeedMessage template = messageOf(m);
            if (template == HEARTBEAT) {
                continue;
            }
            final long sim = FeedWire.simulationIdOf(m);
            templates.computeIfAbsent(sim, k -> new ArrayList<>()).add(template);
            if (template == TICK_SUMMARY) {
                final Long previous = lastTick.put(sim, tickOf(m));
                if (previous != null) {
                    assertThat(tickOf(m)).as("simulation %d", sim).isEqualTo(previous + 1);
                }
            } else if (template == SIMULATION_END) {
                ends++;
                assertThat(FeedWire.readEnd(m).lastSequence()).isEqualTo(lastTick.get(sim));
            }
        }
        assertThat(templates.keySet()).containsExactlyInAnyOrder(a.id(), b.id());
        for (final List<FeedMessage> t : templates.values()) {
            assertThat(t.subList(0, 2)).containsExactly(SUBSCRIBED, CATALOG);
            assertThat(t.get(t.size() - 1)).isEqualTo(SIMULATION_END);
            assertThat(t.subList(2, t.size() - 1)).isNotEmpty().containsOnly(TICK_SUMMARY);
        }
        assertThat(lastTick).containsEntry(a.id(), 59L).containsEntry(b.id(), 99L);
    }

    @Test
    void shouldAnswerBadRequestsWithAnErrorAndKeepTheConnection() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedTestClient client = connect(server, "");
        client.subscribe(1, sim.id(), -5, ConflationPolicy.CONFLATE, "");
        client.subscribe(2, -3, -1, ConflationPolicy.CONFLATE, "");
        for (final long requestId : new long[] {1, 2}) {
            final ErrorDecoder error = FeedWire.readError(client.next(5_000));
            assertThat(error.requestId()).isEqualTo(requestId);
            assertThat(error.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
        final FeedTestClient badPolicy = connect(server, "?sim=" + sim.id() + "&policy=sometimes");
        assertThat(FeedWire.readError(badPolicy.next(5_000)).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        client.subscribe(3, sim.id());
        assertThat(FeedWire.readSubscribed(client.next(5_000)).requestId()).isEqualTo(3);
        assertThat(client.closed()).isNotDone();
        assertThat(badPolicy.closed()).isNotDone();
    }

    @Test
    void shouldRefuseMoreSubscriptionsThanTheLimit() throws Exception {
        server.close();
        server = FeedServerFixture.start(new FeedServer.Context().maxSubscriptionsPerConnection(2));
        final Simulation a = launch(TWO_SERVICES, 1.0, -1, null);
        final Simulation b = launch(TWO_SERVICES, 1.0, -1, null);
        final Simulation c = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedTestClient client = connect(server, "");
        client.subscribe(1, a.id());
        client.subscribe(2, b.id());
        client.subscribe(3, a.id()); // replaces, does not count
        client.subscribe(4, c.id());
        final Map<Long, Integer> answers = new HashMap<>();
        final Map<Long, ErrorCode> errors = new HashMap<>();
        while (answers.size() + errors.size() < 4) {
            final byte[] m = client.next(5_000);
            assertThat(m).isNotNull();
            if (messageOf(m) == SUBSCRIBED) {
                answers.put(FeedWire.readSubscribed(m).requestId(), 1);
            } else if (messageOf(m) == ERROR) {
                errors.put(FeedWire.readError(m).requestId(), FeedWire.readError(m).code());
            }
        }
        assertThat(answers.keySet()).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(errors).containsExactly(Map.entry(4L, ErrorCode.TOO_MANY_SUBSCRIPTIONS));
    }

    @Test
    void shouldSendHeartbeatsWhenNothingElseIsSent() throws Exception {
        server.close();
        server = FeedServerFixture.start(new FeedServer.Context().heartbeatIntervalMs(100));
        final Simulation sim = launch(SLOW_TICKS, 1.0, -1, null);
        final FeedTestClient client = connect(server, "?sim=" + sim.id());
        assertThat(messageOf(client.next(5_000))).isEqualTo(SUBSCRIBED);
        assertThat(messageOf(client.next(5_000))).isEqualTo(CATALOG);
        long lastTick = -1;
        int heartbeats = 0;
        int ticks = 0;
        while (ticks < 2 || heartbeats < 3) {
            final byte[] m = client.next(5_000);
            assertThat(m).isNotNull();
            if (messageOf(m) == TICK_SUMMARY) {
                lastTick = tickOf(m);
                ticks++;
            } else {
                final HeartbeatDecoder heartbeat = FeedWire.readHeartbeat(m);
                assertThat(heartbeat.simulationId()).isEqualTo(sim.id());
                assertThat(heartbeat.lastSequence()).isEqualTo(lastTick);
                assertThat(heartbeat.wallTimeNs()).isPositive();
                heartbeats++;
            }
        }
        // And on a subscription that is sent nothing at all (it waits for a tick far ahead): -1.
        client.subscribe(9, sim.id(), 1_000_000, ConflationPolicy.CONFLATE, "");
        byte[] m;
        do {
            m = client.next(5_000);
        } while (messageOf(m) != SUBSCRIBED);
        assertThat(messageOf(client.next(5_000))).isEqualTo(CATALOG);
        final HeartbeatDecoder idle = FeedWire.readHeartbeat(client.next(5_000));
        assertThat(idle.lastSequence()).isEqualTo(-1);
    }

    @Test
    void shouldListConnectionsWithTheirCounters() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedTestClient client = connect(server, "?sim=" + sim.id() + "&services=db&policy=disconnect");
        final FeedTestClient other = connect(server, "");
        for (int i = 0; i < 7; i++) {
            assertThat(client.next(5_000)).isNotNull();
        }
        await("both connections listed", 5_000, () -> {
            try {
                return json(get(server.port(), "/connections")).size() == 2;
            } catch (final Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        JsonNode subscribed = null;
        for (final JsonNode c : json(get(server.port(), "/connections"))) {
            assertThat(c.get("remoteAddress").asText()).contains("127.0.0.1");
            assertThat(c.has("bytesQueued")).isTrue();
            assertThat(c.get("ticksConflated").asLong()).isZero();
            if (c.get("subscriptions").size() == 1) {
                subscribed = c;
            } else {
                assertThat(c.get("framesSent").asLong()).isZero();
            }
        }
        assertThat(subscribed).isNotNull();
        assertThat(subscribed.get("framesSent").asLong()).isGreaterThanOrEqualTo(7);
        final JsonNode s = subscribed.get("subscriptions").get(0);
        assertThat(s.get("simulationId").asLong()).isEqualTo(sim.id());
        assertThat(s.get("policy").asText()).isEqualTo("DISCONNECT");
        assertThat(s.get("services").asText()).isEqualTo("db");
        assertThat(get(server.port(), "/connections").headers().firstValue("content-type").orElse(""))
            .contains("json");
        other.close();
    }

    @Test
    void shouldSendConsecutiveTicksAfterEveryCatalogWhenResubscribingInOneWrite() throws Exception {
        server.close();
        // Room for a reader that keeps up only on average: this test is about order, not slow readers.
        // And room for a client that switches as fast as it can: this is not about floods of control messages either.
        server = FeedServerFixture.start(new FeedServer.Context().writeBufferLowWaterMark(1024 * 1024)
            .writeBufferHighWaterMark(512 * 1024 * 1024).maxControlMessagesPerSecond(100_000));
        final Simulation sim = launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, -1, null);
        final byte[][] switchOver = {FeedWire.unsubscribe(2, sim.id()),
            FeedWire.subscribe(3, sim.id())};
        final int switches = 300;

        try (FeedTestClient client = FeedTestClient.connect(server.port(), "?sim=" + sim.id())) {
            final CatalogTickChecker checker = new CatalogTickChecker(client);
            final Thread reader = new Thread(checker, "test-feed-reader");
            reader.setDaemon(true);
            reader.start();
            int sent = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (sent < switches && System.nanoTime() < deadline) {
                // Ticks are flowing to the current subscription: switch with the next in flight.
                checker.awaitTicksAfterCatalog(sent + 1, 2);
                client.sendInOneWrite(switchOver);
                sent++;
            }
            checker.awaitTicksAfterCatalog(sent + 1, 20);
            client.close();
            reader.join(5_000);

            assertThat(checker.failure).isNull();
            assertThat(checker.violations).as("ticks after a Catalog, %d switches", sent).isEmpty();
            assertThat(sent).isGreaterThanOrEqualTo(switches / 2);
            assertThat(checker.catalogs).isEqualTo(sent + 1);
            assertThat(sim.state()).isEqualTo(Simulation.State.RUNNING);
        }
    }

    @Test
    void shouldCloseBadInputWithTheRightCodeAndReasonWhileOthersKeepReceiving() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedTestClient healthy = connect(server, "?sim=" + sim.id());
        assertThat(messageOf(healthy.next(5_000))).isEqualTo(SUBSCRIBED);
        assertThat(messageOf(healthy.next(5_000))).isEqualTo(CATALOG);
        final TickCounter counter = new TickCounter(healthy);
        counter.take(3);

        final byte[] subscribe = FeedWire.subscribe(1, sim.id());
        assertClosedWith(c -> c.sendText("hello"), 1003, "text");
        assertClosedWith(c -> c.sendBinary(header(24, 99, Schema.ID)), 1003, "unknown templateId 99");
        assertClosedWith(c -> c.sendBinary(header(8, 40, 1234)), 1002, "wrong schemaId 1234");
        assertClosedWith(c -> c.sendBinary(new byte[] {24, 0, 40, 0}), 1002, "truncated");
        assertClosedWith(c -> c.sendBinary(header(25, 40, Schema.ID)), 1002, "truncated");     // no block
        assertClosedWith(c -> c.sendBinary(Arrays.copyOf(header(16, 43, Schema.ID), 12)), 1002, "truncated");
        assertClosedWith(c -> c.sendBinary(withServicesLength(subscribe, 200)), 1002, "truncated"); // data cut
        final byte[] badPolicy = subscribe.clone();
        badPolicy[8 + 24] = 7; // policy: not a ConflationPolicy
        assertClosedWith(c -> c.sendBinary(badPolicy), 1007, "policy 7");
        final byte[] notUtf8 = FeedWire.subscribe(1, sim.id(), -1, ConflationPolicy.CONFLATE, "ab");
        notUtf8[notUtf8.length - 2] = (byte)0xc3; // a lead byte followed by ASCII
        assertClosedWith(c -> c.sendBinary(notUtf8), 1007, "UTF-8");
        assertClosedWith(c -> {
            final byte[] ping = FeedWire.ping(1, 1);
            for (int i = 0; i < 101; i++) {
                c.sendBinary(ping);
            }
        }, 1008, "control messages in one second");
        assertClosedWith(c -> c.sendBinary(new byte[70 * 1024]), 1009, "");     // above maxFramePayloadBytes

        counter.take(10);
        assertThat(healthy.closed()).isNotDone();
        assertThat(sim.state()).isEqualTo(Simulation.State.RUNNING);
        assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerUpToTheControlRateAndKeepTheConnection() throws Exception {
        final FeedTestClient client = connect(server, "");
        for (int i = 0; i < 100; i++) {
            client.sendBinary(FeedWire.ping(i, i));
        }
        for (int i = 0; i < 100; i++) {
            assertThat(FeedWire.readPong(client.next(5_000)).requestId()).isEqualTo(i);
        }
        assertThat(client.closed()).isNotDone();
    }

    @Test
    void shouldServeTheFeedOverNioToo() throws Exception {
        server.close();
        server = FeedServerFixture.start(new FeedServer.Context().useEpoll(false).ioThreads(1));
        final FeedTestClient client = connect(server, "");
        final Simulation sim = launch(TWO_SERVICES, 4.0, 40, null);
        client.subscribe(1, sim.id());
        assertThat(messageOf(client.next(5_000))).isEqualTo(SUBSCRIBED);

        assertCatalogTicksEnd(untilEnd(client), sim);
    }

    private static FeedTestClient connect(final FeedServerFixture server, final String query) throws Exception {
        return server.connect(query);
    }

    private Simulation launch(final String diagram, final double speed, final long ticks, final Path journal)
        throws Exception {
        return server.launch(diagram, new Simulation.Context().speed(speed).ticks(ticks), journal);
    }

    private interface ClientAction {
        void apply(FeedTestClient client) throws Exception;
    }

    private void assertClosedWith(final ClientAction badInput, final int code, final String reason)
        throws Exception {
        final FeedTestClient client = connect(server, "");
        try {
            badInput.apply(client);
        } catch (final IOException ex) {
            // The server may close before a large frame is fully sent; the close frame is what counts.
        }
        final FeedTestClient.Close close = client.closed().get(5, TimeUnit.SECONDS);
        assertThat(close.code()).as(close.reason()).isEqualTo(code);
        assertThat(close.reason()).isNotEmpty().contains(reason);
    }

    /** Every message until SimulationEnd. */
    private static List<byte[]> untilEnd(final FeedTestClient client) throws InterruptedException {
        final List<byte[]> messages = new ArrayList<>();
        while (true) {
            final byte[] message = client.next(10_000);
            assertThat(message).as("a message after %d", messages.size()).isNotNull();
            if (messageOf(message) == HEARTBEAT) {
                continue;
            }
            messages.add(message);
            if (messageOf(message) == SIMULATION_END) {
                return messages;
            }
        }
    }

    /** Catalog first, then consecutive ticks, then SimulationEnd naming the last; @return the ticks. */
    private static List<byte[]> assertCatalogTicksEnd(final List<byte[]> messages, final Simulation sim) {
        assertThat(messageOf(messages.get(0))).isEqualTo(CATALOG);
        assertThat(messages.get(0)).isEqualTo(sim.catalog());
        final List<byte[]> ticks = messages.subList(1, messages.size() - 1);
        assertThat(ticks).isNotEmpty();
        long expected = tickOf(ticks.get(0));
        for (final byte[] tick : ticks) {
            assertThat(schemaId(tick)).isEqualTo(7477);
            assertThat(messageOf(tick)).isEqualTo(TICK_SUMMARY);
            assertThat(tickOf(tick)).isEqualTo(expected++);
        }
        final SimulationEndDecoder end = FeedWire.readEnd(messages.get(messages.size() - 1));
        assertThat(end.simulationId()).isEqualTo(sim.id());
        assertThat(end.lastSequence()).isEqualTo(expected - 1);
        return ticks;
    }

    /**
     * Reads a raw client (every frame checked against RFC 6455) and records each place where the ticks after a
     * Catalog are not strictly consecutive, unless a GapNotice announced exactly the ticks skipped. Runs until the
     * stream ends.
     */
    private static final class CatalogTickChecker implements Runnable {
        final List<String> violations = new ArrayList<>();
        private final FeedTestClient client;
        volatile int catalogs;
        volatile long ticksAfterCatalog;
        volatile Throwable failure;

        CatalogTickChecker(final FeedTestClient client) {
            this.client = client;
        }

        @Override
        public void run() {
            long last = -1;
            try {
                byte[] message;
                while ((message = client.nextBinary()) != null) {
                    final FeedMessage template = messageOf(message);
                    if (template == CATALOG) {
                        last = -1;
                        ticksAfterCatalog = 0;
                        catalogs++;
                    } else if (template == TICK_SUMMARY) {
                        final long tick = tickOf(message);
                        if (last >= 0 && tick != last + 1 && violations.size() < 20) {
                            violations.add("after Catalog #" + catalogs + ": tick " + tick + " follows " + last);
                        }
                        last = tick;
                        ticksAfterCatalog++;
                    } else if (template == GAP_NOTICE) {
                        // A reader this far behind a run at speed max, without a journal, is told what it missed.
                        final GapNoticeDecoder gap = FeedWire.readGapNotice(message);
                        if (last >= 0 && gap.fromSequence() != last + 1 && violations.size() < 20) {
                            violations.add("gap from " + gap.fromSequence() + " after tick " + last);
                        }
                        last = gap.toSequence();
                    } else if (template != SUBSCRIBED && template != UNSUBSCRIBED
                        && template != HEARTBEAT) {
                        violations.add("unexpected template " + template);
                    }
                }
            } catch (final SocketException ex) {
                // closed by the test
            } catch (final Throwable ex) {
                failure = ex;
            }
        }

        /** Wait (spinning briefly) until Catalog number {@code catalog} has been followed by {@code ticks} ticks. */
        void awaitTicksAfterCatalog(final int catalog, final long ticks) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (catalogs < catalog || ticksAfterCatalog < ticks) {
                assertThat(failure).isNull();
                assertThat(catalogs).isLessThanOrEqualTo(catalog);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for " + ticks + " ticks after Catalog #" + catalog
                        + ": " + catalogs + " catalogs, " + ticksAfterCatalog + " ticks after the last");
                }
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /** Counts a client's ticks and checks they stay consecutive. */
    private static final class TickCounter {
        private final FeedTestClient client;
        private long last = -1;

        TickCounter(final FeedTestClient client) {
            this.client = client;
        }

        void take(final int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                final byte[] message = client.next(10_000);
                assertThat(message).as("tick after %d", last).isNotNull();
                assertThat(messageOf(message)).isEqualTo(TICK_SUMMARY);
                final long tick = tickOf(message);
                if (last >= 0) {
                    assertThat(tick).isEqualTo(last + 1);
                }
                last = tick;
            }
        }
    }

    /** {@code message} (a Subscribe) with its services length field changed to {@code length}. */
    private static byte[] withServicesLength(final byte[] message, final int length) {
        final byte[] copy = message.clone();
        final int at = 8 + SubscribeDecoder.BLOCK_LENGTH;
        copy[at] = (byte)length;
        copy[at + 1] = (byte)(length >> 8);
        return copy;
    }

    private static byte[] header(final int blockLength, final int templateId, final int schemaId) {
        return new byte[] {
            (byte)blockLength, (byte)(blockLength >> 8), (byte)templateId, (byte)(templateId >> 8),
            (byte)schemaId, (byte)(schemaId >> 8), 1, 0};
    }


}
