package io.tickwire.bench;

import io.tickwire.codec.CompressedHistogramEncoder;
import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.CatalogInfo;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.JournalWriter;
import io.tickwire.journal.format.WindowRollup;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Replay decode: read every tick of a {@value #TICKS}-tick × {@value #SERVICES}-service journal (generated in
 * {@code @Setup} into a temp dir, with realistic HdrHistograms) and decode every service row. One op is one service
 * row, so the score is rows/s.
 * <ul>
 *   <li>{@code decodeRows}: {@link JournalReader#next} over the whole journal, each row's fixed fields read with the
 *       SBE decoder (counts, sums, percentiles, integrals, cost) and its histogram stepped over — what a consumer of
 *       the per-tick figures (CSV, JSON, the feed) pays.</li>
 *   <li>{@code rollUpWindows}: the same pass folding every row, histogram included, into 10 s windows
 *       ({@link WindowRollup}: the tick fold that {@code export --window} and {@code report} use).</li>
 *   <li>{@code chronicleOnly} (baseline): Chronicle's own tailer reading every excerpt and touching its first and last
 *       byte, no SBE: the floor under the other two.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class JournalReplayBenchmark {
    static final int TICKS = 100_000;
    static final int SERVICES = 50;
    static final int ROWS = TICKS * SERVICES;

    private Path dir;
    private JournalReader reader;
    private CatalogInfo catalog;
    private final RowDecoder rows = new RowDecoder();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tickwire-replay-bench");
        Journals.write(dir, TICKS, SERVICES, 50);
        reader = JournalReader.open(dir);
        catalog = CatalogInfo.decode(reader.catalog());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        reader.close();
        Journals.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long decodeRows() {
        reader.seek(0);
        rows.reset();
        while (reader.next(rows)) {
            // all in the handler
        }
        if (rows.rows != ROWS) {
            throw new IllegalStateException("decoded " + rows.rows + " rows");
        }
        return rows.checksum;
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long rollUpWindows() {
        reader.seek(0);
        final long[] windows = {0};
        try (WindowRollup rollup = new WindowRollup(catalog, Journals.TICK_NS, 10_000_000_000L, null,
            (w, partial) -> windows[0] += w.service(0).p99Ns())) {
            while (reader.next(rollup)) {
                // all in the handler
            }
            rollup.finish();
        }
        return windows[0];
    }

    /** Chronicle's tailer alone over the same queue: the cost of reading the excerpts, without SBE. */
    @State(Scope.Benchmark)
    public static class RawQueue {
        SingleChronicleQueue queue;
        ExcerptTailer tailer;

        @Setup(Level.Trial)
        public void setUp(final JournalReplayBenchmark bench) {
            queue = SingleChronicleQueueBuilder.binary(bench.dir.resolve("queue")).readOnly(true).build();
            tailer = queue.createTailer();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tailer.close();
            queue.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long chronicleOnly(final RawQueue raw) {
        raw.tailer.toStart();
        long sum = 0;
        while (true) {
            try (DocumentContext dc = raw.tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    break;
                }
                final net.openhft.chronicle.bytes.Bytes<?> bytes = dc.wire().bytes();
                sum += bytes.readByte(bytes.readPosition()) + bytes.readByte(bytes.readLimit() - 1);
            }
        }
        return sum;
    }

    /** Reads every service row's fixed fields and steps over its histogram. */
    static final class RowDecoder implements JournalReader.TickHandler {
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TickSummaryDecoder summary = new TickSummaryDecoder();
        long rows;
        long checksum;

        void reset() {
            rows = 0;
            checksum = 0;
        }

        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick) {
            header.wrap(buffer, offset);
            summary.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            long sum = summary.simTimeNs() + summary.wallTimeNs();
            for (final TickSummaryDecoder.ServicesDecoder s : summary.services()) {
                sum += s.serviceId() + s.servers() + s.queueDepth() + s.busyServers() + s.arrivals() + s.completed()
                    + s.errors() + s.rejected() + s.latencySumNs() + s.p50Ns() + s.p90Ns() + s.p99Ns() + s.p999Ns()
                    + s.maxNs() + s.busyTimeNs() + s.queueTimeNs() + s.costNanos() + s.timeouts() + s.retries()
                    + s.storageBytes();
                s.skipHistogram();
                rows++;
            }
            for (final TickSummaryDecoder.EntriesDecoder e : summary.entries()) {
                sum += e.completed();
                e.skipHistogram();
            }
            checksum += sum;
        }
    }

    /** Writes benchmark journals: a catalog of n services, then ticks with a real tick histogram per service. */
    static final class Journals {
        static final long TICK_NS = 50_000_000L;
        private static final int DISTINCT_HISTOGRAMS = 64;

        private Journals() {
        }

        /**
         * Write {@code ticks} ticks of {@code services} services into a new journal in {@code dir}; each service's
         * histogram holds {@code samplesPerTick} latencies (lognormal-ish, 0.5 to 50 ms), one of
         * {@value #DISTINCT_HISTOGRAMS} pre-encoded ones so that generating a large journal stays quick.
         */
        static void write(final Path dir, final long ticks, final int services, final int samplesPerTick)
            throws Exception {
            final StringBuilder yaml = new StringBuilder("name: bench\ntick: 50ms\nservices:\n");
            for (int s = 0; s < services; s++) {
                yaml.append("  - name: s").append(s).append("\n    latency: { distribution: exponential, mean: 2ms }\n");
            }
            yaml.append("load:\n  - { target: s0, rate: 100/s }\n");
            final byte[][] histograms = histograms(samplesPerTick);
            final SplittableRandom random = new SplittableRandom(7);
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64 * 1024);
            final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
            final TickSummaryEncoder tick = new TickSummaryEncoder();
            try (JournalWriter writer = JournalWriter.create(dir, DiagramLoader.parse(yaml.toString()), 1, 1)) {
                final UnsafeBuffer catalog = catalog(services);
                writer.onCatalog(catalog, 0, catalog.capacity());
                for (long t = 0; t < ticks; t++) {
                    tick.wrapAndApplyHeader(buffer, 0, headerEncoder)
                        .simulationId(1).tick(t).simTimeNs((t + 1) * TICK_NS).tickLengthNs(TICK_NS)
                        .wallTimeNs(1_700_000_000_000_000_000L + t * 1_000_000L);
                    final TickSummaryEncoder.ServicesEncoder group = tick.servicesCount(services);
                    for (int s = 0; s < services; s++) {
                        final byte[] h = histograms[random.nextInt(DISTINCT_HISTOGRAMS)];
                        final long completed = samplesPerTick;
                        group.next().serviceId(s).servers(4).queueDepth(random.nextInt(3)).busyServers(2)
                            .arrivals(completed).completed(completed).errors(random.nextInt(2)).rejected(0)
                            .latencySumNs(completed * 3_000_000L).meanNs(3_000_000L)
                            .p50Ns(2_000_000L).p90Ns(6_000_000L).p99Ns(20_000_000L).p999Ns(40_000_000L)
                            .maxNs(50_000_000L).busyTimeNs(100_000_000L).queueTimeNs(1_000_000L)
                            .costNanos(1_000 + s).timeouts(0).retries(0).storageBytes(0)
                            .replicas(2).readyReplicas(2).replicaTimeNs(0).readyTimeNs(0)
                            .putHistogram(h, 0, h.length);
                    }
                    tick.entriesCount(0);
                    writer.onTick(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + tick.encodedLength(), t, true);
                }
                writer.onEnd(ticks - 1, TickListener.EndReason.COMPLETED);
            }
        }

        private static byte[][] histograms(final int samples) {
            final byte[][] out = new byte[DISTINCT_HISTOGRAMS][];
            final SplittableRandom random = new SplittableRandom(11);
            final TickHistogram histogram = new TickHistogram();
            try (CompressedHistogramEncoder encoder = new CompressedHistogramEncoder()) {
                for (int i = 0; i < out.length; i++) {
                    histogram.reset();
                    for (int k = 0; k < samples; k++) {
                        histogram.record((long)(500_000 * Math.exp(random.nextDouble() * Math.log(100))));
                    }
                    final int length = encoder.encode(histogram);
                    out[i] = new byte[length];
                    encoder.buffer().getBytes(0, out[i]);
                }
            }
            return out;
        }

        private static UnsafeBuffer catalog(final int services) {
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
            final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                .simulationId(1).tickLengthNs(TICK_NS).seed(1).startWallTimeNs(1_700_000_000_000_000_000L)
                .schemaVersion(3).workers(1);
            final CatalogEncoder.ServicesEncoder group = e.servicesCount(services);
            for (int s = 0; s < services; s++) {
                group.next().serviceId(s).servers(4).name("s" + s);
            }
            e.sourcesCount(0);
            e.simulationName("bench");
            return new UnsafeBuffer(buffer.byteArray(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        }

        static void delete(final Path dir) throws IOException {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
