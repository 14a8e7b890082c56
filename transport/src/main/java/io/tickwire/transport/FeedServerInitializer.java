package io.tickwire.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.handler.timeout.IdleStateHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipeline of one connection:
 * <pre>
 *   [SslHandler, with TLS] ─► IdleStateHandler ─► ConnectionGuard (connection limit, request and idle timeouts)
 *   ─► HttpServerCodec ─► HttpObjectAggregator(the larger of the diagram and ingest limits: 413) ─► FeedCloseHandler
 *   ─► RequestGuard (every request's checks: well-formed, Host, Origin, bearer token, Content-Type)
 *     ─► IngestRoute ─► WebSocketServerProtocolHandler("/feed", query allowed) ─► WebSocketFrameAggregator ─► FeedFrameHandler
 *     ─► HttpApiHandler (REST routes + static; removed on upgrade)
 * </pre>
 * The protocol handler upgrades {@code GET /feed[?sim=...]}, answers pings and swaps the HTTP codec for WebSocket
 * frame codecs (the frame decoder enforces the frame size: 1009); any other request passes through to
 * {@link HttpApiHandler}. An upgrade to {@code /ingest} has the protocol handler (for that path) and the frame handler
 * ({@link IngestFrameHandler}) swapped in by IngestRoute first. Protocol violations are closed by
 * {@link FeedCloseHandler}.
 */
final class FeedServerInitializer extends ChannelInitializer<SocketChannel> {
    static final String FEED_PATH = "/feed";
    static final String API_HANDLER = "api";
    static final String WS_HANDLER = "ws";
    static final String FRAME_HANDLER = "frames";
    private static final String HANDSHAKE_HANDLER =
        "io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandshakeHandler";
    /** Peers that do not answer our close frame within this are dropped. */
    static final long FORCE_CLOSE_TIMEOUT_MS = 1_000;

    private final FeedServer.Context ctx;
    private final FeedRuntime runtime;
    private final ChannelGroup channels;
    private final SslContext ssl;
    private final RequestGuard guard;
    private final HttpApiHandler api;
    private final WebSocketServerProtocolConfig wsConfig;
    private final WebSocketServerProtocolConfig ingestConfig;
    private final IngestRoute ingestRoute = new IngestRoute();
    private final AtomicInteger openConnections = new AtomicInteger();

    FeedServerInitializer(final FeedRuntime runtime, final ChannelGroup channels, final SslContext ssl) {
        this.ctx = runtime.ctx();
        this.runtime = runtime;
        this.channels = channels;
        this.ssl = ssl;
        final HttpRoutes routes = HttpApiHandler.routes(runtime);
        final StaticResources resources = new StaticResources(ctx.staticResourceRoot());
        final List<RequestGuard.Check> checks = new ArrayList<>(List.of(RequestGuard.WELL_FORMED,
            RequestGuard.hosts(ctx.allowedHosts()), RequestGuard.origins(ctx.allowedOrigins())));
        final BearerToken token = ctx.token() == null ? null : new BearerToken(ctx.token());
        if (token != null) {
            checks.add(RequestGuard.bearerToken(token, request -> isPublic(request, routes, resources),
                request -> IngestApi.countUnauthorized(runtime.registry(), request)));
        }
        // A request bearing the token was not sent by a page of another site (it cannot set Authorization).
        checks.add(RequestGuard.nonSimpleContentType(ctx.allowedOrigins(),
            token == null ? RequestGuard.NO_TOKEN : token::presentIn, IngestApi::isLineProtocol));
        this.guard = new RequestGuard(checks);
        this.api = new HttpApiHandler(routes, resources, runtime.answers());
        this.wsConfig = webSocketConfig(FEED_PATH, BearerToken.FEED_SUBPROTOCOL);
        this.ingestConfig = webSocketConfig(IngestFrameHandler.PATH, "tickwire.ingest");
    }

    private WebSocketServerProtocolConfig webSocketConfig(final String path, final String subprotocol) {
        return WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(path)
            // A browser offering subprotocols fails the connection unless one is selected: ours when offered
            // (beside tickwire.bearer.<token>), else the first one offered.
            .subprotocols(subprotocol + ",*")
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

    /**
     * Routes an upgrade to {@code /ingest}: the feed's protocol and frame handlers are swapped for ingest's before
     * the handshake; every other request goes on as it came. Stateless: one per server.
     */
    @ChannelHandler.Sharable
    private final class IngestRoute extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(final ChannelHandlerContext channel, final Object msg) {
            if (msg instanceof FullHttpRequest request && request.uri().startsWith(IngestFrameHandler.PATH)
                && IngestFrameHandler.PATH.equals(new QueryStringDecoder(request.uri()).path())) {
                final ChannelPipeline p = channel.pipeline();
                // The protocol handler adds its handshake handler (under its class name) only if none is there yet.
                if (p.get(HANDSHAKE_HANDLER) != null) {
                    p.remove(HANDSHAKE_HANDLER);
                }
                p.replace(WS_HANDLER, WS_HANDLER, new WebSocketServerProtocolHandler(ingestConfig));
                p.replace(FRAME_HANDLER, FRAME_HANDLER, new IngestFrameHandler(runtime));
                p.remove(this);
            }
            channel.fireChannelRead(msg);
        }
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
            // First: ConnectionGuard's refusals are bytes of HTTP, which must go out inside TLS.
            p.addLast(ssl.newHandler(ch.alloc()));
        }
        p.addLast(new IdleStateHandler(0, 0, ctx.idleTimeoutMs(), TimeUnit.MILLISECONDS));
        p.addLast(new ConnectionGuard(openConnections, ctx.maxConnections(), ctx.requestTimeoutMs()));
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpObjectAggregator(ctx.maxRequestBytes()));
        p.addLast(FeedCloseHandler.INSTANCE);
        p.addLast(guard);
        p.addLast(ingestRoute);
        p.addLast(WS_HANDLER, new WebSocketServerProtocolHandler(wsConfig));
        p.addLast(new WebSocketFrameAggregator(ctx.maxFramePayloadBytes()));
        p.addLast(FRAME_HANDLER, new FeedFrameHandler(runtime));
        p.addLast(API_HANDLER, api);
    }
}
