package io.tickwire.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tickwire.codec.FeedMessage;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.transport.Broadcaster;
import io.tickwire.transport.FeedServer;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out of the binary feed to loopback WebSocket clients, end to end: a real simulation in a {@link FeedServer},
 * N Netty WebSocket clients in this JVM, each decoding every {@code TickSummary} (SBE) it is sent.
 * <pre>
 *   engine ─ticks─► Broadcaster ─tail─► server I/O loops ─loopback TCP─► N clients (client I/O loops): decode,
 *                                                                         record now − tick's wallTimeNs
 * </pre>
 * Two phases:
 * <ol>
 *   <li><b>throughput</b>: 100 clients, a one-service diagram at speed max (the engine makes ticks as fast as it
 *       can): frames/s decoded by all the clients together, over a measured window, and the ticks the clients
 *       were conflated past (a client that cannot keep up is sent a {@code GapNotice} and the latest tick, by
 *       design: the engine is never held back);</li>
 *   <li><b>latency</b>: 10 clients, 100 ticks/s (10 ms ticks at speed 1), as DESIGN.md's budget states it:
 *       tick close → client decoded, an HdrHistogram of {@code now − wallTimeNs} over every tick every client
 *       decoded. {@code wallTimeNs} is stamped by the aggregator when the tick closes, before the output ring, so
 *       any backlog after it (ring, broadcaster, event loops, sockets, client) is in the figure: the stamp is the
 *       event's time, not a send time, so nothing is coordinated-omitted. The engine and the clients share one
 *       {@link EpochNanoClock}.</li>
 * </ol>
 * Usage: {@code java <flags> -cp bench/target/benchmarks.jar io.tickwire.bench.FanoutBenchmark
 * [throughputClients=100] [latencyClients=10] [seconds=10] [outputWaitStrategy]}; the last is the engine's wait
 * strategy on its output ring (the listener threads': {@code blocking} by default, {@code yielding}, ...).
 */
public final class FanoutBenchmark {
    private static final String ONE_SERVICE = """
        name: fanout
        tick: 1ms
        seed: 1
        services:
          - name: api
            latency: { distribution: exponential, mean: 100us }
        load:
          - { target: api, rate: 1000/s }
        """;
    private static final String TWO_SERVICES = """
        name: latency
        tick: 10ms
        seed: 1
        services:
          - name: api
            latency: { distribution: exponential, mean: 1ms }
            calls: [ { to: db } ]
          - name: db
            replicas: 2
            latency: { distribution: exponential, mean: 2ms }
        load:
          - { target: api, rate: 200/s }
        """;
    private static final long WARMUP_S = 3;

    private FanoutBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final int throughputClients = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int latencyClients = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        final int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        final String outputWait = args.length > 3 ? args[3] : null;
        final EpochNanoClock clock = new OffsetEpochNanoClock();
        System.out.printf("FanoutBenchmark: %d cores, %s, Java %s, %s transport%n",
            Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " "
                + System.getProperty("os.version"), System.getProperty("java.version"),
            Epoll.isAvailable() ? "native epoll" : "NIO");
        throughput(throughputClients, seconds, clock);
        latency(latencyClients, seconds, clock, outputWait);
    }

    private static void throughput(final int clients, final int seconds, final EpochNanoClock clock)
        throws Exception {
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0));
             Clients c = new Clients(clock)) {
            final Simulation sim = server.registry().launch(DiagramLoader.parse(ONE_SERVICE),
                new Simulation.Context().speed(Simulation.Context.SPEED_MAX).ticks(-1).epochClock(clock), (Path)null);
            c.connect(server.port(), sim.id(), clients);
            TimeUnit.SECONDS.sleep(WARMUP_S);
            final long frames0 = c.ticks();
            final long gaps0 = c.conflated();
            final long ticks0 = sim.ticksClosed();
            final long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            final long elapsed = System.nanoTime() - t0;
            final long frames = c.ticks() - frames0;
            final long conflated = c.conflated() - gaps0;
            final long ticks = sim.ticksClosed() - ticks0;
            sim.stop();
            final Broadcaster b = server.registry().broadcaster(sim.id()).orElseThrow();
            System.out.printf("throughput: %d clients, %d ticks/s closed by the engine (%d-byte frames); clients "
                    + "decoded %.0f frames/s in all (%.0f each), %.1f%% of what the engine closed; %.0f ticks/s "
                    + "conflated past (GapNotice) in all; %d slow-reader disconnects%n",
                clients, ticks * 1_000_000_000L / elapsed, c.lastFrameBytes(), frames * 1e9 / elapsed,
                frames * 1e9 / elapsed / clients, 100.0 * frames / ((double)ticks * clients),
                conflated * 1e9 / elapsed, b.slowReaderDisconnects());
        }
    }

    private static void latency(final int clients, final int seconds, final EpochNanoClock clock,
                                final String outputWait) throws Exception {
        try (FeedServer server = FeedServer.start(new FeedServer.Context().port(0));
             Clients c = new Clients(clock)) {
            final Simulation.Context simCtx = new Simulation.Context().speed(1.0).ticks(-1).epochClock(clock);
            if (outputWait != null) {
                simCtx.outputWaitStrategy(outputWait);
            }
            final Simulation sim = server.registry().launch(DiagramLoader.parse(TWO_SERVICES), simCtx, (Path)null);
            c.connect(server.port(), sim.id(), clients);
            TimeUnit.SECONDS.sleep(WARMUP_S);
            c.reset();
            TimeUnit.SECONDS.sleep(seconds);
            final Histogram h = c.latencies();
            sim.stop();
            System.out.printf("latency: %d clients, 100 ticks/s, output ring wait %s, tick close -> client "
                    + "decoded, %d samples, %d conflated: p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us%n",
                clients, outputWait == null ? "default" : outputWait, h.getTotalCount(), c.conflated(),
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
        }
    }

    /** N WebSocket clients on their own event loops (one per core): each decodes every frame it is sent. */
    private static final class Clients implements AutoCloseable {
        private final EpochNanoClock clock;
        private final EventLoopGroup group;
        private final List<Client> clients = new ArrayList<>();
        private final List<Channel> channels = new ArrayList<>();

        Clients(final EpochNanoClock clock) {
            this.clock = clock;
            this.group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("bench-client"),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        }

        void connect(final int port, final long simulationId, final int n) throws Exception {
            final URI uri = URI.create("ws://127.0.0.1:" + port + "/feed?sim=" + simulationId);
            for (int i = 0; i < n; i++) {
                final Client client = new Client(clock);
                final Bootstrap b = new Bootstrap().group(group)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(final SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                    uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 20)),
                                new WebSocketFrameAggregator(1 << 20), client);
                        }
                    });
                channels.add(b.connect("127.0.0.1", port).sync().channel());
                clients.add(client);
            }
        }

        long ticks() {
            long n = 0;
            for (final Client c : clients) {
                n += c.ticks;
            }
            return n;
        }

        long conflated() {
            long n = 0;
            for (final Client c : clients) {
                n += c.conflated;
            }
            return n;
        }

        int lastFrameBytes() {
            return clients.isEmpty() ? 0 : clients.get(0).lastBytes;
        }

        /** Start recording afresh, on each client's event loop. */
        void reset() throws Exception {
            for (int i = 0; i < clients.size(); i++) {
                final Client c = clients.get(i);
                channels.get(i).eventLoop().submit(c.histogram::reset).sync();
            }
        }

        /** Every client's histogram, merged (copied on each one's event loop). */
        Histogram latencies() throws Exception {
            final Histogram all = new Histogram(3);
            for (int i = 0; i < clients.size(); i++) {
                final Client c = clients.get(i);
                all.add(channels.get(i).eventLoop().submit(c.histogram::copy).get());
            }
            return all;
        }

        @Override
        public void close() {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
    }

    /** One client: decodes each message with SBE's generated decoder, records latency; on its event loop. */
    private static final class Client extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        final Histogram histogram = new Histogram(3);
        private final EpochNanoClock clock;
        private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TickSummaryDecoder tick = new TickSummaryDecoder();
        private final GapNoticeDecoder gap = new GapNoticeDecoder();
        volatile long ticks;
        volatile long conflated;
        volatile int lastBytes;

        Client(final EpochNanoClock clock) {
            this.clock = clock;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final BinaryWebSocketFrame frame) {
            final ByteBuf content = frame.content();
            final int length = content.readableBytes();
            if (content.hasMemoryAddress()) {
                buffer.wrap(content.memoryAddress() + content.readerIndex(), length);
            } else {
                buffer.wrap(content.nioBuffer(content.readerIndex(), length));
            }
            header.wrap(buffer, 0);
            final FeedMessage message = FeedMessage.of(header.templateId());
            if (message == FeedMessage.TICK_SUMMARY) {
                tick.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final long closedAt = tick.wallTimeNs();
                histogram.recordValue(Math.max(0, clock.nanoTime() - closedAt));
                ticks = ticks + 1;
                lastBytes = length;
            } else if (message == FeedMessage.GAP_NOTICE) {
                gap.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                conflated = conflated + gap.toSequence() - gap.fromSequence() + 1;
            }
        }
    }
}
