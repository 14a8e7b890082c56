package io.tickwire.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.tickwire.codec.test.FeedWire;
import io.tickwire.sbe.ConflationPolicy;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receive path allocates nothing of its own: bytes allocated on the client's event-loop thread per received tick
 * (8 services), measured with {@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()} from the
 * callback, over 20,000 ticks after 20,000 of warm-up. What remains is Netty's per-frame wrapper objects (the
 * WebSocket frame and its buffer; 38 bytes per tick measured on the dev VM); decoding, the sequence checks and
 * delivery add none. The bound is absolute: an allocation per service row (7 per tick) would exceed it.
 */
@Timeout(60)
class FeedClientAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;
    /** Netty's frame objects per message, with room. */
    private static final long BOUND_BYTES_PER_TICK = 128;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stopServer() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shouldNotAllocatePerTickBeyondNettysFrameWrappers() throws Exception {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        final Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(final SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                        new WebSocketServerProtocolHandler("/feed"), new Streamer());
                }
            }).bind("127.0.0.1", 0).sync().channel();
        final int port = ((InetSocketAddress)server.localAddress()).getPort();
        final Measuring listener = new Measuring(threads);
        try (FeedClient client = FeedClient.connect(URI.create("ws://127.0.0.1:" + port + "/feed"), listener)) {
            client.subscribe(FeedWire.SIM);
            assertThat(listener.done.await(40, TimeUnit.SECONDS)).as("ticks: %d", client.ticksReceived()).isTrue();
            assertThat(client.gaps()).isZero();
            assertThat(client.duplicatesDropped()).isZero();
        }
        final long perTick = listener.allocated / MEASURED;
        assertThat(perTick).as("bytes allocated per tick on the client's thread").isLessThan(BOUND_BYTES_PER_TICK);
    }

    /** Answers the Subscribe, then streams the ticks, flow-controlled by writability. */
    private static final class Streamer extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
        private final byte[][] ticks = new byte[64][];
        private long next;

        Streamer() {
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] = FeedWire.tick(FeedWire.SIM, i, 7);
            }
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final BinaryWebSocketFrame frame) {
            ctx.writeAndFlush(new BinaryWebSocketFrame(io.netty.buffer.Unpooled.wrappedBuffer(
                FeedWire.subscribed(1, FeedWire.SIM, 0, -1, ConflationPolicy.CONFLATE))));
            pump(ctx);
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(final ChannelHandlerContext ctx) {
            while (ctx.channel().isWritable() && next < WARMUP + MEASURED) {
                final long tick = next++; // before the write, which may re-enter pump() on a writability change
                final byte[] frame = ticks[(int)(tick % ticks.length)].clone();
                // The tick number, at its root-block offset (header 8 + simulationId 8).
                new org.agrona.concurrent.UnsafeBuffer(frame).putLong(16, tick, java.nio.ByteOrder.LITTLE_ENDIAN);
                final ByteBuf out = ctx.alloc().buffer(frame.length).writeBytes(frame);
                ctx.write(new BinaryWebSocketFrame(out));
            }
            ctx.flush();
        }
    }

    /** Reads the thread's allocation counter at the first and the last measured tick. */
    private static final class Measuring implements FeedListener {
        final CountDownLatch done = new CountDownLatch(1);
        private final com.sun.management.ThreadMXBean threads;
        private long count;
        private long start;
        volatile long allocated;

        Measuring(final com.sun.management.ThreadMXBean threads) {
            this.threads = threads;
        }

        @Override
        public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        }

        @Override
        public void onTick(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                           final int length) {
            count++;
            if (count == WARMUP) {
                start = threads.getCurrentThreadAllocatedBytes();
            } else if (count == WARMUP + MEASURED) {
                allocated = threads.getCurrentThreadAllocatedBytes() - start;
                done.countDown();
            }
        }
    }
}
