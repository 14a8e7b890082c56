package io.tickwire.client;

import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorEncoder;
import io.tickwire.sbe.GapNoticeEncoder;
import io.tickwire.sbe.GapReason;
import io.tickwire.sbe.HeartbeatEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PongEncoder;
import io.tickwire.sbe.ReplicaEventEncoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.SimulationEndEncoder;
import io.tickwire.sbe.SimulationListEncoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.SubscribedEncoder;
import io.tickwire.sbe.TickSummaryEncoder;
import io.tickwire.sbe.UnsubscribedEncoder;
import org.agrona.ExpandableArrayBuffer;

import java.util.Arrays;

/** Hand-built feed messages for tests, encoded with the generated SBE encoders. */
final class Frames {
    static final long SIM = 42;
    static final long TICK_NS = 50_000_000L;

    private Frames() {
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
            .costNanos(costNanos).timeouts(0).retries(0).storageBytes(0)
            .replicas(1).readyReplicas(1).replicaTimeNs(0).readyTimeNs(0).putHistogram(new byte[] {1}, 0, 1);
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
                .replicas(i + 2).readyReplicas(i + 1).replicaTimeNs((i + 2) * TICK_NS).readyTimeNs((i + 1) * TICK_NS)
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

    static byte[] end(final long simulationId, final long lastSequence) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final SimulationEndEncoder e = new SimulationEndEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).lastSequence(lastSequence).reason(EndReason.COMPLETED);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] heartbeat(final long simulationId, final long lastSequence, final long wallTimeNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final HeartbeatEncoder e = new HeartbeatEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).lastSequence(lastSequence).wallTimeNs(wallTimeNs);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] replicaEvent(final long simulationId, final long tick, final int serviceId, final int replica,
                               final ReplicaEventKind kind, final int detail) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final ReplicaEventEncoder e = new ReplicaEventEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder()).simulationId(simulationId).tick(tick).simTimeNs(tick * TICK_NS + 123)
            .serviceId(serviceId).replica(replica).kind(kind).detail(detail);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] gapNotice(final long simulationId, final long from, final long to) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final GapNoticeEncoder e = new GapNoticeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).fromSequence(from).toSequence(to).reason(GapReason.CONFLATED);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] subscribed(final long requestId, final long simulationId, final long first, final long last,
                             final ConflationPolicy policy) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final SubscribedEncoder e = new SubscribedEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).firstSequence(first).lastSequence(last).policy(policy);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] unsubscribed(final long requestId, final long simulationId, final long last) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final UnsubscribedEncoder e = new UnsubscribedEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).lastSequence(last);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** A list of two: {@code (1, ENDED, 199, 50 ms, "mm1")} and {@code (2, RUNNING, -1, 1 ms, name2)}. */
    static byte[] simulationList(final long requestId, final String name2) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final SimulationListEncoder e = new SimulationListEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).requestId(requestId);
        final SimulationListEncoder.SimulationsEncoder s = e.simulationsCount(2);
        s.next().simulationId(1).state(SimulationState.ENDED).lastSequence(199).tickLengthNs(TICK_NS).name("mm1");
        s.next().simulationId(2).state(SimulationState.RUNNING).lastSequence(-1).tickLengthNs(1_000_000).name(name2);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] pong(final long requestId, final long clientTimeNs, final long serverTimeNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final PongEncoder e = new PongEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).clientTimeNs(clientTimeNs).serverTimeNs(serverTimeNs);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static byte[] error(final long requestId, final ErrorCode code, final String message) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final ErrorEncoder e = new ErrorEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).code(code).message(message);
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }
}
