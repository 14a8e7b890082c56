package io.tickwire.journal.test;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.journal.JournalWriter;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Synthetic journal content: a catalog and ticks whose every field is a function of the tick number, so that a test
 * knows every byte a reader must give back. Published in journal's test-jar.
 */
public final class Messages {
    public static final long SIMULATION_ID = 3;
    public static final long SEED = 7;
    public static final long TICK_NS = 50_000_000L;
    public static final String YAML = """
        name: pair
        tick: 50ms
        services:
          - name: front
            latency: { distribution: exponential, mean: 1ms }
            calls:
              - { to: back, probability: 0.5 }
          - name: back
            latency: { distribution: exponential, mean: 2ms }
        load:
          - { target: front, rate: 100/s }
        """;
    public static final String[] SERVICES = {"front", "back"};
    private static final byte[] HISTOGRAM = new byte[1024];

    private Messages() {
    }

    public static Diagram diagram() {
        try {
            return DiagramLoader.parse(YAML);
        } catch (final DiagramException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static UnsafeBuffer catalog() {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(SIMULATION_ID)
            .tickLengthNs(TICK_NS)
            .seed(SEED)
            .startWallTimeNs(1_700_000_000_000_000_000L)
            .schemaVersion(1)
            .workers(1);
        final CatalogEncoder.ServicesEncoder services = e.servicesCount(SERVICES.length);
        for (int s = 0; s < SERVICES.length; s++) {
            services.next().serviceId(s).servers(4).name(SERVICES[s]);
        }
        e.sourcesCount(0); // schema v2: the sources group precedes the name
        e.simulationName("pair");
        return new UnsafeBuffer(buffer.byteArray(), 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** Encode tick {@code tick} at offset 0 of {@code buffer}; returns its length. */
    public static int tick(final MutableDirectBuffer buffer, final long tick) {
        return tick(buffer, tick, SERVICES.length, 24);
    }

    /** As {@link #tick(MutableDirectBuffer, long)}, with {@code services} services and histograms of up to
     *  {@code histogramBytes} bytes, to make ticks of a realistic size. */
    public static int tick(final MutableDirectBuffer buffer, final long tick, final int serviceCount,
                    final int histogramBytes) {
        final TickSummaryEncoder e = new TickSummaryEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(SIMULATION_ID)
            .tick(tick)
            .simTimeNs((tick + 1) * TICK_NS)
            .tickLengthNs(TICK_NS)
            .wallTimeNs(1_700_000_000_000_000_000L + tick * 1_000);
        final TickSummaryEncoder.ServicesEncoder services = e.servicesCount(serviceCount);
        for (int s = 0; s < serviceCount; s++) {
            final long completed = (tick + s) % 5;
            services.next()
                .serviceId(s)
                .servers(4)
                .queueDepth((int)(tick % 3))
                .busyServers((int)(tick % 4))
                .arrivals(completed + 1)
                .completed(completed)
                .errors(s)
                .rejected(1 - s)
                .latencySumNs(completed * 5_000_123L + tick)
                .meanNs(completed > 0 ? (completed * 5_000_123L + tick) / completed : 0)
                .p50Ns(5_000_000L + tick * 17 + s)
                .p90Ns(9_000_000L + tick * 19 + s)
                .p99Ns(20_000_000L + tick * 23 + s)
                .p999Ns(40_000_000L + tick * 29 + s)
                .maxNs(1_000_000_000L + tick * 31 + s)
                .busyTimeNs((tick % 4) * 10_000_000L + s)
                .queueTimeNs(25_000_000L * s + tick)
                .costNanos(1_000 + s * 227 + tick)
                .timeouts(tick % 2).retries(s + tick % 3).storageBytes(1_000_000L * s + tick)
                .replicas(2).readyReplicas(2).replicaTimeNs(2 * TICK_NS).readyTimeNs(2 * TICK_NS)
                .rateLimited(0).bulkheadRefused(0).breakerRefused(0)
                .value(Double.NaN).valueMin(Double.NaN).valueMax(Double.NaN).valueSum(0).late(0)
                .putHistogram(HISTOGRAM, 0, (int)(tick % histogramBytes));
        }
        e.entriesCount(0); // schema v2: the (empty) entry points group follows the services
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    public static byte[] tickBytes(final long tick) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        final int length = tick(buffer, tick);
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** Write a catalog then ticks [0, count) through {@code writer}, as the engine would. */
    public static void writeTicks(final JournalWriter writer, final long count) {
        final UnsafeBuffer catalog = catalog();
        writer.onCatalog(catalog, 0, catalog.capacity());
        appendTicks(writer, 0, count);
    }

    public static void appendTicks(final JournalWriter writer, final long from, final long to) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        for (long t = from; t < to; t++) {
            writer.onTick(buffer, 0, tick(buffer, t), t, true);
        }
    }
}
