package io.tickwire.client;

import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.FeedQuery;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of Tickwire's binary WebSocket feed ({@code ws://host:port/feed}, protocol in {@code docs/feed.md}): one
 * connection at a time, one event-loop thread of its own, one SBE message per binary frame, any number of
 * simulations multiplexed on it. This is the façade; the work is done by role, as in Aeron's client:
 * <pre>
 *   FeedClient (any thread) ──► FeedConductor: requests and their futures, reconnect and resume, heartbeats
 *                                  │ FeedProxy: requests encoded by encoders held in fields
 *                                  ▼
 *   socket ─► HTTP codec (handshake) ─► WebSocket decoder ─► frame aggregator ─► FeedChannelHandler
 *        ─► FeedAdapter (decode in place) ─► FeedConductor ─► SequenceTracker (order, gaps, duplicates)
 *                                                          ─► FeedListener, futures
 * </pre>
 * <b>Requests</b> ({@link #subscribe(Subscription)}, {@link #unsubscribe}, {@link #listSimulations}, {@link #ping})
 * may be made from any thread; each carries a fresh requestId and returns a future that the answer (or an
 * {@code Error}, as a {@link FeedRequestException}) completes <b>on the event-loop thread</b>.
 * <p>
 * <b>Supervision.</b> Any frame proves the server alive. After {@link Context#heartbeatIntervalMs} without one the
 * client sends a {@code Ping}; after {@link Context#heartbeatMisses} intervals it declares the connection dead and
 * drops it.
 * <p>
 * <b>Reconnect and resume.</b> A connection lost by anything but this client's own {@link #close()} or a protocol
 * refusal is re-established with exponential backoff (the URL's auto-subscribe parameters removed), and every live
 * subscription is re-sent with {@code fromSequence = last delivered + 1}, so the listener sees one stream without a
 * gap or a duplicate: ticks at or below the last delivered one are dropped. Requests in flight are re-sent, except
 * an {@code Unsubscribe}, which a lost connection has done already.
 * <p>
 * <b>Gaps.</b> Within a subscription a tick that does not follow the last one is either announced (a
 * {@code GapNotice} preceded it: the server conflated ticks for this slow reader; {@link #conflatedTicks()}) or not
 * ({@link #gaps()}, {@link #missedTicks()}); the listener hears of both, separately.
 * <p>
 * <b>Threading.</b> All state is confined to the event loop; counters are volatile so that other threads may read
 * them. The path of ticks, heartbeats and gap notices allocates nothing of its own (FeedClientAllocationTest): frames
 * are decoded in place by flyweights held in fields, subscriptions found in a primitive-keyed map. Answers to
 * requests, which are rare, are plain objects.
 */
public final class FeedClient implements AutoCloseable {
    public static final int CLOSE_NORMAL = 1000;
    public static final int CLOSE_GOING_AWAY = 1001;
    public static final int CLOSE_PROTOCOL_ERROR = 1002;
    public static final int CLOSE_UNSUPPORTED = 1003;
    public static final int CLOSE_ABNORMAL = 1006;
    public static final int CLOSE_INVALID_PAYLOAD = 1007;
    public static final int CLOSE_POLICY = 1008;
    public static final int CLOSE_TOO_BIG = 1009;
    public static final int CLOSE_INTERNAL_ERROR = 1011;

    private final FeedConductor conductor;
    private final SequenceTracker tracker;
    private final AtomicBoolean closeCalled = new AtomicBoolean();

    private FeedClient(final FeedConductor conductor) {
        this.conductor = conductor;
        this.tracker = conductor.tracker();
    }

    /** Connect with the default {@link Context}; see {@link #connect(Context, FeedListener)}. */
    public static FeedClient connect(final URI uri, final FeedListener listener) throws IOException {
        return connect(new Context().uri(uri), listener);
    }

    /**
     * Connect and complete the WebSocket handshake; the first connection is made before this returns (later ones
     * by the reconnect logic). With {@code ?sim=} in the URL the server subscribes at once, so the listener may be
     * called before this returns.
     *
     * @throws IOException with a one-line reason when the server cannot be reached or refuses the handshake.
     */
    public static FeedClient connect(final Context ctx, final FeedListener listener) throws IOException {
        ctx.conclude();
        final FeedConductor conductor = new FeedConductor(ctx, listener);
        conductor.connectFirst();
        return new FeedClient(conductor);
    }

    // ---- requests (any thread) -------------------------------------------------------------------------------

    /** Subscribe to the latest tick of {@code simulationId} (0 = the latest simulation), then live. */
    public CompletableFuture<FeedAnswers.Subscribed> subscribe(final long simulationId) {
        return subscribe(Subscription.to(simulationId));
    }

    /** As {@link #subscribe(long)}, from tick {@code fromSequence} (-1 = the latest, then live). */
    public CompletableFuture<FeedAnswers.Subscribed> subscribe(final long simulationId, final long fromSequence) {
        return subscribe(Subscription.to(simulationId).fromSequence(fromSequence));
    }

    /**
     * Send a {@code Subscribe}; the future completes with the server's {@code Subscribed} (the {@code Catalog} and
     * ticks follow, to the listener) or fails with a {@link FeedRequestException}. Subscribing again to a
     * simulation this client follows replaces that subscription (and restarts its sequence checks).
     */
    public CompletableFuture<FeedAnswers.Subscribed> subscribe(final Subscription subscription) {
        final FeedRequest r = conductor.newRequest(FeedMessage.SUBSCRIBE);
        r.subscription = subscription;
        r.simulationId = subscription.simulationId();
        conductor.submit(r);
        return r.future();
    }

    /** Send an {@code Unsubscribe}; completes with the last tick delivered of it (-1 none). */
    public CompletableFuture<Long> unsubscribe(final long simulationId) {
        final FeedRequest r = conductor.newRequest(FeedMessage.UNSUBSCRIBE);
        r.simulationId = simulationId;
        conductor.submit(r);
        return r.future();
    }

    /** Ask for the server's simulations. */
    public CompletableFuture<List<FeedAnswers.SimulationInfo>> listSimulations() {
        final FeedRequest r = conductor.newRequest(FeedMessage.LIST_SIMULATIONS);
        conductor.submit(r);
        return r.future();
    }

    /** Send a {@code Ping}; completes with the {@code Pong}. */
    public CompletableFuture<FeedAnswers.Pong> ping() {
        final FeedRequest r = conductor.newRequest(FeedMessage.PING);
        r.clientTimeNs = System.nanoTime();
        conductor.submit(r);
        return r.future();
    }

    /**
     * Drop the current connection at once, without a close frame, as a network fault would (for chaos tests and
     * drills). The client then reconnects and resumes like after any lost connection.
     */
    public void dropConnection() {
        conductor.dropConnection();
    }

    // ---- state readable from any thread -----------------------------------------------------------------------

    public URI uri() {
        return conductor.uri();
    }

    /** Unannounced breaks in a subscription's tick sequence (no GapNotice before them). */
    public long gaps() {
        return tracker.gaps();
    }

    /** Ticks missing from those unannounced breaks. */
    public long missedTicks() {
        return tracker.missedTicks();
    }

    /** GapNotices received: skips the server announced after conflating ticks for this slow reader. */
    public long conflatedGaps() {
        return tracker.conflatedGaps();
    }

    /** Ticks skipped by those announced gaps. */
    public long conflatedTicks() {
        return tracker.conflatedTicks();
    }

    /** Ticks at or below a subscription's last delivered one, dropped (seen after a resume). */
    public long duplicatesDropped() {
        return tracker.duplicatesDropped();
    }

    /** Ticks delivered to the listener. */
    public long ticksReceived() {
        return tracker.ticksReceived();
    }

    /** The last tick delivered, of any subscription, or -1. */
    public long lastSequence() {
        return tracker.lastSequence();
    }

    /** Connections re-established after a loss. */
    public long reconnects() {
        return conductor.reconnects();
    }

    /** True while a connection is up (false while reconnecting and after close). */
    public boolean isOpen() {
        return conductor.isOpen();
    }

    /** Wait until the client is done: closed, refused, or out of reconnect attempts. */
    public boolean awaitClosed(final long timeout, final TimeUnit unit) throws InterruptedException {
        return conductor.awaitFinished(timeout, unit);
    }

    /**
     * Send a normal close, wait (bounded) for the server's, then release the event loop. Idempotent; no reconnect
     * follows. From a {@link FeedListener} callback it only starts the close, since waiting there would wait on
     * itself.
     */
    @Override
    public void close() {
        if (closeCalled.compareAndSet(false, true)) {
            conductor.close();
        }
    }

    // ---- the URL's subscription ----------------------------------------------------------------------------------

    /** {@code uri} without {@code sim}, {@code from}, {@code services}, {@code policy}: it subscribes to nothing. */
    public static URI withoutAutoSubscribe(final URI uri) {
        final String kept = FeedQuery.withoutSubscription(uri.getRawQuery());
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority()
            + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (kept == null ? "" : "?" + kept));
    }

    /**
     * What a URL's {@code ?sim=&from=&services=&policy=} subscribes to (the options of the subscription it makes).
     * A value the server refuses is left at its default: the server answers it with an Error, nothing to resume.
     */
    static Subscription autoSubscription(final URI uri) {
        final FeedQuery query = FeedQuery.parse(uri.getRawQuery());
        Subscription s = Subscription.to(Subscription.LATEST).services(query.services());
        try {
            s = s.fromSequence(query.fromSequence());
        } catch (final IllegalArgumentException ex) {
            // not a sequence: the default
        }
        try {
            s = s.policy(query.policy());
        } catch (final IllegalArgumentException ex) {
            // neither conflate nor disconnect: the default
        }
        return s;
    }

    static URI normalise(final URI uri) {
        if (!"ws".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a ws:// URI: " + uri + (
                "wss".equalsIgnoreCase(uri.getScheme()) ? " (TLS is not supported yet)" : ""));
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
            return uri;
        }
        try {
            return new URI(uri.getScheme(), uri.getUserInfo(), uri.getHost(), uri.getPort(), "/feed",
                uri.getQuery(), null);
        } catch (final URISyntaxException ex) {
            throw new IllegalArgumentException("bad URI " + uri + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Configuration, with defaults: {@link #conclude()} validates it once, at {@link #connect(Context, FeedListener)}.
     */
    public static final class Context {
        /** Largest frame accepted; a 4096-service tick with histograms fits. */
        public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
        public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
        /** The server's default heartbeat interval. */
        public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
        public static final int DEFAULT_HEARTBEAT_MISSES = 3;
        public static final long DEFAULT_RECONNECT_BACKOFF_MIN_MS = 50;
        public static final long DEFAULT_RECONNECT_BACKOFF_MAX_MS = 5_000;
        public static final int DEFAULT_RECONNECT_ATTEMPTS = 20;

        private URI uri;
        private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
        private int heartbeatMisses = DEFAULT_HEARTBEAT_MISSES;
        private boolean reconnect = true;
        private long reconnectBackoffMinMs = DEFAULT_RECONNECT_BACKOFF_MIN_MS;
        private long reconnectBackoffMaxMs = DEFAULT_RECONNECT_BACKOFF_MAX_MS;
        private int reconnectAttempts = DEFAULT_RECONNECT_ATTEMPTS;
        private int receiveBufferBytes;
        private String token;
        private boolean concluded;

        /**
         * The server's bearer token, sent as {@code Authorization: Bearer <token>} with every handshake (a server bound
         * off loopback requires one). Default none.
         */
        public Context token(final String token) {
            this.token = token;
            return this;
        }

        public String token() {
            return token;
        }

        /** A {@code ws://} URI; an empty path means {@code /feed}. */
        public Context uri(final URI uri) {
            this.uri = uri;
            return this;
        }

        public URI uri() {
            return uri;
        }

        public Context connectTimeoutMs(final long ms) {
            this.connectTimeoutMs = ms;
            return this;
        }

        public long connectTimeoutMs() {
            return connectTimeoutMs;
        }

        public Context maxFrameBytes(final int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        public int maxFrameBytes() {
            return maxFrameBytes;
        }

        /** Silence after which the client pings the server; 0 turns supervision off. */
        public Context heartbeatIntervalMs(final long ms) {
            this.heartbeatIntervalMs = ms;
            return this;
        }

        public long heartbeatIntervalMs() {
            return heartbeatIntervalMs;
        }

        /** Intervals of silence after which the connection is declared dead and dropped. */
        public Context heartbeatMisses(final int k) {
            this.heartbeatMisses = k;
            return this;
        }

        public int heartbeatMisses() {
            return heartbeatMisses;
        }

        /** Reconnect and resume after a lost connection (default true). */
        public Context reconnect(final boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        public boolean reconnect() {
            return reconnect;
        }

        /**
         * The first retry after a connection that lived at least {@code maxMs} is immediate; then min, 2 min, 4 min,
         * ... up to max, as attempts fail or connections keep dropping sooner than {@code maxMs}.
         */
        public Context reconnectBackoffMs(final long minMs, final long maxMs) {
            this.reconnectBackoffMinMs = minMs;
            this.reconnectBackoffMaxMs = maxMs;
            return this;
        }

        public long reconnectBackoffMinMs() {
            return reconnectBackoffMinMs;
        }

        public long reconnectBackoffMaxMs() {
            return reconnectBackoffMaxMs;
        }

        /** Consecutive failed attempts after which the client gives up ({@link FeedListener#onClose}). */
        public Context reconnectAttempts(final int attempts) {
            this.reconnectAttempts = attempts;
            return this;
        }

        public int reconnectAttempts() {
            return reconnectAttempts;
        }

        /** The socket's receive buffer (SO_RCVBUF); 0 leaves the OS default (and its autotuning). */
        public Context receiveBufferBytes(final int bytes) {
            this.receiveBufferBytes = bytes;
            return this;
        }

        public int receiveBufferBytes() {
            return receiveBufferBytes;
        }

        /** Validate and fill in; idempotent. */
        public Context conclude() {
            if (concluded) {
                return this;
            }
            if (uri == null) {
                throw new IllegalArgumentException("uri is required");
            }
            uri = normalise(uri);
            if (connectTimeoutMs <= 0 || maxFrameBytes <= 0 || heartbeatIntervalMs < 0 || heartbeatMisses < 1
                || reconnectBackoffMinMs < 0 || reconnectBackoffMaxMs < reconnectBackoffMinMs
                || reconnectAttempts < 0 || receiveBufferBytes < 0) {
                throw new IllegalArgumentException("bad client context: connectTimeoutMs=" + connectTimeoutMs
                    + " maxFrameBytes=" + maxFrameBytes + " heartbeatIntervalMs=" + heartbeatIntervalMs
                    + " heartbeatMisses=" + heartbeatMisses + " reconnectBackoffMs=" + reconnectBackoffMinMs + ".."
                    + reconnectBackoffMaxMs + " reconnectAttempts=" + reconnectAttempts);
            }
            concluded = true;
            return this;
        }
    }
}
