package io.tickwire.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.PingDecoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's protocol logic against a scripted feed server that answers requests as the protocol says and can
 * misbehave on cue (overlapping resumes, holes, silence, dropped connections).
 */
@Timeout(30)
class FeedClientProtocolTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stopServer() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shouldResumeFromTheLastTickPlusOneAndDropTheOverlap() throws Exception {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final int port = serve((ctx, connection, msg) -> {
            if (msg instanceof Sub s) {
                requests.add(connection + ": sim " + s.simulationId + " from " + s.fromSequence + " " + s.policy
                    + " '" + s.services + "'");
                send(ctx, FeedWire.subscribed(s.requestId, FeedWire.SIM, s.fromSequence, 99, s.policy));
                send(ctx, FeedWire.catalog(FeedWire.SIM, "a"));
                if (connection == 0) {
                    for (long t = 0; t < 10; t++) {
                        send(ctx, FeedWire.tick(FeedWire.SIM, t, 1));
                    }
                    ctx.flush();
                    ctx.channel().close(); // no close frame: a network fault
                } else {
                    // A sloppy server resends three ticks the client has: it must drop them.
                    for (long t = s.fromSequence - 3; t < 20; t++) {
                        send(ctx, FeedWire.tick(FeedWire.SIM, t, 1));
                    }
                    ctx.flush();
                }
            }
        });
        final Recorder recorder = new Recorder(20);
        try (FeedClient client = FeedClient.connect(uri(port), recorder)) {
            final FeedAnswers.Subscribed answer = client.subscribe(Subscription.to(0).fromSequence(0)
                .services("a").policy(ConflationPolicy.DISCONNECT)).get(10, TimeUnit.SECONDS);
            assertThat(answer.simulationId()).isEqualTo(FeedWire.SIM);
            assertThat(recorder.ticksDone.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(recorder.ticks).containsExactlyElementsOf(range(0, 20));
            assertThat(requests).containsExactly("0: sim 0 from 0 DISCONNECT 'a'",
                "1: sim 42 from 10 DISCONNECT 'a'");
            assertThat(client.reconnects()).isEqualTo(1);
            assertThat(client.duplicatesDropped()).isEqualTo(3);
            assertThat(client.gaps()).isZero();
            assertThat(recorder.events)
                .contains("disconnect 1006 connection dropped without a close frame", "reconnect");
        }
    }

    @Test
    void shouldReportAnnouncedAndUnannouncedGapsApart() throws Exception {
        final int port = serve((ctx, connection, msg) -> {
            if (msg instanceof Sub s) {
                send(ctx, FeedWire.subscribed(s.requestId, FeedWire.SIM, -1, 0, s.policy));
                send(ctx, FeedWire.catalog(FeedWire.SIM, "a"));
                for (final long t : new long[] {0, 1}) {
                    send(ctx, FeedWire.tick(FeedWire.SIM, t, 1));
                }
                send(ctx, FeedWire.gapNotice(FeedWire.SIM, 2, 5));
                for (final long t : new long[] {6, 7, 9, 10}) {
                    send(ctx, FeedWire.tick(FeedWire.SIM, t, 1));
                }
                ctx.flush();
            }
        });
        final Recorder recorder = new Recorder(6);
        try (FeedClient client = FeedClient.connect(uri(port), recorder)) {
            client.subscribe(FeedWire.SIM);
            assertThat(recorder.ticksDone.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(recorder.events).containsSubsequence("tick 1", "gapNotice 2..5", "tick 6", "tick 7",
                "gap 8..8", "tick 9");
            assertThat(client.conflatedGaps()).isEqualTo(1);
            assertThat(client.conflatedTicks()).isEqualTo(4);
            assertThat(client.gaps()).isEqualTo(1);
            assertThat(client.missedTicks()).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswerEachRequestByItsRequestId() throws Exception {
        final int port = serve((ctx, connection, msg) -> {
            if (msg instanceof Sub s && s.simulationId == 5) {
                sendFlush(ctx, FeedWire.error(s.requestId, ErrorCode.UNKNOWN_SIMULATION, "no simulation 5"));
            } else if (msg instanceof Sub s) {
                sendFlush(ctx, FeedWire.subscribed(s.requestId, s.simulationId, -1, 3, s.policy));
            } else if (msg instanceof Unsub u) {
                sendFlush(ctx, FeedWire.unsubscribed(u.requestId, u.simulationId, -1));
            } else if (msg instanceof ListSims l) {
                sendFlush(ctx, FeedWire.simulationList(l.requestId, "second"));
            } else if (msg instanceof PingReq p) {
                sendFlush(ctx, FeedWire.pong(p.requestId, p.clientTimeNs, 1_700_000_000_000L));
            }
        });
        final Recorder recorder = new Recorder(0);
        try (FeedClient client = FeedClient.connect(uri(port), recorder)) {
            // Issued together: the answers come back by requestId.
            final var list = client.listSimulations();
            final var pong = client.ping();
            final var bad = client.subscribe(5);
            final var good = client.subscribe(FeedWire.SIM);
            assertThat(list.get(10, TimeUnit.SECONDS)).containsExactly(
                new FeedAnswers.SimulationInfo(1, SimulationState.ENDED, 199, FeedWire.TICK_NS, "mm1"),
                new FeedAnswers.SimulationInfo(2, SimulationState.RUNNING, -1, 1_000_000, "second"));
            assertThat(pong.get(10, TimeUnit.SECONDS).roundTripNs()).isPositive();
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(FeedRequestException.class).hasMessage("no simulation 5")
                .matches(ex -> ((FeedRequestException)ex).errorCode() == ErrorCode.UNKNOWN_SIMULATION);
            assertThat(good.get(10, TimeUnit.SECONDS).lastSequence()).isEqualTo(3);
            assertThat(client.unsubscribe(FeedWire.SIM).get(10, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThat(recorder.events).contains("error 3 1 no simulation 5", "subscribed 42", "unsubscribed 42");
        }
    }

    @Test
    void shouldDeclareASilentServerDeadAndReconnect() throws Exception {
        final AtomicInteger pings = new AtomicInteger();
        final int port = serve((ctx, connection, msg) -> {
            if (msg instanceof Sub s) {
                sendFlush(ctx, FeedWire.subscribed(s.requestId, FeedWire.SIM, -1, 0, s.policy));
                sendFlush(ctx, FeedWire.catalog(FeedWire.SIM, "a"));
                sendFlush(ctx, FeedWire.tick(FeedWire.SIM, connection, 1));
            } else if (msg instanceof PingReq) {
                pings.incrementAndGet(); // and never answered: the connection looks dead
            }
        });
        final Recorder recorder = new Recorder(2);
        final FeedClient.Context ctx = new FeedClient.Context().uri(uri(port)).heartbeatIntervalMs(100)
            .heartbeatMisses(3);
        try (FeedClient client = FeedClient.connect(ctx, recorder)) {
            client.subscribe(FeedWire.SIM);
            assertThat(recorder.ticksDone.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pings.get()).isGreaterThanOrEqualTo(1);
            assertThat(recorder.events).anyMatch(e -> e.startsWith("disconnect 1006 no frame for "));
            assertThat(recorder.ticks).containsExactly(0L, 1L);
        }
    }

    @Test
    void shouldGiveUpAfterTheReconnectAttemptsAndSayWhy() throws Exception {
        final AtomicInteger refused = new AtomicInteger();
        final int port = serve((ctx, connection, msg) -> {
            if (msg instanceof Sub s) {
                sendFlush(ctx, FeedWire.subscribed(s.requestId, FeedWire.SIM, -1, 0, s.policy));
                ctx.channel().close();
            }
        }, 1, refused);
        final Recorder recorder = new Recorder(0);
        final FeedClient.Context ctx = new FeedClient.Context().uri(uri(port)).reconnectAttempts(3)
            .reconnectBackoffMs(10, 20);
        try (FeedClient client = FeedClient.connect(ctx, recorder)) {
            client.subscribe(FeedWire.SIM);
            assertThat(recorder.closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(recorder.events).last().isEqualTo("close 1006 gave up after 3 reconnect attempts");
            assertThat(refused.get()).isEqualTo(3);
            assertThat(client.isOpen()).isFalse();
            assertThatThrownBy(() -> client.ping().get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(
                java.io.IOException.class);
        }
    }

    // ---- the scripted server ------------------------------------------------------------------------------------

    private record Sub(long requestId, long simulationId, long fromSequence, ConflationPolicy policy,
                       String services) {
    }

    private record Unsub(long requestId, long simulationId) {
    }

    private record ListSims(long requestId) {
    }

    private record PingReq(long requestId, long clientTimeNs) {
    }

    @FunctionalInterface
    private interface Script {
        /** A decoded client message on connection number {@code connection} (0, 1, ... in accept order). */
        void onRequest(ChannelHandlerContext ctx, int connection, Object msg);
    }

    private int serve(final Script script) throws InterruptedException {
        return serve(script, Integer.MAX_VALUE, new AtomicInteger());
    }

    /** Connections from number {@code accepted} on are dropped at once, before the handshake (counted). */
    private int serve(final Script script, final int accepted, final AtomicInteger refused)
        throws InterruptedException {
        final AtomicInteger connections = new AtomicInteger();
        final Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    final int connection = connections.getAndIncrement();
                    if (connection >= accepted) {
                        refused.incrementAndGet();
                        ch.close();
                        return;
                    }
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                        // No close frame on close(): a closed channel is a dropped connection.
                        new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                            .websocketPath("/feed").sendCloseFrame(null).build()),
                        new ScriptHandler(script, connection));
                }
            }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress)server.localAddress()).getPort();
    }

    private static URI uri(final int port) {
        return URI.create("ws://127.0.0.1:" + port + "/feed");
    }

    private static void send(final ChannelHandlerContext ctx, final byte[] frame) {
        ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    }

    private static void sendFlush(final ChannelHandlerContext ctx, final byte[] frame) {
        ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
    }

    private static List<Long> range(final long from, final long to) {
        final List<Long> out = new ArrayList<>();
        for (long t = from; t < to; t++) {
            out.add(t);
        }
        return out;
    }

    private static final class ScriptHandler extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final Script script;
        private final int connection;

        ScriptHandler(final Script script, final int connection) {
            this.script = script;
            this.connection = connection;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final BinaryWebSocketFrame frame) {
            final ByteBuf content = frame.content();
            final byte[] m = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), m);
            final FeedMessage request = FeedMessage.fromClient(FeedWire.templateId(m));
            if (request == null) {
                throw new IllegalStateException("template " + FeedWire.templateId(m));
            }
            final Object msg = switch (request) {
                case SUBSCRIBE -> {
                    final SubscribeDecoder d = FeedWire.readSubscribe(m);
                    yield new Sub(d.requestId(), d.simulationId(), d.fromSequence(), d.policy(), d.services());
                }
                case UNSUBSCRIBE -> {
                    final UnsubscribeDecoder d = FeedWire.readUnsubscribe(m);
                    yield new Unsub(d.requestId(), d.simulationId());
                }
                case LIST_SIMULATIONS -> new ListSims(FeedWire.readListSimulations(m).requestId());
                default -> {
                    final PingDecoder d = FeedWire.readPing(m);
                    yield new PingReq(d.requestId(), d.clientTimeNs());
                }
            };
            script.onRequest(ctx, connection, msg);
        }
    }

    /** Records callbacks as short strings; counts ticks down to {@link #ticksDone}. */
    private static final class Recorder implements FeedListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> ticks = new CopyOnWriteArrayList<>();
        final CountDownLatch ticksDone;
        final CountDownLatch closed = new CountDownLatch(1);

        Recorder(final int ticks) {
            this.ticksDone = new CountDownLatch(ticks);
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
            events.add("catalog");
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            events.add("tick " + tick);
            ticks.add(tick);
            ticksDone.countDown();
        }

        @Override
        public void onSubscribed(final long requestId, final long simulationId, final long first, final long last) {
            events.add("subscribed " + simulationId);
        }

        @Override
        public void onUnsubscribed(final long simulationId, final long lastSequence) {
            events.add("unsubscribed " + simulationId);
        }

        @Override
        public void onGapNotice(final long simulationId, final long from, final long to) {
            events.add("gapNotice " + from + ".." + to);
        }

        @Override
        public void onGap(final long simulationId, final long from, final long to) {
            events.add("gap " + from + ".." + to);
        }

        @Override
        public void onError(final long requestId, final int code, final String text) {
            events.add("error " + requestId + " " + code + " " + text);
        }

        @Override
        public void onDisconnect(final int statusCode, final String reason) {
            events.add(("disconnect " + statusCode + " " + reason).trim());
        }

        @Override
        public void onReconnect() {
            events.add("reconnect");
        }

        @Override
        public void onClose(final int statusCode, final String reason) {
            events.add(("close " + statusCode + " " + reason).trim());
            closed.countDown();
        }
    }
}
