package io.tickwire.client;

import org.agrona.DirectBuffer;

/**
 * What a {@link FeedClient} delivers. Every call comes from the client's <b>single event-loop thread</b>, in frame
 * order, across reconnects; a slow callback holds back the connection (and, through TCP, the server's view of this
 * reader). Buffers hold one complete SBE message, header included, and are valid only during the call: copy what
 * you keep. A callback must not block on a {@link FeedClient} future: those complete on this same thread.
 * <p>
 * Per subscription, ticks arrive in sequence order without duplicates, also across a reconnect (the client resumes
 * from the last delivered tick + 1 and drops anything at or below it). A hole is reported before the tick after it:
 * {@link #onGapNotice} when the server announced it (it conflated ticks for this slow reader), {@link #onGap} when
 * it was not announced.
 */
public interface FeedListener {
    /** A {@code Catalog}: the simulation's id, tick length and service names. Follows every (re)subscription. */
    void onCatalog(DirectBuffer buffer, int offset, int length);

    /** A {@code TickSummary} of {@code simulationId}; {@code tick} is its sequence number. */
    void onTick(long simulationId, long tick, DirectBuffer buffer, int offset, int length);

    /**
     * An observed run's new rows (a {@code CatalogUpdate} message, header included): sent after the catalog (every
     * row so far) and before the first tick holding rows it has not described yet. The default ignores it.
     */
    default void onCatalogUpdate(final long simulationId, final DirectBuffer buffer, final int offset,
                                 final int length) {
    }

    /**
     * An event of tick {@code tick} (a {@code ScaleDecision}, {@code FaultEvent}, {@code LiveEditApplied} or
     * {@code ReplicaEvent}: {@code io.tickwire.codec.EventMessages}), after that tick: the run's audit trail. The
     * buffer is valid only during the call. Ignored by default.
     */
    default void onEvent(final long simulationId, final long tick, final DirectBuffer buffer, final int offset,
                         final int length) {
    }

    /**
     * A subscription began: answering a request ({@code requestId}), resuming after a reconnect, or auto-subscribed
     * by the URL ({@code ?sim=}, requestId 0).
     */
    default void onSubscribed(final long requestId, final long simulationId, final long firstSequence,
                              final long lastSequence) {
    }

    /** An {@code Unsubscribe} was done; {@code lastSequence} is the last tick delivered (-1 none). */
    default void onUnsubscribed(final long simulationId, final long lastSequence) {
    }

    /** A {@code Heartbeat}: the server is alive and sent nothing of this subscription after {@code lastSequence}. */
    default void onHeartbeat(final long simulationId, final long lastSequence) {
    }

    /** The server announced that it skipped ticks {@code from..to} (inclusive) of this slow reader (conflation). */
    default void onGapNotice(final long simulationId, final long fromSequence, final long toSequence) {
    }

    /** Ticks {@code from..to} (inclusive) are missing and no GapNotice said so: a fault, not a policy. */
    default void onGap(final long simulationId, final long fromSequence, final long toSequence) {
    }

    /** A {@code SimulationEnd}: no tick follows {@code lastSequence} (-1 if the simulation closed none). */
    default void onEnd(final long simulationId, final long lastSequence) {
    }

    /**
     * An {@code Error} from the server ({@code code} is the raw ErrorCode), for a request of this client (its future
     * fails too), an auto-subscription (requestId 0) or a resume that the server can no longer serve (the
     * subscription is then dropped).
     */
    default void onError(final long requestId, final int code, final String text) {
    }

    /** The connection was lost ({@code statusCode} as in {@link #onClose}); the client will reconnect and resume. */
    default void onDisconnect(final int statusCode, final String reason) {
    }

    /** A new connection is up after {@link #onDisconnect}; the subscriptions are being resumed. */
    default void onReconnect() {
    }

    /**
     * The client is done: closed, refused by the server, or out of reconnect attempts; called once.
     * {@code statusCode} is the WebSocket close code (1000 normal, 1002 a frame this client refused, 1006 dropped
     * without a close frame or a dead connection, 1011 a callback threw).
     */
    default void onClose(final int statusCode, final String reason) {
    }
}
