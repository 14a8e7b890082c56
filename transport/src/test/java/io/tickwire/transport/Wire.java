package io.tickwire.transport;

import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.PongDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SimulationListDecoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.UnsubscribedDecoder;
import org.agrona.concurrent.UnsafeBuffer;

/** Decoders of the server's messages, for assertions: each wraps a whole message, header included. */
final class Wire {
    static final int TICK = TickSummaryDecoder.TEMPLATE_ID;
    static final int CATALOG = CatalogDecoder.TEMPLATE_ID;
    static final int HEARTBEAT = HeartbeatDecoder.TEMPLATE_ID;
    static final int END = SimulationEndDecoder.TEMPLATE_ID;
    static final int GAP = GapNoticeDecoder.TEMPLATE_ID;
    static final int SUBSCRIBED = SubscribedDecoder.TEMPLATE_ID;
    static final int UNSUBSCRIBED = UnsubscribedDecoder.TEMPLATE_ID;
    static final int SIMULATION_LIST = SimulationListDecoder.TEMPLATE_ID;
    static final int PONG = PongDecoder.TEMPLATE_ID;
    static final int ERROR = ErrorDecoder.TEMPLATE_ID;

    private Wire() {
    }

    private static MessageHeaderDecoder header(final UnsafeBuffer buffer) {
        return new MessageHeaderDecoder().wrap(buffer, 0);
    }

    static int templateId(final byte[] message) {
        return header(new UnsafeBuffer(message)).templateId();
    }

    static TickSummaryDecoder tick(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, TICK);
        return new TickSummaryDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static SubscribedDecoder subscribed(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, SUBSCRIBED);
        return new SubscribedDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static UnsubscribedDecoder unsubscribed(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, UNSUBSCRIBED);
        return new UnsubscribedDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static ErrorDecoder error(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, ERROR);
        return new ErrorDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static SimulationEndDecoder end(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, END);
        return new SimulationEndDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static HeartbeatDecoder heartbeat(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, HEARTBEAT);
        return new HeartbeatDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static GapNoticeDecoder gap(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, GAP);
        return new GapNoticeDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static PongDecoder pong(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, PONG);
        return new PongDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
    }

    static SimulationListDecoder simulationList(final byte[] m) {
        final UnsafeBuffer b = new UnsafeBuffer(m);
        final MessageHeaderDecoder h = header(b);
        check(h, SIMULATION_LIST);
        return new SimulationListDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(),
            h.version());
    }

    /** The simulation id a server message is about (every one but the answers without one). */
    static long simulationIdOf(final byte[] m) {
        return switch (templateId(m)) {
            case TICK -> tick(m).simulationId();
            case HEARTBEAT -> heartbeat(m).simulationId();
            case END -> end(m).simulationId();
            case GAP -> gap(m).simulationId();
            case SUBSCRIBED -> subscribed(m).simulationId();
            case UNSUBSCRIBED -> unsubscribed(m).simulationId();
            case CATALOG -> {
                final UnsafeBuffer b = new UnsafeBuffer(m);
                final MessageHeaderDecoder h = header(b);
                yield new CatalogDecoder().wrap(b, MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version())
                    .simulationId();
            }
            default -> throw new AssertionError("template " + templateId(m) + " has no simulation id");
        };
    }

    private static void check(final MessageHeaderDecoder h, final int templateId) {
        if (h.templateId() != templateId) {
            throw new AssertionError("expected template " + templateId + ", got " + h.templateId());
        }
    }
}
