package io.tickwire.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Closes feed connections with a close code and a reason the client can read, and owns the frame decoder's protocol
 * violations (oversized 1009, malformed 1002) so that they are closed the same way.
 * <p>
 * The close is graceful: the close frame, then a half-close of our side, while the decoder goes on reading and
 * discarding whatever the client is still sending; the client answers and closes, or we close after
 * {@link FeedServerInitializer#FORCE_CLOSE_TIMEOUT_MS}. Closing at once would make the kernel answer unread input
 * (the rest of an oversized frame) with a reset, which can destroy the close frame before the client reads it.
 * <p>
 * In the pipeline before the WebSocket protocol handler, whose own handling of these errors is to close at once.
 */
@ChannelHandler.Sharable
final class FeedCloseHandler extends ChannelInboundHandlerAdapter {
    static final FeedCloseHandler INSTANCE = new FeedCloseHandler();
    private static final Logger LOG = LoggerFactory.getLogger(FeedCloseHandler.class);
    /** A close frame's reason is at most 123 bytes of UTF-8. */
    private static final int MAX_REASON_CHARS = 120;

    private FeedCloseHandler() {
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            // The decoder has stopped decoding this connection and discards its input from here on.
            final WebSocketCloseStatus status =
                corrupt.closeStatus() != null ? corrupt.closeStatus() : WebSocketCloseStatus.PROTOCOL_ERROR;
            LOG.debug("feed {}: {} {}", ctx.channel().remoteAddress(), status.code(), corrupt.getMessage());
            closeWith(ctx.channel(), status, String.valueOf(corrupt.getMessage()));
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    /** Send a close frame with {@code reason}, half-close, and close for good later. Any thread. */
    static void closeWith(final Channel ch, final WebSocketCloseStatus status, final String reason) {
        closeWith(ch, status, reason, FeedServerInitializer.FORCE_CLOSE_TIMEOUT_MS);
    }

    /**
     * As {@link #closeWith(Channel, WebSocketCloseStatus, String)}, closing for good after {@code forceCloseMs}: for
     * a slow reader, whose close frame is queued behind up to the high water mark of ticks, longer than for others.
     */
    static void closeWith(final Channel ch, final WebSocketCloseStatus status, final String reason,
                          final long forceCloseMs) {
        final String text = reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) : reason;
        ch.writeAndFlush(new CloseWebSocketFrame(status, text)).addListener((ChannelFuture f) -> {
            if (f.isSuccess() && ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                ch.close();
            }
        });
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, forceCloseMs, TimeUnit.MILLISECONDS);
    }
}
