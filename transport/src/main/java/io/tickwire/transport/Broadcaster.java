package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fans one simulation's closed ticks out to its feed subscriptions: a {@link TickListener}, one per simulation.
 * <pre>
 *   listener thread                                   each lane's event loop (one lane per I/O thread)
 *   onTick: frame the tick once, and once per     ─►  Lane: for each subscription on this loop, pump():
 *           service filter in use; append to the            write retained duplicates of the frames from its
 *           {@link TickTail}                                next sequence up to the tail's newest, while the
 *   endOfBatch: wake each lane (at most one task            channel is writable; flush once
 *           queued per lane, whatever the rate)
 * </pre>
 * Each tick is copied <b>once</b> per distinct filter, already framed: server frames are unmasked, so the WebSocket
 * header ({@link BinaryFrameHeader}) and payload are the same bytes for every client, and every subscriber is
 * written a retained duplicate. The listener thread does nothing per subscriber: it appends to the tail and wakes at
 * most one task per event loop, which finds in the tail every tick its subscriptions have not been sent yet. So the
 * live stream, a catch-up from the in-memory tail and the hand-over from a journal replay are one mechanism: a
 * subscription's next sequence, written when present and writable ({@link FeedSubscription#pump}).
 * <p>
 * <b>Threads.</b> {@link #onCatalog}, {@link #onTick} and {@link #onEnd} run on the simulation's listener thread.
 * {@link #add}/{@link #remove} run on the subscription's event loop; lanes are created by CAS and each lane's
 * subscriptions array is written only by its own event loop. Filters are shared under a lock (subscribe time only).
 * <p>
 * <b>Memory.</b> The tail is bounded by ticks and bytes ({@link FeedServer.Context#tailTicks},
 * {@link FeedServer.Context#tailBytes}); what a connection holds is bounded by its write-buffer water marks, and a
 * subscription that cannot keep up conflates or is disconnected, by its policy: nothing here grows with a slow reader.
 */
public final class Broadcaster implements TickListener {
    private static final Lane[] NO_LANES = new Lane[0];
    private static final ServiceFilter[] NO_FILTERS = new ServiceFilter[0];
    private static final ByteBuf[] NO_FRAMES = new ByteBuf[0];
    /** In a long batch (a run at speed max), wake the lanes at least this often, well before the tail wraps. */
    private static final int WAKE_EVERY_TICKS = 16;
    private static final VarHandle LANES;

    static {
        try {
            LANES = MethodHandles.lookup().findVarHandle(Broadcaster.class, "lanes", Lane[].class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long simulationId;
    private final byte[] catalog;
    private final String name;
    private final long tickLengthNs;
    private final Map<String, Integer> serviceIds;
    private final Path journalDir;
    private final TickTail tail;
    private final Runnable onEnded;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder slowReaderDisconnects = new LongAdder();
    private final Map<String, FilterUse> filterUses = new HashMap<>(); // under itself

    private volatile Lane[] lanes = NO_LANES; // swapped through LANES
    private volatile ServiceFilter[] filters = NO_FILTERS;

    private int unannounced; // listener thread only

    // Written by the listener thread before `ended` is published.
    private long lastTick = -1;
    private EndReason endReason;
    private volatile boolean ended;

    /**
     * @param simulationId the run's id.
     * @param catalog      its {@code Catalog} message, header included.
     * @param journalDir   where the run is journaled, or null: the source of ticks older than the tail.
     * @param tailTicks    ticks the in-memory tail holds at most (a power of two).
     * @param tailBytes    bytes it holds at most.
     * @param onEnded      run on the listener thread after the end has been handed over; may be null.
     */
    Broadcaster(final long simulationId, final byte[] catalog, final Path journalDir, final int tailTicks,
                final long tailBytes, final Runnable onEnded) {
        this.simulationId = simulationId;
        this.catalog = catalog.clone();
        this.journalDir = journalDir;
        this.tail = new TickTail(tailTicks, tailBytes);
        this.onEnded = onEnded;
        final UnsafeBuffer buffer = new UnsafeBuffer(this.catalog);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        final CatalogDecoder decoder = new CatalogDecoder()
            .wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        this.tickLengthNs = decoder.tickLengthNs();
        final Map<String, Integer> ids = new HashMap<>();
        for (final CatalogDecoder.ServicesDecoder s : decoder.services()) {
            final int id = s.serviceId();
            ids.put(s.name(), id);
        }
        this.serviceIds = Map.copyOf(ids);
        if (decoder.actingVersion() >= 2) {
            for (final CatalogDecoder.SourcesDecoder s : decoder.sources()) {
                s.skipName();
            }
        }
        this.name = decoder.simulationName();
    }

    public long simulationId() {
        return simulationId;
    }

    /** The run's name, from its catalog. */
    public String name() {
        return name;
    }

    public long tickLengthNs() {
        return tickLengthNs;
    }

    /** Its {@code Catalog} message (the caller must not change it). */
    byte[] catalog() {
        return catalog;
    }

    /** The catalog id of the service called {@code name}, or null. */
    Integer serviceId(final String name) {
        return serviceIds.get(name);
    }

    /** Where the run is journaled; null if it is not. */
    Path journalDir() {
        return journalDir;
    }

    TickTail tail() {
        return tail;
    }

    /** Frames written to subscribers so far (all kinds). */
    public long framesSent() {
        return framesSent.sum();
    }

    /** Subscriptions closed (1008) for not reading fast enough. */
    public long slowReaderDisconnects() {
        return slowReaderDisconnects.sum();
    }

    void countFrames(final int n) {
        framesSent.add(n);
    }

    void countSlowReaderDisconnect() {
        slowReaderDisconnects.increment();
    }

    public int subscriberCount() {
        int n = 0;
        for (final Lane lane : lanes) {
            n += lane.subscriptions.length;
        }
        return n;
    }

    /** True once the run has ended ({@link #lastSequence()} is then final). */
    public boolean ended() {
        return ended;
    }

    /** The latest closed tick, -1 for none. */
    public long lastSequence() {
        return ended ? lastTick : tail.newest();
    }

    /** Why the run ended; after {@link #ended()}. */
    EndReason endReason() {
        return endReason;
    }

    /** Distinct service filters in use. */
    int filterCount() {
        return filters.length;
    }

    /** The shared filter for {@code serviceIds}, created or counted; give it back with {@link #releaseFilter}. */
    ServiceFilter acquireFilter(final int[] serviceIds) {
        final ServiceFilter wanted = new ServiceFilter(serviceIds);
        synchronized (filterUses) {
            FilterUse use = filterUses.get(wanted.key());
            if (use == null) {
                use = new FilterUse(wanted);
                filterUses.put(wanted.key(), use);
                final ServiceFilter[] current = filters;
                final ServiceFilter[] next = Arrays.copyOf(current, current.length + 1);
                next[current.length] = wanted;
                filters = next;
            }
            use.count++;
            return use.filter;
        }
    }

    void releaseFilter(final ServiceFilter filter) {
        synchronized (filterUses) {
            final FilterUse use = filterUses.get(filter.key());
            if (use == null || use.filter != filter || --use.count > 0) {
                return;
            }
            filterUses.remove(filter.key());
            filters = Arrays.stream(filters).filter(f -> f != filter).toArray(ServiceFilter[]::new);
        }
    }

    /** Add {@code subscription} to its event loop's lane. <b>On that event loop</b>. */
    void add(final FeedSubscription subscription) {
        final Lane lane = laneOf(subscription.eventLoop());
        final FeedSubscription[] current = lane.subscriptions;
        final FeedSubscription[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = subscription;
        lane.subscriptions = next;
    }

    /** Remove {@code subscription} from its lane, if there. <b>On its event loop</b>. */
    void remove(final FeedSubscription subscription) {
        final Lane lane = laneOf(subscription.eventLoop());
        final FeedSubscription[] current = lane.subscriptions;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == subscription) {
                final FeedSubscription[] next = Arrays.copyOf(current, current.length - 1);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                lane.subscriptions = next;
                return;
            }
        }
    }

    @Override
    public void onCatalog(final DirectBuffer buffer, final int offset, final int length) {
        // Subscribers are sent the catalog the simulation gave at creation, the same bytes, when they subscribe.
    }

    @Override
    public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tick,
                       final boolean endOfBatch) {
        final ByteBuf all = TickFrames.encode(alloc, buffer, offset, length, null);
        final ServiceFilter[] inUse = filters;
        final ByteBuf[] filtered = inUse.length == 0 ? NO_FRAMES : new ByteBuf[inUse.length];
        for (int i = 0; i < inUse.length; i++) {
            filtered[i] = TickFrames.encode(alloc, buffer, offset, length, inUse[i]);
        }
        tail.append(new TickFrames(tick, all, inUse, filtered));
        if (endOfBatch || ++unannounced >= WAKE_EVERY_TICKS) {
            unannounced = 0;
            wakeLanes();
        }
    }

    @Override
    public void onEnd(final long lastTick, final EndReason reason) {
        this.lastTick = lastTick;
        this.endReason = reason;
        ended = true;
        wakeLanes();
        if (onEnded != null) {
            onEnded.run();
        }
    }

    /**
     * Drop the in-memory tail of an ended, journaled run: its ticks are in the journal, and a server keeps many ended
     * runs. Once {@link #ended()}; any thread (no tick is appended any more).
     */
    void releaseTail() {
        if (journalDir != null && ended) {
            tail.clear();
        }
    }

    /**
     * Drop the in-memory tail whatever the run, giving its buffers back to the pool: for a run the registry forgets
     * or closes, once {@link #ended()} (no tick is appended any more). Any thread.
     */
    void discardTail() {
        if (ended) {
            tail.clear();
        }
    }

    private void wakeLanes() {
        for (final Lane lane : lanes) {
            if (lane.subscriptions.length > 0 && lane.scheduled.compareAndSet(false, true)) {
                try {
                    lane.loop.execute(lane);
                } catch (final RejectedExecutionException ex) {
                    lane.scheduled.set(false); // the event loop is shutting down, and its connections with it
                }
            }
        }
    }

    private Lane laneOf(final EventLoop loop) {
        while (true) {
            final Lane[] current = lanes;
            for (final Lane lane : current) {
                if (lane.loop == loop) {
                    return lane;
                }
            }
            final Lane lane = new Lane(loop);
            final Lane[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = lane;
            if (LANES.compareAndSet(this, current, next)) {
                return lane;
            }
        }
    }

    private static final class FilterUse {
        final ServiceFilter filter;
        int count;

        FilterUse(final ServiceFilter filter) {
            this.filter = filter;
        }
    }

    /**
     * The subscriptions on one event loop, and the task that pumps them. At most one task is queued per lane: the
     * listener thread queues it when it is not already, and it clears the flag before it looks at the tail, so no
     * tick is missed and a loop that is behind is not sent a task per tick.
     */
    private static final class Lane implements Runnable {
        final EventLoop loop;
        final AtomicBoolean scheduled = new AtomicBoolean();
        volatile FeedSubscription[] subscriptions = new FeedSubscription[0]; // written by `loop` only

        Lane(final EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void run() {
            scheduled.set(false);
            for (final FeedSubscription subscription : subscriptions) {
                subscription.pump();
            }
        }
    }
}
