package io.tickwire.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

import java.io.IOException;
import java.net.URI;

import static io.tickwire.client.FeedClient.CLOSE_ABNORMAL;
import static io.tickwire.client.FeedClient.CLOSE_INTERNAL_ERROR;
import static io.tickwire.client.FeedClient.CLOSE_NORMAL;
import static io.tickwire.client.FeedClient.CLOSE_PROTOCOL_ERROR;

/**
 * One WebSocket connection of the client: the handshake, the control frames (ping, close), then binary frames into
 * the {@link FeedConductor}. Records how the connection ended (close code and reason) for the conductor.
 * <pre>
 *   socket ─► HTTP codec (handshake) ─► WebSocket decoder ─► frame aggregator ─► this ─► conductor
 * </pre>
 * <b>Runs on the client's event loop</b>; one instance per connection.
 */
final class FeedChannelHandler extends SimpleChannelInboundHandler<Object> {
    /** A close reason is at most 123 bytes (RFC 6455 §5.5). */
    private static final int MAX_CLOSE_REASON = 120;

    private final FeedConductor conductor;
    private final boolean first;
    private final int maxFrameBytes;
    private final WebSocketClientHandshaker handshaker;
    private ChannelPromise handshake;
    private Channel channel;
    private boolean open;
    private boolean closeSent;
    private int closeStatus = CLOSE_ABNORMAL;
    private String closeReason = "connection dropped without a close frame";

    /** @param first the connection made by {@code connect}, whose failure is the caller's, not a reconnect's */
    FeedChannelHandler(final FeedConductor conductor, final URI uri, final boolean first, final int maxFrameBytes,
                       final String token) {
        this.conductor = conductor;
        this.first = first;
        this.maxFrameBytes = maxFrameBytes;
        final DefaultHttpHeaders headers = new DefaultHttpHeaders();
        if (token != null) {
            headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(
            uri, WebSocketVersion.V13, null, false, headers, maxFrameBytes);
    }

    ChannelInitializer<SocketChannel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(final SocketChannel sc) {
                sc.pipeline().addLast(
                    new HttpClientCodec(),
                    new HttpObjectAggregator(64 * 1024),
                    new WebSocketFrameAggregator(maxFrameBytes),
                    FeedChannelHandler.this);
            }
        };
    }

    boolean first() {
        return first;
    }

    /** Completed when the WebSocket handshake is done, or failed. */
    ChannelPromise handshake() {
        return handshake;
    }

    Channel channel() {
        return channel;
    }

    /** True from the handshake until the connection is lost: requests may be sent. */
    boolean isOpen() {
        return open;
    }

    /** Drop the connection as dead, with the reason the listener hears. */
    void dropDead(final String reason) {
        closeStatus = CLOSE_ABNORMAL;
        closeReason = reason;
        channel.close();
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext c) {
        channel = c.channel();
        handshake = c.newPromise();
    }

    @Override
    public void channelActive(final ChannelHandlerContext c) {
        handshaker.handshake(c.channel());
    }

    @Override
    public void channelInactive(final ChannelHandlerContext c) {
        if (!handshake.isDone()) {
            handshake.tryFailure(new IOException("connection closed during the WebSocket handshake"));
            conductor.onHandshakeLost(this);
            return;
        }
        open = false;
        conductor.onConnectionLost(this, closeStatus, closeReason);
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext c, final Object msg) {
        if (!handshaker.isHandshakeComplete()) {
            if (msg instanceof FullHttpResponse response) {
                try {
                    handshaker.finishHandshake(c.channel(), response);
                    open = true;
                    handshake.trySuccess();
                    conductor.onConnected(this);
                } catch (final WebSocketHandshakeException ex) {
                    handshake.tryFailure(ex);
                    c.close();
                }
            }
            return;
        }
        if (closeSent) {
            // Closing: the server's close frame, or frames already in flight, end here.
            if (msg instanceof CloseWebSocketFrame) {
                c.close();
            }
            return;
        }
        if (msg instanceof BinaryWebSocketFrame frame) {
            final String refused = conductor.onFrame(frame.content());
            if (refused != null) {
                refuse(refused);
            }
        } else if (msg instanceof PingWebSocketFrame ping) {
            conductor.onControlFrame();
            c.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        } else if (msg instanceof CloseWebSocketFrame close) {
            closeStatus = close.statusCode() == -1 ? CLOSE_NORMAL : close.statusCode();
            closeReason = close.reasonText();
            // Echo the close (RFC 6455 §5.5.1), then drop the connection.
            sendClose(closeStatus, "", true);
        }
        // Text frames are an optional JSON extra of the server; this client reads only the binary feed.
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext c, final Throwable cause) {
        if (!handshake.isDone()) {
            handshake.tryFailure(cause);
        } else if (closeStatus == CLOSE_ABNORMAL) {
            closeStatus = CLOSE_INTERNAL_ERROR;
            closeReason = FeedConductor.oneLine(cause);
        }
        c.close();
    }

    /** Close with 1002 for a frame this client cannot read. */
    private void refuse(final String reason) {
        closeStatus = CLOSE_PROTOCOL_ERROR;
        closeReason = reason;
        sendClose(CLOSE_PROTOCOL_ERROR, reason.length() > MAX_CLOSE_REASON ? reason.substring(0, MAX_CLOSE_REASON)
            : reason, true);
    }

    /**
     * Send one close frame. An answer, or a refusal, drops the connection once it is written; a normal close that
     * this side starts waits for the server's answer (bounded by {@link FeedClient#close()}).
     */
    void sendClose(final int status, final String reason, final boolean drop) {
        if (closeStatus == CLOSE_ABNORMAL) {
            closeStatus = status;
            closeReason = reason;
        }
        if (closeSent || !channel.isActive()) {
            channel.close();
            return;
        }
        closeSent = true;
        final ChannelFuture written = channel.writeAndFlush(new CloseWebSocketFrame(status, reason));
        if (drop) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
