package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.tickwire.engine.TickListener;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans one simulation's closed ticks out to its feed subscribers: a {@link TickListener}, one per simulation.
 * <p>
 * Each tick is copied <b>once</b> into a pooled direct buffer; every subscriber is written a
 * {@code BinaryWebSocketFrame} over a retained duplicate of it (nothing is encoded twice), and each subscriber is
 * flushed once per batch of ticks ({@code endOfBatch}, or sooner if a batch grows past half the low water mark).
 * <p>
 * <b>Threads.</b> {@link #onCatalog}, {@link #onTick} and {@link #onEnd} run on the simulation's listener thread for
 * this broadcaster. {@link #subscribe} and {@link #unsubscribe} run on the subscribing channel's event loop. The
 * subscriber set is a copy-on-write array: event loops swap it by CAS, the listener thread reads it once per tick.
 * <p>
 * <b>Order.</b> A new subscriber is written the {@code Catalog} on its event loop before it joins the set, so it
 * sees the catalog first, then consecutive ticks from the first it is given, then {@code SimulationEnd}. A subscriber
 * that arrives after the end gets the catalog and {@code SimulationEnd}.
 * <p>
 * <b>Slow readers.</b> A subscriber whose channel is not writable when a tick is due (more than the high water mark
 * queued, tasks not yet run by its event loop included) is removed and closed with 1008: what a subscriber holds
 * in user space is bounded by the high water mark plus one tick.
 */
public final class Broadcaster implements TickListener {
    private static final Logger LOG = LoggerFactory.getLogger(Broadcaster.class);
    private static final Channel[] NONE = new Channel[0];
    /** Set once the run has ended: late subscribers are answered directly. Distinct from {@link #NONE}. */
    private static final Channel[] ENDED = new Channel[0];
    private static final VarHandle SUBSCRIBERS;

    static {
        try {
            SUBSCRIBERS = MethodHandles.lookup().findVarHandle(Broadcaster.class, "subscribers", Channel[].class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long simulationId;
    private final byte[] catalog;
    private final String slowReaderReason;
    private final int flushThresholdBytes;
    private final Runnable onEnded;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong slowReaderDisconnects = new AtomicLong();

    private volatile Channel[] subscribers = NONE; // swapped through SUBSCRIBERS

    // Listener thread only.
    private Channel[] unflushed;
    private int unflushedBytes;

    // Written by the listener thread before ENDED is published; read by event loops after they see ENDED.
    private long lastTick = -1;
    private EndReason endReason;

    /**
     * @param simulationId       the run's id.
     * @param catalog            its {@code Catalog} message, header included.
     * @param lowWaterMark       the connections' low water mark: a batch is flushed before it queues half of it.
     * @param highWaterMark      the connections' high water mark (for the slow-reader close reason).
     * @param onEnded            run on the listener thread after the end has been written; may be null.
     */
    Broadcaster(final long simulationId, final byte[] catalog, final int lowWaterMark, final int highWaterMark,
                final Runnable onEnded) {
        this.simulationId = simulationId;
        this.catalog = catalog.clone();
        this.slowReaderReason = "slow reader: outbound buffer above " + highWaterMark + " bytes";
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
        return subscribers.length;
    }

    /** True once the run's end has been delivered. */
    public boolean ended() {
        return subscribers == ENDED;
    }

    /**
     * Send the catalog to {@code ch}, then add it to the subscribers (or, after the end, send {@code SimulationEnd}).
     * <b>On {@code ch}'s event loop only</b>, so that the catalog is queued before any tick the listener writes.
     */
    void subscribe(final Channel ch) {
        assert ch.eventLoop().inEventLoop();
        ch.write(new FeedFrame(this, FeedMessages.copy(ch.alloc(), catalog)), ch.voidPromise());
        framesSent.incrementAndGet();
        while (true) {
            final Channel[] current = subscribers;
            if (current == ENDED) {
                ch.write(new FeedFrame(this, FeedMessages.simulationEnd(ch.alloc(), simulationId, lastTick, endReason)),
                    ch.voidPromise());
                framesSent.incrementAndGet();
                break;
            }
            final Channel[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = ch;
            if (SUBSCRIBERS.compareAndSet(this, current, next)) {
                break;
            }
        }
        ch.flush();
    }

    /** Remove {@code ch}; any thread. @return true if it was a subscriber. */
    boolean unsubscribe(final Channel ch) {
        while (true) {
            final Channel[] current = subscribers;
            final int index = indexOf(current, ch);
            if (index < 0) {
                return false;
            }
            final Channel[] next;
            if (current.length == 1) {
                next = NONE;
            } else {
                next = new Channel[current.length - 1];
                System.arraycopy(current, 0, next, 0, index);
                System.arraycopy(current, index + 1, next, index, current.length - index - 1);
            }
            if (SUBSCRIBERS.compareAndSet(this, current, next)) {
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
        final Channel[] channels = subscribers;
        if (unflushed != null && unflushed != channels) {
            flush(unflushed); // the set changed mid-batch: nobody written so far is left unflushed
        }
        if (channels.length == 0) {
            return;
        }

        // Flush with this tick's write (one task per channel) at the end of a batch, or before a batch queues much.
        final boolean flush = endOfBatch || unflushedBytes + length >= flushThresholdBytes;
        final ByteBuf message = alloc.directBuffer(length, length);
        int sent = 0;
        try {
            final byte[] array = buffer.byteArray();
            if (array != null) {
                message.writeBytes(array, buffer.wrapAdjustment() + offset, length);
            } else {
                buffer.getBytes(offset, message.internalNioBuffer(0, length), length);
                message.writerIndex(length);
            }
            for (final Channel ch : channels) {
                if (!ch.isWritable()) {
                    drop(ch);
                } else if (flush) {
                    ch.writeAndFlush(new FeedFrame(this, message.retainedDuplicate()), ch.voidPromise());
                    sent++;
                } else {
                    ch.write(new FeedFrame(this, message.retainedDuplicate()), ch.voidPromise());
                    sent++;
                }
            }
        } finally {
            message.release();
        }
        framesSent.addAndGet(sent);

        if (flush) {
            unflushed = null;
            unflushedBytes = 0;
        } else {
            unflushed = channels;
            unflushedBytes += length;
        }
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        this.lastTick = lastTick;
        this.endReason = reason;
        final Channel[] channels = (Channel[])SUBSCRIBERS.getAndSet(this, ENDED);
        if (unflushed != null && unflushed != channels) {
            flush(unflushed);
        }
        unflushed = null;
        if (channels.length > 0) {
            final ByteBuf end = FeedMessages.simulationEnd(alloc, simulationId, lastTick, reason);
            try {
                for (final Channel ch : channels) {
                    ch.writeAndFlush(new FeedFrame(this, end.retainedDuplicate()), ch.voidPromise());
                }
            } finally {
                end.release();
            }
            framesSent.addAndGet(channels.length);
        }
        if (onEnded != null) {
            onEnded.run();
        }
    }

    private void flush(final Channel[] channels) {
        for (final Channel ch : channels) {
            ch.flush();
        }
        unflushed = null;
        unflushedBytes = 0;
    }

    /** Not writable: a slow reader (close it, 1008) or a connection already gone. */
    private void drop(final Channel ch) {
        if (!unsubscribe(ch) || !ch.isActive()) {
            return;
        }
        slowReaderDisconnects.incrementAndGet();
        LOG.info("simulation {}: disconnecting {}: {}", simulationId, ch.remoteAddress(), slowReaderReason);
        FeedCloseHandler.closeWith(ch, WebSocketCloseStatus.POLICY_VIOLATION, slowReaderReason);
    }

    private static int indexOf(final Channel[] channels, final Channel ch) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == ch) {
                return i;
            }
        }
        return -1;
    }
}
