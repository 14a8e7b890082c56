package io.tickwire.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.SubscribeDecoder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against a scripted WebSocket server, so that gaps, foreign frames and control can be provoked. */
@Timeout(30)
class FeedClientTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

    @AfterEach
    void stopServer() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shouldDeliverInOrderAndCountGapsPerSimulation() throws Exception {
        final int port = serve(List.of(FeedWire.catalog(FeedWire.SIM, "a", "b"), FeedWire.tick(FeedWire.SIM, 0, 2),
            FeedWire.tick(FeedWire.SIM, 1, 2), FeedWire.tick(FeedWire.SIM, 4, 2), FeedWire.tick(FeedWire.SIM, 5, 2),
            FeedWire.catalog(43, "c"), FeedWire.tick(43, 0, 1), FeedWire.tick(43, 1, 1), FeedWire.end(43, 1)));
        final Recorder recorder = new Recorder();
        try (FeedClient client = FeedClient.connect(URI.create("ws://127.0.0.1:" + port + "/feed"), recorder)) {
            assertThat(recorder.ended.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(recorder.events).containsExactly("catalog 42", "tick 0", "tick 1", "tick 4", "tick 5",
                "catalog 43", "tick 0", "tick 1", "end 1");
            assertThat(client.gaps()).isEqualTo(1);
            assertThat(client.missedTicks()).isEqualTo(2);
            assertThat(client.ticksReceived()).isEqualTo(6);
            assertThat(client.lastSequence()).isEqualTo(1);
        }
        assertThat(recorder.closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(recorder.events.get(recorder.events.size() - 1)).startsWith("close 1000");
    }

    @Test
    void shouldCloseWithProtocolErrorOnAFrameOfAnotherSchema() throws Exception {
        final byte[] foreign = FeedWire.tick(FeedWire.SIM, 1, 1);
        foreign[4] = (byte)0x39; // schemaId 0x0539 = 1337
        foreign[5] = (byte)0x05;
        final int port = serve(List.of(FeedWire.catalog(FeedWire.SIM, "a"), FeedWire.tick(FeedWire.SIM, 0, 1), foreign,
            FeedWire.tick(FeedWire.SIM, 2, 1)));
        final Recorder recorder = new Recorder();
        try (FeedClient client = FeedClient.connect(URI.create("ws://127.0.0.1:" + port), recorder)) {
            assertThat(recorder.closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.isOpen()).isFalse();
        }
        assertThat(recorder.events).containsExactly("catalog 42", "tick 0",
            "close 1002 wrong schema id 1337 (expected 7477)");
    }

    @Test
    void shouldSendSubscribeAsAnSbeMessage() throws Exception {
        final int port = serve(List.of(FeedWire.catalog(FeedWire.SIM, "a")));
        final Recorder recorder = new Recorder();
        try (FeedClient client = FeedClient.connect(URI.create("ws://127.0.0.1:" + port + "/feed"), recorder)) {
            client.subscribe(9, 100);
            final byte[] frame = received.poll(10, TimeUnit.SECONDS);
            assertThat(frame).isNotNull();
            assertThat(FeedWire.templateId(frame)).isEqualTo(SubscribeDecoder.TEMPLATE_ID);
            assertThat(FeedWire.schemaId(frame)).isEqualTo(SubscribeDecoder.SCHEMA_ID);
            final SubscribeDecoder subscribe = FeedWire.readSubscribe(frame);
            assertThat(subscribe.simulationId()).isEqualTo(9);
            assertThat(subscribe.fromSequence()).isEqualTo(100);
            assertThat(subscribe.requestId()).isEqualTo(1);
        }
    }

    @Test
    void shouldFailToConnectWithAOneLineReason() throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> FeedClient.connect(URI.create("ws://127.0.0.1:" + port + "/feed"), new Recorder()))
            .isInstanceOf(IOException.class)
            .hasMessageStartingWith("cannot connect to ws://127.0.0.1:" + port + "/feed: ")
            .hasMessageNotContaining("\n");
    }

    @Test
    void shouldFailToConnectWhenTheHandshakeIsRefused() throws Exception {
        final int port = serve(List.of());
        assertThatThrownBy(() -> FeedClient.connect(URI.create("ws://127.0.0.1:" + port + "/nope"), new Recorder()))
            .isInstanceOf(IOException.class).hasMessageContaining("cannot connect");
    }

    /** A WebSocket server on /feed that sends {@code script} to each client once the handshake completes. */
    private int serve(final List<byte[]> script) throws InterruptedException {
        final Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                        new WebSocketServerProtocolHandler("/feed"), new ScriptHandler(script), new NotFound());
                }
            }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress)server.localAddress()).getPort();
    }

    private final class ScriptHandler extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final List<byte[]> script;

        ScriptHandler(final List<byte[]> script) {
            this.script = script;
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                for (final byte[] frame : script) {
                    ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
                }
                ctx.flush();
            }
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final BinaryWebSocketFrame frame) {
            final ByteBuf content = frame.content();
            final byte[] bytes = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), bytes);
            received.add(bytes);
        }
    }

    /** Any plain HTTP request (another path than /feed) gets a 404. */
    private static final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND))
                .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Records every callback as a short string; also checks they all come from one thread. */
    private static final class Recorder implements FeedListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        private Thread thread;

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            sameThread();
            events.add("catalog " + buffer.getLong(offset + MessageHeaderDecoder.ENCODED_LENGTH,
                java.nio.ByteOrder.LITTLE_ENDIAN));
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            sameThread();
            events.add("tick " + tick);
        }

        @Override
        public void onEnd(final long simulationId, final long lastSequence) {
            sameThread();
            events.add("end " + lastSequence);
            ended.countDown();
        }

        @Override
        public void onClose(final int statusCode, final String reason) {
            sameThread();
            events.add(("close " + statusCode + " " + reason).trim());
            closed.countDown();
        }

        private void sameThread() {
            if (thread == null) {
                thread = Thread.currentThread();
            }
            assertThat(Thread.currentThread()).isSameAs(thread);
        }
    }
}
