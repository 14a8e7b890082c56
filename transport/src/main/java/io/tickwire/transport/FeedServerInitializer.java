package io.tickwire.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipeline of one connection:
 * <pre>
 *   IdleStateHandler ─► ConnectionGuard (connection limit, request and idle timeouts)
 *   ─► HttpServerCodec ─► HttpObjectAggregator(diagram size limit: 413) ─► FeedCloseHandler
 *   ─► RequestGuard (every request's checks: well-formed, Host, Origin, Content-Type)
 *     ─► WebSocketServerProtocolHandler("/feed", query allowed) ─► WebSocketFrameAggregator ─► FeedFrameHandler
 *     ─► HttpApiHandler (REST routes + static; removed on upgrade)
 * </pre>
 * The protocol handler upgrades {@code GET /feed[?sim=...]}, answers pings and swaps the HTTP codec for WebSocket
 * frame codecs (the frame decoder enforces the frame size: 1009); any other request passes through to
 * {@link HttpApiHandler}. Protocol violations are closed by {@link FeedCloseHandler}.
 */
final class FeedServerInitializer extends ChannelInitializer<SocketChannel> {
    static final String FEED_PATH = "/feed";
    static final String API_HANDLER = "api";
    /** Peers that do not answer our close frame within this are dropped. */
    static final long FORCE_CLOSE_TIMEOUT_MS = 1_000;

    private final FeedServer.Context ctx;
    private final FeedRuntime runtime;
    private final ChannelGroup channels;
    private final RequestGuard guard;
    private final HttpApiHandler api;
    private final WebSocketServerProtocolConfig wsConfig;
    private final AtomicInteger openConnections = new AtomicInteger();

    FeedServerInitializer(final FeedRuntime runtime, final ChannelGroup channels) {
        this.ctx = runtime.ctx();
        this.runtime = runtime;
        this.channels = channels;
        this.guard = new RequestGuard(List.of(RequestGuard.WELL_FORMED, RequestGuard.hosts(ctx.allowedHosts()),
            RequestGuard.origins(ctx.allowedOrigins()), RequestGuard.nonSimpleContentType(RequestGuard.NO_TOKENS)));
        this.api = new HttpApiHandler(HttpApiHandler.routes(runtime), new StaticResources(ctx.staticResourceRoot()));
        this.wsConfig = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(FEED_PATH)
            .checkStartsWith(true)
            // Our own close frames carry a reason; a plain close() (shutdown) must not write one into HTTP.
            .sendCloseFrame(null)
            .forceCloseTimeoutMillis(FORCE_CLOSE_TIMEOUT_MS)
            .decoderConfig(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ctx.maxFramePayloadBytes())
                .allowExtensions(false)
                .closeOnProtocolViolation(false) // FeedCloseHandler closes, gracefully
                .build())
            .build();
    }

    @Override
    protected void initChannel(final SocketChannel ch) {
        channels.add(ch);
        final ChannelPipeline p = ch.pipeline();
        p.addLast(new IdleStateHandler(0, 0, ctx.idleTimeoutMs(), TimeUnit.MILLISECONDS));
        p.addLast(new ConnectionGuard(openConnections, ctx.maxConnections(), ctx.requestTimeoutMs()));
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator((int)ctx.diagramLimits().maxBytes()));
        p.addLast(FeedCloseHandler.INSTANCE);
        p.addLast(guard);
        p.addLast(new WebSocketServerProtocolHandler(wsConfig));
        p.addLast(new WebSocketFrameAggregator(ctx.maxFramePayloadBytes()));
        p.addLast(new FeedFrameHandler(runtime));
        p.addLast(API_HANDLER, api);
    }
}
