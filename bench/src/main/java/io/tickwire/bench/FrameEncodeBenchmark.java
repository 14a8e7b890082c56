package io.tickwire.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.tickwire.transport.BinaryFrameHeader;
import io.tickwire.transport.Broadcaster;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Tick → WebSocket frame: an encoded tick of {@code payloadBytes} made into one binary frame, ready to write.
 * <ul>
 *   <li>{@code tickwireFrame}: what the {@link Broadcaster} does once per tick for all subscribers — a pooled buffer,
 *       {@link BinaryFrameHeader} and the payload copied behind it;</li>
 *   <li>{@code nettyFrame}: the peer — Netty's own server-side {@link WebSocket13FrameEncoder} encoding a
 *       {@link BinaryWebSocketFrame}, as a server that writes frames per subscriber through its pipeline would do
 *       (run on an {@link EmbeddedChannel}, whose pipeline costs a little too).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameEncodeBenchmark {
    /** A 10-service tick, a 100-service tick with histograms. */
    @Param({"1500", "27000"})
    public int payloadBytes;

    private final PooledByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private ByteBuf payload;
    private EmbeddedChannel netty;

    @Setup
    public void setUp() {
        payload = Unpooled.directBuffer(payloadBytes);
        for (int i = 0; i < payloadBytes; i++) {
            payload.writeByte(i * 31);
        }
        netty = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    }

    @Benchmark
    public int tickwireFrame() {
        final int length = payload.readableBytes();
        final ByteBuf frame = allocator.directBuffer(BinaryFrameHeader.length(length) + length);
        BinaryFrameHeader.write(frame, length);
        frame.writeBytes(payload, payload.readerIndex(), length);
        final int written = frame.readableBytes();
        frame.release();
        return written;
    }

    @Benchmark
    public int nettyFrame() {
        netty.writeOutbound(new BinaryWebSocketFrame(payload.retainedDuplicate()));
        int written = 0;
        for (ByteBuf out = netty.readOutbound(); out != null; out = netty.readOutbound()) {
            written += out.readableBytes();
            out.release();
        }
        return written;
    }

    @TearDown
    public void tearDown() {
        netty.finishAndReleaseAll();
        payload.release();
    }
}
