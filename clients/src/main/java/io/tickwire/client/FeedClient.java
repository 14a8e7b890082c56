package io.tickwire.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
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
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.SubscribeEncoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of Tickwire's binary WebSocket feed ({@code ws://host:port/feed[?sim=ID]}): one connection, one
 * event-loop thread of its own, one SBE message per binary frame.
 * <pre>
 *  socket ─► HTTP codec (handshake) ─► WebSocket decoder ─► frame aggregator ─► FrameHandler ─► FeedListener
 *                                                                            checks schemaId, counts gaps
 * </pre>
 * Frames are decoded in place (the frame's memory is wrapped, not copied) and handed to the {@link FeedListener} on
 * the event-loop thread. A frame from another schema, or too short for its header, is refused: the connection is
 * closed with 1002. Messages of templates this client does not know are skipped, so that a newer server stays
 * readable. {@link #gaps()} counts breaks in the tick sequence within one simulation.
 */
public final class FeedClient implements AutoCloseable {
    /** Largest frame accepted; a 4096-service tick with histograms fits. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    public static final int CLOSE_NORMAL = 1000;
    public static final int CLOSE_PROTOCOL_ERROR = 1002;
    public static final int CLOSE_ABNORMAL = 1006;
    public static final int CLOSE_INTERNAL_ERROR = 1011;

    private static final long CLOSE_WAIT_MS = 2_000;

    private final URI uri;
    private final EventLoopGroup group;
    private final Channel channel;
    private final FrameHandler handler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong requestIds = new AtomicLong();

    private FeedClient(final URI uri, final EventLoopGroup group, final Channel channel, final FrameHandler handler) {
        this.uri = uri;
        this.group = group;
        this.channel = channel;
        this.handler = handler;
    }

    /** Connect with the default timeout and frame limit; see {@link #connect(URI, FeedListener, long, int)}. */
    public static FeedClient connect(final URI uri, final FeedListener listener) throws IOException {
        return connect(uri, listener, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * Connect and complete the WebSocket handshake. The server sends the catalog at once, so the listener may be
     * called before this returns.
     *
     * @param uri a {@code ws://} URI; an empty path means {@code /feed}.
     * @throws IOException with a one-line reason when the server cannot be reached or refuses the handshake.
     */
    public static FeedClient connect(final URI uri, final FeedListener listener, final long timeoutMs,
                                     final int maxFrameBytes) throws IOException {
        final URI target = normalise(uri);
        final int port = target.getPort() == -1 ? 80 : target.getPort();
        final WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
            target, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), maxFrameBytes);
        final FrameHandler handler = new FrameHandler(handshaker, listener);
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("tw-feed-client", true), NioIoHandler.newFactory());
        boolean connected = false;
        try {
            final Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE, timeoutMs))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        ch.pipeline().addLast(
                            new HttpClientCodec(),
                            new HttpObjectAggregator(64 * 1024),
                            new WebSocketFrameAggregator(maxFrameBytes),
                            handler);
                    }
                });
            final Channel channel;
            final boolean answered;
            try {
                channel = bootstrap.connect(target.getHost(), port).sync().channel();
                answered = handler.handshakeFuture().await(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("cannot connect to " + target + ": interrupted", ex);
            } catch (final Exception ex) {
                // Netty rethrows checked connect failures (ConnectException) from sync() undeclared.
                throw new IOException("cannot connect to " + target + ": " + oneLine(ex), ex);
            }
            if (!answered) {
                channel.close();
                throw new IOException("cannot connect to " + target + ": no handshake response in " + timeoutMs
                    + " ms");
            }
            if (!handler.handshakeFuture().isSuccess()) {
                final Throwable cause = handler.handshakeFuture().cause();
                channel.close();
                throw new IOException("cannot connect to " + target + ": " + oneLine(cause), cause);
            }
            connected = true;
            return new FeedClient(target, group, channel, handler);
        } finally {
            if (!connected) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Ask the server for one simulation's feed ({@code 0} = the latest) from now on, with a {@code Subscribe}
     * message. May be called from any thread.
     */
    public void subscribe(final long simulationId) {
        subscribe(simulationId, -1);
    }

    /** As {@link #subscribe(long)}, replaying from {@code fromSequence} where the server keeps it (-1 = live). */
    public void subscribe(final long simulationId, final long fromSequence) {
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + SubscribeEncoder.BLOCK_LENGTH
            + SubscribeEncoder.servicesHeaderLength()];
        new SubscribeEncoder().wrapAndApplyHeader(new UnsafeBuffer(bytes), 0, new MessageHeaderEncoder())
            .requestId(requestIds.incrementAndGet())
            .simulationId(simulationId)
            .fromSequence(fromSequence)
            .policy(ConflationPolicy.CONFLATE)
            .services("");
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    public URI uri() {
        return uri;
    }

    /** Breaks in the tick sequence seen so far (a tick that does not follow the previous one of its simulation). */
    public long gaps() {
        return handler.gaps;
    }

    /** Ticks missing from those breaks (the sum of the holes). */
    public long missedTicks() {
        return handler.missedTicks;
    }

    public long ticksReceived() {
        return handler.ticksReceived;
    }

    /** The last tick number received, or -1. */
    public long lastSequence() {
        return handler.lastTick;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Wait until the connection is closed, by either side. */
    public boolean awaitClosed(final long timeout, final TimeUnit unit) throws InterruptedException {
        return channel.closeFuture().await(timeout, unit);
    }

    /**
     * Send a normal close, wait (bounded) for the server's, then release the event loop. Idempotent. From a
     * {@link FeedListener} callback it only starts the close, since waiting there would wait on itself.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (channel.isActive()) {
            channel.eventLoop().execute(() -> handler.sendClose(CLOSE_NORMAL, "client closing", false));
        }
        if (channel.eventLoop().inEventLoop()) {
            group.shutdownGracefully(0, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            return;
        }
        channel.closeFuture().awaitUninterruptibly(CLOSE_WAIT_MS);
        channel.close().awaitUninterruptibly(CLOSE_WAIT_MS);
        group.shutdownGracefully(0, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_WAIT_MS * 2);
    }

    private static URI normalise(final URI uri) {
        if (!"ws".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a ws:// URI: " + uri + (
                "wss".equalsIgnoreCase(uri.getScheme()) ? " (TLS is not supported yet)" : ""));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
            return uri;
        }
        try {
            return new URI(uri.getScheme(), uri.getUserInfo(), uri.getHost(), uri.getPort(), "/feed",
                uri.getQuery(), null);
        } catch (final URISyntaxException ex) {
            throw new IllegalArgumentException("bad URI " + uri + ": " + ex.getMessage(), ex);
        }
    }

    static String oneLine(final Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        final String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return message.replaceAll("\\s+", " ").trim();
    }

    /**
     * The pipeline's last stage: the handshake, control frames, then decoding. Everything here runs on the
     * event-loop thread; the counters are volatile only so that other threads may read them.
     */
    private static final class FrameHandler extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        private final FeedListener listener;
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final CatalogDecoder catalog = new CatalogDecoder();
        private final TickSummaryDecoder tick = new TickSummaryDecoder();
        private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
        private final SimulationEndDecoder end = new SimulationEndDecoder();
        private final ErrorDecoder error = new ErrorDecoder();
        private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        private byte[] scratch = new byte[4096];
        private ChannelPromise handshakeFuture;
        private ChannelHandlerContext ctx;
        private boolean closeSent;

        private long simulationId = Long.MIN_VALUE;
        private volatile long lastTick = -1;
        private volatile long gaps;
        private volatile long missedTicks;
        private volatile long ticksReceived;
        private int closeStatus = CLOSE_ABNORMAL;
        private String closeReason = "connection dropped without a close frame";
        private boolean closeNotified;

        FrameHandler(final WebSocketClientHandshaker handshaker, final FeedListener listener) {
            this.handshaker = handshaker;
            this.listener = listener;
        }

        ChannelPromise handshakeFuture() {
            return handshakeFuture;
        }

        @Override
        public void handlerAdded(final ChannelHandlerContext ctx) {
            this.ctx = ctx;
            handshakeFuture = ctx.newPromise();
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            if (!handshakeFuture.isDone()) {
                handshakeFuture.tryFailure(new IOException("connection closed during the WebSocket handshake"));
                return;
            }
            notifyClose();
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    try {
                        handshaker.finishHandshake(ctx.channel(), response);
                        handshakeFuture.trySuccess();
                    } catch (final WebSocketHandshakeException ex) {
                        handshakeFuture.tryFailure(ex);
                        ctx.close();
                    }
                }
                return;
            }
            if (closeSent) {
                // Closing: the server's close frame, or frames already in flight, end here.
                if (msg instanceof CloseWebSocketFrame) {
                    ctx.close();
                }
                return;
            }
            if (msg instanceof BinaryWebSocketFrame frame) {
                onBinary(ctx, frame.content());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                closeStatus = close.statusCode() == -1 ? CLOSE_NORMAL : close.statusCode();
                closeReason = close.reasonText();
                // Echo the close (RFC 6455 §5.5.1), then drop the connection.
                sendClose(closeStatus, "", true);
            }
            // Text frames are an optional JSON extra of the server; this client reads only the binary feed.
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            if (!handshakeFuture.isDone()) {
                handshakeFuture.tryFailure(cause);
            } else if (closeStatus == CLOSE_ABNORMAL) {
                closeStatus = CLOSE_INTERNAL_ERROR;
                closeReason = oneLine(cause);
            }
            ctx.close();
        }

        private void onBinary(final ChannelHandlerContext ctx, final ByteBuf content) {
            final int length = content.readableBytes();
            if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
                refuse(ctx, "frame of " + length + " bytes is shorter than the SBE header");
                return;
            }
            wrap(content, length);
            header.wrap(view, 0);
            if (header.schemaId() != Schema.ID) {
                refuse(ctx, "wrong schema id " + header.schemaId() + " (expected " + Schema.ID + ")");
                return;
            }
            final int templateId = header.templateId();
            final int blockLength = header.blockLength();
            final int version = header.version();
            if (MessageHeaderDecoder.ENCODED_LENGTH + blockLength > length) {
                refuse(ctx, "truncated frame: template " + templateId + " block of " + blockLength
                    + " bytes in a frame of " + length);
                return;
            }
            final int body = MessageHeaderDecoder.ENCODED_LENGTH;
            switch (templateId) {
                case TickSummaryDecoder.TEMPLATE_ID -> {
                    tick.wrap(view, body, blockLength, version);
                    final long sequence = tick.tick();
                    if (tick.simulationId() != simulationId) {
                        simulationId = tick.simulationId();
                    } else if (lastTick >= 0 && sequence != lastTick + 1) {
                        gaps++;
                        if (sequence > lastTick + 1) {
                            missedTicks += sequence - lastTick - 1;
                        }
                    }
                    lastTick = sequence;
                    ticksReceived++;
                    listener.onTick(view, 0, length, sequence);
                }
                case CatalogDecoder.TEMPLATE_ID -> {
                    catalog.wrap(view, body, blockLength, version);
                    if (catalog.simulationId() != simulationId) {
                        // Another simulation: its ticks start a sequence of their own.
                        simulationId = catalog.simulationId();
                        lastTick = -1;
                    }
                    listener.onCatalog(view, 0, length);
                }
                case HeartbeatDecoder.TEMPLATE_ID -> {
                    heartbeat.wrap(view, body, blockLength, version);
                    listener.onHeartbeat(heartbeat.lastSequence());
                }
                case SimulationEndDecoder.TEMPLATE_ID -> {
                    end.wrap(view, body, blockLength, version);
                    listener.onEnd(end.lastSequence());
                }
                case ErrorDecoder.TEMPLATE_ID -> {
                    error.wrap(view, body, blockLength, version);
                    final int code = error.codeRaw();
                    final String text;
                    try {
                        text = error.message();
                    } catch (final IndexOutOfBoundsException ex) {
                        refuse(ctx, "truncated Error message");
                        return;
                    }
                    listener.onError(code, text);
                }
                default -> {
                    // A template of a newer schema version: skipped, as the schema's evolution rules allow.
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

        private void refuse(final ChannelHandlerContext ctx, final String reason) {
            closeStatus = CLOSE_PROTOCOL_ERROR;
            closeReason = reason;
            // A close reason is at most 123 bytes (RFC 6455 §5.5).
            sendClose(CLOSE_PROTOCOL_ERROR, reason.length() > 120 ? reason.substring(0, 120) : reason, true);
        }

        /**
         * Send one close frame. An answer, or a refusal, drops the connection once it is written; a normal close
         * that this side starts waits for the server's answer (bounded by {@link FeedClient#close()}).
         */
        void sendClose(final int status, final String reason, final boolean drop) {
            if (closeStatus == CLOSE_ABNORMAL) {
                closeStatus = status;
                closeReason = reason;
            }
            if (closeSent || !ctx.channel().isActive()) {
                ctx.close();
                return;
            }
            closeSent = true;
            final var written = ctx.writeAndFlush(new CloseWebSocketFrame(status, reason));
            if (drop) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void notifyClose() {
            if (!closeNotified) {
                closeNotified = true;
                listener.onClose(closeStatus, closeReason);
            }
        }
    }
}
