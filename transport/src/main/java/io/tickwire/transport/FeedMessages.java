package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorEncoder;
import io.tickwire.sbe.GapNoticeEncoder;
import io.tickwire.sbe.GapReason;
import io.tickwire.sbe.HeartbeatEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PongEncoder;
import io.tickwire.sbe.SimulationEndEncoder;
import io.tickwire.sbe.SimulationListEncoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.SubscribedEncoder;
import io.tickwire.sbe.UnsubscribedEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encoders of the feed's control messages (rare: once per run or per bad request, so clarity over reuse). Each
 * returns a buffer holding one complete SBE message, header included, which the caller owns.
 */
final class FeedMessages {
    /** Room for any control message: the Error text is cut to fit. */
    private static final int CAPACITY = 512;
    private static final int MAX_ERROR_TEXT_BYTES = 400;

    private FeedMessages() {
    }

    static ByteBuf simulationEnd(final ByteBufAllocator alloc, final long simulationId, final long lastSequence,
                                 final TickListener.EndReason reason) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final SimulationEndEncoder e = new SimulationEndEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId)
            .lastSequence(lastSequence)
            .reason(endReason(reason));
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf error(final ByteBufAllocator alloc, final long requestId, final ErrorCode code,
                         final String message) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final ErrorEncoder e = new ErrorEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId)
            .code(code);
        final byte[] text = message.getBytes(StandardCharsets.UTF_8);
        e.putMessage(text, 0, Math.min(text.length, MAX_ERROR_TEXT_BYTES));
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf subscribed(final ByteBufAllocator alloc, final long requestId, final long simulationId,
                              final long firstSequence, final long lastSequence, final ConflationPolicy policy) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final SubscribedEncoder e = new SubscribedEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId)
            .simulationId(simulationId)
            .firstSequence(firstSequence)
            .lastSequence(lastSequence)
            .policy(policy);
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf unsubscribed(final ByteBufAllocator alloc, final long requestId, final long simulationId,
                                final long lastSequence) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final UnsubscribedEncoder e = new UnsubscribedEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId)
            .simulationId(simulationId)
            .lastSequence(lastSequence);
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf pong(final ByteBufAllocator alloc, final long requestId, final long clientTimeNs,
                        final long serverTimeNs) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final PongEncoder e = new PongEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId)
            .clientTimeNs(clientTimeNs)
            .serverTimeNs(serverTimeNs);
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf heartbeat(final ByteBufAllocator alloc, final long simulationId, final long lastSequence,
                             final long wallTimeNs) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final HeartbeatEncoder e = new HeartbeatEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId)
            .lastSequence(lastSequence)
            .wallTimeNs(wallTimeNs);
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf gapNotice(final ByteBufAllocator alloc, final long simulationId, final long fromSequence,
                             final long toSequence) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CAPACITY]);
        final GapNoticeEncoder e = new GapNoticeEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .simulationId(simulationId)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .reason(GapReason.CONFLATED);
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** One row of a {@code SimulationList}. */
    record Listed(long simulationId, SimulationState state, long lastSequence, long tickLengthNs, String name) {
    }

    static ByteBuf simulationList(final ByteBufAllocator alloc, final long requestId, final List<Listed> list) {
        int capacity = MessageHeaderEncoder.ENCODED_LENGTH + SimulationListEncoder.BLOCK_LENGTH + 4;
        for (final Listed l : list) {
            capacity += SimulationListEncoder.SimulationsEncoder.sbeBlockLength() + 2
                + l.name().getBytes(StandardCharsets.UTF_8).length;
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[capacity]);
        final SimulationListEncoder e = new SimulationListEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .requestId(requestId);
        final SimulationListEncoder.SimulationsEncoder rows = e.simulationsCount(list.size());
        for (final Listed l : list) {
            rows.next()
                .simulationId(l.simulationId())
                .state(l.state())
                .lastSequence(l.lastSequence())
                .tickLengthNs(l.tickLengthNs())
                .name(l.name());
        }
        return copy(alloc, buffer, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    static ByteBuf copy(final ByteBufAllocator alloc, final byte[] message) {
        return alloc.directBuffer(message.length, message.length).writeBytes(message);
    }

    private static ByteBuf copy(final ByteBufAllocator alloc, final UnsafeBuffer buffer, final int length) {
        return alloc.directBuffer(length, length).writeBytes(buffer.byteArray(), 0, length);
    }

    private static EndReason endReason(final TickListener.EndReason reason) {
        if (reason == null) {
            return EndReason.FAILED;
        }
        return reason.code();
    }
}
