package io.tickwire.client;

import io.tickwire.codec.Schema;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.SampleBatchEncoder;
import io.tickwire.sbe.SeriesDeclarationEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.test.FeedServerFixture;
import io.tickwire.transport.test.FeedTestClient;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WebSocket ingest, {@code /ingest}, over 127.0.0.1 with real clients: the {@link IngestClient} (SBE) and the JDK's
 * own WebSocket client (bad frames, JSON text frames). Each bad frame closes its own connection with the documented
 * code, a source over its rate gets IngestNacks and stays connected, and meanwhile a well-behaved source's samples in
 * the journaled ticks are exactly those it sent.
 */
@Timeout(120)
class IngestSocketTest {
    private static final String CONFIG = """
        name: socket
        tick: 100ms
        lateness: 5s
        sources:
          - {name: flood, rate: 100/s, burst: 50}
        """;
    private static final int GOOD_BATCHES = 200;
    private static final int GOOD_SAMPLES_PER_BATCH = 100;
    private static final int WINDOW = 8192;
    private static final String TOKEN = "ingest-socket-token-0123456789";

    @Test
    void shouldCloseBadFramesAndNackAFloodWhileAWellBehavedSourceLosesNothing(@TempDir final Path dir)
        throws Exception {
        final Path journal = dir.resolve("journal");
        final long jsonSamples;
        try (FeedServerFixture fixture = FeedServerFixture.start(new FeedServer.Context())) {
            final Observation obs = fixture.registry().launch(ObserveLoader.parse(CONFIG), new Observation.Context(),
                id -> journal);
            final URI uri = URI.create("ws://127.0.0.1:" + fixture.port() + "/ingest");

            final CompletableFuture<Long> good = CompletableFuture.supplyAsync(() -> sendGood(uri));

            assertThat(closeOf(uri, ByteBuffer.wrap(new byte[3]))).as("truncated")
                .startsWith("1002 truncated: 3 bytes");
            final UnsafeBuffer wrongSchema = sampleBatch(1, 0);
            wrongSchema.putShort(4, (short)(Schema.ID + 1));
            assertThat(closeOf(uri, ByteBuffer.wrap(wrongSchema.byteArray()))).startsWith("1002 wrong schemaId");
            final UnsafeBuffer unknown = sampleBatch(1, 0);
            unknown.putShort(2, (short)40);
            assertThat(closeOf(uri, ByteBuffer.wrap(unknown.byteArray()))).startsWith("1003 unknown templateId 40");
            assertThat(closeOf(uri, ByteBuffer.wrap(sampleBatch(7, 1).byteArray())))
                .isEqualTo("1007 SampleBatch 7: key 0 was not declared");
            assertThat(closeOf(uri, ByteBuffer.wrap(new byte[70_000]))).startsWith("1009");
            assertThat(closeOfText(uri, "[{\"source\":\"bad\",\"metric\":\"m\",\"value\":\"high\"}]"))
                .startsWith("1007").contains("[0].value");

            final List<IngestClient.Nack> nacks = new CopyOnWriteArrayList<>();
            try (IngestClient flood = IngestClient.connect(new IngestClient.Context().uri(uri).onNack(nacks::add))) {
                flood.declare(0, "flood", "queue_depth", "host=\"a\"", MetricKind.GAUGE, null);
                addAndFlush(flood, 40);
                addAndFlush(flood, 40); // over the rate: refused whole, the connection goes on
                addAndFlush(flood, 60); // more than the burst at once
                assertThat(flood.awaitConsumed(10_000)).isTrue();
                assertThat(flood.closeStatus()).as("still open").isEqualTo(-1);
                assertThat(flood.consumedBatch()).isEqualTo(3);
            }
            assertThat(nacks).extracting(IngestClient.Nack::batch, IngestClient.Nack::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, IngestRejection.RATE_LIMITED),
                    org.assertj.core.groups.Tuple.tuple(3L, IngestRejection.OVERSIZED));
            assertThat(nacks.get(0).retryAfterMs()).isPositive();
            assertThat(nacks.get(0).message()).contains("source 'flood' is over its rate");

            jsonSamples = sendJson(uri);
            assertThat(good.get(60, TimeUnit.SECONDS)).isEqualTo((long)GOOD_BATCHES * GOOD_SAMPLES_PER_BATCH);

            assertThat(obs.registry().source("good").accepted()).isEqualTo((long)GOOD_BATCHES * GOOD_SAMPLES_PER_BATCH);
            assertThat(obs.registry().source("flood").accepted()).isEqualTo(40);
            assertThat(obs.registry().source("flood").rejected(IngestRejection.RATE_LIMITED)).isEqualTo(40);
            assertThat(obs.registry().source("flood").rejected(IngestRejection.OVERSIZED)).isEqualTo(60);
            obs.stop();
            assertThat(obs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        final Map<String, Long> arrivals = arrivalsBySource(journal);
        assertThat(arrivals.get("good")).as("the well-behaved source's samples in the ticks")
            .isEqualTo((long)GOOD_BATCHES * GOOD_SAMPLES_PER_BATCH);
        assertThat(arrivals.get("agent")).as("the JSON agent's").isEqualTo(jsonSamples);
    }

    /**
     * Flow control, provoked: a source that sends SampleBatch frames without waiting for the server's IngestStatus
     * (three frames of 2.9 KB in one TCP write, against a window of 8 KiB) is closed with 1008, counted
     * {@code flow_control}; a well-behaved {@link IngestClient} on another connection, sending before, during and
     * after, has every sample in the journaled ticks, and a source that connects afterwards is served.
     */
    @Test
    void shouldCloseASourcePastItsWindowWith1008WhileAWellBehavedSourceLosesNothing(@TempDir final Path dir)
        throws Exception {
        final Path journal = dir.resolve("journal");
        final long[] after = new long[1];
        final AtomicBoolean stop = new AtomicBoolean();
        final CompletableFuture<Long> good;
        try (FeedServerFixture fixture = FeedServerFixture.start(new FeedServer.Context()
            .maxFramePayloadBytes(WINDOW / 2).ingestWindowBytes(WINDOW))) {
            final Observation obs = fixture.registry().launch(ObserveLoader.parse("name: window\ntick: 100ms\n"),
                new Observation.Context(), id -> journal);
            final URI uri = URI.create("ws://127.0.0.1:" + fixture.port() + "/ingest?observation=" + obs.id());
            final IngestClient source = IngestClient.connect(new IngestClient.Context().uri(uri)
                .maxFrameBytes(WINDOW / 2));
            good = CompletableFuture.supplyAsync(() -> sendUntil(source, stop));
            awaitBatches(source, good, 10);

            final FeedTestClient rogue = FeedTestClient.connectTo(fixture.port(), "/ingest?observation=" + obs.id());
            rogue.sendBinary(declaration("rogue", "queue_depth"));
            final byte[] frame = sampleBatch(1, 160).byteArray();
            assertThat(3 * frame.length).as("three frames are past the window").isGreaterThan(WINDOW);
            // Three frames in one write reach the server in one read, before it can announce anything consumed; the
            // loop only makes the test independent of how TCP segments them.
            for (int i = 0; i < 10_000 && !rogue.closed().isDone(); i++) {
                try {
                    rogue.sendInOneWrite(frame, frame, frame);
                } catch (final IOException closedByTheServer) {
                    break;
                }
            }
            final FeedTestClient.Close close = rogue.closed().get(30, TimeUnit.SECONDS);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).startsWith("beyond the window: ").endsWith(", window " + WINDOW);
            assertThat(obs.registry().unattributed().rejected(IngestRejection.FLOW_CONTROL)).isEqualTo(1);
            rogue.close();

            // The well-behaved source goes on: 10 more batches consumed after the close, then it stops.
            final long atClose = source.consumedBatch();
            awaitBatches(source, good, atClose + 10);
            stop.set(true);
            final long sent = good.get(60, TimeUnit.SECONDS);
            assertThat(source.closeStatus()).as("still open").isEqualTo(-1);
            assertThat(source.nacks()).isZero();
            assertThat(obs.registry().source("good").accepted()).isEqualTo(sent);
            source.close();

            // And the server takes a new source.
            try (IngestClient late = IngestClient.connect(new IngestClient.Context().uri(uri)
                .maxFrameBytes(WINDOW / 2))) {
                late.declare(0, "after", "queue_depth", "", MetricKind.GAUGE, null);
                addAndFlush(late, 50);
                assertThat(late.awaitConsumed(10_000)).isTrue();
                after[0] = late.samplesSent();
            }
            obs.stop();
            assertThat(obs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        final Map<String, Long> arrivals = arrivalsBySource(journal);
        assertThat(arrivals.get("good")).as("the well-behaved source's samples in the ticks").isEqualTo(good.get());
        assertThat(arrivals.get("after")).as("the source connected after the close").isEqualTo(after[0]);
    }

    /** Batches of 100 samples of 10 series of source "good", as fast as the window lets, until {@code stop}. */
    private static long sendUntil(final IngestClient c, final AtomicBoolean stop) {
        try {
            for (int k = 0; k < 10; k++) {
                c.declare(k, "good", "queue_depth_" + k, "", MetricKind.GAUGE, null);
            }
            while (!stop.get()) {
                for (int i = 0; i < GOOD_SAMPLES_PER_BATCH; i++) {
                    c.add(i % 10, 0, i);
                }
                c.flush();
            }
            if (!c.awaitConsumed(30_000)) {
                throw new AssertionError("good: consumed " + c.consumedBytes() + " of " + c.sentBytes());
            }
            return c.samplesSent();
        } catch (final IOException | InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Wait until the server says it consumed batch {@code batch} of {@code c} (or its sender failed). */
    private static void awaitBatches(final IngestClient c, final CompletableFuture<Long> sender, final long batch)
        throws InterruptedException {
        while (c.consumedBatch() < batch && !sender.isDone()) {
            Thread.sleep(1); // a poll, not a timing assumption: the test's timeout bounds it
        }
        assertThat(sender.isCompletedExceptionally()).as("the sender failed").isFalse();
    }

    /** Samples per source in the journaled ticks (the catalog's row names are {@code source/metric...}). */
    private static Map<String, Long> arrivalsBySource(final Path journal) throws IOException {
        final Map<String, Long> arrivals = new HashMap<>();
        try (JournalReader reader = JournalReader.open(journal)) {
            final CatalogInfo catalog = CatalogInfo.decode(reader.catalog());
            final TickSummaryDecoder d = new TickSummaryDecoder();
            final MessageHeaderDecoder h = new MessageHeaderDecoder();
            while (reader.next((buffer, offset, length, tick) -> {
                h.wrap(buffer, offset);
                d.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
                for (final TickSummaryDecoder.ServicesDecoder s : d.services()) {
                    final String name = catalog.name(s.serviceId());
                    arrivals.merge(name.substring(0, name.indexOf('/')), s.arrivals(), Long::sum);
                    s.skipHistogram();
                }
            })) {
                // every tick
            }
        }
        return arrivals;
    }

    /** A SeriesDeclaration of key 0: a gauge {@code metric} of {@code source}. */
    private static byte[] declaration(final String source, final String metric) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[256]);
        final SeriesDeclarationEncoder e = new SeriesDeclarationEncoder().wrapAndApplyHeader(b, 0,
            new MessageHeaderEncoder());
        e.seriesCount(1).next().key(0).kind(MetricKind.GAUGE).source(source).metric(metric).labels("").unit("");
        return Arrays.copyOf(b.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @Test
    void shouldRefuseAnUpgradeWithoutTheServersToken() throws Exception {
        try (FeedServerFixture fixture = FeedServerFixture.start(new FeedServer.Context().token(TOKEN))) {
            fixture.registry().launch(ObserveLoader.parse("name: t\n"), new Observation.Context(), null);
            final URI uri = URI.create("ws://127.0.0.1:" + fixture.port() + "/ingest");
            assertThatThrownBy(() -> IngestClient.connect(new IngestClient.Context().uri(uri)))
                .isInstanceOf(IOException.class).hasMessageContaining("401");
            try (IngestClient c = IngestClient.connect(new IngestClient.Context().uri(uri).token(TOKEN))) {
                c.declare(0, "web-1", "temperature", "", MetricKind.GAUGE, null);
                c.add(0, 0, 21.5);
                c.flush();
                assertThat(c.awaitConsumed(10_000)).isTrue();
                assertThat(c.window()).isEqualTo(FeedServer.Context.DEFAULT_INGEST_WINDOW_BYTES);
            }
        }
    }

    private static long sendGood(final URI uri) {
        try (IngestClient c = IngestClient.connect(new IngestClient.Context().uri(uri))) {
            for (int k = 0; k < 10; k++) {
                c.declare(k, "good", "queue_depth_" + k, "zone=\"eu\"", MetricKind.GAUGE, null);
            }
            for (int b = 0; b < GOOD_BATCHES; b++) {
                for (int i = 0; i < GOOD_SAMPLES_PER_BATCH; i++) {
                    c.add(i % 10, 0, i);
                }
                c.flush();
            }
            if (!c.awaitConsumed(30_000) || c.nacks() != 0) {
                throw new AssertionError("good: consumed " + c.consumedBytes() + " of " + c.sentBytes() + ", "
                    + c.nacks() + " nacks, close " + c.closeStatus());
            }
            return c.samplesSent();
        } catch (final IOException | InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A simple agent: JSON text frames, each answered by a JSON text frame. */
    private static long sendJson(final URI uri) throws Exception {
        try (IngestClient c = IngestClient.connect(new IngestClient.Context().uri(uri))) {
            for (int i = 0; i < 20; i++) {
                c.sendJson("[{\"source\":\"agent\",\"metric\":\"temperature\",\"value\":" + i + "},"
                    + "{\"source\":\"agent\",\"metric\":\"humidity\",\"value\":" + i + "}]");
            }
            assertThat(c.awaitConsumed(10_000)).isTrue();
            assertThat(c.texts()).isEqualTo(20);
            assertThat(c.lastText()).isEqualTo("{\"accepted\":2,\"refused\":0}");
            return 40;
        }
    }

    private static void addAndFlush(final IngestClient c, final int samples) throws IOException {
        for (int i = 0; i < samples; i++) {
            c.add(0, 0, i);
        }
        c.flush();
    }

    /** A SampleBatch of {@code samples} samples of key 0. */
    private static UnsafeBuffer sampleBatch(final long batch, final int samples) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH
            + SampleBatchEncoder.BLOCK_LENGTH + 4 + samples * SampleBatchEncoder.SamplesEncoder.sbeBlockLength()]);
        final SampleBatchEncoder.SamplesEncoder s = new SampleBatchEncoder()
            .wrapAndApplyHeader(b, 0, new MessageHeaderEncoder()).batch(batch).samplesCount(samples);
        for (int i = 0; i < samples; i++) {
            s.next().key(0).timestampNs(0).value(i);
        }
        return b;
    }

    private static String closeOf(final URI uri, final ByteBuffer frame) throws Exception {
        final Closes closes = new Closes();
        final WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, closes)
            .get(10, TimeUnit.SECONDS);
        ws.sendBinary(frame, true);
        return closes.closed.get(10, TimeUnit.SECONDS);
    }

    private static String closeOfText(final URI uri, final String text) throws Exception {
        final Closes closes = new Closes();
        final WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, closes)
            .get(10, TimeUnit.SECONDS);
        ws.sendText(text, true);
        return closes.closed.get(10, TimeUnit.SECONDS);
    }

    /** Records the server's close frame as "code reason". */
    private static final class Closes implements WebSocket.Listener {
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onClose(final WebSocket ws, final int statusCode, final String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(final WebSocket ws, final Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
