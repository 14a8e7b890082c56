package io.tickwire.client;

import io.tickwire.codec.FeedMessage;

import java.util.concurrent.CompletableFuture;

/**
 * A request awaiting its answer, by requestId. Event-loop confined, except the future, which callers hold.
 * <p>
 * A <b>resume</b> is a {@code Subscribe} the client sends by itself after a reconnect: it has no future of its own
 * (or keeps the caller's, when a {@code Subscribe} in flight at the loss is turned into one), and its answer
 * continues the subscription's sequence instead of restarting it.
 */
final class FeedRequest {
    final FeedMessage message;
    final long requestId;
    private final CompletableFuture<Object> future;
    boolean resume;
    Subscription subscription;
    long simulationId;
    long clientTimeNs;

    private FeedRequest(final FeedMessage message, final long requestId, final boolean resume) {
        this.message = message;
        this.requestId = requestId;
        this.resume = resume;
        this.future = resume ? null : new CompletableFuture<>();
    }

    /** A request of the caller's, answered through its future. */
    static FeedRequest of(final FeedMessage message, final long requestId) {
        return new FeedRequest(message, requestId, false);
    }

    /** The client's own re-subscription after a reconnect: no future. */
    static FeedRequest resume(final long requestId, final long simulationId, final Subscription subscription) {
        final FeedRequest r = new FeedRequest(FeedMessage.SUBSCRIBE, requestId, true);
        r.simulationId = simulationId;
        r.subscription = subscription;
        return r;
    }

    boolean isSubscribe() {
        return message == FeedMessage.SUBSCRIBE;
    }

    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> future() {
        return (CompletableFuture<T>)(CompletableFuture<?>)future;
    }

    void complete(final Object value) {
        if (future != null) {
            future.complete(value);
        }
    }

    void fail(final Throwable cause) {
        if (future != null) {
            future.completeExceptionally(cause);
        }
    }
}
