package io.tickwire.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickwire.codec.EventMessages;
import io.tickwire.codec.Schema;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorDecoder;
import io.tickwire.sbe.GapNoticeDecoder;
import io.tickwire.sbe.HeartbeatDecoder;
import io.tickwire.sbe.ListSimulationsEncoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.MessageHeaderEncoder;
import io.tickwire.sbe.PingEncoder;
import io.tickwire.sbe.PongDecoder;
import io.tickwire.sbe.SimulationEndDecoder;
import io.tickwire.sbe.SimulationListDecoder;
import io.tickwire.sbe.SubscribeEncoder;
import io.tickwire.sbe.SubscribedDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import io.tickwire.sbe.UnsubscribeEncoder;
import io.tickwire.sbe.UnsubscribedDecoder;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A client of Tickwire's binary WebSocket feed ({@code ws://host:port/feed}, protocol in {@code docs/feed.md}): one
 * connection at a time, one event-loop thread of its own, one SBE message per binary frame, any number of
 * simulations multiplexed on it.
 * <pre>
 *  socket ─► HTTP codec (handshake) ─► WebSocket decoder ─► frame aggregator ─► Connection ─► FeedListener
 *                                                        decode in place; per subscription: order, gaps,
 *                                                        duplicates; requests ↔ answers by requestId
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

    private static final long CLOSE_WAIT_MS = 2_000;
    /** Auto-subscribe parameters of a feed URL; dropped when reconnecting, which resubscribes explicitly. */
    private static final List<String> AUTO_SUBSCRIBE_PARAMS = List.of("sim", "from", "services", "policy");

    private static final int SUBSCRIBE = 1;
    private static final int RESUME = 2;
    private static final int UNSUBSCRIBE = 3;
    private static final int LIST = 4;
    private static final int PING = 5;
    private static final int KEEPALIVE = 6;

    private final Context ctx;
    private final FeedListener listener;
    private final URI firstUri;
    private final URI resumeUri;
    private final Subscription autoSubscription;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final AtomicLong requestIds = new AtomicLong();

    // Event-loop confined.
    private final Long2ObjectHashMap<Sub> subs = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Request> pending = new Long2ObjectHashMap<>();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final CatalogDecoder catalog = new CatalogDecoder();
    private final TickSummaryDecoder tick = new TickSummaryDecoder();
    private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
    private final SimulationEndDecoder end = new SimulationEndDecoder();
    private final GapNoticeDecoder gapNotice = new GapNoticeDecoder();
    private final SubscribedDecoder subscribed = new SubscribedDecoder();
    private final UnsubscribedDecoder unsubscribed = new UnsubscribedDecoder();
    private final SimulationListDecoder simulationList = new SimulationListDecoder();
    private final PongDecoder pong = new PongDecoder();
    private final ErrorDecoder error = new ErrorDecoder();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final List<CompletableFuture<Void>> whenFinished = new ArrayList<>();
    private byte[] scratch = new byte[4096];
    private Sub lastSub; // the subscription of the last tick: one lookup saved for the common single-sim case
    private Connection connection;
    private ScheduledFuture<?> supervisor;
    private long lastReadNs;
    private long lastPingNs;
    private int failedAttempts; // consecutive connects or handshakes that failed
    private int quickLosses;    // consecutive connections lost sooner than the longest backoff after they began
    private long connectedAtNs;
    private boolean finished;

    private volatile Channel channel;
    private volatile boolean closed; // no more connections: close() was called or the client gave up
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private volatile long gaps;
    private volatile long missedTicks;
    private volatile long conflatedGaps;
    private volatile long conflatedTicks;
    private volatile long duplicatesDropped;
    private volatile long ticksReceived;
    private volatile long lastTick = -1;
    private volatile long reconnects;

    private FeedClient(final Context ctx, final FeedListener listener) {
        this.ctx = ctx;
        this.listener = listener;
        this.firstUri = ctx.uri();
        this.resumeUri = withoutAutoSubscribe(firstUri);
        this.autoSubscription = autoSubscription(firstUri);
        this.group = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("tw-feed-client", true), NioIoHandler.newFactory());
        this.loop = group.next();
        this.bootstrap = new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)Math.min(Integer.MAX_VALUE, ctx.connectTimeoutMs()));
        if (ctx.receiveBufferBytes() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, ctx.receiveBufferBytes());
        }
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
        final FeedClient client = new FeedClient(ctx, listener);
        boolean connected = false;
        try {
            client.connectFirst();
            connected = true;
            return client;
        } finally {
            if (!connected) {
                client.closed = true;
                client.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private void connectFirst() throws IOException {
        final Connection c = new Connection(firstUri, true);
        final long timeoutMs = ctx.connectTimeoutMs();
        final Channel ch;
        final boolean answered;
        try {
            ch = bootstrap.clone().handler(c.initializer()).connect(firstUri.getHost(), port(firstUri)).sync()
                .channel();
            answered = c.handshake.await(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("cannot connect to " + firstUri + ": interrupted", ex);
        } catch (final Exception ex) {
            // Netty rethrows checked connect failures (ConnectException) from sync() undeclared.
            throw new IOException("cannot connect to " + firstUri + ": " + oneLine(ex), ex);
        }
        if (!answered) {
            ch.close();
            throw new IOException("cannot connect to " + firstUri + ": no handshake response in " + timeoutMs + " ms");
        }
        if (!c.handshake.isSuccess()) {
            final Throwable cause = c.handshake.cause();
            ch.close();
            throw new IOException("cannot connect to " + firstUri + ": " + oneLine(cause), cause);
        }
        // onConnected ran on the event loop when the handshake completed; start supervising.
        loop.execute(() -> {
            if (!closed && ctx.heartbeatIntervalMs() > 0) {
                supervisor = loop.scheduleAtFixedRate(this::supervise, ctx.heartbeatIntervalMs(),
                    Math.max(1, ctx.heartbeatIntervalMs() / 4), TimeUnit.MILLISECONDS);
            }
        });
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
        final Request r = new Request(SUBSCRIBE, requestIds.incrementAndGet());
        r.subscription = subscription;
        r.simulationId = subscription.simulationId();
        submit(r);
        return r.future();
    }

    /** Send an {@code Unsubscribe}; completes with the last tick delivered of it (-1 none). */
    public CompletableFuture<Long> unsubscribe(final long simulationId) {
        final Request r = new Request(UNSUBSCRIBE, requestIds.incrementAndGet());
        r.simulationId = simulationId;
        submit(r);
        return r.future();
    }

    /** Ask for the server's simulations. */
    public CompletableFuture<List<FeedAnswers.SimulationInfo>> listSimulations() {
        final Request r = new Request(LIST, requestIds.incrementAndGet());
        submit(r);
        return r.future();
    }

    /** Send a {@code Ping}; completes with the {@code Pong}. */
    public CompletableFuture<FeedAnswers.Pong> ping() {
        final Request r = new Request(PING, requestIds.incrementAndGet());
        r.clientTimeNs = System.nanoTime();
        submit(r);
        return r.future();
    }

    /**
     * Drop the current connection at once, without a close frame, as a network fault would (for chaos tests and
     * drills). The client then reconnects and resumes like after any lost connection.
     */
    public void dropConnection() {
        final Channel ch = channel;
        if (ch != null) {
            ch.close(); // Netty runs it on the channel's (this client's) event loop
        }
    }

    private void submit(final Request r) {
        if (closed) {
            r.fail(new IOException("client closed"));
            return;
        }
        execute(r, () -> {
            if (finished) {
                r.fail(new IOException("client closed"));
                return;
            }
            pending.put(r.requestId, r);
            if (r.kind == UNSUBSCRIBE) {
                final Sub sub = subs.get(r.simulationId);
                if (sub != null) {
                    sub.leaving = true;
                }
            }
            if (connection != null && connection.open) {
                send(r);
            }
            // else: sent when the connection is back.
        });
    }

    /** Run on the event loop; a request that comes too late for it (the client shut down) fails instead. */
    private void execute(final Request r, final Runnable task) {
        try {
            loop.execute(task);
        } catch (final RejectedExecutionException ex) {
            r.fail(new IOException("client closed"));
        }
    }

    // ---- state readable from any thread -----------------------------------------------------------------------

    public URI uri() {
        return firstUri;
    }

    /** Unannounced breaks in a subscription's tick sequence (no GapNotice before them). */
    public long gaps() {
        return gaps;
    }

    /** Ticks missing from those unannounced breaks. */
    public long missedTicks() {
        return missedTicks;
    }

    /** GapNotices received: skips the server announced after conflating ticks for this slow reader. */
    public long conflatedGaps() {
        return conflatedGaps;
    }

    /** Ticks skipped by those announced gaps. */
    public long conflatedTicks() {
        return conflatedTicks;
    }

    /** Ticks at or below a subscription's last delivered one, dropped (seen after a resume). */
    public long duplicatesDropped() {
        return duplicatesDropped;
    }

    /** Ticks delivered to the listener. */
    public long ticksReceived() {
        return ticksReceived;
    }

    /** The last tick delivered, of any subscription, or -1. */
    public long lastSequence() {
        return lastTick;
    }

    /** Connections re-established after a loss. */
    public long reconnects() {
        return reconnects;
    }

    /** True while a connection is up (false while reconnecting and after close). */
    public boolean isOpen() {
        final Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /** Wait until the client is done: closed, refused, or out of reconnect attempts. */
    public boolean awaitClosed(final long timeout, final TimeUnit unit) throws InterruptedException {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (finished) {
                    done.complete(null);
                } else {
                    whenFinished.add(done);
                }
            });
        } catch (final RejectedExecutionException ex) {
            return true; // the event loop is gone: so is the client
        }
        try {
            done.get(timeout, unit);
            return true;
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
            return false;
        }
    }

    /**
     * Send a normal close, wait (bounded) for the server's, then release the event loop. Idempotent; no reconnect
     * follows. From a {@link FeedListener} callback it only starts the close, since waiting there would wait on
     * itself.
     */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        final Channel ch = channel;
        try {
            loop.execute(() -> {
                if (supervisor != null) {
                    supervisor.cancel(false);
                }
                if (connection != null && connection.ch.isActive()) {
                    connection.sendClose(CLOSE_NORMAL, "client closing", false);
                } else {
                    finish(CLOSE_NORMAL, "client closed");
                }
            });
        } catch (final RejectedExecutionException ex) {
            return; // already shut down
        }
        if (loop.inEventLoop()) {
            group.shutdownGracefully(0, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
            return;
        }
        if (ch != null) {
            ch.closeFuture().awaitUninterruptibly(CLOSE_WAIT_MS);
            ch.close().awaitUninterruptibly(CLOSE_WAIT_MS);
        }
        group.shutdownGracefully(0, CLOSE_WAIT_MS, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_WAIT_MS * 2);
    }

    // ---- connection lifecycle (event loop) --------------------------------------------------------------------

    private void onConnected(final Connection c) {
        if (closed && !c.first) {
            c.ch.close(); // closed while this reconnect was under way
            return;
        }
        connection = c;
        channel = c.ch;
        lastReadNs = System.nanoTime();
        connectedAtNs = lastReadNs;
        lastPingNs = lastReadNs;
        if (!c.first) {
            failedAttempts = 0;
            reconnects++;
            listener.onReconnect();
            resume();
        }
    }

    /** Re-send every live subscription from its last delivered tick + 1, and every request still unanswered. */
    private void resume() {
        final List<Request> unanswered = new ArrayList<>(pending.values());
        unanswered.sort((a, b) -> Long.compare(a.requestId, b.requestId));
        for (final Sub sub : subs.values()) {
            if (sub.leaving || hasPendingSubscribe(unanswered, sub.simulationId)) {
                continue;
            }
            final Request r = new Request(RESUME, requestIds.incrementAndGet());
            r.simulationId = sub.simulationId;
            r.subscription = sub.options.simulationId(sub.simulationId)
                .fromSequence(sub.last >= 0 ? sub.last + 1 : sub.options.fromSequence());
            pending.put(r.requestId, r);
            send(r);
        }
        for (final Request r : unanswered) {
            if (r.kind == SUBSCRIBE || r.kind == RESUME) {
                final Sub sub = subs.get(r.simulationId);
                if (sub != null && sub.last >= 0 && r.subscription.fromSequence() <= sub.last) {
                    // Asked before the loss for ticks delivered since: resume rather than repeat them.
                    r.subscription = r.subscription.fromSequence(sub.last + 1);
                    r.kind = RESUME;
                }
            }
            send(r);
        }
    }

    private static boolean hasPendingSubscribe(final List<Request> requests, final long simulationId) {
        for (final Request r : requests) {
            if ((r.kind == SUBSCRIBE || r.kind == RESUME) && r.simulationId == simulationId) {
                return true;
            }
        }
        return false;
    }

    private void onConnectionLost(final Connection c, final int status, final String reason) {
        if (c != connection) {
            return;
        }
        connection = null;
        channel = null;
        lastSub = null;
        if (closed || !ctx.reconnect() || !reconnectable(status)) {
            finish(status, reason);
            return;
        }
        // A lost connection has ended its subscriptions: an Unsubscribe in flight is done.
        final List<Request> done = new ArrayList<>();
        for (final Request r : pending.values()) {
            if (r.kind == UNSUBSCRIBE || r.kind == KEEPALIVE) {
                done.add(r);
            }
        }
        for (final Request r : done) {
            pending.remove(r.requestId);
            if (r.kind == UNSUBSCRIBE) {
                final Sub sub = subs.remove(r.simulationId);
                final long last = sub == null ? -1 : sub.last;
                listener.onUnsubscribed(r.simulationId, last);
                r.complete(last);
            }
        }
        // A server that accepts and drops at once must not be hammered: short-lived connections back off too.
        final boolean quick = System.nanoTime() - connectedAtNs < TimeUnit.MILLISECONDS.toNanos(
            ctx.reconnectBackoffMaxMs());
        quickLosses = quick ? quickLosses + 1 : 0;
        listener.onDisconnect(status, reason);
        scheduleReconnect();
    }

    private static boolean reconnectable(final int status) {
        // Refusals of what this client sent would only repeat.
        return status != CLOSE_PROTOCOL_ERROR && status != CLOSE_UNSUPPORTED && status != CLOSE_INVALID_PAYLOAD
            && status != CLOSE_TOO_BIG;
    }

    private void scheduleReconnect() {
        if (closed) {
            finish(CLOSE_NORMAL, "client closed");
            return;
        }
        if (failedAttempts >= ctx.reconnectAttempts()) {
            finish(CLOSE_ABNORMAL, "gave up after " + failedAttempts + " reconnect attempts");
            return;
        }
        final int level = failedAttempts + quickLosses; // 0: the first retry after a healthy connection, at once
        final long delayMs = level <= 0 ? 0
            : Math.min(ctx.reconnectBackoffMaxMs(), ctx.reconnectBackoffMinMs() << Math.min(20, level - 1));
        failedAttempts++;
        loop.schedule(this::reconnect, delayMs, TimeUnit.MILLISECONDS);
    }

    private void reconnect() {
        if (closed) {
            finish(CLOSE_NORMAL, "client closed");
            return;
        }
        final Connection c = new Connection(resumeUri, false);
        final ChannelFuture f = bootstrap.clone().handler(c.initializer())
            .connect(resumeUri.getHost(), port(resumeUri));
        f.addListener((ChannelFutureListener)done -> {
            if (!done.isSuccess()) {
                scheduleReconnect();
                return;
            }
            // The handshake follows; Connection reports its outcome. A server that never answers is dropped.
            loop.schedule(() -> {
                if (!c.handshake.isDone()) {
                    c.ch.close();
                }
            }, ctx.connectTimeoutMs(), TimeUnit.MILLISECONDS);
        });
    }

    /** Done for good: fail what is unanswered, tell the listener once. */
    private void finish(final int status, final String reason) {
        if (finished) {
            return;
        }
        finished = true;
        closed = true;
        if (supervisor != null) {
            supervisor.cancel(false);
        }
        final IOException gone = new IOException("connection closed: " + status + " " + reason);
        for (final Request r : new ArrayList<>(pending.values())) {
            r.fail(gone);
        }
        pending.clear();
        listener.onClose(status, reason);
        for (final CompletableFuture<Void> f : whenFinished) {
            f.complete(null);
        }
        whenFinished.clear();
    }

    /** Runs every heartbeat interval / 4: ping an idle server, drop a silent one. */
    private void supervise() {
        final Connection c = connection;
        if (c == null || !c.open) {
            return;
        }
        final long now = System.nanoTime();
        final long intervalNs = TimeUnit.MILLISECONDS.toNanos(ctx.heartbeatIntervalMs());
        final long idleNs = now - lastReadNs;
        if (idleNs > intervalNs * ctx.heartbeatMisses()) {
            c.closeStatus = CLOSE_ABNORMAL;
            c.closeReason = "no frame for " + TimeUnit.NANOSECONDS.toMillis(idleNs) + " ms: connection dead";
            c.ch.close();
        } else if (idleNs >= intervalNs && now - lastPingNs >= intervalNs) {
            lastPingNs = now;
            final Request r = new Request(KEEPALIVE, requestIds.incrementAndGet());
            r.clientTimeNs = now;
            pending.put(r.requestId, r);
            send(r);
        }
    }

    // ---- sending (event loop) --------------------------------------------------------------------------------

    private void send(final Request r) {
        final Connection c = connection;
        if (c == null || !c.open) {
            return;
        }
        final MessageHeaderEncoder h = new MessageHeaderEncoder();
        final UnsafeBuffer out;
        final int length;
        switch (r.kind) {
            case SUBSCRIBE, RESUME -> {
                final byte[] services = r.subscription.services().getBytes(StandardCharsets.UTF_8);
                out = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + SubscribeEncoder.BLOCK_LENGTH
                    + SubscribeEncoder.servicesHeaderLength() + services.length]);
                final SubscribeEncoder e = new SubscribeEncoder().wrapAndApplyHeader(out, 0, h)
                    .requestId(r.requestId)
                    .simulationId(r.subscription.simulationId())
                    .fromSequence(r.subscription.fromSequence())
                    .policy(r.subscription.policy());
                e.putServices(services, 0, services.length);
                length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
            }
            case UNSUBSCRIBE -> {
                out = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + UnsubscribeEncoder.BLOCK_LENGTH]);
                new UnsubscribeEncoder().wrapAndApplyHeader(out, 0, h).requestId(r.requestId)
                    .simulationId(r.simulationId);
                length = out.capacity();
            }
            case LIST -> {
                out = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH
                    + ListSimulationsEncoder.BLOCK_LENGTH]);
                new ListSimulationsEncoder().wrapAndApplyHeader(out, 0, h).requestId(r.requestId);
                length = out.capacity();
            }
            default -> {
                out = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH + PingEncoder.BLOCK_LENGTH]);
                new PingEncoder().wrapAndApplyHeader(out, 0, h).requestId(r.requestId).clientTimeNs(r.clientTimeNs);
                length = out.capacity();
            }
        }
        c.ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(out.byteArray(), 0, length)));
    }

    // ---- receiving (event loop) ------------------------------------------------------------------------------

    private void onBinary(final Connection c, final ByteBuf content) {
        lastReadNs = System.nanoTime();
        final int length = content.readableBytes();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            c.refuse("frame of " + length + " bytes is shorter than the SBE header");
            return;
        }
        wrap(content, length);
        header.wrap(view, 0);
        if (header.schemaId() != Schema.ID) {
            c.refuse("wrong schema id " + header.schemaId() + " (expected " + Schema.ID + ")");
            return;
        }
        final int templateId = header.templateId();
        final int blockLength = header.blockLength();
        final int version = header.version();
        if (MessageHeaderDecoder.ENCODED_LENGTH + blockLength > length) {
            c.refuse("truncated frame: template " + templateId + " block of " + blockLength + " bytes in a frame of "
                + length);
            return;
        }
        final int body = MessageHeaderDecoder.ENCODED_LENGTH;
        try {
            switch (templateId) {
                case TickSummaryDecoder.TEMPLATE_ID -> {
                    tick.wrap(view, body, blockLength, version);
                    onTick(tick.simulationId(), tick.tick(), length);
                }
                case HeartbeatDecoder.TEMPLATE_ID -> {
                    heartbeat.wrap(view, body, blockLength, version);
                    listener.onHeartbeat(heartbeat.simulationId(), heartbeat.lastSequence());
                }
                case GapNoticeDecoder.TEMPLATE_ID -> {
                    gapNotice.wrap(view, body, blockLength, version);
                    onGapNotice(gapNotice.simulationId(), gapNotice.fromSequence(), gapNotice.toSequence());
                }
                case CatalogDecoder.TEMPLATE_ID -> {
                    catalog.wrap(view, body, blockLength, version);
                    sub(catalog.simulationId());
                    listener.onCatalog(view, 0, length);
                }
                case SubscribedDecoder.TEMPLATE_ID -> {
                    subscribed.wrap(view, body, blockLength, version);
                    onSubscribed();
                }
                case UnsubscribedDecoder.TEMPLATE_ID -> {
                    unsubscribed.wrap(view, body, blockLength, version);
                    onUnsubscribed();
                }
                case SimulationEndDecoder.TEMPLATE_ID -> {
                    end.wrap(view, body, blockLength, version);
                    final long sim = end.simulationId();
                    final Sub sub = subs.remove(sim); // ended: nothing to resume
                    if (sub == lastSub) {
                        lastSub = null;
                    }
                    listener.onEnd(sim, end.lastSequence());
                }
                case SimulationListDecoder.TEMPLATE_ID -> {
                    simulationList.wrap(view, body, blockLength, version);
                    onSimulationList();
                }
                case PongDecoder.TEMPLATE_ID -> {
                    pong.wrap(view, body, blockLength, version);
                    final Request r = pending.remove(pong.requestId());
                    if (r != null && r.kind == PING) {
                        r.complete(new FeedAnswers.Pong(pong.requestId(), pong.clientTimeNs(), pong.serverTimeNs(),
                            System.nanoTime()));
                    }
                }
                case ErrorDecoder.TEMPLATE_ID -> {
                    error.wrap(view, body, blockLength, version);
                    onError(error.requestId(), error.codeRaw(), error.message());
                }
                default -> {
                    if (EventMessages.isEvent(templateId)) {
                        listener.onEvent(view.getLong(body, java.nio.ByteOrder.LITTLE_ENDIAN),
                            EventMessages.tick(view, 0), view, 0, length);
                    }
                    // Else a template of a newer schema version: skipped, as the schema's evolution rules allow.
                }
            }
        } catch (final IndexOutOfBoundsException ex) {
            // A group or var-data length that points past the frame.
            c.refuse("truncated frame: template " + templateId + " of " + length + " bytes");
        }
    }

    private void onTick(final long simulationId, final long sequence, final int length) {
        Sub sub = lastSub;
        if (sub == null || sub.simulationId != simulationId) {
            sub = sub(simulationId);
            lastSub = sub;
        }
        final long last = sub.last;
        if (last >= 0) {
            if (sequence <= last) {
                duplicatesDropped++;
                return;
            }
            if (sequence != last + 1) {
                if (sub.announcedTo >= 0 && sequence == sub.announcedTo + 1) {
                    sub.announcedTo = -1; // the GapNotice already told of this hole
                } else {
                    gaps++;
                    missedTicks += sequence - last - 1;
                    listener.onGap(simulationId, last + 1, sequence - 1);
                }
            }
        }
        sub.last = sequence;
        lastTick = sequence;
        ticksReceived++;
        listener.onTick(simulationId, sequence, view, 0, length);
    }

    private void onGapNotice(final long simulationId, final long from, final long to) {
        final Sub sub = sub(simulationId);
        sub.announcedTo = to;
        conflatedGaps++;
        conflatedTicks += to - from + 1;
        listener.onGapNotice(simulationId, from, to);
    }

    private void onSubscribed() {
        final long requestId = subscribed.requestId();
        final long sim = subscribed.simulationId();
        final Request r = pending.remove(requestId);
        Sub sub = subs.get(sim);
        if (r != null && r.kind == RESUME && sub != null) {
            sub.leaving = false; // ticks at or below sub.last will be dropped
        } else {
            if (sub == null) {
                sub = new Sub(sim);
                subs.put(sim, sub);
            }
            // A new subscription (or one replaced by the caller): its sequence starts afresh.
            sub.options = (r != null && r.subscription != null ? r.subscription : autoSubscription).simulationId(sim);
            sub.last = -1;
            sub.announcedTo = -1;
            sub.leaving = false;
        }
        lastSub = null;
        final ConflationPolicy policy = subscribed.policy();
        listener.onSubscribed(requestId, sim, subscribed.firstSequence(), subscribed.lastSequence());
        if (r != null) { // a RESUME has no future: no-op
            r.complete(new FeedAnswers.Subscribed(requestId, sim, subscribed.firstSequence(),
                subscribed.lastSequence(), policy));
        }
    }

    private void onUnsubscribed() {
        final long sim = unsubscribed.simulationId();
        final Request r = pending.remove(unsubscribed.requestId());
        final Sub sub = subs.remove(sim);
        if (sub == lastSub) {
            lastSub = null;
        }
        final long last = sub == null ? unsubscribed.lastSequence() : sub.last;
        listener.onUnsubscribed(sim, last);
        if (r != null) {
            r.complete(last);
        }
    }

    private void onSimulationList() {
        final Request r = pending.remove(simulationList.requestId());
        final List<FeedAnswers.SimulationInfo> list = new ArrayList<>();
        for (final SimulationListDecoder.SimulationsDecoder s : simulationList.simulations()) {
            list.add(new FeedAnswers.SimulationInfo(s.simulationId(), s.state(), s.lastSequence(), s.tickLengthNs(),
                s.name()));
        }
        if (r != null) {
            r.complete(List.copyOf(list));
        }
    }

    private void onError(final long requestId, final int code, final String text) {
        final Request r = pending.remove(requestId);
        if (r != null && r.kind == RESUME) {
            // The server cannot resume this subscription (sequence gone, run gone): it ends here.
            final Sub sub = subs.remove(r.simulationId);
            if (sub == lastSub) {
                lastSub = null;
            }
        }
        listener.onError(requestId, code, text);
        if (r != null) {
            r.fail(new FeedRequestException(requestId, code, text));
        }
    }

    /** The subscription of {@code simulationId}, made on first sight (an auto-subscription of an older server). */
    private Sub sub(final long simulationId) {
        Sub sub = subs.get(simulationId);
        if (sub == null) {
            sub = new Sub(simulationId);
            sub.options = autoSubscription.simulationId(simulationId);
            subs.put(simulationId, sub);
        }
        return sub;
    }

    /** Points {@link #view} at the frame's bytes at offset 0: in place when Netty exposes them, else a copy. */
    private void wrap(final ByteBuf content, final int length) {
        if (content.hasMemoryAddress()) {
            view.wrap(content.memoryAddress() + content.readerIndex(), length);
        } else if (content.hasArray()) {
            view.wrap(content.array(), content.arrayOffset() + content.readerIndex(), length);
        } else {
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            content.getBytes(content.readerIndex(), scratch, 0, length);
            view.wrap(scratch, 0, length);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static int port(final URI uri) {
        return uri.getPort() == -1 ? 80 : uri.getPort();
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

    /** {@code uri} without {@code sim}, {@code from}, {@code services}, {@code policy}: it subscribes to nothing. */
    public static URI withoutAutoSubscribe(final URI uri) {
        final QueryStringDecoder query = new QueryStringDecoder(uri);
        final String kept = query.parameters().entrySet().stream()
            .filter(e -> !AUTO_SUBSCRIBE_PARAMS.contains(e.getKey()))
            .flatMap(e -> e.getValue().stream().map(v -> e.getKey() + "=" + v))
            .collect(Collectors.joining("&"));
        try {
            return new URI(uri.getScheme(), uri.getUserInfo(), uri.getHost(), uri.getPort(), uri.getPath(),
                kept.isEmpty() ? null : kept, null);
        } catch (final URISyntaxException ex) {
            throw new IllegalArgumentException("bad URI " + uri + ": " + ex.getMessage(), ex);
        }
    }

    /** What a URL's {@code ?sim=&from=&services=&policy=} subscribes to (used for the subscription it makes). */
    static Subscription autoSubscription(final URI uri) {
        final Map<String, List<String>> p = new QueryStringDecoder(uri).parameters();
        Subscription s = Subscription.to(0);
        try {
            if (p.containsKey("from")) {
                s = s.fromSequence(Long.parseLong(p.get("from").get(0)));
            }
        } catch (final IllegalArgumentException ex) {
            // The server answers a bad value with an Error; nothing to resume then.
        }
        if (p.containsKey("services")) {
            s = s.services(p.get("services").get(0));
        }
        if (p.containsKey("policy") && "disconnect".equalsIgnoreCase(p.get("policy").get(0))) {
            s = s.policy(ConflationPolicy.DISCONNECT);
        }
        return s;
    }

    static String oneLine(final Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        final String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return message.replaceAll("\\s+", " ").trim();
    }

    /** One subscription's delivery state. Event-loop confined. */
    private static final class Sub {
        final long simulationId;
        Subscription options;
        long last = -1;        // last tick delivered
        long announcedTo = -1; // toSequence of the last GapNotice, until the tick after it
        boolean leaving;       // an Unsubscribe is in flight: do not resume

        Sub(final long simulationId) {
            this.simulationId = simulationId;
        }
    }

    /** A request awaiting its answer. Event-loop confined, except the future. */
    private static final class Request {
        int kind;
        final long requestId;
        final CompletableFuture<Object> future;
        Subscription subscription;
        long simulationId;
        long clientTimeNs;

        Request(final int kind, final long requestId) {
            this.kind = kind;
            this.requestId = requestId;
            this.future = kind == KEEPALIVE || kind == RESUME ? null : new CompletableFuture<>();
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

    /**
     * One WebSocket connection: the handshake, control frames, then binary frames into the client. Runs on the
     * client's event loop.
     */
    private final class Connection extends SimpleChannelInboundHandler<Object> {
        final URI uri;
        final boolean first;
        final WebSocketClientHandshaker handshaker;
        ChannelPromise handshake;
        Channel ch;
        ChannelHandlerContext hctx;
        boolean open;
        boolean closeSent;
        int closeStatus = CLOSE_ABNORMAL;
        String closeReason = "connection dropped without a close frame";

        Connection(final URI uri, final boolean first) {
            this.uri = uri;
            this.first = first;
            this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), ctx.maxFrameBytes());
        }

        ChannelInitializer<SocketChannel> initializer() {
            return new ChannelInitializer<>() {
                @Override
                protected void initChannel(final SocketChannel sc) {
                    sc.pipeline().addLast(
                        new HttpClientCodec(),
                        new HttpObjectAggregator(64 * 1024),
                        new WebSocketFrameAggregator(ctx.maxFrameBytes()),
                        Connection.this);
                }
            };
        }

        @Override
        public void handlerAdded(final ChannelHandlerContext c) {
            hctx = c;
            ch = c.channel();
            handshake = c.newPromise();
        }

        @Override
        public void channelActive(final ChannelHandlerContext c) {
            handshaker.handshake(c.channel());
        }

        @Override
        public void channelInactive(final ChannelHandlerContext c) {
            if (!handshake.isDone()) {
                handshake.tryFailure(new IOException("connection closed during the WebSocket handshake"));
                if (!first) {
                    scheduleReconnect();
                }
                return;
            }
            open = false;
            onConnectionLost(this, closeStatus, closeReason);
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext c, final Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    try {
                        handshaker.finishHandshake(c.channel(), response);
                        open = true;
                        handshake.trySuccess();
                        onConnected(this);
                    } catch (final WebSocketHandshakeException ex) {
                        handshake.tryFailure(ex);
                        c.close();
                    }
                }
                return;
            }
            if (closeSent) {
                // Closing: the server's close frame, or frames already in flight, end here.
                if (msg instanceof CloseWebSocketFrame) {
                    c.close();
                }
                return;
            }
            if (msg instanceof BinaryWebSocketFrame frame) {
                onBinary(this, frame.content());
            } else if (msg instanceof PingWebSocketFrame ping) {
                lastReadNs = System.nanoTime();
                c.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                closeStatus = close.statusCode() == -1 ? CLOSE_NORMAL : close.statusCode();
                closeReason = close.reasonText();
                // Echo the close (RFC 6455 §5.5.1), then drop the connection.
                sendClose(closeStatus, "", true);
            }
            // Text frames are an optional JSON extra of the server; this client reads only the binary feed.
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext c, final Throwable cause) {
            if (!handshake.isDone()) {
                handshake.tryFailure(cause);
            } else if (closeStatus == CLOSE_ABNORMAL) {
                closeStatus = CLOSE_INTERNAL_ERROR;
                closeReason = oneLine(cause);
            }
            c.close();
        }

        void refuse(final String reason) {
            closeStatus = CLOSE_PROTOCOL_ERROR;
            closeReason = reason;
            // A close reason is at most 123 bytes (RFC 6455 §5.5).
            sendClose(CLOSE_PROTOCOL_ERROR, reason.length() > 120 ? reason.substring(0, 120) : reason, true);
        }

        /**
         * Send one close frame. An answer, or a refusal, drops the connection once it is written; a normal close
         * that this side starts waits for the server's answer (bounded by {@link FeedClient#close()}).
         */
        void sendClose(final int status, final String reason, final boolean drop) {
            if (closeStatus == CLOSE_ABNORMAL) {
                closeStatus = status;
                closeReason = reason;
            }
            if (closeSent || !ch.isActive()) {
                ch.close();
                return;
            }
            closeSent = true;
            final ChannelFuture written = ch.writeAndFlush(new CloseWebSocketFrame(status, reason));
            if (drop) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
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
        private boolean concluded;

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
