package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.util.List;

/**
 * One feed connection, after the upgrade of {@code GET /feed[?sim=ID]}: subscribes it to that simulation (default
 * the latest), then follows the client's {@code Subscribe} / {@code Unsubscribe} messages (SBE, binary frames).
 * <p>
 * Bad input closes the connection with a reason: a text frame with 1003; a binary frame that is truncated, has
 * another schema id or an unknown template with 1002 (oversized frames are closed with 1009 by the protocol handler).
 * A request that is well formed but cannot be served (unknown simulation) is answered with an {@code Error} message
 * and the connection stays open.
 * <p>
 * Each subscription has an <b>epoch</b>, a number that changes on every Subscribe and Unsubscribe (and on close): the
 * {@link Broadcaster} delivers a batch of ticks only to subscriptions whose epoch is still the connection's current
 * one, so that ticks handed over for a subscription since left never follow a later Catalog, even of the same run
 * (Unsubscribe then Subscribe in one read). Not sharable; all state is confined to the event loop.
 */
final class FeedFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FeedFrameHandler.class);
    /** Enough for the header and the block of any client message. */
    private static final int SCRATCH_BYTES = 128;

    private final SimulationRegistry registry;
    private final UnsafeBuffer inbound = new UnsafeBuffer(0, 0);
    private final byte[] scratch = new byte[SCRATCH_BYTES];
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SubscribeDecoder subscribe = new SubscribeDecoder();
    private final UnsubscribeDecoder unsubscribe = new UnsubscribeDecoder();
    private Broadcaster subscription;
    private Broadcaster.Subscriber subscriber;
    private long epoch;
    private boolean closing;

    FeedFrameHandler(final SimulationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
            if (ctx.pipeline().get(FeedServerInitializer.API_HANDLER) != null) {
                ctx.pipeline().remove(FeedServerInitializer.API_HANDLER);
            }
            onOpen(ctx, handshake.requestUri());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (closing) {
                return;
            }
            if (frame instanceof BinaryWebSocketFrame) {
                onBinary(ctx, frame.content());
            } else if (frame instanceof TextWebSocketFrame) {
                close(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
                    "text frames are not accepted: the feed speaks SBE");
            } else {
                close(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "unexpected " + frame.getClass().getSimpleName());
            }
        } finally {
            frame.release();
        }
    }

    /** The epoch of the connection's current subscription (or of none). On the event loop only. */
    long epoch() {
        return epoch;
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        leave(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // A fragmented message grew past the limit while being aggregated.
            close(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG, "message larger than the frame limit");
        } else if (cause instanceof ClosedChannelException) {
            LOG.debug("feed {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            LOG.debug("feed {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    private void onOpen(final ChannelHandlerContext ctx, final String requestUri) {
        final List<String> sim = new QueryStringDecoder(requestUri).parameters().get("sim");
        long id = 0;
        if (sim != null && !sim.isEmpty()) {
            try {
                id = Long.parseLong(sim.get(0));
            } catch (final NumberFormatException ex) {
                sendError(ctx, 0, ErrorCode.BAD_REQUEST, "sim must be a simulation id, got '" + sim.get(0) + "'");
                return;
            }
        }
        join(ctx, 0, id);
    }

    private void onBinary(final ChannelHandlerContext ctx, final ByteBuf content) {
        final int length = content.readableBytes();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            close(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: " + length + " bytes, less than a header");
            return;
        }
        wrap(content, length);
        header.wrap(inbound, 0);
        if (header.schemaId() != Schema.ID) {
            close(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "wrong schemaId " + header.schemaId() + ", expected "
                + Schema.ID);
            return;
        }
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int minBlock;
        if (templateId == SubscribeDecoder.TEMPLATE_ID) {
            minBlock = SubscribeDecoder.BLOCK_LENGTH;
        } else if (templateId == UnsubscribeDecoder.TEMPLATE_ID) {
            minBlock = UnsubscribeDecoder.BLOCK_LENGTH;
        } else {
            close(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "unknown templateId " + templateId
                + ": clients send Subscribe (40) or Unsubscribe (41)");
            return;
        }
        if (blockLength < minBlock || length < MessageHeaderDecoder.ENCODED_LENGTH + blockLength) {
            close(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: template " + templateId + " needs "
                + (MessageHeaderDecoder.ENCODED_LENGTH + Math.max(minBlock, blockLength)) + " bytes, got " + length);
            return;
        }
        final int version = header.version();
        if (templateId == SubscribeDecoder.TEMPLATE_ID) {
            subscribe.wrap(inbound, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
            // fromSequence is not served yet: every subscription is live (from the next tick).
            join(ctx, subscribe.requestId(), subscribe.simulationId());
        } else {
            unsubscribe.wrap(inbound, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
            final long id = unsubscribe.simulationId();
            if (subscription != null && (id == 0 || id == subscription.simulationId())) {
                leave(ctx);
            }
        }
    }

    /** Point {@link #inbound} at the frame's bytes: in place when they have an address, else a copy of the head. */
    private void wrap(final ByteBuf content, final int length) {
        if (content.hasMemoryAddress()) {
            inbound.wrap(content.memoryAddress() + content.readerIndex(), length);
        } else if (content.hasArray()) {
            inbound.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
        } else {
            final int n = Math.min(length, scratch.length);
            content.getBytes(content.readerIndex(), scratch, 0, n);
            inbound.wrap(scratch, 0, n);
        }
    }

    /** Subscribe to run {@code id} (0: the latest), leaving the current one; an Error if there is no such run. */
    private void join(final ChannelHandlerContext ctx, final long requestId, final long id) {
        final Broadcaster target = id == 0 ? registry.latestBroadcaster() : registry.broadcaster(id).orElse(null);
        if (target == null) {
            sendError(ctx, requestId, ErrorCode.UNKNOWN_SIMULATION,
                id == 0 ? "no simulation has been launched" : "no simulation " + id);
            return;
        }
        if (target == subscription) {
            return;
        }
        leave(ctx);
        subscription = target;
        subscriber = target.subscribe(ctx, this, ++epoch);
    }

    private void leave(final ChannelHandlerContext ctx) {
        if (subscription != null) {
            subscription.unsubscribe(subscriber);
            subscription = null;
            subscriber = null;
            epoch++; // whatever is still in flight for it is dropped
        }
    }

    private void sendError(final ChannelHandlerContext ctx, final long requestId, final ErrorCode code,
                           final String message) {
        ctx.channel().writeAndFlush(new BinaryWebSocketFrame(FeedMessages.error(ctx.alloc(), requestId, code,
            message)));
    }

    /** Close with a reason, leaving the subscription first. On the event loop only. */
    void close(final ChannelHandlerContext ctx, final WebSocketCloseStatus status, final String reason) {
        if (closing) {
            return;
        }
        closing = true;
        leave(ctx);
        LOG.debug("feed {}: closing {} {}", ctx.channel().remoteAddress(), status.code(), reason);
        FeedCloseHandler.closeWith(ctx.channel(), status, reason);
    }
}
