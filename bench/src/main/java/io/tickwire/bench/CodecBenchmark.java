package io.tickwire.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricSampleDecoder;
import io.tickwire.sbe.MetricSampleEncoder;
import io.tickwire.sbe.Outcome;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The wire codecs, per message:
 * <ul>
 *   <li>{@code sampleEncodeDecode}: one {@code MetricSample} encoded and decoded again (budget ≤ 30 ns);</li>
 *   <li>{@code tickEncode} / {@code tickDecode}: a {@value #SERVICES}-service {@code TickSummary} with realistic
 *       histograms ({@value #HISTOGRAM_BYTES} bytes each), the feed's and the journal's unit;</li>
 *   <li>{@code tickEncodeJson}: the peer — the same tick as JSON with Jackson's streaming generator into a reused
 *       buffer (the cheapest way to use Jackson; an object mapper would cost more), histograms as base64 as a JSON
 *       feed would carry them.</li>
 * </ul>
 * Flyweights and buffers live in the state and are reused, as in the engine: run with {@code -prof gc} to see
 * 0 B/op for the SBE paths.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    static final int SERVICES = 100;
    static final int HISTOGRAM_BYTES = 120;

    private final UnsafeBuffer sampleBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MetricSampleEncoder sampleEncoder = new MetricSampleEncoder();
    private final MetricSampleDecoder sampleDecoder = new MetricSampleDecoder();
    private final UnsafeBuffer tickBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final TickSummaryEncoder tickEncoder = new TickSummaryEncoder();
    private final TickSummaryDecoder tickDecoder = new TickSummaryDecoder();
    private final UnsafeBuffer histogramView = new UnsafeBuffer(0, 0);
    private final byte[] histogram = new byte[HISTOGRAM_BYTES];
    private final JsonFactory json = new JsonFactory();
    private final ByteArrayBuilder jsonOut = new ByteArrayBuilder(64 * 1024);
    private long sequence;

    @Setup
    public void setUp() {
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = (byte)(i * 31);
        }
        tickEncode();
    }

    @Benchmark
    public long sampleEncodeDecode() {
        final long tick = ++sequence;
        sampleEncoder.wrapAndApplyHeader(sampleBuffer, 0, headerEncoder)
            .tick(tick)
            .simTimeNs(tick * 1_000)
            .latencyNs(tick & 0xFFFF)
            .serviceId((int)(tick & 63))
            .outcome(Outcome.OK);
        headerDecoder.wrap(sampleBuffer, 0);
        sampleDecoder.wrap(sampleBuffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        return sampleDecoder.tick() + sampleDecoder.latencyNs() + sampleDecoder.serviceId()
            + sampleDecoder.outcome().value();
    }

    /** @return the encoded length, header included. */
    @Benchmark
    public int tickEncode() {
        final long tick = ++sequence;
        final TickSummaryEncoder e = tickEncoder.wrapAndApplyHeader(tickBuffer, 0, headerEncoder)
            .simulationId(1).tick(tick).simTimeNs((tick + 1) * 50_000_000L).tickLengthNs(50_000_000L)
            .wallTimeNs(1_763_856_000_000_000_000L + tick);
        final TickSummaryEncoder.ServicesEncoder s = e.servicesCount(SERVICES);
        for (int i = 0; i < SERVICES; i++) {
            s.next().serviceId(i).servers(8).queueDepth(i & 7).busyServers(i & 3).arrivals(200 + i)
                .completed(199 + i).errors(i & 1).rejected(0).latencySumNs(1_000_000L * i + tick)
                .meanNs(5_000_000L + i).p50Ns(3_000_000L + i).p90Ns(9_000_000L + i).p99Ns(20_000_000L + i)
                .p999Ns(40_000_000L + i).maxNs(60_000_000L + i).busyTimeNs(120_000_000L + i)
                .queueTimeNs(30_000_000L + i).costNanos(1_000 + i).timeouts(0).retries(0).storageBytes(0)
                .replicas(2).readyReplicas(2).replicaTimeNs(0).readyTimeNs(0)
                .putHistogram(histogram, 0, HISTOGRAM_BYTES);
        }
        e.entriesCount(0);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    /** The tick {@link #tickEncode()} last encoded, at offset 0. */
    UnsafeBuffer encodedTick() {
        return tickBuffer;
    }

    /** @return a sum of every row's figures, so that nothing is dead code. */
    @Benchmark
    public long tickDecode() {
        headerDecoder.wrap(tickBuffer, 0);
        tickDecoder.wrap(tickBuffer, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        long sum = tickDecoder.tick();
        for (final TickSummaryDecoder.ServicesDecoder s : tickDecoder.services()) {
            sum += s.serviceId() + s.arrivals() + s.completed() + s.errors() + s.p50Ns() + s.p99Ns() + s.maxNs()
                + s.busyTimeNs() + s.costNanos();
            s.wrapHistogram(histogramView);
            sum += histogramView.capacity();
        }
        for (final TickSummaryDecoder.EntriesDecoder e : tickDecoder.entries()) {
            sum += e.completed();
            e.skipHistogram();
        }
        return sum;
    }

    /** @return the JSON's length. */
    @Benchmark
    public int tickEncodeJson() throws IOException {
        final long tick = ++sequence;
        jsonOut.reset();
        try (JsonGenerator g = json.createGenerator(jsonOut, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("simulationId", 1);
            g.writeNumberField("tick", tick);
            g.writeNumberField("simTimeNs", (tick + 1) * 50_000_000L);
            g.writeNumberField("tickLengthNs", 50_000_000L);
            g.writeNumberField("wallTimeNs", 1_763_856_000_000_000_000L + tick);
            g.writeArrayFieldStart("services");
            for (int i = 0; i < SERVICES; i++) {
                g.writeStartObject();
                g.writeNumberField("serviceId", i);
                g.writeNumberField("servers", 8);
                g.writeNumberField("queueDepth", i & 7);
                g.writeNumberField("busyServers", i & 3);
                g.writeNumberField("arrivals", 200 + i);
                g.writeNumberField("completed", 199 + i);
                g.writeNumberField("errors", i & 1);
                g.writeNumberField("rejected", 0);
                g.writeNumberField("latencySumNs", 1_000_000L * i + tick);
                g.writeNumberField("meanNs", 5_000_000L + i);
                g.writeNumberField("p50Ns", 3_000_000L + i);
                g.writeNumberField("p90Ns", 9_000_000L + i);
                g.writeNumberField("p99Ns", 20_000_000L + i);
                g.writeNumberField("p999Ns", 40_000_000L + i);
                g.writeNumberField("maxNs", 60_000_000L + i);
                g.writeNumberField("busyTimeNs", 120_000_000L + i);
                g.writeNumberField("queueTimeNs", 30_000_000L + i);
                g.writeNumberField("costNanos", 1_000 + i);
                g.writeNumberField("timeouts", 0);
                g.writeNumberField("retries", 0);
                g.writeNumberField("storageBytes", 0);
                g.writeFieldName("histogram");
                g.writeBinary(histogram, 0, HISTOGRAM_BYTES);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("entries");
            g.writeEndArray();
            g.writeEndObject();
        }
        return jsonOut.size();
    }
}
