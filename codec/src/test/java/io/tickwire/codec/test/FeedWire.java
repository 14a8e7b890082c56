package io.tickwire.codec.test;

import io.tickwire.codec.FeedMessage;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogEncoder;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.ErrorEncoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.GapNoticeEncoder;
import io.tickwire.sbe.GapReason;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.HeartbeatEncoder;
import io.tickwire.sbe.ListSimulationsDecoder;
import io.tickwire.sbe.ListSimulationsEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PingDecoder;
import io.tickwire.sbe.PingEncoder;
import io.tickwire.sbe.PongDecoder;
import io.tickwire.sbe.PongEncoder;
import io.tickwire.sbe.ReplicaEventEncoder;
import io.tickwire.sbe.ReplicaEventKind;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SimulationEndEncoder;
import io.tickwire.sbe.SimulationListDecoder;
import io.tickwire.sbe.SimulationListEncoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.SubscribeEncoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.SubscribedEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.TickSummaryEncoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import io.tickwire.sbe.UnsubscribeEncoder;
import io.tickwire.sbe.UnsubscribedDecoder;
import io.tickwire.sbe.UnsubscribedEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;
import org.agrona.sbe.MessageEncoderFlyweight;

import java.util.Arrays;

/**
 * Every feed message as bytes, for tests (published in codec's test-jar): encoders of the client's requests and the
 * server's messages, built with the generated SBE encoders (a reference independent of the server's and the
 * client's own code), and readers that check the template and wrap the generated decoder over a whole message,
 * header included. Plus hand-built catalogs and ticks with known figures.
 * <p>
 * Encoders are named by message ({@link #subscribe}, {@link #subscribed}, {@link #tick}); readers are {@code read*}.
 * Every method allocates: test code only.
 */
public final class FeedWire {
    /** The simulation of the hand-built messages, unless a test names another. */
    public static final long SIM = 42;
    /** Their tick length: 50 ms. */
    public static final long TICK_NS = 50_000_000L;

    private FeedWire() {
    }

    // ---- requests (client to server) ------------------------------------------------------------------------------

    /** A {@code Subscribe}: the latest tick then live, conflated, every service. */
    public static byte[] subscribe(final long requestId, final long simulationId) {
        return subscribe(requestId, simulationId, -1, ConflationPolicy.CONFLATE, "");
    }

    public static byte[] subscribe(final long requestId, final long simulationId, final long fromSequence,
                                   final ConflationPolicy policy, final String services) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new SubscribeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).fromSequence(fromSequence).policy(policy)
            .services(services));
    }

    public static byte[] unsubscribe(final long requestId, final long simulationId) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new UnsubscribeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId));
    }

    public static byte[] listSimulations(final long requestId) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new ListSimulationsEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId));
    }

    public static byte[] ping(final long requestId, final long clientTimeNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new PingEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).clientTimeNs(clientTimeNs));
    }

    // ---- server to client -----------------------------------------------------------------------------------------

    public static byte[] subscribed(final long requestId, final long simulationId, final long firstSequence,
                                    final long lastSequence, final ConflationPolicy policy) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new SubscribedEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).firstSequence(firstSequence).lastSequence(lastSequence)
            .policy(policy));
    }

    public static byte[] unsubscribed(final long requestId, final long simulationId, final long lastSequence) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new UnsubscribedEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).simulationId(simulationId).lastSequence(lastSequence));
    }

    /** A list of two: {@code (1, ENDED, 199, 50 ms, "mm1")} and {@code (2, RUNNING, -1, 1 ms, name2)}. */
    public static byte[] simulationList(final long requestId, final String name2) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        final SimulationListEncoder e = new SimulationListEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).requestId(requestId);
        final SimulationListEncoder.SimulationsEncoder s = e.simulationsCount(2);
        s.next().simulationId(1).state(SimulationState.ENDED).lastSequence(199).tickLengthNs(TICK_NS).name("mm1");
        s.next().simulationId(2).state(SimulationState.RUNNING).lastSequence(-1).tickLengthNs(1_000_000).name(name2);
        return bytes(buffer, e);
    }

    public static byte[] pong(final long requestId, final long clientTimeNs, final long serverTimeNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new PongEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).clientTimeNs(clientTimeNs).serverTimeNs(serverTimeNs));
    }

    public static byte[] error(final long requestId, final ErrorCode code, final String message) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        return bytes(buffer, new ErrorEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId).code(code).message(message));
    }

    public static byte[] heartbeat(final long simulationId, final long lastSequence, final long wallTimeNs) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new HeartbeatEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).lastSequence(lastSequence).wallTimeNs(wallTimeNs));
    }

    /** A {@code ReplicaEvent} (schema v4) at tick {@code tick}, 123 ns into it. */
    public static byte[] replicaEvent(final long simulationId, final long tick, final int serviceId, final int replica,
                                      final ReplicaEventKind kind, final int detail) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new ReplicaEventEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tick(tick).simTimeNs(tick * TICK_NS + 123).serviceId(serviceId)
            .replica(replica).kind(kind).detail(detail));
    }

    public static byte[] gapNotice(final long simulationId, final long fromSequence, final long toSequence) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new GapNoticeEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).fromSequence(fromSequence).toSequence(toSequence).reason(GapReason.CONFLATED));
    }

    /** A {@code SimulationEnd}, COMPLETED. */
    public static byte[] end(final long simulationId, final long lastSequence) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        return bytes(buffer, new SimulationEndEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).lastSequence(lastSequence).reason(EndReason.COMPLETED));
    }

    /** A catalog of services named {@code names} (ids 0, 1, ...; 4 servers each), no load source. */
    public static byte[] catalog(final long simulationId, final String... names) {
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
        return bytes(buffer, e);
    }

    /** A catalog with one service and one load source into it. */
    public static byte[] catalogWithSource(final long simulationId, final String source, final String service) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final CatalogEncoder e = new CatalogEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tickLengthNs(TICK_NS).seed(7).startWallTimeNs(1_000).schemaVersion(2)
            .workers(1);
        e.servicesCount(1).next().serviceId(0).servers(4).name(service);
        e.sourcesCount(1).next().sourceId(0).targetServiceId(0).name(source);
        e.simulationName("test");
        return bytes(buffer, e);
    }

    /** A tick with {@code services} entries; service i has latencies of (i + 1) ms scaled by small factors. */
    public static byte[] tick(final long simulationId, final long tick, final int services) {
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
                .rateLimited(i).bulkheadRefused(0).breakerRefused(0)
                .value(Double.NaN).valueMin(Double.NaN).valueMax(Double.NaN).valueSum(0).late(0)
                .putHistogram(new byte[] {1, 2, 3}, 0, 3);
        }
        e.entriesCount(0); // schema v2: the (empty) entry points group follows the services
        return bytes(buffer, e);
    }

    /** A tick of one service costing {@code costNanos}, with one entry point's end-to-end figures. */
    public static byte[] tickWithEntry(final long simulationId, final long tick, final long costNanos) {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        final TickSummaryEncoder e = new TickSummaryEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId).tick(tick).simTimeNs((tick + 1) * TICK_NS).tickLengthNs(TICK_NS)
            .wallTimeNs(1_000 + tick);
        e.servicesCount(1).next().serviceId(0).servers(4).queueDepth(0).busyServers(1).arrivals(23).completed(22)
            .errors(1).rejected(0).latencySumNs(22_000_000).meanNs(1_000_000).p50Ns(900_000).p90Ns(1_500_000)
            .p99Ns(2_000_000).p999Ns(2_000_000).maxNs(2_000_000).busyTimeNs(TICK_NS).queueTimeNs(0)
            .costNanos(costNanos).timeouts(0).retries(0).storageBytes(0)
            .replicas(1).readyReplicas(1).replicaTimeNs(0).readyTimeNs(0)
            .rateLimited(0).bulkheadRefused(0).breakerRefused(0)
            .value(Double.NaN).valueMin(Double.NaN).valueMax(Double.NaN).valueSum(0).late(0).putHistogram(new byte[] {1}, 0, 1);
        e.entriesCount(1).next().sourceId(0).completed(20).errors(1).rejected(2).latencySumNs(210_000_000)
            .p50Ns(9_000_000).p90Ns(20_000_000).p99Ns(30_000_001).p999Ns(40_000_000).maxNs(45_000_000).timeouts(1)
            .putHistogram(new byte[] {2}, 0, 1);
        return bytes(buffer, e);
    }

    /** {@code message} (of the current schema) labelled with an older acting {@code version}; block lengths kept. */
    public static byte[] asVersion(final byte[] message, final int version) {
        final byte[] copy = message.clone();
        copy[6] = (byte)version;
        copy[7] = (byte)(version >>> 8);
        return copy;
    }

    // ---- readers ----------------------------------------------------------------------------------------------------

    public static int templateId(final byte[] message) {
        return header(message).templateId();
    }

    public static int schemaId(final byte[] message) {
        return header(message).schemaId();
    }

    /** The feed message {@code message} is, or null for another template. */
    public static FeedMessage messageOf(final byte[] message) {
        return FeedMessage.of(templateId(message));
    }

    /** The tick number of a {@code TickSummary}. */
    public static long tickOf(final byte[] message) {
        return readTick(message).tick();
    }

    /** The simulation a server message is about (every one but the answers without one). */
    public static long simulationIdOf(final byte[] message) {
        final FeedMessage m = messageOf(message);
        if (m == null) {
            throw new AssertionError("template " + templateId(message) + " is not a feed message");
        }
        return switch (m) {
            case TICK_SUMMARY -> readTick(message).simulationId();
            case CATALOG -> readCatalog(message).simulationId();
            case HEARTBEAT -> readHeartbeat(message).simulationId();
            case SIMULATION_END -> readEnd(message).simulationId();
            case GAP_NOTICE -> readGapNotice(message).simulationId();
            case SUBSCRIBED -> readSubscribed(message).simulationId();
            case UNSUBSCRIBED -> readUnsubscribed(message).simulationId();
            default -> throw new AssertionError(m + " has no simulation id");
        };
    }

    public static TickSummaryDecoder readTick(final byte[] message) {
        return read(message, FeedMessage.TICK_SUMMARY, new TickSummaryDecoder());
    }

    public static CatalogDecoder readCatalog(final byte[] message) {
        return read(message, FeedMessage.CATALOG, new CatalogDecoder());
    }

    public static HeartbeatDecoder readHeartbeat(final byte[] message) {
        return read(message, FeedMessage.HEARTBEAT, new HeartbeatDecoder());
    }

    public static SimulationEndDecoder readEnd(final byte[] message) {
        return read(message, FeedMessage.SIMULATION_END, new SimulationEndDecoder());
    }

    public static GapNoticeDecoder readGapNotice(final byte[] message) {
        return read(message, FeedMessage.GAP_NOTICE, new GapNoticeDecoder());
    }

    public static SubscribedDecoder readSubscribed(final byte[] message) {
        return read(message, FeedMessage.SUBSCRIBED, new SubscribedDecoder());
    }

    public static UnsubscribedDecoder readUnsubscribed(final byte[] message) {
        return read(message, FeedMessage.UNSUBSCRIBED, new UnsubscribedDecoder());
    }

    public static SimulationListDecoder readSimulationList(final byte[] message) {
        return read(message, FeedMessage.SIMULATION_LIST, new SimulationListDecoder());
    }

    public static PongDecoder readPong(final byte[] message) {
        return read(message, FeedMessage.PONG, new PongDecoder());
    }

    public static ErrorDecoder readError(final byte[] message) {
        return read(message, FeedMessage.ERROR, new ErrorDecoder());
    }

    public static SubscribeDecoder readSubscribe(final byte[] message) {
        return read(message, FeedMessage.SUBSCRIBE, new SubscribeDecoder());
    }

    public static UnsubscribeDecoder readUnsubscribe(final byte[] message) {
        return read(message, FeedMessage.UNSUBSCRIBE, new UnsubscribeDecoder());
    }

    public static ListSimulationsDecoder readListSimulations(final byte[] message) {
        return read(message, FeedMessage.LIST_SIMULATIONS, new ListSimulationsDecoder());
    }

    public static PingDecoder readPing(final byte[] message) {
        return read(message, FeedMessage.PING, new PingDecoder());
    }

    private static MessageHeaderDecoder header(final byte[] message) {
        return new MessageHeaderDecoder().wrap(new UnsafeBuffer(message), 0);
    }

    private static <D extends MessageDecoderFlyweight> D read(final byte[] message, final FeedMessage expected,
                                                              final D decoder) {
        final MessageHeaderDecoder h = header(message);
        if (h.templateId() != expected.templateId()) {
            throw new AssertionError("expected " + expected.schemaName() + " (" + expected.templateId() + "), got "
                + (FeedMessage.of(h.templateId()) == null ? "template " + h.templateId()
                : FeedMessage.of(h.templateId()).schemaName()));
        }
        decoder.wrap(new UnsafeBuffer(message), MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
        return decoder;
    }

    private static byte[] bytes(final ExpandableArrayBuffer buffer, final MessageEncoderFlyweight encoder) {
        return Arrays.copyOf(buffer.byteArray(), MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }
}
