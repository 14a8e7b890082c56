package io.tickwire.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickwire.codec.Schema;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.tickwire.transport.FeedClient.schemaId;
import static io.tickwire.transport.FeedClient.templateId;
import static io.tickwire.transport.TestSupport.TWO_SERVICES;
import static io.tickwire.transport.TestSupport.await;
import static io.tickwire.transport.TestSupport.get;
import static io.tickwire.transport.TestSupport.json;
import static io.tickwire.transport.TestSupport.tickOf;
import static org.assertj.core.api.Assertions.assertThat;

/** The binary WebSocket feed, end to end: real server, real simulations, the JDK's WebSocket client. */
@Timeout(60)
class FeedTest {
    private static final int CATALOG = CatalogDecoder.TEMPLATE_ID;
    private static final int TICK = TickSummaryDecoder.TEMPLATE_ID;
    private static final int END = SimulationEndDecoder.TEMPLATE_ID;
    private static final int ERROR = ErrorDecoder.TEMPLATE_ID;

    @TempDir
    Path tmp;

    private FeedServer server;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = FeedServer.start(new FeedServer.Context().port(0));
    }

    @AfterEach
    void stop() throws Exception {
        for (final AutoCloseable c : closeAfter) {
            c.close();
        }
        server.close();
    }

    @Test
    void shouldSendErrorWithoutSimulationThenCatalogTicksAndEndOnSubscribe() throws Exception {
        final FeedClient client = connect(server, "");
        final byte[] error = client.next(5_000);
        assertThat(error).isNotNull();
        assertThat(templateId(error)).isEqualTo(ERROR);
        assertThat(errorDecoder(error).code()).isEqualTo(ErrorCode.UNKNOWN_SIMULATION);
        assertThat(client.closed).isNotDone();

        final Simulation sim = launch(TWO_SERVICES, 1.0, 40, null);
        client.subscribe(1, 0);
        final List<byte[]> messages = untilEnd(client);

        final List<byte[]> ticks = assertCatalogTicksEnd(messages, sim);
        assertThat(tickOf(ticks.get(ticks.size() - 1))).isEqualTo(39);
        assertThat(endDecoder(messages.get(messages.size() - 1)).reason()).isEqualTo(EndReason.COMPLETED);

        // The connection stays open, and a later simulation does not subscribe it.
        launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, 5, null);
        assertThat(client.next(300)).isNull();
        assertThat(client.closed).isNotDone();
    }

    @Test
    void shouldSendTicksByteForByteAsJournaled() throws Exception {
        final Path journal = tmp.resolve("journal");
        final FeedClient client = connect(server, "");
        assertThat(templateId(client.next(5_000))).isEqualTo(ERROR);
        final Simulation sim = launch(TWO_SERVICES, 2.0, 60, journal);
        client.subscribe(7, sim.id());

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
    void shouldSubscribeByQueryAndSendCatalogAndEndToLateSubscriber() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, 30, null);
        assertThat(sim.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        final FeedClient late = connect(server, "?sim=" + sim.id());
        final byte[] catalog = late.next(5_000);
        final byte[] end = late.next(5_000);

        assertThat(templateId(catalog)).isEqualTo(CATALOG);
        assertThat(catalog).isEqualTo(sim.catalog());
        assertThat(templateId(end)).isEqualTo(END);
        assertThat(endDecoder(end).lastSequence()).isEqualTo(29);
        final FeedClient unknown = connect(server, "?sim=99");
        assertThat(errorDecoder(unknown.next(5_000)).code()).isEqualTo(ErrorCode.UNKNOWN_SIMULATION);
    }

    @Test
    void shouldStopTicksOnUnsubscribeAndResumeWithCatalogOnSubscribe() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedClient client = connect(server, "?sim=" + sim.id());
        assertThat(templateId(client.next(5_000))).isEqualTo(CATALOG);
        assertThat(templateId(client.next(5_000))).isEqualTo(TICK);

        client.unsubscribe(2, 0);
        Thread.sleep(100);
        client.messages.clear();
        assertThat(client.next(300)).isNull();

        client.subscribe(3, sim.id());
        assertThat(templateId(client.next(5_000))).isEqualTo(CATALOG);
        long previous = tickOf(client.next(5_000));
        for (int i = 0; i < 5; i++) {
            final long tick = tickOf(client.next(5_000));
            assertThat(tick).isEqualTo(previous + 1);
            previous = tick;
        }
    }

    @Test
    void shouldSendConsecutiveTicksAfterEveryCatalogWhenResubscribingInOneWrite() throws Exception {
        server.close();
        // Room for a reader that keeps up only on average: this test is about order, not slow readers.
        server = FeedServer.start(new FeedServer.Context().port(0).writeBufferLowWaterMark(1024 * 1024)
            .writeBufferHighWaterMark(512 * 1024 * 1024));
        final Simulation sim = launch(TWO_SERVICES, Simulation.Context.SPEED_MAX, -1, null);
        final byte[][] switchOver = {FeedClient.unsubscribeMessage(2, sim.id()),
            FeedClient.subscribeMessage(3, sim.id())};
        final int switches = 300;

        try (RawFeedClient client = RawFeedClient.connect(server.port(), "?sim=" + sim.id())) {
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
    void shouldCloseBadFramesWithTheRightCodeWhileOthersKeepReceiving() throws Exception {
        final Simulation sim = launch(TWO_SERVICES, 1.0, -1, null);
        final FeedClient healthy = connect(server, "");
        assertThat(templateId(healthy.next(5_000))).isEqualTo(CATALOG);
        final TickCounter counter = new TickCounter(healthy);
        counter.take(3);

        assertClosedWith(c -> c.sendText("hello"), 1003);
        assertClosedWith(c -> c.sendBinary(header(8, 40, 1234)), 1002);   // wrong schema id
        assertClosedWith(c -> c.sendBinary(header(24, 99, Schema.ID)), 1002); // unknown template
        assertClosedWith(c -> c.sendBinary(new byte[] {24, 0, 40, 0}), 1002); // shorter than a header
        assertClosedWith(c -> c.sendBinary(header(24, 40, Schema.ID)), 1002); // Subscribe without its block
        assertClosedWith(c -> c.sendBinary(new byte[70 * 1024]), 1009);       // above maxFramePayloadBytes

        counter.take(10);
        assertThat(healthy.closed).isNotDone();
        assertThat(sim.state()).isEqualTo(Simulation.State.RUNNING);
        assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldDisconnectNonReadingClientWhileHealthyOneContinues() throws Exception {
        server.close();
        // Small kernel buffers and water marks, so that the stalled client is found out in about a second; the high
        // water mark still holds ~0.8 s of ticks, so a healthy client survives this machine's scheduling stalls.
        server = FeedServer.start(new FeedServer.Context().port(0).socketSendBufferBytes(4096)
            .writeBufferLowWaterMark(32 * 1024).writeBufferHighWaterMark(128 * 1024));
        final Simulation sim = launch(TWO_SERVICES, 4.0, -1, null);
        final Broadcaster broadcaster = server.registry().broadcaster(sim.id()).orElseThrow();
        final FeedClient healthy = connect(server, "");
        assertThat(templateId(healthy.next(5_000))).isEqualTo(CATALOG);
        final TickCounter counter = new TickCounter(healthy);

        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            upgrade(stalled, server.port());
            // ... and never read again.
            await(() -> "the stalled client to be disconnected (" + sim.ticksClosed() + " ticks closed, "
                + broadcaster.framesSent() + " frames sent, " + broadcaster.subscriberCount() + " subscribers)",
                30_000, () -> broadcaster.slowReaderDisconnects() == 1);

            counter.take(50);
            assertThat(healthy.closed).isNotDone();
            assertThat(broadcaster.slowReaderDisconnects()).isEqualTo(1);
            assertThat(broadcaster.subscriberCount()).isEqualTo(1);
            final JsonNode listed = json(get(server.port(), "/simulations")).get(0);
            assertThat(listed.get("slowReaderDisconnects").asLong()).isEqualTo(1);
            assertThat(listed.get("framesSent").asLong()).isGreaterThan(50);
            assertThat(drainsToEnd(stalled)).isTrue();
        }
    }

    @Test
    void shouldServeTheFeedOverNioToo() throws Exception {
        server.close();
        server = FeedServer.start(new FeedServer.Context().port(0).useEpoll(false).ioThreads(1));
        final FeedClient client = connect(server, "");
        assertThat(templateId(client.next(5_000))).isEqualTo(ERROR);
        final Simulation sim = launch(TWO_SERVICES, 4.0, 40, null);
        client.subscribe(1, sim.id());

        assertCatalogTicksEnd(untilEnd(client), sim);
    }

    private FeedClient connect(final FeedServer server, final String query) throws Exception {
        final FeedClient client = FeedClient.connect(server.port(), query);
        closeAfter.add(client);
        return client;
    }

    private Simulation launch(final String diagram, final double speed, final long ticks, final Path journal)
        throws Exception {
        return server.registry().launch(DiagramLoader.parse(diagram),
            new Simulation.Context().speed(speed).ticks(ticks), journal);
    }

    private interface ClientAction {
        void apply(FeedClient client) throws Exception;
    }

    private void assertClosedWith(final ClientAction badInput, final int code) throws Exception {
        final FeedClient client = connect(server, "");
        assertThat(templateId(client.next(5_000))).isEqualTo(CATALOG);
        try {
            badInput.apply(client);
        } catch (final ExecutionException ex) {
            // The server may close before a large frame is fully sent; the close frame is what counts.
        }
        final FeedClient.Close close = client.closed.get(5, TimeUnit.SECONDS);
        assertThat(close.code()).as(close.reason()).isEqualTo(code);
        assertThat(close.reason()).isNotEmpty();
    }

    /** Every message until SimulationEnd. */
    private static List<byte[]> untilEnd(final FeedClient client) throws InterruptedException {
        final List<byte[]> messages = new ArrayList<>();
        while (true) {
            final byte[] message = client.next(10_000);
            assertThat(message).as("a message after %d", messages.size()).isNotNull();
            messages.add(message);
            if (templateId(message) == END) {
                return messages;
            }
        }
    }

    /** Catalog first, then consecutive ticks, then SimulationEnd naming the last; @return the ticks. */
    private static List<byte[]> assertCatalogTicksEnd(final List<byte[]> messages, final Simulation sim) {
        assertThat(templateId(messages.get(0))).isEqualTo(CATALOG);
        assertThat(messages.get(0)).isEqualTo(sim.catalog());
        final List<byte[]> ticks = messages.subList(1, messages.size() - 1);
        assertThat(ticks).isNotEmpty();
        long expected = tickOf(ticks.get(0));
        for (final byte[] tick : ticks) {
            assertThat(schemaId(tick)).isEqualTo(7477);
            assertThat(templateId(tick)).isEqualTo(TICK);
            assertThat(tickOf(tick)).isEqualTo(expected++);
        }
        final SimulationEndDecoder end = endDecoder(messages.get(messages.size() - 1));
        assertThat(end.simulationId()).isEqualTo(sim.id());
        assertThat(end.lastSequence()).isEqualTo(expected - 1);
        return ticks;
    }

    /**
     * Reads a raw client (every frame checked against RFC 6455) and records each place where the ticks after a
     * Catalog are not strictly consecutive. Runs until the stream ends.
     */
    private static final class CatalogTickChecker implements Runnable {
        final List<String> violations = new ArrayList<>();
        private final RawFeedClient client;
        volatile int catalogs;
        volatile long ticksAfterCatalog;
        volatile Throwable failure;

        CatalogTickChecker(final RawFeedClient client) {
            this.client = client;
        }

        @Override
        public void run() {
            long last = -1;
            try {
                byte[] message;
                while ((message = client.nextBinary()) != null) {
                    final int template = templateId(message);
                    if (template == CATALOG) {
                        last = -1;
                        ticksAfterCatalog = 0;
                        catalogs++;
                    } else if (template == TICK) {
                        final long tick = tickOf(message);
                        if (last >= 0 && tick != last + 1 && violations.size() < 20) {
                            violations.add("after Catalog #" + catalogs + ": tick " + tick + " follows " + last);
                        }
                        last = tick;
                        ticksAfterCatalog++;
                    } else {
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
        private final FeedClient client;
        private long last = -1;

        TickCounter(final FeedClient client) {
            this.client = client;
        }

        void take(final int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                final byte[] message = client.next(10_000);
                assertThat(message).as("tick after %d", last).isNotNull();
                assertThat(templateId(message)).isEqualTo(TICK);
                final long tick = tickOf(message);
                if (last >= 0) {
                    assertThat(tick).isEqualTo(last + 1);
                }
                last = tick;
            }
        }
    }

    private static byte[] header(final int blockLength, final int templateId, final int schemaId) {
        return new byte[] {
            (byte)blockLength, (byte)(blockLength >> 8), (byte)templateId, (byte)(templateId >> 8),
            (byte)schemaId, (byte)(schemaId >> 8), 1, 0};
    }

    /** The upgrade handshake over a raw socket: the request, then the response headers, nothing more. */
    private static void upgrade(final Socket socket, final int port) throws IOException {
        final OutputStream out = socket.getOutputStream();
        out.write(("GET /feed HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            final int b = in.read();
            assertThat(b).isNotNegative();
            head.append((char)b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
    }

    /** Read until the server's close shows (end of stream or reset). */
    private static boolean drainsToEnd(final Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        final byte[] sink = new byte[64 * 1024];
        try {
            while (socket.getInputStream().read(sink) >= 0) {
                // drain
            }
            return true;
        } catch (final SocketException ex) {
            return true; // reset: the server closed with data unread
        }
    }

    private static ErrorDecoder errorDecoder(final byte[] message) {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new ErrorDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }

    private static SimulationEndDecoder endDecoder(final byte[] message) {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        return new SimulationEndDecoder().wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
            header.version());
    }
}
