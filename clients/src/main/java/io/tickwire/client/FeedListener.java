package io.tickwire.client;

import org.agrona.DirectBuffer;

/**
 * What a {@link FeedClient} delivers. Every call comes from the client's <b>single event-loop thread</b>, in frame
 * order; a slow callback holds back the connection (and, through TCP, the server's view of this reader). Buffers
 * hold one complete SBE message, header included, and are valid only during the call: copy what you keep.
 */
public interface FeedListener {
    /** A {@code Catalog}: the simulation's id, tick length and service names. First on every feed. */
    void onCatalog(DirectBuffer buffer, int offset, int length);

    /** A {@code TickSummary}; {@code tick} is its sequence number. Gaps are counted by {@link FeedClient#gaps()}. */
    void onTick(DirectBuffer buffer, int offset, int length, long tick);

    /** A {@code Heartbeat}: the server is alive and has sent nothing since {@code lastSequence}. */
    default void onHeartbeat(final long lastSequence) {
    }

    /** A {@code SimulationEnd}: no tick follows {@code lastSequence} (-1 if the simulation closed none). */
    default void onEnd(final long lastSequence) {
    }

    /** An {@code Error} from the server, e.g. an unknown simulation asked for; {@code code} is the raw ErrorCode. */
    default void onError(final int code, final String text) {
    }

    /**
     * The connection is gone; called once. {@code statusCode} is the WebSocket close code (1000 normal, 1002 a frame
     * this client refused, 1006 dropped without a close frame, 1011 a callback threw).
     */
    default void onClose(final int statusCode, final String reason) {
    }
}
