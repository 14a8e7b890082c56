package io.tickwire.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.GroupSizeEncodingEncoder;
import io.tickwire.sbe.IngestNackDecoder;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.sbe.IngestStatusDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.MetricKind;
import io.tickwire.sbe.SampleBatchEncoder;
import io.tickwire.sbe.SeriesDeclarationEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of Tickwire's WebSocket ingest, {@code ws://host:port/ingest[?observation=ID]} (docs/ingest.md,
 * "WebSocket"): declare series by key, then add samples; they leave in {@code SampleBatch} frames of up to
 * {@link Context#maxFrameBytes}, within the window the server's {@code IngestStatus} grants (a send beyond it waits).
 * <pre>
 *   try (IngestClient c = IngestClient.connect(new IngestClient.Context().uri(URI.create("ws://127.0.0.1:8080/ingest")))) {
 *       c.declare(0, "web-1", "checkout_latency_seconds", "", MetricKind.LATENCY, "s");
 *       c.add(0, 0, 0.012);   // timestamp 0: the server's receive time
 *       c.flush();
 *   }
 * </pre>
 * A refused batch is told to {@link Context#onNack} (and counted): RATE_LIMITED carries retryAfterMs; the connection
 * goes on. A close by the server (a bad frame: 1002/1003/1007, beyond the window 1008) is kept in
 * {@link #closeStatus()} / {@link #closeReason()}; sends after it throw.
 * <p>
 * <b>Threads:</b> declare, add and flush from <b>one</b> thread (the sender); the client's event loop reads the
 * server's answers. {@link #add} allocates nothing.
 */
public final class IngestClient implements AutoCloseable {
    /** A batch refused whole by the server. */
    public record Nack(long batch, IngestRejection reason, long retryAfterMs, String message) {
    }

    /** Where to connect and how. */
    public static final class Context {
        private URI uri;
        private String token;
        private int maxFrameBytes = 64 * 1024;
        private long connectTimeoutMs = 10_000;
        private Consumer<Nack> onNack = nack -> {
        };

        /** {@code ws://host:port/ingest}, with {@code ?observation=ID} to pick a run (default: the latest running). */
        public Context uri(final URI uri) {
            this.uri = uri;
            return this;
        }

        /** The server's bearer token (sent as {@code Authorization: Bearer}); null for none. */
        public Context token(final String token) {
            this.token = token;
            return this;
        }

        /** The largest frame to send: the server's {@code limits.maxFramePayloadBytes} (64 KiB by default). */
        public Context maxFrameBytes(final int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        public Context connectTimeoutMs(final long ms) {
            this.connectTimeoutMs = ms;
            return this;
        }

        /** Told each refused batch, on the client's event loop; must not block. */
        public Context onNack(final Consumer<Nack> onNack) {
            this.onNack = Objects.requireNonNull(onNack, "onNack");
            return this;
        }
    }

    /** Keys a connection may declare, 0..MAX_KEYS-1 (SampleBatch keys are uint16). */
    public static final int MAX_KEYS = 65_536;
    private static final int BATCH_HEADER = MessageHeaderEncoder.ENCODED_LENGTH + SampleBatchEncoder.BLOCK_LENGTH
        + GroupSizeEncodingEncoder.ENCODED_LENGTH;
    private static final int SAMPLE_BYTES = SampleBatchEncoder.SamplesEncoder.sbeBlockLength();

    private final Context ctx;
    private final EventLoopGroup group;
    private final Channel channel;
    private final Handler handler;
    private final int maxSamples;
    private final UnsafeBuffer frame;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SampleBatchEncoder batch = new SampleBatchEncoder();
    private final SeriesDeclarationEncoder declaration = new SeriesDeclarationEncoder();
    private final GroupSizeEncodingEncoder groupSize = new GroupSizeEncodingEncoder();
    private SampleBatchEncoder.SamplesEncoder samples;
    private int count;
    private long batchNumber;
    private long sentBytes;
    private long samplesSent;

    private IngestClient(final Context ctx, final EventLoopGroup group, final Channel channel, final Handler handler) {
        this.ctx = ctx;
        this.group = group;
        this.channel = channel;
        this.handler = handler;
        this.maxSamples = Math.min(65_534, (ctx.maxFrameBytes - BATCH_HEADER) / SAMPLE_BYTES);
        this.frame = new UnsafeBuffer(new byte[BATCH_HEADER + maxSamples * SAMPLE_BYTES]);
    }

    /** Connect and complete the handshake; the server's first IngestStatus (the window) follows. */
    public static IngestClient connect(final Context ctx) throws IOException {
        Objects.requireNonNull(ctx.uri, "uri");
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("tw-ingest-client", true), NioIoHandler.newFactory());
        final Handler handler = new Handler(ctx);
        try {
            final Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)ctx.connectTimeoutMs)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel sc) {
                        sc.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                            new WebSocketFrameAggregator(1 << 20), handler);
                    }
                })
                .connect(ctx.uri.getHost(), ctx.uri.getPort() > 0 ? ctx.uri.getPort() : 80).sync().channel();
            if (!handler.handshake.await(ctx.connectTimeoutMs, TimeUnit.MILLISECONDS)) {
                throw new IOException("no WebSocket handshake from " + ctx.uri + " in " + ctx.connectTimeoutMs
                    + " ms");
            }
            if (!handler.handshake.isSuccess()) {
                throw new IOException("cannot connect to " + ctx.uri + ": " + handler.handshake.cause().getMessage(),
                    handler.handshake.cause());
            }
            return new IngestClient(ctx, group, ch, handler);
        } catch (final InterruptedException ex) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted connecting to " + ctx.uri, ex);
        } catch (final IOException | RuntimeException ex) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw ex instanceof IOException io ? io : new IOException("cannot connect to " + ctx.uri + ": " + ex, ex);
        } catch (final Exception ex) { // Netty rethrows checked connect failures undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot connect to " + ctx.uri + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Name series {@code key} (0..65535, this connection's own numbering; a key declared again is renamed), sent at
     * once. {@code labels}: {@code k="v"} pairs, comma-separated, or empty; {@code kind} null for the naming rules;
     * {@code unit} of latency values (s, ms, us, ns) or null.
     */
    public void declare(final int key, final String source, final String metric, final String labels,
                        final MetricKind kind, final String unit) throws IOException {
        flush();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[1024 + source.length() * 3 + metric.length() * 3
            + labels.length() * 3]);
        declaration.wrapAndApplyHeader(out, 0, header)
            .seriesCount(1).next()
            .key(key)
            .kind(kind == null ? MetricKind.NULL_VAL : kind)
            .source(source)
            .metric(metric)
            .labels(labels)
            .unit(unit == null ? "" : unit);
        send(out, MessageHeaderEncoder.ENCODED_LENGTH + declaration.encodedLength());
    }

    /** Add a sample of {@code key}; {@code timestampNs} epoch, or 0 for the server's receive time. Full: sent. */
    public void add(final int key, final long timestampNs, final double value) throws IOException {
        if (count == 0) {
            batch.wrapAndApplyHeader(frame, 0, header).batch(++batchNumber);
            samples = batch.samplesCount(maxSamples);
        }
        samples.next().key(key).timestampNs(timestampNs).value(value);
        if (++count == maxSamples) {
            flush();
        }
    }

    /** Send the samples added so far as one SampleBatch (waiting while it would exceed the window). */
    public void flush() throws IOException {
        if (count == 0) {
            return;
        }
        // The group was sized for a full frame: set its real count.
        groupSize.wrap(frame, MessageHeaderEncoder.ENCODED_LENGTH + SampleBatchEncoder.BLOCK_LENGTH)
            .numInGroup(count);
        final int length = BATCH_HEADER + count * SAMPLE_BYTES;
        samplesSent += count;
        count = 0;
        send(frame, length);
    }

    private void send(final UnsafeBuffer buffer, final int length) throws IOException {
        handler.awaitWindow(sentBytes, length);
        final ByteBuf out = channel.alloc().directBuffer(length);
        out.writeBytes(buffer.byteArray(), 0, length);
        channel.writeAndFlush(new BinaryWebSocketFrame(out), channel.voidPromise()); // failures: exceptionCaught
        sentBytes += length;
    }

    /** Send one JSON text frame ({@code {source, metric, value, ...}} or an array): the simple agents' way. */
    public void sendJson(final String json) throws IOException {
        final int length = ByteBufUtil.utf8Bytes(json);
        handler.awaitWindow(sentBytes, length);
        final ByteBuf out = channel.alloc().directBuffer(length);
        ByteBufUtil.reserveAndWriteUtf8(out, json, length);
        channel.writeAndFlush(new TextWebSocketFrame(out), channel.voidPromise());
        sentBytes += length;
    }

    /** Wait until the server has consumed everything sent (its IngestStatus says so); false on timeout or close. */
    public boolean awaitConsumed(final long timeoutMs) throws InterruptedException {
        return handler.awaitConsumed(sentBytes, timeoutMs);
    }

    public long sentBytes() {
        return sentBytes;
    }

    public long samplesSent() {
        return samplesSent;
    }

    /** The last batch the server said is in its run's ring (or refused). */
    public long consumedBatch() {
        return handler.consumedBatch;
    }

    public long consumedBytes() {
        return handler.consumedBytes;
    }

    /** The server's window, bytes; 0 until its first IngestStatus. */
    public int window() {
        return handler.window;
    }

    public long nacks() {
        return handler.nacks;
    }

    /** The server's JSON answers to text frames, the last one. */
    public String lastText() {
        return handler.lastText;
    }

    public long texts() {
        return handler.texts;
    }

    /** The close code the server sent (or 1006 if the connection dropped), -1 while open. */
    public int closeStatus() {
        return handler.closeStatus;
    }

    public String closeReason() {
        return handler.closeReason;
    }

    /** Wait until the server closes the connection; false on timeout. */
    public boolean awaitClosed(final long timeoutMs) throws InterruptedException {
        return channel.closeFuture().await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            if (channel.isActive()) {
                flush();
                channel.writeAndFlush(new CloseWebSocketFrame(1000, "done")).await(1, TimeUnit.SECONDS);
                channel.closeFuture().await(1, TimeUnit.SECONDS);
            }
        } catch (final IOException | InterruptedException ex) {
            // closing anyway
        } finally {
            channel.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** The connection's inbound side, on the client's event loop; the window's state, shared with the sender. */
    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final Context ctx;
        private final WebSocketClientHandshaker handshaker;
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final IngestStatusDecoder status = new IngestStatusDecoder();
        private final IngestNackDecoder nack = new IngestNackDecoder();
        private final UnsafeBuffer in = new UnsafeBuffer(0, 0);
        private byte[] copy = new byte[256];
        private io.netty.channel.ChannelPromise handshake;
        private volatile long consumedBatch;
        private volatile long consumedBytes;
        private volatile int window;
        private volatile long nacks;
        private volatile long texts;
        private volatile String lastText;
        private volatile int closeStatus = -1;
        private volatile String closeReason;

        Handler(final Context ctx) {
            this.ctx = ctx;
            final DefaultHttpHeaders headers = new DefaultHttpHeaders();
            if (ctx.token != null) {
                headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + ctx.token);
            }
            this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(ctx.uri, WebSocketVersion.V13, null,
                false, headers, 1 << 20);
        }

        @Override
        public void handlerAdded(final ChannelHandlerContext c) {
            handshake = c.newPromise();
        }

        @Override
        public void channelActive(final ChannelHandlerContext c) {
            handshaker.handshake(c.channel());
        }

        /** A failed write (sends use the void promise) or read: the connection is closed, its close is recorded. */
        @Override
        public void exceptionCaught(final ChannelHandlerContext c, final Throwable cause) {
            c.close();
        }

        @Override
        public void channelInactive(final ChannelHandlerContext c) {
            handshake.tryFailure(new IOException("connection closed during the WebSocket handshake"));
            synchronized (this) {
                if (closeStatus < 0) {
                    closeStatus = 1006;
                    closeReason = "connection dropped without a close frame";
                }
                notifyAll();
            }
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext c, final Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    try {
                        handshaker.finishHandshake(c.channel(), response);
                        handshake.trySuccess();
                    } catch (final RuntimeException ex) {
                        handshake.tryFailure(ex);
                        c.close();
                    }
                }
                return;
            }
            if (msg instanceof BinaryWebSocketFrame binary) {
                onBinary(binary.content());
            } else if (msg instanceof TextWebSocketFrame text) {
                lastText = text.text();
                texts++;
            } else if (msg instanceof PingWebSocketFrame ping) {
                c.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                synchronized (this) {
                    closeStatus = close.statusCode();
                    closeReason = close.reasonText();
                    notifyAll();
                }
                c.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), "")).addListener(f -> c.close());
            }
        }

        private void onBinary(final ByteBuf content) {
            final int length = content.readableBytes();
            if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
                return;
            }
            if (content.hasMemoryAddress()) {
                in.wrap(content.memoryAddress() + content.readerIndex(), length);
            } else if (content.hasArray()) {
                in.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
            } else {
                if (copy.length < length) {
                    copy = new byte[Math.max(length, copy.length * 2)];
                }
                content.getBytes(content.readerIndex(), copy, 0, length);
                in.wrap(copy, 0, length);
            }
            header.wrap(in, 0);
            if (header.schemaId() != Schema.ID) {
                return;
            }
            if (header.templateId() == IngestStatusDecoder.TEMPLATE_ID) {
                status.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                synchronized (this) {
                    consumedBatch = status.consumedBatch();
                    consumedBytes = status.consumedBytes();
                    window = status.window();
                    notifyAll();
                }
            } else if (header.templateId() == IngestNackDecoder.TEMPLATE_ID) {
                nack.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final Nack n = new Nack(nack.batch(), nack.reason(), nack.retryAfterMs(), nack.message());
                nacks++;
                ctx.onNack.accept(n);
            }
        }

        /** Block the sender while {@code length} more bytes would pass the window. */
        synchronized void awaitWindow(final long sent, final int length) throws IOException {
            try {
                while (closeStatus < 0 && (window == 0 || sent + length - consumedBytes > window)) {
                    wait(100);
                }
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the ingest window", ex);
            }
            if (closeStatus >= 0) {
                throw new IOException("ingest connection closed: " + closeStatus + " " + closeReason);
            }
        }

        synchronized boolean awaitConsumed(final long sent, final long timeoutMs) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (closeStatus < 0 && consumedBytes < sent) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return consumedBytes >= sent;
        }
    }
}
