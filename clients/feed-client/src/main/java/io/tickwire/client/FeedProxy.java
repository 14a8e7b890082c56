package io.tickwire.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.tickwire.codec.FeedMessage;
import io.tickwire.sbe.ListSimulationsEncoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PingEncoder;
import io.tickwire.sbe.SubscribeEncoder;
import io.tickwire.sbe.UnsubscribeEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Encodes the client's requests, one SBE message per binary frame, with encoders held in fields: each message is
 * encoded straight into one buffer of its exact length from the channel's (pooled) allocator, which Netty releases
 * once written; {@link #out} is re-pointed at it, nothing else is made per request but the frame wrapper.
 * <p>
 * <b>Confined to the client's event loop.</b>
 */
final class FeedProxy {
    private static final byte[] NOTHING = new byte[0];

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SubscribeEncoder subscribe = new SubscribeEncoder();
    private final UnsubscribeEncoder unsubscribe = new UnsubscribeEncoder();
    private final ListSimulationsEncoder listSimulations = new ListSimulationsEncoder();
    private final PingEncoder ping = new PingEncoder();
    private final UnsafeBuffer out = new UnsafeBuffer(NOTHING);

    /** Send {@code request} on {@code channel}, flushed. */
    void send(final Channel channel, final FeedRequest request) {
        switch (request.message) {
            case SUBSCRIBE -> subscribe(channel, request.requestId, request.subscription);
            case UNSUBSCRIBE -> unsubscribe(channel, request.requestId, request.simulationId);
            case LIST_SIMULATIONS -> listSimulations(channel, request.requestId);
            case PING -> ping(channel, request.requestId, request.clientTimeNs);
            default -> throw new IllegalArgumentException(request.message + " is not a request");
        }
    }

    void subscribe(final Channel channel, final long requestId, final Subscription subscription) {
        final byte[] services = subscription.services().getBytes(StandardCharsets.UTF_8); // rare: once per Subscribe
        final ByteBuf buffer = allocate(channel, FeedMessage.SUBSCRIBE.fixedLength()
            + SubscribeEncoder.servicesHeaderLength() + services.length);
        subscribe.wrapAndApplyHeader(out, 0, header)
            .requestId(requestId)
            .simulationId(subscription.simulationId())
            .fromSequence(subscription.fromSequence())
            .policy(subscription.policy())
            .putServices(services, 0, services.length);
        write(channel, buffer);
    }

    void unsubscribe(final Channel channel, final long requestId, final long simulationId) {
        final ByteBuf buffer = allocate(channel, FeedMessage.UNSUBSCRIBE.fixedLength());
        unsubscribe.wrapAndApplyHeader(out, 0, header).requestId(requestId).simulationId(simulationId);
        write(channel, buffer);
    }

    void listSimulations(final Channel channel, final long requestId) {
        final ByteBuf buffer = allocate(channel, FeedMessage.LIST_SIMULATIONS.fixedLength());
        listSimulations.wrapAndApplyHeader(out, 0, header).requestId(requestId);
        write(channel, buffer);
    }

    void ping(final Channel channel, final long requestId, final long clientTimeNs) {
        final ByteBuf buffer = allocate(channel, FeedMessage.PING.fixedLength());
        ping.wrapAndApplyHeader(out, 0, header).requestId(requestId).clientTimeNs(clientTimeNs);
        write(channel, buffer);
    }

    /** A buffer of exactly {@code length} bytes, written in full, with {@link #out} over its memory. */
    private ByteBuf allocate(final Channel channel, final int length) {
        final ByteBuf buffer = channel.alloc().directBuffer(length, length);
        if (buffer.hasMemoryAddress()) {
            out.wrap(buffer.memoryAddress(), length);
        } else if (buffer.hasArray()) {
            out.wrap(buffer.array(), buffer.arrayOffset(), length);
        } else {
            out.wrap(buffer.nioBuffer(0, length), 0, length);
        }
        return buffer.writerIndex(length);
    }

    private void write(final Channel channel, final ByteBuf buffer) {
        out.wrap(NOTHING); // nothing keeps pointing at memory that Netty now owns
        channel.writeAndFlush(new BinaryWebSocketFrame(buffer));
    }
}
