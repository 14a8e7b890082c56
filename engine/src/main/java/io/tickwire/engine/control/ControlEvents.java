package io.tickwire.engine.control;

import io.tickwire.engine.ring.PipelineFailedException;
import io.tickwire.sbe.ControlOrigin;
import io.tickwire.sbe.EditKind;
import io.tickwire.sbe.FaultEventEncoder;
import io.tickwire.sbe.FaultKind;
import io.tickwire.sbe.FaultPhase;
import io.tickwire.sbe.LiveEditAppliedEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.ScaleAlgorithm;
import io.tickwire.sbe.ScaleDecisionEncoder;
import io.tickwire.sbe.ScaleMetric;
import io.tickwire.sbe.TargetType;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The control plane's events on their way to the output: the orchestrator encodes each decision as an SBE message
 * ({@code ScaleDecision}, {@code FaultEvent}, {@code LiveEditApplied}) into a one-to-one ring before it issues the
 * tick the decision takes effect at; the aggregator, when it closes that tick, takes the tick's messages (and only
 * those: the ring may hold later ticks') and publishes them after its {@code TickSummary}.
 * <pre>
 *   orchestrator ──encode (tick T)──► OneToOneRingBuffer ──drain(T), after TickSummary T──► aggregator ──► output ring
 * </pre>
 * A tick's events are written before its command is published, and the aggregator closes the tick only after every
 * worker has run it, so they are all in the ring when it drains them. The ring is sized so that one tick's events
 * always fit ({@link #capacityFor}): a full ring only ever holds the orchestrator back until earlier ticks close.
 * <p>
 * <b>Threads:</b> the {@code encode} methods on the orchestrator's thread only; {@link #drain} on the aggregator's.
 * Steady state allocates nothing but the text of a decision's reason, when there is one.
 */
public final class ControlEvents {
    /** Bytes of one event, at most: a live edit's body fits in it (the REST limit is below it). */
    public static final int MAX_MESSAGE = 32 * 1024;
    /** Live edits the orchestrator applies at one tick, at most (more wait for the next). */
    public static final int EDITS_PER_TICK = 2;
    // The tick is the second field of every event message, after the 8-byte simulationId.
    private static final int TICK_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH + 8;

    private final OneToOneRingBuffer ring;
    private final long simulationId;
    private final BooleanSupplier failed;
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ScaleDecisionEncoder scale = new ScaleDecisionEncoder();
    private final FaultEventEncoder fault = new FaultEventEncoder();
    private final LiveEditAppliedEncoder edit = new LiveEditAppliedEncoder();
    // Aggregator side.
    private Sink sink;
    private long draining;
    private final ControlledMessageHandler handler = this::onMessage;

    /**
     * @param capacity bytes, a power of two ({@link #capacityFor}).
     * @param failed   true once the pipeline failed: a writer waiting on a full ring gives up.
     */
    public ControlEvents(final long simulationId, final int capacity, final BooleanSupplier failed) {
        this.simulationId = simulationId;
        this.failed = failed;
        ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** A ring that takes the most events one tick of a diagram of {@code services} and {@code faults} can have. */
    public static int capacityFor(final int services, final int faults) {
        // Agrona's largest message is an eighth of the ring; the rest: a scale decision per service, two events per
        // fault, and the edits of a tick, with room for the next tick's while this one drains.
        final long perTick = (long)EDITS_PER_TICK * MAX_MESSAGE + 1024L * services + 1024L * faults;
        return (int)Math.min(1 << 30, Math.max(8L * MAX_MESSAGE, Long.highestOneBit(perTick) << 2));
    }

    /** Receives a tick's events, in order, on the aggregator's thread. */
    @FunctionalInterface
    public interface Sink {
        void onEvent(DirectBuffer buffer, int offset, int length, long tick);
    }

    /** Hand every event of tick {@code tick} to {@code into}, in the order they were written. Aggregator thread. */
    public void drain(final long tick, final Sink into) {
        sink = into;
        draining = tick;
        ring.controlledRead(handler);
        sink = null;
    }

    private ControlledMessageHandler.Action onMessage(final int type, final MutableDirectBuffer buffer,
                                                      final int index, final int length) {
        final long tick = buffer.getLong(index + TICK_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        if (tick > draining) {
            return ControlledMessageHandler.Action.ABORT; // a later tick's: stays in the ring
        }
        if (tick < draining) {
            throw new IllegalStateException("control event of tick " + tick + " found while closing " + draining);
        }
        sink.onEvent(buffer, index, length, tick);
        return ControlledMessageHandler.Action.CONTINUE;
    }

    /** {@code ScaleDecision}: {@code autoscaler} decided {@code from → to} for tick {@code tick}. */
    public void scaleDecision(final long tick, final long simTimeNs, final int service, final Autoscaler autoscaler,
                              final int from, final int to, final long windowFirstTick, final long windowLastTick) {
        final ScaleDecisionEncoder e = scale.wrapAndApplyHeader(scratch, 0, header)
            .simulationId(simulationId)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .serviceId(service)
            .algorithm(autoscaler instanceof HpaAutoscaler ? ScaleAlgorithm.HPA : ScaleAlgorithm.THRESHOLD)
            .limitedBy(autoscaler.limit())
            .fromReplicas(from)
            .toReplicas(to)
            .recommendedReplicas(autoscaler.recommended())
            .stabilizedReplicas(autoscaler.stabilized())
            .readyReplicas(autoscaler.readyReplicas())
            .windowFirstTick(windowFirstTick)
            .windowLastTick(windowLastTick)
            .decidingMetric((short)autoscaler.decidingMetric());
        final ScaleDecisionEncoder.MetricsEncoder m = e.metricsCount(autoscaler.metricCount());
        for (int i = 0; i < autoscaler.metricCount(); i++) {
            final var target = autoscaler.spec().metrics().get(i);
            m.next()
                .metric(ScaleMetric.get((short)target.metric().ordinal()))
                .targetType(TargetType.get((short)target.type().ordinal()))
                .value(autoscaler.value(i))
                .target(autoscaler.target(i))
                .ratio(autoscaler.ratio(i))
                .proposal(autoscaler.proposal(i));
        }
        e.reason(autoscaler.reason(from, to));
        write(ScaleDecisionEncoder.TEMPLATE_ID, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** {@code FaultEvent}: fault {@code id} started or ended at tick {@code tick}. */
    public void faultEvent(final long tick, final long simTimeNs, final int id, final boolean started,
                           final boolean live, final io.tickwire.engine.diagram.FaultSpec f, final String description) {
        final FaultEventEncoder e = fault.wrapAndApplyHeader(scratch, 0, header)
            .simulationId(simulationId)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .faultId(id)
            .phase(started ? FaultPhase.STARTED : FaultPhase.ENDED)
            .kind(FaultKind.get((short)f.kind().ordinal()))
            .origin(live ? ControlOrigin.LIVE : ControlOrigin.DIAGRAM)
            .serviceId(f.service())
            .peerServiceId(f.peerService())
            .sourceId(f.source())
            .count(f.count())
            .factor(f.factor())
            .addedNs(f.addedNs())
            .rate(f.rate())
            .mode((short)f.mode())
            .durationNs(f.endless() ? 0 : f.durationNs());
        e.description(description);
        write(FaultEventEncoder.TEMPLATE_ID, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** {@code LiveEditApplied}: edit {@code editId} takes effect at tick {@code tick}. */
    public void editApplied(final long tick, final long simTimeNs, final int editId, final EditKind kind,
                            final String body) {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        final LiveEditAppliedEncoder e = edit.wrapAndApplyHeader(scratch, 0, header)
            .simulationId(simulationId)
            .tick(tick)
            .simTimeNs(simTimeNs)
            .editId(editId)
            .kind(kind);
        e.putBody(bytes, 0, bytes.length);
        write(LiveEditAppliedEncoder.TEMPLATE_ID, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private void write(final int type, final int length) {
        if (length > MAX_MESSAGE) {
            throw new IllegalArgumentException("a control event of " + length + " bytes (at most " + MAX_MESSAGE
                + ")");
        }
        while (!ring.write(type, scratch, 0, length)) {
            // Full: the aggregator drains it as earlier ticks close.
            if (failed.getAsBoolean()) {
                throw PipelineFailedException.INSTANCE;
            }
            LockSupport.parkNanos(10_000);
        }
    }
}
