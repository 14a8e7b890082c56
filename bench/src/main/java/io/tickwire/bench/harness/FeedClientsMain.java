package io.tickwire.bench.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client side of {@code tickwire bench e2e} and {@code fanout}: one JVM, separate from the server's, holding N
 * loopback WebSocket connections to a feed (Tickwire's, or a peer broadcaster relaying the same frames). Each
 * connection decodes every {@code TickSummary} with SBE's generated decoder and records
 * {@code System.nanoTime() − intendedClose(tick)}, where {@code intendedClose(t) = origin + (t + 1) × tickLengthNs}: the
 * pacing schedule, not the time the tick actually closed or was sent, so a stall anywhere (orchestrator, workers,
 * aggregator, broadcaster, sockets, this JVM) is in the figure — no coordinated omission.
 * <p>
 * The clock is {@link System#nanoTime()}: on Linux HotSpot reads {@code CLOCK_MONOTONIC}, one clock for every
 * process on the host, so the server's pacing origin is comparable here; it is not stepped by NTP (the epoch clock
 * can be), and it is cheaper than an epoch clock calibrated per process.
 * <p>
 * Arguments (all required, positional): {@code uri clients originNanos tickLengthNs warmupMs durationMs outDir name}.
 * {@code tickLengthNs ≤ 0} counts frames only (a run at speed max has no schedule). Writes {@code name.hlog} (one interval
 * a second), {@code name.hgrm} (µs) and {@code name.html}; prints a summary and one {@code RESULT} line for the
 * harness. The warm-up starts when every connection is made (a failed connection fails the run).
 */
public final class FeedClientsMain {
    static final String RESULT = "RESULT";
    /** Values above an hour are clamped: a histogram that cannot record them would throw on the event loop. */
    private static final long HIGHEST = TimeUnit.HOURS.toNanos(1);

    private FeedClientsMain() {
    }

    public static void main(final String[] args) throws Exception {
        final URI uri = URI.create(args[0]);
        final int clients = Integer.parseInt(args[1]);
        final long origin = Long.parseLong(args[2]);
        final long tickLengthNs = Long.parseLong(args[3]);
        final long warmupMs = Long.parseLong(args[4]);
        final long durationMs = Long.parseLong(args[5]);
        final Path outDir = Path.of(args[6]);
        final String name = args[7];
        Files.createDirectories(outDir);

        final Recorder recorder = new Recorder(HIGHEST, 3);
        final LongAdder frames = new LongAdder();
        final LongAdder conflated = new LongAdder();
        final AtomicInteger lastBytes = new AtomicInteger();
        final int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench-client"),
            Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        final List<Channel> channels = new ArrayList<>(clients);
        try {
            final long connectStart = System.nanoTime();
            final List<ChannelFuture> pending = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final Bootstrap b = new Bootstrap().group(group)
                    .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(final SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                    uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 20)),
                                new WebSocketFrameAggregator(1 << 20),
                                new Decoder(recorder, frames, conflated, lastBytes, origin, tickLengthNs));
                        }
                    });
                pending.add(b.connect(uri.getHost(), uri.getPort()));
                // A bounded number of handshakes in flight: a 10,000-connection burst overflows the accept backlog.
                if (pending.size() == 256) {
                    awaitAll(pending, channels);
                }
            }
            awaitAll(pending, channels);
            System.out.printf("clients: %d connections to %s in %.1f s%n", channels.size(), uri,
                (System.nanoTime() - connectStart) / 1e9);

            // The warm-up starts once every connection is made: 10,000 handshakes take seconds of their own.
            final long warmupEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
            sleepUntil(warmupEnd);
            recorder.reset();
            final Histogram total = new Histogram(HIGHEST, 3);
            Histogram interval = null;
            final long frames0 = frames.sum();
            final long conflated0 = conflated.sum();
            final long start = System.nanoTime();
            final long startEpochMs = System.currentTimeMillis();
            try (PrintStream log = new PrintStream(new FileOutputStream(outDir.resolve(name + ".hlog").toFile()))) {
                final HistogramLogWriter writer = new HistogramLogWriter(log);
                writer.outputLogFormatVersion();
                writer.outputComment("tickwire bench: " + name + ", " + clients + " clients of " + uri
                    + ", values in ns from each tick's intended close");
                writer.outputStartTime(startEpochMs);
                writer.setBaseTime(startEpochMs);
                writer.outputLegend();
                final long end = start + TimeUnit.MILLISECONDS.toNanos(durationMs);
                long next = start;
                while (next < end) {
                    next = Math.min(end, next + TimeUnit.SECONDS.toNanos(1));
                    sleepUntil(next);
                    interval = recorder.getIntervalHistogram(interval);
                    final long nowMs = startEpochMs + (System.nanoTime() - start) / 1_000_000;
                    interval.setEndTimeStamp(nowMs);
                    writer.outputIntervalHistogram(interval);
                    total.add(interval);
                }
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            final long decoded = frames.sum() - frames0;
            final long skipped = conflated.sum() - conflated0;
            try (PrintStream hgrm = new PrintStream(new FileOutputStream(outDir.resolve(name + ".hgrm").toFile()))) {
                total.outputPercentileDistribution(hgrm, 1000.0);
            }
            Files.writeString(outDir.resolve(name + ".html"), PercentilePlot.html(
                "tickwire bench " + name + ": " + clients + " clients, " + uri, total));
            final Summary s = new Summary(name, channels.size(), decoded / seconds, lastBytes.get(), skipped, total);
            System.out.println(s.human());
            System.out.println(s.line());
            System.out.flush();
        } finally {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        }
    }

    private static void awaitAll(final List<ChannelFuture> pending, final List<Channel> channels) {
        for (final ChannelFuture f : pending) {
            channels.add(f.syncUninterruptibly().channel());
        }
        pending.clear();
    }

    private static void sleepUntil(final long deadline) throws InterruptedException {
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
        }
    }

    /** One connection's decoder, on its event loop; counters and the recorder are shared (wait-free). */
    private static final class Decoder extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final Recorder recorder;
        private final LongAdder frames;
        private final LongAdder conflated;
        private final AtomicInteger lastBytes;
        private final long origin;
        private final long tickLengthNs;
        private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        private final MessageHeaderDecoder header = new MessageHeaderDecoder();
        private final TickSummaryDecoder tick = new TickSummaryDecoder();
        private final GapNoticeDecoder gap = new GapNoticeDecoder();

        Decoder(final Recorder recorder, final LongAdder frames, final LongAdder conflated,
                final AtomicInteger lastBytes, final long origin, final long tickLengthNs) {
            this.recorder = recorder;
            this.frames = frames;
            this.conflated = conflated;
            this.lastBytes = lastBytes;
            this.origin = origin;
            this.tickLengthNs = tickLengthNs;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final BinaryWebSocketFrame frame) {
            final ByteBuf content = frame.content();
            final int length = content.readableBytes();
            if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
                return;
            }
            if (content.hasMemoryAddress()) {
                buffer.wrap(content.memoryAddress() + content.readerIndex(), length);
            } else {
                buffer.wrap(content.nioBuffer(content.readerIndex(), length));
            }
            header.wrap(buffer, 0);
            final FeedMessage message = FeedMessage.of(header.templateId());
            if (message == FeedMessage.TICK_SUMMARY) {
                tick.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                final long t = tick.tick();
                if (tickLengthNs > 0) {
                    final long late = System.nanoTime() - (origin + (t + 1) * tickLengthNs);
                    recorder.recordValue(Math.min(HIGHEST, Math.max(0, late)));
                }
                frames.increment();
                lastBytes.lazySet(length);
            } else if (message == FeedMessage.GAP_NOTICE) {
                gap.wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                conflated.add(gap.toSequence() - gap.fromSequence() + 1);
            }
        }
    }
}
