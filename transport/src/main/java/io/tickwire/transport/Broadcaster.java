package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.tickwire.engine.TickListener;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans one simulation's closed ticks out to its feed subscribers: a {@link TickListener}, one per simulation.
 * <pre>
 *   listener thread                                  each lane's event loop (one lane per I/O thread with subscribers)
 *   onTick: append [frame header | tick] to the  ─►  Delivery: for each subscriber of the lane that is still
 *           batch, one pooled buffer                           subscribed (same epoch) and writable, write a
 *   endOfBatch: one Delivery task per lane                     retained duplicate of the batch, flush
 * </pre>
 * Each tick is copied <b>once</b>, already framed: server frames are unmasked, so the WebSocket header
 * ({@link BinaryFrameHeader}) and payload are the same bytes for every client. A batch (the ticks up to
 * {@code endOfBatch}, or fewer if it grows past half the low water mark) goes to each event loop in one task, which
 * writes it to each of that loop's subscribers as a retained duplicate and flushes each once. The cost on the listener
 * thread is one pooled buffer per batch and one task per lane: nothing per subscriber. The tasks themselves are
 * reused: each lane keeps a small ring of them, which its event loop hands back as it runs them.
 * <p>
 * <b>Below the frame encoder.</b> The duplicates are written from the connection's {@link FeedFrameHandler} context:
 * on their way to the socket they pass the protocol handler (which drops anything after a close frame) and the frame
 * encoder, which leaves {@code ByteBuf}s as they are. Everything else a connection is sent (Catalog, Error,
 * SimulationEnd, close frames) is written on its event loop too, so the order of writes is the order on the wire.
 * <p>
 * <b>Threads.</b> {@link #onCatalog}, {@link #onTick} and {@link #onEnd} run on the simulation's listener thread for
 * this broadcaster. {@link #subscribe} and {@link #unsubscribe} run on the subscribing channel's event loop. The
 * subscriber set is a copy-on-write array of lanes: event loops swap it by CAS, the listener thread reads it once per
 * tick.
 * <p>
 * <b>Order.</b> A new subscriber is written the {@code Catalog} on its event loop before it joins the set, so it
 * sees the catalog first, then consecutive ticks from the first batch it is given, then {@code SimulationEnd}. A
 * subscriber that arrives after the end gets the catalog and {@code SimulationEnd}. A batch goes to the subscribers
 * of the set when it is delivered, each tagged with the epoch of its connection's subscription; the event loop skips
 * those whose connection has left or re-subscribed since, so no tick of an earlier subscription follows a Catalog.
 * <p>
 * <b>Slow readers.</b> A subscriber whose channel is not writable when a batch of ticks is due (more than the high
 * water mark queued) is removed and closed with 1008. So are all of a lane's subscribers when its event loop has
 * more than the high water mark of batches not yet run: what a subscriber holds in user space is bounded by the high
 * water mark plus a batch. {@code SimulationEnd} is written whatever the backlog.
 */
public final class Broadcaster implements TickListener {
    private static final Logger LOG = LoggerFactory.getLogger(Broadcaster.class);
    private static final Lane[] NONE = new Lane[0];
    /** Set once the run has ended: late subscribers are answered directly. Distinct from {@link #NONE}. */
    private static final Lane[] ENDED = new Lane[0];
    /** A batch that will take more ticks starts with room for this many of its first. */
    private static final int INITIAL_BATCH_FRAMES = 8;
    /** Reusable {@link Delivery} tasks a lane starts with: one running, the next queued behind it. */
    private static final int MIN_DELIVERIES_PER_LANE = 2;
    /**
     * Reusable tasks a lane may grow to while its event loop is behind (10 KiB of 40-byte tasks at most);
     * further behind, each further batch gets a task of its own. A power of two, as is the minimum.
     */
    private static final int MAX_DELIVERIES_PER_LANE = 256;
    private static final VarHandle LANES;
    private static final VarHandle DELIVERY_FREE;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            LANES = lookup.findVarHandle(Broadcaster.class, "lanes", Lane[].class);
            DELIVERY_FREE = lookup.findVarHandle(Delivery.class, "free", boolean.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long simulationId;
    private final byte[] catalog;
    private final String slowReaderReason;
    private final int highWaterMark;
    private final int flushThresholdBytes;
    private final Runnable onEnded;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong slowReaderDisconnects = new AtomicLong();

    private volatile Lane[] lanes = NONE; // swapped through LANES

    // Listener thread only: the batch being built, framed ticks back to back.
    private ByteBuf batch;
    private int batchFrames;

    // Written by the listener thread before ENDED is published; read by event loops after they see ENDED.
    private long lastTick = -1;
    private EndReason endReason;

    /**
     * @param simulationId       the run's id.
     * @param catalog            its {@code Catalog} message, header included.
     * @param lowWaterMark       the connections' low water mark: a batch is delivered before it holds half of it.
     * @param highWaterMark      the connections' high water mark: beyond it a subscriber is a slow reader.
     * @param onEnded            run on the listener thread after the end has been handed over; may be null.
     */
    Broadcaster(final long simulationId, final byte[] catalog, final int lowWaterMark, final int highWaterMark,
                final Runnable onEnded) {
        this.simulationId = simulationId;
        this.catalog = catalog.clone();
        this.slowReaderReason = "slow reader: outbound buffer above " + highWaterMark + " bytes";
        this.highWaterMark = highWaterMark;
        this.flushThresholdBytes = Math.max(1, lowWaterMark / 2);
        this.onEnded = onEnded;
    }

    public long simulationId() {
        return simulationId;
    }

    /** Frames written to subscribers so far: catalogs, ticks and ends. */
    public long framesSent() {
        return framesSent.get();
    }

    /** Subscribers closed (1008) for not reading fast enough. */
    public long slowReaderDisconnects() {
        return slowReaderDisconnects.get();
    }

    public int subscriberCount() {
        int n = 0;
        for (final Lane lane : lanes) {
            n += lane.subscribers.length;
        }
        return n;
    }

    /** True once the run's end has been handed to the subscribers' event loops. */
    public boolean ended() {
        return lanes == ENDED;
    }

    /**
     * Send the catalog to the connection, then add it to the subscribers (or, after the end, send
     * {@code SimulationEnd}). <b>On the connection's event loop only</b>, so that the catalog is written before any
     * tick delivered to this subscription.
     *
     * @param ctx     the connection's {@link FeedFrameHandler} context: frames are written from there.
     * @param handler that handler, which knows the connection's current subscription epoch.
     * @param epoch   the epoch of this subscription.
     * @return the subscription, to {@link #unsubscribe} with.
     */
    Subscriber subscribe(final ChannelHandlerContext ctx, final FeedFrameHandler handler, final long epoch) {
        assert ctx.channel().eventLoop().inEventLoop();
        ctx.write(new BinaryWebSocketFrame(FeedMessages.copy(ctx.alloc(), catalog)), ctx.voidPromise());
        framesSent.incrementAndGet();
        final Subscriber subscriber = new Subscriber(ctx, handler, epoch);
        while (true) {
            final Lane[] current = lanes;
            if (current == ENDED) {
                ctx.write(new BinaryWebSocketFrame(
                    FeedMessages.simulationEnd(ctx.alloc(), simulationId, lastTick, endReason)), ctx.voidPromise());
                framesSent.incrementAndGet();
                break;
            }
            if (LANES.compareAndSet(this, current, Lane.with(current, subscriber))) {
                break;
            }
        }
        ctx.flush();
        return subscriber;
    }

    /** Remove {@code subscriber}; any thread. @return true if it was in the set. */
    boolean unsubscribe(final Subscriber subscriber) {
        while (true) {
            final Lane[] current = lanes;
            final Lane[] next = Lane.without(current, subscriber);
            if (next == current) {
                return false;
            }
            if (LANES.compareAndSet(this, current, next)) {
                return true;
            }
        }
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        // Subscribers are sent the catalog the simulation gave at creation, the same bytes, when they join.
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        final Lane[] current = lanes;
        if (current.length == 0) {
            discardBatch(); // nobody to send it to; whoever joins next starts from a later tick
            return;
        }
        final ByteBuf out = batchWithRoom(BinaryFrameHeader.length(length) + length, endOfBatch);
        BinaryFrameHeader.write(out, length);
        final byte[] array = buffer.byteArray();
        if (array != null) {
            out.writeBytes(array, buffer.wrapAdjustment() + offset, length);
        } else {
            final int at = out.writerIndex();
            buffer.getBytes(offset, out.internalNioBuffer(at, length), length);
            out.writerIndex(at + length);
        }
        batchFrames++;
        if (endOfBatch || out.readableBytes() >= flushThresholdBytes) {
            deliverBatch(current, false);
        }
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        this.lastTick = lastTick;
        this.endReason = reason;
        final Lane[] last = (Lane[])LANES.getAndSet(this, ENDED);
        if (last.length > 0) {
            final ByteBuf end = FeedMessages.simulationEnd(alloc, simulationId, lastTick, reason);
            try {
                final int length = end.readableBytes();
                final ByteBuf out = batchWithRoom(BinaryFrameHeader.length(length) + length, true);
                BinaryFrameHeader.write(out, length);
                out.writeBytes(end);
                batchFrames++;
            } finally {
                end.release();
            }
            deliverBatch(last, true); // with any ticks still batched
        } else {
            discardBatch();
        }
        if (onEnded != null) {
            onEnded.run();
        }
    }

    /** The batch, created or grown to take {@code frameLength} more bytes. */
    private ByteBuf batchWithRoom(final int frameLength, final boolean last) {
        final ByteBuf out = batch;
        if (out == null) {
            final int capacity = last ? frameLength :
                Math.max(frameLength, Math.min(flushThresholdBytes, frameLength * INITIAL_BATCH_FRAMES));
            batch = alloc.directBuffer(capacity);
            return batch;
        }
        out.ensureWritable(frameLength);
        return out;
    }

    /**
     * Hand the batch to every lane's event loop, one task each, and start a new one.
     *
     * @param end whether the batch ends with {@code SimulationEnd}: it is then written whatever the backlog, as the
     *            last thing the subscribers are sent.
     */
    private void deliverBatch(final Lane[] lanes, final boolean end) {
        final ByteBuf frames = batch;
        final int count = batchFrames;
        batch = null;
        batchFrames = 0;
        final int bytes = frames.readableBytes();
        try {
            for (final Lane lane : lanes) {
                if (!end && lane.backlog.get() > highWaterMark) {
                    dropLane(lane);
                    continue;
                }
                lane.backlog.addAndGet(bytes);
                final Delivery delivery = claimDelivery(lane.deliveries).arm(lane, frames.retain(), count, bytes, end);
                try {
                    lane.loop.execute(delivery);
                } catch (final RejectedExecutionException ex) {
                    delivery.cancel(); // the event loop is shutting down, and its connections with it
                }
            }
        } finally {
            frames.release();
        }
    }

    /**
     * On the listener thread: the lane's task at the ring's cursor, once its event loop has run it. The loop runs a
     * lane's tasks in the order they were handed over, so the one at the cursor is the oldest: if it is still
     * queued, so are the others, and the ring grows (up to {@link #MAX_DELIVERIES_PER_LANE}, then a task of its own
     * for this batch). A task is only reused once it has marked itself free, whatever the order.
     */
    private Delivery claimDelivery(final Deliveries deliveries) {
        Delivery[] ring = deliveries.ring;
        int at = deliveries.next;
        Delivery delivery = ring[at];
        if (delivery != null && !(boolean)DELIVERY_FREE.getAcquire(delivery)) {
            if (ring.length == MAX_DELIVERIES_PER_LANE) {
                return new Delivery(); // the event loop is far behind: this one is garbage once run
            }
            ring = deliveries.grow();
            at = deliveries.next;
            delivery = null;
        }
        if (delivery == null) {
            delivery = new Delivery();
            ring[at] = delivery;
        }
        deliveries.next = (at + 1) & (ring.length - 1);
        return delivery;
    }

    private void discardBatch() {
        if (batch != null) {
            batch.release();
            batch = null;
            batchFrames = 0;
        }
    }

    /** On the subscriber's event loop, when it is not writable: a slow reader (close it, 1008) or one gone. */
    private void dropSlowReader(final Subscriber subscriber) {
        if (unsubscribe(subscriber)) {
            closeSlowReader(subscriber);
        }
    }

    /** On the subscriber's event loop, once it is out of the set. */
    private void closeSlowReader(final Subscriber subscriber) {
        if (!subscriber.current() || !subscriber.ctx.channel().isActive()) {
            return; // the connection has moved on, or is gone
        }
        slowReaderDisconnects.incrementAndGet();
        LOG.info("simulation {}: disconnecting {}: {}", simulationId, subscriber.ctx.channel().remoteAddress(),
            slowReaderReason);
        subscriber.handler.close(subscriber.ctx, WebSocketCloseStatus.POLICY_VIOLATION, slowReaderReason);
    }

    /** On the listener thread: the lane's event loop is too far behind; every subscriber on it is a slow reader. */
    private void dropLane(final Lane lane) {
        for (final Subscriber subscriber : lane.subscribers) {
            if (unsubscribe(subscriber)) {
                try {
                    lane.loop.execute(() -> closeSlowReader(subscriber));
                } catch (final RejectedExecutionException ex) {
                    // shutting down
                }
            }
        }
    }

    /** One subscription of one connection; a new one (with a new epoch) for every Subscribe. Immutable. */
    static final class Subscriber {
        final ChannelHandlerContext ctx;
        final FeedFrameHandler handler;
        final long epoch;

        Subscriber(final ChannelHandlerContext ctx, final FeedFrameHandler handler, final long epoch) {
            this.ctx = ctx;
            this.handler = handler;
            this.epoch = epoch;
        }

        /** On the event loop: is this still the connection's subscription? */
        boolean current() {
            return handler.epoch() == epoch;
        }
    }

    /**
     * The subscribers on one event loop. Immutable, replaced on every change of the set; the backlog (bytes handed
     * to the event loop and not yet written) and the reusable delivery tasks carry over to the replacement.
     */
    private static final class Lane {
        final EventLoop loop;
        final Subscriber[] subscribers;
        final AtomicLong backlog;
        final Deliveries deliveries;

        Lane(final EventLoop loop, final Subscriber[] subscribers, final AtomicLong backlog,
             final Deliveries deliveries) {
            this.loop = loop;
            this.subscribers = subscribers;
            this.backlog = backlog;
            this.deliveries = deliveries;
        }

        static Lane[] with(final Lane[] lanes, final Subscriber subscriber) {
            final EventLoop loop = subscriber.ctx.channel().eventLoop();
            for (int i = 0; i < lanes.length; i++) {
                final Lane lane = lanes[i];
                if (lane.loop == loop) {
                    final Subscriber[] subscribers = Arrays.copyOf(lane.subscribers, lane.subscribers.length + 1);
                    subscribers[lane.subscribers.length] = subscriber;
                    final Lane[] next = lanes.clone();
                    next[i] = new Lane(loop, subscribers, lane.backlog, lane.deliveries);
                    return next;
                }
            }
            final Lane[] next = Arrays.copyOf(lanes, lanes.length + 1);
            next[lanes.length] = new Lane(loop, new Subscriber[] {subscriber}, new AtomicLong(), new Deliveries());
            return next;
        }

        /** @return {@code lanes} itself if {@code subscriber} is not there. */
        static Lane[] without(final Lane[] lanes, final Subscriber subscriber) {
            for (int i = 0; i < lanes.length; i++) {
                final Subscriber[] subscribers = lanes[i].subscribers;
                for (int j = 0; j < subscribers.length; j++) {
                    if (subscribers[j] == subscriber) {
                        if (subscribers.length == 1) {
                            return lanes.length == 1 ? NONE : remove(lanes, i);
                        }
                        final Lane[] next = lanes.clone();
                        next[i] = new Lane(lanes[i].loop, remove(subscribers, j), lanes[i].backlog,
                            lanes[i].deliveries);
                        return next;
                    }
                }
            }
            return lanes;
        }

        private static <T> T[] remove(final T[] array, final int index) {
            final T[] next = Arrays.copyOf(array, array.length - 1);
            System.arraycopy(array, index + 1, next, index, array.length - index - 1);
            return next;
        }
    }

    /**
     * One lane's ring of reusable {@link Delivery} tasks, filled as they are first needed, in the order they are
     * handed over: the cursor is at the one handed over longest ago. <b>Listener thread only</b>, but for each
     * task's {@code free} flag, which its event loop sets once it is done with it.
     */
    private static final class Deliveries {
        Delivery[] ring = new Delivery[MIN_DELIVERIES_PER_LANE];
        int next;

        /** Double the full ring, oldest task first, and move the cursor to the first new slot. */
        Delivery[] grow() {
            final Delivery[] full = ring;
            final int n = full.length;
            final Delivery[] grown = new Delivery[n * 2];
            System.arraycopy(full, next, grown, 0, n - next);
            System.arraycopy(full, 0, grown, n - next, next);
            ring = grown;
            next = n;
            return grown;
        }
    }

    /**
     * One batch for one lane, run on its event loop: owns a reference to the batch. Armed on the listener thread,
     * published to the event loop by its task queue, and handed back by {@code free} (release, then acquire) once
     * run or cancelled: the fields are not read after that.
     */
    private final class Delivery implements Runnable {
        private Lane lane;
        private ByteBuf frames;
        private int count;
        private int bytes;
        private boolean end;
        private boolean free; // through DELIVERY_FREE

        /** On the listener thread, once claimed. */
        Delivery arm(final Lane lane, final ByteBuf frames, final int count, final int bytes, final boolean end) {
            this.lane = lane;
            this.frames = frames;
            this.count = count;
            this.bytes = bytes;
            this.end = end;
            this.free = false; // read by this thread only until the event loop sets it
            return this;
        }

        @Override
        public void run() {
            final Lane lane = this.lane;
            final ByteBuf frames = this.frames;
            final int count = this.count;
            final boolean end = this.end;
            lane.backlog.addAndGet(-bytes);
            int written = 0;
            try {
                for (final Subscriber subscriber : lane.subscribers) {
                    if (!subscriber.current()) {
                        continue; // left or re-subscribed since this batch was handed over
                    }
                    final ChannelHandlerContext ctx = subscriber.ctx;
                    if (!end && !ctx.channel().isWritable()) {
                        dropSlowReader(subscriber);
                        continue;
                    }
                    ctx.writeAndFlush(frames.retainedDuplicate(), ctx.voidPromise());
                    written++;
                }
            } finally {
                try {
                    frames.release();
                } finally {
                    handBack();
                }
            }
            if (written > 0) {
                framesSent.addAndGet((long)written * count);
            }
        }

        /** On the listener thread, when the event loop would not take it. */
        void cancel() {
            lane.backlog.addAndGet(-bytes);
            frames.release();
            handBack();
        }

        private void handBack() {
            lane = null; // hold neither the subscribers nor the released batch while idle
            frames = null;
            DELIVERY_FREE.setRelease(this, true);
        }
    }
}
