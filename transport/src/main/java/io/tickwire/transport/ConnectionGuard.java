package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one connection may hold of the server, first in its pipeline (after the {@code IdleStateHandler} whose events
 * it acts on):
 * <ul>
 *   <li>a place among at most {@code maxConnections}: one more is answered {@code 503} at once, and closed;</li>
 *   <li>an HTTP request must arrive whole within {@code requestTimeoutMs} of its first byte ({@code 408}, closed): a
 *       client that sends a header a byte at a time (slowloris) holds its connection for no longer;</li>
 *   <li>a connection idle for the idle timeout (nothing read or written: a feed connection with a subscription is
 *       sent heartbeats) is closed — a feed connection with close code 1001.</li>
 * </ul>
 * One per connection, on its event loop.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
    private final AtomicInteger open;
    private final int maxConnections;
    private final long requestTimeoutMs;
    private boolean counted;
    private boolean upgraded;
    private boolean refused;
    private ScheduledFuture<?> requestTimer;

    /** @param open the server's count of open connections, shared by every connection. */
    ConnectionGuard(final AtomicInteger open, final int maxConnections, final long requestTimeoutMs) {
        this.open = open;
        this.maxConnections = maxConnections;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) {
        counted = true;
        if (open.incrementAndGet() > maxConnections) {
            refuse(ctx, "503 Service Unavailable", "the server has " + maxConnections + " connections open, its "
                + "limit (maxConnections): try again later");
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        if (counted) {
            counted = false;
            open.decrementAndGet();
        }
        cancelRequestTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (refused) {
            io.netty.util.ReferenceCountUtil.release(msg); // answered and closing: nothing more is read
            return;
        }
        // The first bytes of a request start its clock; the whole request stops it (requestRead).
        if (!upgraded && requestTimer == null && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            requestTimer = ctx.executor().schedule(() -> {
                requestTimer = null;
                refuse(ctx, "408 Request Timeout", "the request did not arrive whole within " + requestTimeoutMs
                    + " ms");
            }, requestTimeoutMs, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * A whole request arrived (the {@link RequestGuard} saw it): its clock stops; after a WebSocket upgrade the
     * connection carries frames, and only idleness closes it.
     */
    void requestRead(final boolean upgrade) {
        cancelRequestTimer();
        upgraded |= upgrade;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
        if (event instanceof IdleStateEvent) {
            if (upgraded && ctx.pipeline().get(FeedServerInitializer.API_HANDLER) == null) {
                ctx.channel().writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE,
                    "idle")).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    /** An HTTP answer written straight to the socket (nothing of the pipeline after this handler), then close. */
    private void refuse(final ChannelHandlerContext ctx, final String status, final String message) {
        refused = true;
        ctx.channel().config().setAutoRead(false);
        final byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        final byte[] head = ("HTTP/1.1 " + status + "\r\nContent-Type: " + HttpResponses.JSON_TYPE
            + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }
}
