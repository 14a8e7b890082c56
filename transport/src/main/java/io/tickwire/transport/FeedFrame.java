package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;

/**
 * A binary frame written by a {@link Broadcaster}, tagged with it, so that the connection's {@link FeedFrameHandler}
 * can drop frames still in flight from a subscription it has since left (the listener thread may have read the
 * subscriber set just before the unsubscribe). The tag costs nothing on the wire.
 */
final class FeedFrame extends BinaryWebSocketFrame {
    final Broadcaster source;

    FeedFrame(final Broadcaster source, final ByteBuf content) {
        super(content);
        this.source = source;
    }
}
