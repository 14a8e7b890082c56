package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickwire.codec.FeedMessage;
import io.tickwire.codec.FeedQuery;
import io.tickwire.codec.Schema;
import io.tickwire.engine.TickSource;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;
import io.tickwire.sbe.ListSimulationsDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.PingDecoder;
import io.tickwire.sbe.SimulationState;
import io.tickwire.sbe.SubscribeDecoder;
import io.tickwire.sbe.UnsubscribeDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One feed connection, after the upgrade of {@code GET /feed[?sim=ID|latest&from=N&services=a,b&policy=P]}: its
 * subscriptions (at most one per simulation, several simulations multiplexed), its control messages and their
 * answers, its heartbeats and its counters.
 * <p>
 * Client messages (SBE, one per binary frame): {@code Subscribe} → {@code Subscribed}, {@code Catalog}, ticks;
 * {@code Unsubscribe} → {@code Unsubscribed}; {@code ListSimulations} → {@code SimulationList}; {@code Ping} →
 * {@code Pong}. A request that is well formed but cannot be served is answered with an {@code Error} and the
 * connection stays open. Bad input closes the connection with a code and a reason:
 * <pre>
 *   text frame, unknown template                                   1003
 *   wrong schema id, truncated (shorter than header + block/data)  1002
 *   a field value the schema does not have, services not UTF-8    1007
 *   more than maxControlMessagesPerSecond messages in a second     1008
 *   a message larger than maxFramePayloadBytes (protocol handler)  1009
 * </pre>
 * Not sharable; all state is confined to the event loop. The counters are volatile, for {@code GET /connections}.
 */
final class FeedFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FeedFrameHandler.class);
    private static final long RATE_WINDOW_NS = TimeUnit.SECONDS.toNanos(1);

    private final FeedRuntime runtime;
    private final FeedServer.Context config;
    private final UnsafeBuffer inbound = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SubscribeDecoder subscribe = new SubscribeDecoder();
    private final UnsubscribeDecoder unsubscribe = new UnsubscribeDecoder();
    private final ListSimulationsDecoder listSimulations = new ListSimulationsDecoder();
    private final PingDecoder ping = new PingDecoder();
    private final FeedMessages messages = new FeedMessages();
    private final Map<Long, FeedSubscription> subscriptions = new LinkedHashMap<>();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> heartbeats;
    private boolean closing;
    private long rateWindowStart;
    private int rateWindowCount;

    // For GET /connections: written on the event loop only.
    private volatile long framesSent;
    private volatile long endedTicksConflated; // of the subscriptions this connection no longer has
    private volatile String remoteAddress = "";
    private volatile List<SubscriptionView> subscriptionViews = List.of();

    FeedFrameHandler(final FeedRuntime runtime) {
        this.runtime = runtime;
        this.config = runtime.ctx();
    }

    /** What {@code GET /connections} shows of a subscription. */
    record SubscriptionView(long simulationId, String policy, String services, FeedSubscription subscription) {
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
            if (ctx.pipeline().get(FeedServerInitializer.API_HANDLER) != null) {
                ctx.pipeline().remove(FeedServerInitializer.API_HANDLER);
            }
            onOpen(ctx, handshake.requestUri());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (closing) {
                return;
            }
            if (frame instanceof BinaryWebSocketFrame) {
                if (!ctx.channel().isWritable() && bytesQueued() > 2L * config.writeBufferHighWaterMark()) {
                    // It asks but does not read its answers (or ticks): do not queue more for it.
                    close(WebSocketCloseStatus.POLICY_VIOLATION, "not reading: more than "
                        + 2L * config.writeBufferHighWaterMark() + " bytes queued");
                    return;
                }
                if (overRate()) {
                    close(WebSocketCloseStatus.POLICY_VIOLATION, "more than " + config.maxControlMessagesPerSecond()
                        + " control messages in one second");
                    return;
                }
                onBinary(frame.content());
                ctx.flush();
            } else if (frame instanceof TextWebSocketFrame) {
                close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "text frames are not accepted: the feed speaks SBE");
            } else {
                close(WebSocketCloseStatus.PROTOCOL_ERROR, "unexpected " + frame.getClass().getSimpleName());
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            for (final FeedSubscription s : List.copyOf(subscriptions.values())) {
                s.pump();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        leaveAll();
        runtime.connections().remove(this);
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // A fragmented message grew past the limit while being aggregated.
            this.ctx = ctx;
            close(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message larger than the frame limit");
        } else if (cause instanceof ClosedChannelException) {
            LOG.debug("feed {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            LOG.debug("feed {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    // ---- counters, for GET /connections (any thread) ----

    String remoteAddress() {
        return remoteAddress;
    }

    long framesSent() {
        return framesSent;
    }

    /** Ticks skipped by conflation on this connection, including those its subscriptions are skipping now. */
    long ticksConflated() {
        long n = endedTicksConflated;
        for (final SubscriptionView v : subscriptionViews) {
            n += v.subscription().ticksConflated();
        }
        return n;
    }

    List<SubscriptionView> subscriptionViews() {
        return subscriptionViews;
    }

    /** Bytes written to the channel and not yet taken by the socket. */
    long bytesQueued() {
        final ChannelHandlerContext c = ctx;
        if (c == null || c.channel().unsafe().outboundBuffer() == null) {
            return 0;
        }
        return c.channel().unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    // ---- for FeedSubscription (event loop) ----

    void countFrames(final int n) {
        framesSent = framesSent + n;
    }

    /** The encoders of this connection's control messages. */
    FeedMessages messages() {
        return messages;
    }

    /** Write one control message (not flushed). */
    void send(final ByteBuf message) {
        ctx.write(new BinaryWebSocketFrame(message), ctx.voidPromise());
        countFrames(1);
    }

    /** The run ended and {@code SimulationEnd} was sent: the subscription is over. */
    void subscriptionEnded(final FeedSubscription subscription) {
        if (subscriptions.remove(subscription.simulationId(), subscription)) {
            drop(subscription);
            publishViews();
        }
    }

    /** The subscription cannot go on: an {@code Error} (request 0) and it is over; the connection stays. */
    void subscriptionFailed(final FeedSubscription subscription, final ErrorCode code, final String message) {
        subscriptionEnded(subscription);
        sendError(0, code, message);
        ctx.flush();
    }

    /** A DISCONNECT subscription could not keep up: close the connection, 1008. */
    void closeSlowReader(final FeedSubscription subscription) {
        subscription.broadcaster.countSlowReaderDisconnect();
        final String reason = "slow reader: simulation " + subscription.simulationId() + " more than "
            + config.writeBufferHighWaterMark() + " bytes behind";
        LOG.info("feed {}: disconnecting: {}", remoteAddress, reason);
        close(WebSocketCloseStatus.POLICY_VIOLATION, reason, config.slowReaderCloseTimeoutMs());
    }

    /** Every {@link FeedServer.Context#heartbeatIntervalMs}: a heartbeat on each subscription that was idle. */
    private void heartbeat() {
        final long now = System.nanoTime();
        final long intervalNs = TimeUnit.MILLISECONDS.toNanos(config.heartbeatIntervalMs());
        boolean sent = false;
        for (final FeedSubscription s : subscriptions.values()) {
            sent |= s.heartbeatIfIdle(now, intervalNs);
        }
        if (sent) {
            ctx.flush();
        }
    }

    static long epochNanos() {
        final Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---- requests ----

    private void onOpen(final ChannelHandlerContext ctx, final String requestUri) {
        this.ctx = ctx;
        this.remoteAddress = String.valueOf(ctx.channel().remoteAddress());
        runtime.connections().add(this);
        final long periodMs = Math.max(1, config.heartbeatIntervalMs() / 4);
        heartbeats = ctx.executor().scheduleAtFixedRate(this::heartbeat, periodMs, periodMs, TimeUnit.MILLISECONDS);
        final int q = requestUri.indexOf('?');
        final FeedQuery query = FeedQuery.parse(q < 0 ? null : requestUri.substring(q + 1));
        if (!query.subscribes()) {
            return; // plain /feed: the client subscribes
        }
        final long id;
        final long fromSequence;
        final ConflationPolicy policy;
        try {
            id = query.simulationId();
            fromSequence = query.fromSequence();
            policy = query.policy();
        } catch (final IllegalArgumentException ex) {
            sendError(0, ErrorCode.BAD_REQUEST, ex.getMessage() + " in '" + requestUri + "'");
            ctx.flush();
            return;
        }
        onSubscribe(0, id, fromSequence, policy, query.services());
        ctx.flush();
    }

    private boolean overRate() {
        final long now = System.nanoTime();
        if (rateWindowCount == 0 || now - rateWindowStart >= RATE_WINDOW_NS) {
            rateWindowStart = now;
            rateWindowCount = 0;
        }
        return ++rateWindowCount > config.maxControlMessagesPerSecond();
    }

    private void onBinary(final ByteBuf content) {
        final int length = content.readableBytes();
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: " + length + " bytes, less than a header");
            return;
        }
        final ByteBuffer nio = content.nioBuffer(content.readerIndex(), length);
        inbound.wrap(nio, 0, length);
        header.wrap(inbound, 0);
        if (header.schemaId() != Schema.ID) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "wrong schemaId " + header.schemaId() + ", expected "
                + Schema.ID);
            return;
        }
        final int templateId = header.templateId();
        final int version = header.version();
        final FeedMessage request = FeedMessage.fromClient(templateId);
        if (request == null) {
            close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "unknown templateId " + templateId
                + ": clients send " + FeedMessage.clientMessages());
            return;
        }
        final int minBlock = request.minBlockLength(version);
        final int blockLength = header.blockLength();
        if (blockLength < minBlock || length < MessageHeaderDecoder.ENCODED_LENGTH + blockLength) {
            close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: template " + templateId + " needs "
                + (MessageHeaderDecoder.ENCODED_LENGTH + Math.max(minBlock, blockLength)) + " bytes, got " + length);
            return;
        }
        final int offset = MessageHeaderDecoder.ENCODED_LENGTH;
        switch (request) {
            case SUBSCRIBE -> onSubscribeMessage(length, blockLength, version);
            case UNSUBSCRIBE -> {
                unsubscribe.wrap(inbound, offset, blockLength, version);
                onUnsubscribe(unsubscribe.requestId(), unsubscribe.simulationId());
            }
            case LIST_SIMULATIONS -> {
                listSimulations.wrap(inbound, offset, blockLength, version);
                onListSimulations(listSimulations.requestId());
            }
            case PING -> {
                ping.wrap(inbound, offset, blockLength, version);
                send(messages.pong(ctx.alloc(), ping.requestId(), ping.clientTimeNs(), epochNanos()));
            }
            default -> throw new IllegalStateException(request + " is not a request"); // fromClient() said it is
        }
    }

    private void onSubscribeMessage(final int length, final int blockLength, final int version) {
        subscribe.wrap(inbound, MessageHeaderDecoder.ENCODED_LENGTH, blockLength, version);
        ConflationPolicy policy = ConflationPolicy.CONFLATE;
        String services = "";
        if (version >= SubscribeDecoder.policySinceVersion()) {
            final short raw = subscribe.policyRaw();
            if (raw == ConflationPolicy.DISCONNECT.value()) {
                policy = ConflationPolicy.DISCONNECT;
            } else if (raw != ConflationPolicy.CONFLATE.value() && raw != ConflationPolicy.NULL_VAL.value()) {
                close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "policy " + raw + " is not a ConflationPolicy");
                return;
            }
            final int dataAt = MessageHeaderDecoder.ENCODED_LENGTH + blockLength;
            if (length < dataAt + SubscribeDecoder.servicesHeaderLength()) {
                close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: Subscribe without its services length");
                return;
            }
            final int servicesLength = subscribe.servicesLength();
            if (length < dataAt + SubscribeDecoder.servicesHeaderLength() + servicesLength) {
                close(WebSocketCloseStatus.PROTOCOL_ERROR, "truncated: Subscribe services of " + servicesLength
                    + " bytes in a message of " + length);
                return;
            }
            final byte[] bytes = new byte[servicesLength];
            subscribe.getServices(bytes, 0, servicesLength);
            try {
                services = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (final CharacterCodingException ex) {
                close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "Subscribe services are not valid UTF-8");
                return;
            }
        }
        onSubscribe(subscribe.requestId(), subscribe.simulationId(), subscribe.fromSequence(), policy, services);
    }

    private void onSubscribe(final long requestId, final long id, final long fromSequence,
                             final ConflationPolicy policy, final String services) {
        if (id < 0 || fromSequence < -1) {
            sendError(requestId, ErrorCode.BAD_REQUEST, "simulationId must be >= 0 (0: the latest) and fromSequence"
                + " >= -1 (-1: the latest tick then live), got " + id + " and " + fromSequence);
            return;
        }
        // A run the registry does not know may still be journaled (an earlier server's): opened here, once (a
        // catalog read, on the event loop; its ticks are read on the replay threads like any other's).
        final Broadcaster target = id == 0 ? runtime.registry().latestBroadcaster()
            : runtime.registry().broadcaster(id).orElseGet(() -> runtime.registry().journaledRun(id));
        if (target == null) {
            sendError(requestId, ErrorCode.UNKNOWN_SIMULATION,
                id == 0 ? "no simulation has been launched" : "no simulation " + id);
            return;
        }
        final FeedSubscription existing = subscriptions.get(target.simulationId());
        if (existing == null && subscriptions.size() >= config.maxSubscriptionsPerConnection()) {
            sendError(requestId, ErrorCode.TOO_MANY_SUBSCRIPTIONS, "at most "
                + config.maxSubscriptionsPerConnection() + " subscriptions on one connection");
            return;
        }
        // An observed run's names may be sources, present or to come: no name is unknown there.
        final int[] serviceIds = target.observed() ? new int[0] : serviceIds(requestId, target, services);
        if (serviceIds == null) {
            return;
        }
        final long epoch = target.epoch(); // before the range: a replay moved back after this ends the subscription
        final long start = target.epochStart(); // 0 for a run; where a replay (re)started
        final long published = target.lastSequence();
        final long last = published >= start ? published : -1; // a replay has published none of this epoch yet
        if (fromSequence >= 0) {
            final long oldest = target.journalDir() != null ? Math.max(target.firstSequence(), start)
                : Math.min(target.tail().oldest(), last + 1);
            if (fromSequence < oldest) {
                sendError(requestId, ErrorCode.SEQUENCE_UNAVAILABLE, "sequence " + fromSequence + " is no longer held: "
                    + (last < oldest ? "no tick is" : "ticks " + oldest + ".." + last + " are") + " available");
                return;
            }
        }
        if (existing != null) {
            subscriptions.remove(target.simulationId());
            drop(existing); // replaced: nothing more of it is written
        }
        final List<String> names = target.observed() ? names(services) : List.of();
        final ServiceFilter filter = !names.isEmpty() ? target.acquireFilter(names)
            : serviceIds.length == 0 ? null : target.acquireFilter(serviceIds);
        final Broadcaster.CatalogView view = target.view();
        // From a snapshot (-1): the latest tick published of this epoch, announced as the first one.
        final long first = fromSequence >= 0 ? fromSequence : last;
        final FeedSubscription subscription = new FeedSubscription(this, ctx, runtime, target, filter, services,
            policy, fromSequence >= 0 ? fromSequence : Math.max(last, start), epoch, view.rows());
        subscriptions.put(target.simulationId(), subscription);
        publishViews();
        send(messages.subscribed(ctx.alloc(), requestId, target.simulationId(), first, last, policy));
        send(FeedMessages.copy(ctx.alloc(), view.catalog()));
        if (view.series() != null) {
            send(FeedMessages.copy(ctx.alloc(), view.series())); // an observed run's rows described
        }
        target.add(subscription);
        subscription.pump();
    }

    /** The names of a comma-separated list, trimmed, the empty ones dropped. */
    private static List<String> names(final String services) {
        final List<String> names = new ArrayList<>();
        for (final String part : services.split(",")) {
            if (!part.isBlank()) {
                names.add(part.trim());
            }
        }
        return names;
    }

    /** The catalog ids of a comma-separated list of names (empty: none, all services); null after an Error. */
    private int[] serviceIds(final long requestId, final Broadcaster target, final String services) {
        final List<Integer> ids = new ArrayList<>();
        for (final String part : services.split(",")) {
            final String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            final Integer id = target.serviceId(name);
            if (id == null) {
                sendError(requestId, ErrorCode.UNKNOWN_SERVICE, "simulation " + target.simulationId()
                    + " has no service '" + name + "'");
                return null;
            }
            ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void onUnsubscribe(final long requestId, final long id) {
        long simulationId = id;
        if (id == 0) {
            final Broadcaster latest = runtime.registry().latestBroadcaster();
            simulationId = latest == null ? 0 : latest.simulationId();
        }
        final FeedSubscription subscription = subscriptions.remove(simulationId);
        if (subscription == null) {
            sendError(requestId, ErrorCode.NOT_SUBSCRIBED, "not subscribed to simulation " + id);
            return;
        }
        drop(subscription);
        publishViews();
        send(messages.unsubscribed(ctx.alloc(), requestId, simulationId, subscription.lastSent()));
    }

    private void onListSimulations(final long requestId) {
        final List<FeedMessages.Listed> list = new ArrayList<>();
        for (final TickSource sim : runtime.registry().runs()) { // simulations and observed runs
            final Broadcaster b = runtime.registry().broadcaster(sim.id()).orElse(null);
            if (b == null) {
                continue;
            }
            final SimulationState state = switch (sim.state()) {
                case FAILED -> SimulationState.FAILED;
                case ENDED -> SimulationState.ENDED;
                default -> SimulationState.RUNNING;
            };
            list.add(new FeedMessages.Listed(sim.id(), state, b.lastSequence(), b.tickLengthNs(), b.name()));
        }
        for (final JournalPlayer replay : runtime.registry().replays()) {
            final Broadcaster b = replay.broadcaster();
            final SimulationState state = !replay.ended() ? SimulationState.RUNNING
                : replay.failure() != null ? SimulationState.FAILED : SimulationState.ENDED;
            list.add(new FeedMessages.Listed(replay.simulationId(), state, b.lastSequence(), b.tickLengthNs(),
                b.name()));
        }
        send(messages.simulationList(ctx.alloc(), requestId, list));
    }

    private void sendError(final long requestId, final ErrorCode code, final String message) {
        send(messages.error(ctx.alloc(), requestId, code, message));
    }

    /** Cancel a subscription this connection has just dropped, keeping its count of conflated ticks. */
    private void drop(final FeedSubscription subscription) {
        subscription.cancel();
        endedTicksConflated = endedTicksConflated + subscription.ticksConflated();
    }

    private void publishViews() {
        final List<SubscriptionView> views = new ArrayList<>(subscriptions.size());
        for (final FeedSubscription s : subscriptions.values()) {
            views.add(new SubscriptionView(s.simulationId(), s.policy.name(), s.services, s));
        }
        subscriptionViews = List.copyOf(views);
    }

    private void leaveAll() {
        for (final FeedSubscription s : subscriptions.values()) {
            drop(s);
        }
        subscriptions.clear();
        publishViews();
    }

    /** Close with a reason, leaving every subscription first. On the event loop only. */
    void close(final WebSocketCloseStatus status, final String reason) {
        close(status, reason, FeedServerInitializer.FORCE_CLOSE_TIMEOUT_MS);
    }

    private void close(final WebSocketCloseStatus status, final String reason, final long forceCloseMs) {
        if (closing) {
            return;
        }
        closing = true;
        leaveAll();
        runtime.counters().countDisconnect(status);
        LOG.debug("feed {}: closing {} {}", remoteAddress, status.code(), reason);
        FeedCloseHandler.closeWith(ctx.channel(), status, reason, forceCloseMs);
    }
}
