package io.tickwire.bench;

import io.tickwire.client.IngestClient;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.transport.FeedServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.URI;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * WebSocket ingest ({@code /ingest}) as it runs in production, in one JVM: the production {@link FeedServer} on
 * 127.0.0.1 (one I/O thread) with an observed run, and the production {@link IngestClient} on one connection.
 * <pre>
 *   benchmark thread: IngestClient.add × n ─► client event loop: mask, write ─loopback TCP─►
 *   server I/O thread: unmask, IngestFrameHandler (SampleBatch decode, key → series, token buckets)
 *     ─► SamplePublisher ─► metrics ring ─► ObservationAggregator thread: each sample into its tick
 *     ─► TickSummary ─► output ring ─► the run's listeners (the feed's)
 * </pre>
 * One op is one frame of {@link #encoding}: a full {@code SampleBatch} of 3639 samples (64 KiB, what
 * {@code IngestClient} sends under load), a small one of 364, or — the peer, same connection, same series, same
 * ring and aggregator — a JSON text frame of 500 samples ({@code JsonSamplesDecoder}). Samples are stamped by the
 * server (timestamp 0 / none), into ticks of 50 ms (the engine's default tick). The series: 1000 of 16 sources, 750
 * gauges and 250 latencies (HdrHistogram), their kinds by the naming rules, declared before the first frame.
 * <p>
 * The client waits for the server's window (1 MiB) and the ring is bounded, so in steady state the figure is the
 * server's and the aggregator's rate; each iteration ends by waiting until the server says it consumed everything
 * sent. The warm-up (15 s) outlasts the first 256 ticks, in which each slot of the output ring grows once to a
 * tick's size; after them nothing grows.
 * <p>
 * Allocation: {@code -prof gc} counts every thread of the JVM (JMH reads {@code getTotalThreadAllocatedBytes}), the
 * client's too, so its B/op bounds the server's from above; each iteration also prints the server's threads' own
 * bytes per frame ({@code ThreadMXBean}). SBE at two frame sizes tells per-frame from per-sample allocation. The
 * trial ends by checking that every sample sent was accepted and that ticks closed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class IngestSocketBenchmark {
    /** An op's frame: its encoding and samples. */
    public enum Encoding {
        /** A full {@code SampleBatch} frame of {@code IngestClient} at its default 64 KiB. */
        SBE(3639),
        /** A tenth of one: the same per-sample work, ten times the per-frame work. */
        SBE_SMALL(364),
        /** The peer: a JSON text frame (about 50 KB). */
        JSON(500);

        final int samples;

        Encoding(final int samples) {
            this.samples = samples;
        }
    }

    static final int SERIES = 1000;
    static final int SOURCES = 16;
    private static final int JSON_FRAMES = 64;
    private static final int VALUES = 4096;
    private static final String CONFIG = """
        name: ingest-socket-bench
        tick: 50ms
        lateness: 1s
        maxSeries: 4096
        defaults: {rate: 1000000000/s, burst: 1000000000}
        """;

    @Param({"SBE", "SBE_SMALL", "JSON"})
    public Encoding encoding;

    private FeedServer server;
    private Observation observation;
    private IngestClient client;
    private final double[] values = new double[VALUES];
    private String[] jsonFrames;
    private int key;
    private int value;
    private int nextJson;
    private long samplesSent;
    private long iterationStartSamples;
    private long iterationStartServerBytes;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = FeedServer.start(new FeedServer.Context().bindAddress("127.0.0.1").port(0).ioThreads(1));
        observation = server.registry().launch(ObserveLoader.parse(CONFIG), new Observation.Context(), null);
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < VALUES; i++) {
            values[i] = Math.round(random.nextDouble() * 1e6) / 1e3; // 0..1000, three decimals
        }
        client = IngestClient.connect(new IngestClient.Context()
            .uri(URI.create("ws://127.0.0.1:" + server.port() + "/ingest?observation=" + observation.id())));
        for (int k = 0; k < SERIES; k++) {
            client.declare(k, source(k), metric(k), "cpu=\"" + k / SOURCES + "\"", null, null);
        }
        jsonFrames = new String[JSON_FRAMES];
        for (int f = 0; f < JSON_FRAMES; f++) {
            final StringBuilder sb = new StringBuilder(Encoding.JSON.samples * 110).append('[');
            for (int i = 0; i < Encoding.JSON.samples; i++) {
                final int n = f * Encoding.JSON.samples + i;
                final int k = n % SERIES;
                sb.append(i == 0 ? "" : ",").append("{\"source\":\"").append(source(k)).append("\",\"metric\":\"")
                    .append(metric(k)).append("\",\"labels\":{\"cpu\":\"").append(k / SOURCES)
                    .append("\"},\"value\":").append(values[n & (VALUES - 1)]).append('}');
            }
            jsonFrames[f] = sb.append(']').toString();
        }
        if (!client.awaitConsumed(30_000)) {
            throw new IllegalStateException("the declarations were not consumed");
        }
    }

    private static String source(final int k) {
        return "host-" + k % SOURCES;
    }

    /** A latency (by its name: seconds) one series in four, else a gauge. */
    private static String metric(final int k) {
        return k % 4 == 0 ? "http_request_duration_seconds" : "node_memory_active_bytes";
    }

    @Benchmark
    public void frame() throws IOException {
        final IngestClient client = this.client;
        if (encoding == Encoding.JSON) {
            client.sendJson(jsonFrames[nextJson++ & (JSON_FRAMES - 1)]);
            samplesSent += Encoding.JSON.samples;
            return;
        }
        final int n = encoding.samples;
        int k = key;
        int v = value;
        for (int i = 0; i < n; i++) {
            client.add(k, 0, values[v++ & (VALUES - 1)]);
            if (++k == SERIES) {
                k = 0;
            }
        }
        key = k;
        value = v;
        client.flush(); // a full frame was sent by add already: then nothing to flush
        samplesSent += n;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        iterationStartSamples = samplesSent;
        iterationStartServerBytes = serverAllocatedBytes();
    }

    @TearDown(Level.Iteration)
    public void drain() throws InterruptedException {
        // Count only what the server consumed (in its run's ring): wait for it before the next iteration.
        if (!client.awaitConsumed(120_000)) {
            throw new IllegalStateException("not consumed: " + client.consumedBytes() + " of " + client.sentBytes()
                + " bytes, close " + client.closeStatus() + " " + client.closeReason());
        }
        final double frames = (double)(samplesSent - iterationStartSamples) / encoding.samples;
        System.out.printf(Locale.ROOT, "  [server threads (tw-io-*, tw-obs-*): %.1f B/frame]%n",
            (serverAllocatedBytes() - iterationStartServerBytes) / frames);
    }

    /**
     * What the server's threads allocated so far (its I/O threads and the run's aggregator, clock and listeners), apart
     * from the client's and JMH's that {@code -prof gc} counts as well.
     */
    private static long serverAllocatedBytes() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && (t.getThreadName().startsWith("tw-io-") || t.getThreadName().startsWith("tw-obs-"))) {
                total += Math.max(0, threads.getThreadAllocatedBytes(t.getThreadId()));
            }
        }
        return total;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            final long nacks = client.nacks();
            final int close = client.closeStatus();
            client.close();
            long accepted = 0;
            for (final SourceStats s : observation.registry().sources()) {
                accepted += s.accepted();
            }
            if (nacks != 0 || close != -1 || accepted != samplesSent) {
                throw new IllegalStateException(String.format(Locale.ROOT, "%s: sent %d samples, accepted %d, "
                    + "%d nacks, close %d", encoding, samplesSent, accepted, nacks, close));
            }
            observation.stop();
            if (!observation.awaitTermination(30, TimeUnit.SECONDS) || observation.ticksClosed() == 0) {
                throw new IllegalStateException("the observed run did not end with closed ticks: "
                    + observation.ticksClosed());
            }
        } finally {
            server.close();
        }
    }
}
