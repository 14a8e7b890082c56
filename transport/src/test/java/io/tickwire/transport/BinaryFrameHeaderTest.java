package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The broadcaster's hand-written frames against the reference: Netty's own server-side (unmasked) encoder. */
class BinaryFrameHeaderTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 127, 300, 65_535, 65_536, 100_000})
    void shouldFrameExactlyAsNettysEncoder(final int payloadLength) {
        final byte[] payload = new byte[payloadLength];
        ThreadLocalRandom.current().nextBytes(payload);

        final ByteBuf ours = Unpooled.buffer();
        BinaryFrameHeader.write(ours, payloadLength);
        assertThat(ours.readableBytes()).isEqualTo(BinaryFrameHeader.length(payloadLength));
        ours.writeBytes(payload);

        final EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        channel.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        final ByteBuf reference = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            reference.writeBytes(part);
            part.release();
        }
        channel.finishAndReleaseAll();

        assertThat(ByteBufUtil.getBytes(ours)).isEqualTo(ByteBufUtil.getBytes(reference));
        assertThat(BinaryFrameHeader.length(payloadLength)).isLessThanOrEqualTo(BinaryFrameHeader.MAX_LENGTH);
    }
}
