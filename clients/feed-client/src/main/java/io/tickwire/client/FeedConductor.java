package io.tickwire.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickwire.codec.FeedMessage;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.SimulationListDecoder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static io.tickwire.client.FeedClient.CLOSE_ABNORMAL;
import static io.tickwire.client.FeedClient.CLOSE_INVALID_PAYLOAD;
import static io.tickwire.client.FeedClient.CLOSE_NORMAL;
import static io.tickwire.client.FeedClient.CLOSE_PROTOCOL_ERROR;
import static io.tickwire.client.FeedClient.CLOSE_TOO_BIG;
import static io.tickwire.client.FeedClient.CLOSE_UNSUPPORTED;

/**
 * The client's event-loop state and what changes it: requests and their futures (matched to answers by requestId),
 * the connection's life (connect, reconnect with backoff, resume, give up), heartbeat supervision, and the decoded
 * frames (from the {@link FeedAdapter}) turned into {@link FeedListener} calls, through the {@link SequenceTracker}.
 * Requests go out through the {@link FeedProxy}.
 * <pre>
 *   FeedClient (any thread) ─ execute ─► FeedConductor ─► FeedProxy ─► channel
 *   channel ─► FeedChannelHandler ─► FeedAdapter ─► FeedConductor ─► SequenceTracker, FeedListener, futures
 * </pre>
 * <b>Confined to the client's single event-loop thread</b> (one of its own), but for the methods said to be for any
 * thread ({@link #submit}, {@link #awaitFinished}, {@link #close}) and the volatile fields they read.
 */
final class FeedConductor implements FeedAdapter.Handler {
    private static final long CLOSE_WAIT_MS = 2_000;

    private final FeedClient.Context ctx;
    private final FeedListener listener;
    private final URI firstUri;
    private final URI resumeUri;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final AtomicLong requestIds = new AtomicLong();

    // Event-loop confined.
    private final Long2ObjectHashMap<FeedRequest> pending = new Long2ObjectHashMap<>();
    private final SequenceTracker tracker;
    private final FeedAdapter adapter = new FeedAdapter(this);
    private final FeedProxy proxy = new FeedProxy();
    private final List<CompletableFuture<Void>> whenFinished = new ArrayList<>();
    private FeedChannelHandler connection;
    private ScheduledFuture<?> supervisor;
    private long lastReadNs;
    private long lastPingNs;
    private int failedAttempts; // consecutive connects or handshakes that failed
    private int quickLosses;    // consecutive connections lost sooner than the longest backoff after they began
    private long connectedAtNs;
    private boolean finished;

    private volatile Channel channel;
    private volatile boolean closed; // no more connections: close() was called or the client gave up
    private volatile long reconnects;

    FeedConductor(final FeedClient.Context ctx, final FeedListener listener) {
        this.ctx = ctx;
        this.listener = listener;
        this.firstUri = ctx.uri();
        this.resumeUri = FeedClient.withoutAutoSubscribe(firstUri);
        this.tracker = new SequenceTracker(FeedClient.autoSubscription(firstUri));
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

    // ---- lifecycle (caller's thread) -----------------------------------------------------------------------------

    /**
     * Make the first connection and complete its handshake, then start supervising; on failure the event loop is
     * released and the client is closed.
     */
    void connectFirst() throws IOException {
        boolean connected = false;
        try {
            connect();
            connected = true;
        } finally {
            if (!connected) {
                closed = true;
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private void connect() throws IOException {
        final FeedChannelHandler c = new FeedChannelHandler(this, firstUri, true, ctx.maxFrameBytes(), ctx.token());
        final long timeoutMs = ctx.connectTimeoutMs();
        final Channel ch;
        final boolean answered;
        try {
            ch = bootstrap.clone().handler(c.initializer()).connect(firstUri.getHost(), port(firstUri)).sync()
                .channel();
            answered = c.handshake().await(timeoutMs, TimeUnit.MILLISECONDS);
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
        if (!c.handshake().isSuccess()) {
            final Throwable cause = c.handshake().cause();
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

    /**
     * Send a normal close, wait (bounded) for the server's, then release the event loop; no reconnect follows. On
     * the event loop (a listener callback) it only starts the close, since waiting there would wait on itself.
     */
    void close() {
        closed = true;
        final Channel ch = channel;
        try {
            loop.execute(() -> {
                if (supervisor != null) {
                    supervisor.cancel(false);
                }
                if (connection != null && connection.channel().isActive()) {
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

    /** Wait until the client is done: closed, refused, or out of reconnect attempts. Any thread. */
    boolean awaitFinished(final long timeout, final TimeUnit unit) throws InterruptedException {
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
        } catch (final ExecutionException | TimeoutException ex) {
            return false;
        }
    }

    // ---- requests (any thread) -----------------------------------------------------------------------------------

    /** A request of the caller's with a fresh requestId, to {@link #submit}. */
    FeedRequest newRequest(final FeedMessage message) {
        return FeedRequest.of(message, requestIds.incrementAndGet());
    }

    /** Send {@code r} on the event loop, now or once the connection is back; fail it if the client is closed. */
    void submit(final FeedRequest r) {
        if (closed) {
            r.fail(new IOException("client closed"));
            return;
        }
        try {
            loop.execute(() -> {
                if (finished) {
                    r.fail(new IOException("client closed"));
                    return;
                }
                pending.put(r.requestId, r);
                if (r.message == FeedMessage.UNSUBSCRIBE) {
                    tracker.leaving(r.simulationId);
                }
                if (connection != null && connection.isOpen()) {
                    proxy.send(connection.channel(), r);
                }
                // else: sent when the connection is back.
            });
        } catch (final RejectedExecutionException ex) {
            r.fail(new IOException("client closed")); // too late: the client has shut down
        }
    }

    /** Close the current connection without a close frame, as a network fault would. Any thread. */
    void dropConnection() {
        final Channel ch = channel;
        if (ch != null) {
            ch.close(); // Netty runs it on the channel's (this client's) event loop
        }
    }

    // ---- state readable from any thread ----------------------------------------------------------------------------

    URI uri() {
        return firstUri;
    }

    SequenceTracker tracker() {
        return tracker;
    }

    long reconnects() {
        return reconnects;
    }

    boolean isOpen() {
        final Channel ch = channel;
        return ch != null && ch.isActive();
    }

    // ---- the connection's life (event loop) ------------------------------------------------------------------------

    void onConnected(final FeedChannelHandler c) {
        if (closed && !c.first()) {
            c.channel().close(); // closed while this reconnect was under way
            return;
        }
        connection = c;
        channel = c.channel();
        lastReadNs = System.nanoTime();
        connectedAtNs = lastReadNs;
        lastPingNs = lastReadNs;
        if (!c.first()) {
            failedAttempts = 0;
            reconnects++;
            listener.onReconnect();
            resume();
        }
    }

    /** Re-send every live subscription from its last delivered tick + 1, and every request still unanswered. */
    private void resume() {
        final List<FeedRequest> unanswered = new ArrayList<>(pending.values());
        unanswered.sort((a, b) -> Long.compare(a.requestId, b.requestId));
        final Channel ch = connection.channel();
        for (final SequenceTracker.State s : tracker.states()) {
            if (s.leaving || hasPendingSubscribe(unanswered, s.simulationId)) {
                continue;
            }
            final FeedRequest r = FeedRequest.resume(requestIds.incrementAndGet(), s.simulationId,
                s.options.simulationId(s.simulationId).fromSequence(s.resumeSequence()));
            pending.put(r.requestId, r);
            proxy.send(ch, r);
        }
        for (final FeedRequest r : unanswered) {
            if (r.isSubscribe()) {
                final long last = tracker.lastDelivered(r.simulationId);
                if (last >= 0 && r.subscription.fromSequence() <= last) {
                    // Asked before the loss for ticks delivered since: resume rather than repeat them.
                    r.subscription = r.subscription.fromSequence(last + 1);
                    r.resume = true;
                }
            }
            proxy.send(ch, r);
        }
    }

    private static boolean hasPendingSubscribe(final List<FeedRequest> requests, final long simulationId) {
        for (final FeedRequest r : requests) {
            if (r.isSubscribe() && r.simulationId == simulationId) {
                return true;
            }
        }
        return false;
    }

    /** The connection closed before its handshake completed. */
    void onHandshakeLost(final FeedChannelHandler c) {
        if (!c.first()) {
            scheduleReconnect();
        }
    }

    void onConnectionLost(final FeedChannelHandler c, final int status, final String reason) {
        if (c != connection) {
            return;
        }
        connection = null;
        channel = null;
        tracker.onDisconnect();
        if (closed || !ctx.reconnect() || !reconnectable(status)) {
            finish(status, reason);
            return;
        }
        // A lost connection has ended its subscriptions: an Unsubscribe in flight is done.
        final List<FeedRequest> done = new ArrayList<>();
        for (final FeedRequest r : pending.values()) {
            if (r.message == FeedMessage.UNSUBSCRIBE) {
                done.add(r);
            }
        }
        for (final FeedRequest r : done) {
            pending.remove(r.requestId);
            final SequenceTracker.State s = tracker.remove(r.simulationId);
            final long last = s == null ? -1 : s.last;
            listener.onUnsubscribed(r.simulationId, last);
            r.complete(last);
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
        final FeedChannelHandler c = new FeedChannelHandler(this, resumeUri, false, ctx.maxFrameBytes(), ctx.token());
        final ChannelFuture f = bootstrap.clone().handler(c.initializer())
            .connect(resumeUri.getHost(), port(resumeUri));
        f.addListener((ChannelFutureListener)done -> {
            if (!done.isSuccess()) {
                scheduleReconnect();
                return;
            }
            // The handshake follows; the handler reports its outcome. A server that never answers is dropped.
            loop.schedule(() -> {
                if (!c.handshake().isDone()) {
                    c.channel().close();
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
        for (final FeedRequest r : new ArrayList<>(pending.values())) {
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
        final FeedChannelHandler c = connection;
        if (c == null || !c.isOpen()) {
            return;
        }
        final long now = System.nanoTime();
        final long intervalNs = TimeUnit.MILLISECONDS.toNanos(ctx.heartbeatIntervalMs());
        final long idleNs = now - lastReadNs;
        if (idleNs > intervalNs * ctx.heartbeatMisses()) {
            c.dropDead("no frame for " + TimeUnit.NANOSECONDS.toMillis(idleNs) + " ms: connection dead");
        } else if (idleNs >= intervalNs && now - lastPingNs >= intervalNs) {
            lastPingNs = now;
            // A keep-alive: its Pong, like any frame, proves the server alive; no one waits for it.
            proxy.ping(c.channel(), requestIds.incrementAndGet(), now);
        }
    }

    // ---- frames from the server (event loop) -----------------------------------------------------------------------

    /** A binary frame: decoded by the adapter into the calls below. @return why it is refused, or null. */
    String onFrame(final ByteBuf content) {
        lastReadNs = System.nanoTime();
        return adapter.onFrame(content);
    }

    /** A WebSocket ping: the server is alive. */
    void onControlFrame() {
        lastReadNs = System.nanoTime();
    }

    @Override
    public void onTick(final long simulationId, final long sequence, final DirectBuffer message, final int length) {
        final long missing = tracker.onTick(simulationId, sequence);
        if (missing == SequenceTracker.DUPLICATE) {
            return;
        }
        if (missing > 0) {
            listener.onGap(simulationId, sequence - missing, sequence - 1);
        }
        listener.onTick(simulationId, sequence, message, 0, length);
    }

    @Override
    public void onEvent(final long simulationId, final long tick, final DirectBuffer message, final int length) {
        listener.onEvent(simulationId, tick, message, 0, length);
    }

    @Override
    public void onCatalog(final long simulationId, final DirectBuffer message, final int length) {
        tracker.onCatalog(simulationId);
        listener.onCatalog(message, 0, length);
    }

    @Override
    public void onCatalogUpdate(final long simulationId, final DirectBuffer message, final int length) {
        listener.onCatalogUpdate(simulationId, message, 0, length);
    }

    @Override
    public void onHeartbeat(final long simulationId, final long lastSequence) {
        listener.onHeartbeat(simulationId, lastSequence);
    }

    @Override
    public void onGapNotice(final long simulationId, final long fromSequence, final long toSequence) {
        tracker.onGapNotice(simulationId, fromSequence, toSequence);
        listener.onGapNotice(simulationId, fromSequence, toSequence);
    }

    @Override
    public void onSimulationEnd(final long simulationId, final long lastSequence) {
        tracker.remove(simulationId); // ended: nothing to resume
        listener.onEnd(simulationId, lastSequence);
    }

    @Override
    public void onSubscribed(final long requestId, final long simulationId, final long firstSequence,
                             final long lastSequence, final ConflationPolicy policy) {
        final FeedRequest r = pending.remove(requestId);
        tracker.onSubscribed(simulationId, r == null ? null : r.subscription, r != null && r.resume);
        listener.onSubscribed(requestId, simulationId, firstSequence, lastSequence);
        if (r != null) { // a resume of the client's own has no future: no-op
            r.complete(new FeedAnswers.Subscribed(requestId, simulationId, firstSequence, lastSequence, policy));
        }
    }

    @Override
    public void onUnsubscribed(final long requestId, final long simulationId, final long lastSequence) {
        final FeedRequest r = pending.remove(requestId);
        final SequenceTracker.State s = tracker.remove(simulationId);
        final long last = s == null ? lastSequence : s.last;
        listener.onUnsubscribed(simulationId, last);
        if (r != null) {
            r.complete(last);
        }
    }

    @Override
    public void onSimulationList(final long requestId, final SimulationListDecoder list) {
        final FeedRequest r = pending.remove(requestId);
        final List<FeedAnswers.SimulationInfo> simulations = new ArrayList<>();
        for (final SimulationListDecoder.SimulationsDecoder s : list.simulations()) {
            simulations.add(new FeedAnswers.SimulationInfo(s.simulationId(), s.state(), s.lastSequence(),
                s.tickLengthNs(), s.name()));
        }
        if (r != null) {
            r.complete(List.copyOf(simulations));
        }
    }

    @Override
    public void onPong(final long requestId, final long clientTimeNs, final long serverTimeNs) {
        final FeedRequest r = pending.remove(requestId);
        if (r != null && r.message == FeedMessage.PING) {
            r.complete(new FeedAnswers.Pong(requestId, clientTimeNs, serverTimeNs, System.nanoTime()));
        }
    }

    @Override
    public void onError(final long requestId, final int code, final String message) {
        final FeedRequest r = pending.remove(requestId);
        if (r != null && r.resume) {
            // The server cannot resume this subscription (sequence gone, run gone): it ends here.
            tracker.remove(r.simulationId);
        }
        listener.onError(requestId, code, message);
        if (r != null) {
            r.fail(new FeedRequestException(requestId, code, message));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static int port(final URI uri) {
        return uri.getPort() == -1 ? 80 : uri.getPort();
    }

    /** A throwable's message on one line, from the first cause that has one. */
    static String oneLine(final Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        final String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return message.replaceAll("\\s+", " ").trim();
    }
}
