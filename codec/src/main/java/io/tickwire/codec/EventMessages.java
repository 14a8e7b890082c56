package io.tickwire.codec;

import io.tickwire.sbe.AlertEventDecoder;
import io.tickwire.sbe.BreakerEventDecoder;
import io.tickwire.sbe.FaultEventDecoder;
import io.tickwire.sbe.LiveEditAppliedDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.ReplicaEventDecoder;
import io.tickwire.sbe.ScaleDecisionDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The event family of the schema: the messages that follow their tick's {@code TickSummary} in the journal and on the
 * feed ({@code ReplicaEvent}, {@code ScaleDecision}, {@code FaultEvent}, {@code LiveEditApplied},
 * {@code BreakerEvent}, {@code AlertEvent}). Every one starts
 * with {@code simulationId} then {@code tick}, so that a reader finds an event's tick without knowing its kind.
 */
public final class EventMessages {
    /** Offset of {@code tick} in every event, from the start of the message (header included). */
    public static final int TICK_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH + 8;
    /** Offset of {@code simTimeNs} in every event. */
    public static final int SIM_TIME_OFFSET = TICK_OFFSET + 8;

    private EventMessages() {
    }

    /** Whether {@code templateId} is an event's. */
    public static boolean isEvent(final int templateId) {
        return templateId == ReplicaEventDecoder.TEMPLATE_ID || templateId == ScaleDecisionDecoder.TEMPLATE_ID
            || templateId == FaultEventDecoder.TEMPLATE_ID || templateId == LiveEditAppliedDecoder.TEMPLATE_ID
            || templateId == BreakerEventDecoder.TEMPLATE_ID || templateId == AlertEventDecoder.TEMPLATE_ID;
    }

    /** The tick of the event at {@code offset} (header included). */
    public static long tick(final DirectBuffer buffer, final int offset) {
        return buffer.getLong(offset + TICK_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** The simulated time of the event at {@code offset}. */
    public static long simTimeNs(final DirectBuffer buffer, final int offset) {
        return buffer.getLong(offset + SIM_TIME_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** The event's template id (its header's). */
    public static int templateId(final DirectBuffer buffer, final int offset) {
        return buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xffff;
    }

    /**
     * The services an event concerns, for a service filter: {@code into[0]} and {@code into[1]} (-1 for none; a
     * partition has two, a live edit none, an alert the service its rule reads). Reads the fields at their fixed
     * offsets: allocates nothing.
     */
    public static void services(final DirectBuffer buffer, final int offset, final int[] into) {
        final int block = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        into[0] = -1;
        into[1] = -1;
        switch (templateId(buffer, offset)) {
            case ReplicaEventDecoder.TEMPLATE_ID -> into[0] = buffer.getShort(
                block + ReplicaEventDecoder.serviceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xffff;
            case ScaleDecisionDecoder.TEMPLATE_ID -> into[0] = buffer.getShort(
                block + ScaleDecisionDecoder.serviceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xffff;
            case BreakerEventDecoder.TEMPLATE_ID -> {
                into[0] = buffer.getShort(block + BreakerEventDecoder.serviceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN)
                    & 0xffff;
                into[1] = buffer.getShort(block + BreakerEventDecoder.calleeEncodingOffset(), ByteOrder.LITTLE_ENDIAN)
                    & 0xffff;
            }
            case AlertEventDecoder.TEMPLATE_ID -> into[0] = buffer.getInt(
                block + AlertEventDecoder.serviceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
            case FaultEventDecoder.TEMPLATE_ID -> {
                into[0] = buffer.getInt(block + FaultEventDecoder.serviceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
                into[1] = buffer.getInt(block + FaultEventDecoder.peerServiceIdEncodingOffset(),
                    ByteOrder.LITTLE_ENDIAN);
            }
            default -> {
            }
        }
    }
}
