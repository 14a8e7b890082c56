package io.tickwire.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import io.netty.handler.ssl.SslContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline of one connection:
 * <pre>
 *   [SslHandler, with TLS] ─► HttpServerCodec ─► HttpObjectAggregator(1 MiB) ─► FeedCloseHandler ─► RequestGuard (every request's checks)
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
    private final SslContext ssl;
    private final RequestGuard guard;
    private final HttpApiHandler api;
    private final WebSocketServerProtocolConfig wsConfig;

    FeedServerInitializer(final FeedRuntime runtime, final ChannelGroup channels, final SslContext ssl) {
        this.ctx = runtime.ctx();
        this.runtime = runtime;
        this.channels = channels;
        this.ssl = ssl;
        final HttpRoutes routes = HttpApiHandler.routes(runtime);
        final StaticResources resources = new StaticResources(ctx.staticResourceRoot());
        final List<RequestGuard.Check> checks = new ArrayList<>(List.of(RequestGuard.WELL_FORMED));
        if (ctx.token() != null) {
            checks.add(RequestGuard.bearerToken(new BearerToken(ctx.token()), request -> isPublic(request, routes,
                resources)));
        }
        this.guard = new RequestGuard(checks);
        this.api = new HttpApiHandler(routes, resources);
        this.wsConfig = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(FEED_PATH)
            // A browser offering subprotocols fails the connection unless one is selected: tickwire.feed when
            // offered (beside tickwire.bearer.<token>), else the first one offered.
            .subprotocols(BearerToken.FEED_SUBPROTOCOL + ",*")
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

    /** The requests anyone may make: {@code GET /health} and the dashboard's files, which carry no data. */
    private static boolean isPublic(final FullHttpRequest request, final HttpRoutes routes,
                                    final StaticResources resources) {
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            return false;
        }
        final String path = new QueryStringDecoder(request.uri()).path();
        if ("/health".equals(path)) {
            return true;
        }
        return !path.startsWith(FEED_PATH) && !routes.match(HttpMethod.GET, path).pathKnown()
            && StaticResources.isSafe(path) && resources.find(path) != null;
    }

    @Override
    protected void initChannel(final SocketChannel ch) {
        channels.add(ch);
        final ChannelPipeline p = ch.pipeline();
        if (ssl != null) {
            p.addLast(ssl.newHandler(ch.alloc()));
        }
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator(FeedServer.Context.MAX_REQUEST_BYTES));
        p.addLast(FeedCloseHandler.INSTANCE);
        p.addLast(guard);
        p.addLast(new WebSocketServerProtocolHandler(wsConfig));
        p.addLast(new WebSocketFrameAggregator(ctx.maxFramePayloadBytes()));
        p.addLast(new FeedFrameHandler(runtime));
        p.addLast(API_HANDLER, api);
    }
}
