package io.tickwire.journal.format;

import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.TickSummaryEncoder;
import org.agrona.ExpandableArrayBuffer;

import java.util.Arrays;

/** Hand-built catalogs and ticks, encoded with the generated SBE encoders, as the feed carries them. */
final class TickFrames {
    static final long SIM = 42;
    static final long TICK_NS = 50_000_000L;

    private TickFrames() {
    }

    static byte[] catalog(final long simulationId, final String... names) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tickLengthNs(TICK_NS).seed(7).startWallTimeNs(1_000).schemaVersion(1)
            .workers(1);
        final CatalogEncoder.ServicesEncoder services = e.servicesCount(names.length);
        for (int i = 0; i < names.length; i++) {
            services.next().serviceId(i).servers(4).name(names[i]);
        }
        e.sourcesCount(0); // schema v2: the sources group precedes the name
        e.simulationName("test");
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** A catalog with one service and one load source into it. */
    static byte[] catalogWithSource(final long simulationId, final String source, final String service) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tickLengthNs(TICK_NS).seed(7).startWallTimeNs(1_000).schemaVersion(2)
            .workers(1);
        e.servicesCount(1).next().serviceId(0).servers(4).name(service);
        e.sourcesCount(1).next().sourceId(0).targetServiceId(0).name(source);
        e.simulationName("test");
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** A tick of one service costing {@code costNanos}, with one entry point's end-to-end figures. */
    static byte[] tickWithEntry(final long simulationId, final long tick, final long costNanos) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        final TickSummaryEncoder e = new TickSummaryEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tick(tick).simTimeNs((tick + 1) * TICK_NS).tickLengthNs(TICK_NS)
            .wallTimeNs(1_000 + tick);
        e.servicesCount(1).next().serviceId(0).servers(4).queueDepth(0).busyServers(1).arrivals(23).completed(22)
            .errors(1).rejected(0).latencySumNs(22_000_000).meanNs(1_000_000).p50Ns(900_000).p90Ns(1_500_000)
            .p99Ns(2_000_000).p999Ns(2_000_000).maxNs(2_000_000).busyTimeNs(TICK_NS).queueTimeNs(0)
            .costNanos(costNanos).timeouts(0).retries(0).storageBytes(0).putHistogram(new byte[] {1}, 0, 1);
        e.entriesCount(1).next().sourceId(0).completed(20).errors(1).rejected(2).latencySumNs(210_000_000)
            .p50Ns(9_000_000).p90Ns(20_000_000).p99Ns(30_000_001).p999Ns(40_000_000).maxNs(45_000_000).timeouts(1)
            .putHistogram(new byte[] {2}, 0, 1);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** A tick with {@code services} entries; service i has latencies of (i + 1) ms scaled by small factors. */
    static byte[] tick(final long simulationId, final long tick, final int services) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        final TickSummaryEncoder e = new TickSummaryEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tick(tick).simTimeNs((tick + 1) * TICK_NS).tickLengthNs(TICK_NS)
            .wallTimeNs(1_763_856_000_123_456_789L + tick);
        final TickSummaryEncoder.ServicesEncoder s = e.servicesCount(services);
        for (int i = 0; i < services; i++) {
            final long ms = (i + 1) * 1_000_000L;
            s.next().serviceId(i).servers(4).queueDepth(3).busyServers(2).arrivals(21).completed(20).errors(1)
                .rejected(0).latencySumNs(20 * ms).meanNs(ms).p50Ns(ms / 2 + 1).p90Ns(ms + 250_000).p99Ns(2 * ms)
                .p999Ns(3 * ms + 7).maxNs(4 * ms).busyTimeNs(TICK_NS * (i + 1)).queueTimeNs(TICK_NS / 4 * 3)
                .costNanos(0).timeouts(i).retries(2L * i + 1).storageBytes(1L << (30 + i))
                .putHistogram(new byte[] {1, 2, 3}, 0, 3);
        }
        e.entriesCount(0); // schema v2: the (empty) entry points group follows the services
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** {@code frame} (of the current schema) labelled with an older acting {@code version}; block lengths kept. */
    static byte[] asVersion(final byte[] frame, final int version) {
        final byte[] copy = frame.clone();
        copy[6] = (byte)version;
        copy[7] = (byte)(version >>> 8);
        return copy;
    }
}
