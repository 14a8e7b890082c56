package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ErrorEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.SimulationEndEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

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
        return switch (reason) {
            case COMPLETED -> EndReason.COMPLETED;
            case STOPPED -> EndReason.STOPPED;
            case FAILED -> EndReason.FAILED;
        };
    }
}
