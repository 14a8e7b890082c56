package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickwire.codec.FeedMessage;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.EndReason;
import io.tickwire.sbe.ErrorCode;
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
 * Encoders of one connection's control messages, held in fields: each message is encoded straight into a buffer of
 * its exact length (from {@link FeedMessage}'s block lengths) taken from the channel's allocator, which the caller
 * then owns (and Netty releases once written). Heartbeats and gap notices, the only periodic ones, make no garbage
 * but the frame wrapper.
 * <p>
 * <b>Confined to the connection's event loop</b>: one instance per {@link FeedFrameHandler}.
 */
final class FeedMessages {
    /** The Error text is cut to fit: a close reason of the same text would be cut at 123 bytes anyway. */
    private static final int MAX_ERROR_TEXT_BYTES = 400;
    private static final byte[] NOTHING = new byte[0];

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SubscribedEncoder subscribed = new SubscribedEncoder();
    private final UnsubscribedEncoder unsubscribed = new UnsubscribedEncoder();
    private final SimulationListEncoder simulationList = new SimulationListEncoder();
    private final PongEncoder pong = new PongEncoder();
    private final ErrorEncoder error = new ErrorEncoder();
    private final HeartbeatEncoder heartbeat = new HeartbeatEncoder();
    private final GapNoticeEncoder gapNotice = new GapNoticeEncoder();
    private final SimulationEndEncoder simulationEnd = new SimulationEndEncoder();
    private final UnsafeBuffer out = new UnsafeBuffer(NOTHING);

    /** One row of a {@code SimulationList}. */
    record Listed(long simulationId, SimulationState state, long lastSequence, long tickLengthNs, String name) {
    }

    ByteBuf subscribed(final ByteBufAllocator alloc, final long requestId, final long simulationId,
                       final long firstSequence, final long lastSequence, final ConflationPolicy policy) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.SUBSCRIBED.fixedLength());
        subscribed.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .simulationId(simulationId)
            .firstSequence(firstSequence)
            .lastSequence(lastSequence)
            .policy(policy);
        return done(buffer);
    }

    ByteBuf unsubscribed(final ByteBufAllocator alloc, final long requestId, final long simulationId,
                         final long lastSequence) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.UNSUBSCRIBED.fixedLength());
        unsubscribed.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .simulationId(simulationId)
            .lastSequence(lastSequence);
        return done(buffer);
    }

    ByteBuf simulationList(final ByteBufAllocator alloc, final long requestId, final List<Listed> list) {
        final byte[][] names = new byte[list.size()][];
        int length = FeedMessage.SIMULATION_LIST.fixedLength()
            + SimulationListEncoder.SimulationsEncoder.sbeHeaderSize();
        for (int i = 0; i < names.length; i++) {
            names[i] = list.get(i).name().getBytes(StandardCharsets.UTF_8);
            length += SimulationListEncoder.SimulationsEncoder.sbeBlockLength()
                + SimulationListEncoder.SimulationsEncoder.nameHeaderLength() + names[i].length;
        }
        final ByteBuf buffer = allocate(alloc, length);
        final SimulationListEncoder.SimulationsEncoder rows = simulationList.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .simulationsCount(list.size());
        for (int i = 0; i < names.length; i++) {
            final Listed l = list.get(i);
            rows.next()
                .simulationId(l.simulationId())
                .state(l.state())
                .lastSequence(l.lastSequence())
                .tickLengthNs(l.tickLengthNs())
                .putName(names[i], 0, names[i].length);
        }
        return done(buffer);
    }

    ByteBuf pong(final ByteBufAllocator alloc, final long requestId, final long clientTimeNs,
                 final long serverTimeNs) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.PONG.fixedLength());
        pong.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .clientTimeNs(clientTimeNs)
            .serverTimeNs(serverTimeNs);
        return done(buffer);
    }

    ByteBuf error(final ByteBufAllocator alloc, final long requestId, final ErrorCode code, final String message) {
        final byte[] text = message.getBytes(StandardCharsets.UTF_8);
        final int textLength = Math.min(text.length, MAX_ERROR_TEXT_BYTES);
        final ByteBuf buffer = allocate(alloc, FeedMessage.ERROR.fixedLength() + ErrorEncoder.messageHeaderLength()
            + textLength);
        error.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .code(code)
            .putMessage(text, 0, textLength);
        return done(buffer);
    }

    ByteBuf heartbeat(final ByteBufAllocator alloc, final long simulationId, final long lastSequence,
                      final long wallTimeNs) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.HEARTBEAT.fixedLength());
        heartbeat.wrapAndApplyHeader(out, 0, header)
            .simulationId(simulationId)
            .lastSequence(lastSequence)
            .wallTimeNs(wallTimeNs);
        return done(buffer);
    }

    ByteBuf gapNotice(final ByteBufAllocator alloc, final long simulationId, final long fromSequence,
                      final long toSequence) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.GAP_NOTICE.fixedLength());
        gapNotice.wrapAndApplyHeader(out, 0, header)
            .simulationId(simulationId)
            .fromSequence(fromSequence)
            .toSequence(toSequence)
            .reason(GapReason.CONFLATED);
        return done(buffer);
    }

    ByteBuf simulationEnd(final ByteBufAllocator alloc, final long simulationId, final long lastSequence,
                          final TickListener.EndReason reason) {
        final ByteBuf buffer = allocate(alloc, FeedMessage.SIMULATION_END.fixedLength());
        simulationEnd.wrapAndApplyHeader(out, 0, header)
            .simulationId(simulationId)
            .lastSequence(lastSequence)
            .reason(endReason(reason));
        return done(buffer);
    }

    /** A copy of a message held as bytes (a catalog), in a buffer the caller owns. */
    static ByteBuf copy(final ByteBufAllocator alloc, final byte[] message) {
        return alloc.directBuffer(message.length, message.length).writeBytes(message);
    }

    /** A buffer of exactly {@code length} bytes, counted as written, with {@link #out} over its memory. */
    private ByteBuf allocate(final ByteBufAllocator alloc, final int length) {
        final ByteBuf buffer = alloc.directBuffer(length, length);
        if (buffer.hasMemoryAddress()) {
            out.wrap(buffer.memoryAddress(), length);
        } else if (buffer.hasArray()) {
            out.wrap(buffer.array(), buffer.arrayOffset(), length);
        } else {
            out.wrap(buffer.nioBuffer(0, length), 0, length);
        }
        return buffer.writerIndex(length);
    }

    private ByteBuf done(final ByteBuf buffer) {
        out.wrap(NOTHING); // nothing keeps pointing at memory the caller now owns
        return buffer;
    }

    private static EndReason endReason(final TickListener.EndReason reason) {
        if (reason == null) {
            return EndReason.FAILED;
        }
        return reason.code();
    }
}
