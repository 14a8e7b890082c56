package io.tickwire.client;

import io.netty.buffer.ByteBuf;
import io.tickwire.codec.EventMessages;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.ConflationPolicy;
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
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Decodes the server's frames, one SBE message each, in place: checks the header against the schema, wraps the
 * message's flyweight decoder (held in a field) and hands its fields to a {@link Handler}, dispatching on
 * {@link FeedMessage}. Templates of a newer schema version are skipped, as the schema's evolution rules allow.
 * <p>
 * <b>Confined to the client's event loop.</b> No allocation per frame when Netty exposes the frame's memory (a
 * direct buffer with an address, or a heap array); otherwise the frame is copied into a scratch array that grows.
 */
final class FeedAdapter {
    /** The decoded messages, each with its fields; buffers hold the whole message and are valid during the call. */
    interface Handler {
        void onTick(long simulationId, long sequence, DirectBuffer message, int length);

        void onCatalog(long simulationId, DirectBuffer message, int length);

        /** An observed run's new rows ({@code CatalogUpdate}), before the first tick that holds them. */
        void onCatalogUpdate(long simulationId, DirectBuffer message, int length);

        void onHeartbeat(long simulationId, long lastSequence);

        void onGapNotice(long simulationId, long fromSequence, long toSequence);

        void onSimulationEnd(long simulationId, long lastSequence);

        void onSubscribed(long requestId, long simulationId, long firstSequence, long lastSequence,
                          ConflationPolicy policy);

        void onUnsubscribed(long requestId, long simulationId, long lastSequence);

        /** The list's rows are read from {@code list} during the call. */
        void onSimulationList(long requestId, SimulationListDecoder list);

        void onPong(long requestId, long clientTimeNs, long serverTimeNs);

        void onError(long requestId, int code, String message);

        /** One of the run's events ({@link io.tickwire.codec.EventMessages}), after its tick. */
        void onEvent(long simulationId, long tick, DirectBuffer message, int length);
    }

    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;

    private final Handler handler;
    private final CatalogUpdateDecoder catalogUpdate = new CatalogUpdateDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TickSummaryDecoder tick = new TickSummaryDecoder();
    private final CatalogDecoder catalog = new CatalogDecoder();
    private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
    private final GapNoticeDecoder gapNotice = new GapNoticeDecoder();
    private final SimulationEndDecoder end = new SimulationEndDecoder();
    private final SubscribedDecoder subscribed = new SubscribedDecoder();
    private final UnsubscribedDecoder unsubscribed = new UnsubscribedDecoder();
    private final SimulationListDecoder simulationList = new SimulationListDecoder();
    private final PongDecoder pong = new PongDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private byte[] scratch = new byte[4096];

    FeedAdapter(final Handler handler) {
        this.handler = handler;
    }

    /**
     * Decode one binary frame and hand it to the handler.
     *
     * @return null, or why the frame is refused (the connection is then closed with 1002): shorter than the header,
     *         another schema, or shorter than its block, group or var data say.
     */
    String onFrame(final ByteBuf content) {
        final int length = content.readableBytes();
        if (length < HEADER) {
            return "frame of " + length + " bytes is shorter than the SBE header";
        }
        wrap(content, length);
        header.wrap(view, 0);
        if (header.schemaId() != Schema.ID) {
            return "wrong schema id " + header.schemaId() + " (expected " + Schema.ID + ")";
        }
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int version = header.version();
        if (HEADER + blockLength > length) {
            return "truncated frame: template " + templateId + " block of " + blockLength + " bytes in a frame of "
                + length;
        }
        final FeedMessage message = FeedMessage.of(templateId);
        if (message == null) {
            return null; // a template of a newer schema version: skipped
        }
        try {
            dispatch(message, length, blockLength, version);
        } catch (final IndexOutOfBoundsException ex) {
            // A group or var-data length that points past the frame.
            return "truncated frame: template " + templateId + " of " + length + " bytes";
        }
        return null;
    }

    private void dispatch(final FeedMessage message, final int length, final int blockLength, final int version) {
        switch (message) {
            case TICK_SUMMARY -> {
                tick.wrap(view, HEADER, blockLength, version);
                handler.onTick(tick.simulationId(), tick.tick(), view, length);
            }
            case HEARTBEAT -> {
                heartbeat.wrap(view, HEADER, blockLength, version);
                handler.onHeartbeat(heartbeat.simulationId(), heartbeat.lastSequence());
            }
            case GAP_NOTICE -> {
                gapNotice.wrap(view, HEADER, blockLength, version);
                handler.onGapNotice(gapNotice.simulationId(), gapNotice.fromSequence(), gapNotice.toSequence());
            }
            case CATALOG -> {
                catalog.wrap(view, HEADER, blockLength, version);
                handler.onCatalog(catalog.simulationId(), view, length);
            }
            case CATALOG_UPDATE -> {
                catalogUpdate.wrap(view, HEADER, blockLength, version);
                handler.onCatalogUpdate(catalogUpdate.simulationId(), view, length);
            }
            case SUBSCRIBED -> {
                subscribed.wrap(view, HEADER, blockLength, version);
                handler.onSubscribed(subscribed.requestId(), subscribed.simulationId(), subscribed.firstSequence(),
                    subscribed.lastSequence(), subscribed.policy());
            }
            case UNSUBSCRIBED -> {
                unsubscribed.wrap(view, HEADER, blockLength, version);
                handler.onUnsubscribed(unsubscribed.requestId(), unsubscribed.simulationId(),
                    unsubscribed.lastSequence());
            }
            case SIMULATION_END -> {
                end.wrap(view, HEADER, blockLength, version);
                handler.onSimulationEnd(end.simulationId(), end.lastSequence());
            }
            case SIMULATION_LIST -> {
                simulationList.wrap(view, HEADER, blockLength, version);
                handler.onSimulationList(simulationList.requestId(), simulationList);
            }
            case PONG -> {
                pong.wrap(view, HEADER, blockLength, version);
                handler.onPong(pong.requestId(), pong.clientTimeNs(), pong.serverTimeNs());
            }
            case ERROR -> {
                error.wrap(view, HEADER, blockLength, version);
                handler.onError(error.requestId(), error.codeRaw(), error.message());
            }
            case REPLICA_EVENT, SCALE_DECISION, FAULT_EVENT, LIVE_EDIT_APPLIED ->
                // Every event starts with simulationId then tick (EventMessages), whatever its kind.
                handler.onEvent(view.getLong(HEADER, ByteOrder.LITTLE_ENDIAN), EventMessages.tick(view, 0), view,
                    length);
            default -> {
                // A client's request sent back to it: nothing a client acts on.
            }
        }
    }

    /** Points {@link #view} at the frame's bytes at offset 0: in place when Netty exposes them, else a copy. */
    private void wrap(final ByteBuf content, final int length) {
        if (content.hasMemoryAddress()) {
            view.wrap(content.memoryAddress() + content.readerIndex(), length);
        } else if (content.hasArray()) {
            view.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
        } else {
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            content.getBytes(content.readerIndex(), scratch, 0, length);
            view.wrap(scratch, 0, length);
        }
    }
}
