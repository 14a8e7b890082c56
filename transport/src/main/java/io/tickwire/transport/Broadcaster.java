package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.tickwire.codec.CatalogUpdates;
import io.tickwire.codec.EventMessages;
import io.tickwire.engine.TickListener;
import io.tickwire.sbe.CatalogDecoder;
import io.tickwire.sbe.CatalogUpdateDecoder;
import io.tickwire.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
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
 *   onEvent: frame the event once, add it to its tick's
 *           frames (the tick last appended); wake
 * </pre>
 * Events follow their tick: a subscription writes a tick, then the tick's events as they arrive, and moves on to the
 * next tick only once it is published (a tick's events all come before the next tick). Events are an audit trail:
 * a subscription that skips ticks when it cannot keep up (conflation) is still written the events of the ticks it
 * skips, after the {@code GapNotice}.
 * Each tick is copied <b>once</b> per distinct filter, already framed: server frames are unmasked, so the WebSocket
 * header ({@link BinaryFrameHeader}) and payload are the same bytes for every client, and every subscriber is
 * written a retained duplicate. The listener thread does nothing per subscriber: it appends to the tail and wakes at
 * most one task per event loop, which finds in the tail every tick its subscriptions have not been sent yet. So the
 * live stream, a catch-up from the in-memory tail and the hand-over from a journal replay are one mechanism: a
 * subscription's next sequence, written when present and writable ({@link FeedSubscription#pump}).
 * <p>
 * <b>Threads.</b> {@link #onCatalog}, {@link #onTick} and {@link #onEnd} run on the simulation's listener thread.
 * {@link #add}/{@link #remove} run on the subscription's event loop; lanes are created by CAS and each lane's
 * subscriptions array and frame counter are written only by its own event loop. Filters are shared under a lock
 * (subscribe time only).
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
    private static final VarHandle LANE_FRAMES_SENT;

    static {
        try {
            LANES = MethodHandles.lookup().findVarHandle(Broadcaster.class, "lanes", Lane[].class);
            LANE_FRAMES_SENT = MethodHandles.lookup().findVarHandle(Lane.class, "framesSent", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long simulationId;
    private final String name;
    private final long tickLengthNs;
    /** The catalog as subscribers are sent it, and what it names: replaced whole when an observed run grows. */
    private volatile CatalogView view;
    private CatalogUpdates merged; // listener thread only (and the constructor)
    private final Path journalDir;
    private final TickTail tail;
    private final Runnable onEnded;
    private final boolean pacedBySubscribers;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final LongAdder slowReaderDisconnects = new LongAdder();
    private final Map<String, FilterUse> filterUses = new HashMap<>(); // under itself

    private volatile Lane[] lanes = NO_LANES; // swapped through LANES
    private volatile ServiceFilter[] filters = NO_FILTERS;

    private int unannounced; // listener thread only
    private TickFrames current; // the tick last appended, whose events arrive next; listener thread only
    private final int[] eventServices = new int[2]; // listener thread only

    // The ticks on offer: published (written by the listener thread after the tail), and from where. A replay that
    // seeks moves them (restartAt); a run only appends.
    private volatile long published = -1;
    private volatile long firstSequence;
    private volatile long epochStart;
    private volatile long epoch;

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
        this(simulationId, catalog, journalDir, tailTicks, tailBytes, onEnded, false, 0);
    }

    /**
     * As the other constructor, for a journal replay ({@link JournalPlayer}).
     *
     * @param pacedBySubscribers true if the source waits for the slowest subscription (a replay at speed max): a
     *                           subscription that cannot write then only pauses, it is never conflated or
     *                           disconnected as a slow reader.
     * @param firstSequence      the first tick on offer (earlier ones are refused with SEQUENCE_UNAVAILABLE).
     */
    Broadcaster(final long simulationId, final byte[] catalog, final Path journalDir, final int tailTicks,
                final long tailBytes, final Runnable onEnded, final boolean pacedBySubscribers,
                final long firstSequence) {
        this.pacedBySubscribers = pacedBySubscribers;
        this.firstSequence = firstSequence;
        this.epochStart = firstSequence;
        this.published = firstSequence - 1;
        this.simulationId = simulationId;
        this.journalDir = journalDir;
        this.tail = new TickTail(tailTicks, tailBytes);
        this.onEnded = onEnded;
        final UnsafeBuffer buffer = new UnsafeBuffer(catalog);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        final CatalogDecoder decoder = new CatalogDecoder()
            .wrap(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        this.tickLengthNs = decoder.tickLengthNs();
        final Map<String, Integer> ids = new HashMap<>();
        for (final CatalogDecoder.ServicesDecoder s : decoder.services()) {
            final int id = s.serviceId();
            ids.put(s.name(), id);
        }
        if (decoder.actingVersion() >= 2) {
            for (final CatalogDecoder.SourcesDecoder s : decoder.sources()) {
                s.skipName();
            }
        }
        this.name = decoder.simulationName();
        this.merged = CatalogUpdates.of(catalog);
        this.view = new CatalogView(catalog.clone(), null, 0, Map.copyOf(ids), Map.of(), new Update[0], List.of());
    }

    /**
     * An observed run's feed from its journal: its rows described ({@code series}, a {@code CatalogUpdate} of them
     * all, from {@code JournalReader#series()}); subscribers are sent it after the catalog. Before any subscriber.
     */
    void describe(final byte[] series) {
        if (series != null) {
            onCatalogUpdate(new UnsafeBuffer(series), 0, series.length);
        }
    }

    /**
     * The feed of a journal replayed as a simulation of its own ({@link JournalPlayer}): ticks {@code firstSequence}
     * on, appended by the player; {@code pacedBySubscribers} for a replay at speed max (see the constructor).
     */
    static Broadcaster ofReplay(final long simulationId, final byte[] catalog, final Path journalDir,
                                final int tailTicks, final long tailBytes, final boolean pacedBySubscribers,
                                final long firstSequence) {
        return new Broadcaster(simulationId, catalog, journalDir, tailTicks, tailBytes, null, pacedBySubscribers,
            firstSequence);
    }

    /**
     * The feed of a run that ended, known only by its journal (an earlier server's, or one forgotten): ticks
     * {@code firstTick..lastTick}, all read from the journal, then {@code SimulationEnd} with {@code reason}.
     */
    static Broadcaster ofEndedJournal(final long simulationId, final byte[] catalog, final byte[] series,
                                      final Path journalDir, final long firstTick, final long lastTick,
                                      final EndReason reason) {
        final Broadcaster feed = new Broadcaster(simulationId, catalog, journalDir, 2, 1, null);
        feed.describe(series);
        feed.retainFrom(firstTick); // retention may have deleted its first cycles
        feed.onEnd(lastTick, reason);
        return feed;
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

    /** Its {@code Catalog} message, naming every row so far (the caller must not change it). */
    byte[] catalog() {
        return view.catalog;
    }

    /** The catalog and what it describes, as one consistent view. Any thread. */
    CatalogView view() {
        return view;
    }

    /** The catalog id of the service (or an observed run's row) called {@code name}, or null. */
    Integer serviceId(final String name) {
        return view.ids.get(name);
    }

    /** Whether this is an observed run's feed (its rows are series of sources, described by CatalogUpdates). */
    boolean observed() {
        return view.series != null;
    }

    /**
     * The rows a subscription must have been described before it is sent {@code tick}: those announced by then (an
     * update's fromTick at or before it), at least {@code rowsKnown}. Any thread.
     */
    int rowsBefore(final int rowsKnown, final long tick) {
        int rows = rowsKnown;
        for (final Update u : view.updates) {
            if (u.fromTick <= tick && u.rowsAfter > rows) {
                rows = u.rowsAfter;
            }
        }
        return rows;
    }

    /** A {@code CatalogUpdate} describing rows {@code from..to-1}, fromTick {@code tick}. Allocates (rare). */
    byte[] describeRows(final int from, final int to, final long tick) {
        return CatalogUpdates.encodeSeries(simulationId, tick, view.describedRows.subList(from, to));
    }

    /** Where the run is journaled; null if it is not. */
    Path journalDir() {
        return journalDir;
    }

    TickTail tail() {
        return tail;
    }

    /**
     * Frames of this feed written to its subscriptions so far: ticks, gap notices, heartbeats and the end (replies to
     * a connection's requests are that connection's, in {@code GET /connections}). A racy sum of one counter per
     * event loop, each written by its loop only: for reporting.
     */
    public long framesSent() {
        long n = 0;
        for (final Lane lane : lanes) {
            n += (long)LANE_FRAMES_SENT.getOpaque(lane);
        }
        return n;
    }

    /** Subscriptions closed (1008) for not reading fast enough. */
    public long slowReaderDisconnects() {
        return slowReaderDisconnects.sum();
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
        return ended ? lastTick : published;
    }

    /** The first tick a subscription may ask for: 0 for a run, the replayed range's start (or seek) for a replay. */
    long firstSequence() {
        return firstSequence;
    }

    /** Retention deleted the journal's ticks before {@code first}: refuse resumes from before it. Any thread. */
    void retainFrom(final long first) {
        if (first > firstSequence) {
            firstSequence = first;
        }
    }

    /**
     * The first tick of the current epoch: a subscription owed an earlier tick skips to it with a {@code GapNotice}
     * (a replay seeked forward).
     */
    long epochStart() {
        return epochStart;
    }

    /** Changes when a replay seeks backwards: subscriptions of an earlier epoch are over. */
    long epoch() {
        return epoch;
    }

    /** Whether the source waits for the slowest subscription (a replay at speed max): no slow-reader policy then. */
    boolean pacedBySubscribers() {
        return pacedBySubscribers;
    }

    /**
     * The lowest next sequence of the subscriptions, or {@code none} if there is no subscription. Any thread (racy,
     * which only makes a paced source wait a little more or less).
     */
    long slowestNextSequence(final long none) {
        long min = Long.MAX_VALUE;
        for (final Lane lane : lanes) {
            for (final FeedSubscription s : lane.subscriptions) {
                min = Math.min(min, s.progress());
            }
        }
        return min == Long.MAX_VALUE ? none : min;
    }

    /**
     * A replay continues at {@code tick}: forward, subscriptions owed earlier ticks are sent a {@code GapNotice} up
     * to it; {@code backward} (at or before a tick already published), a new epoch starts and every subscription of
     * the old one ends with an {@code Error}. The next {@link #onTick} is {@code tick}. Listener thread.
     */
    void restartAt(final long tick, final boolean backward) {
        if (backward) {
            epoch = epoch + 1; // first: a subscription that sees the new range also sees the new epoch
            firstSequence = tick;
        }
        epochStart = tick;
        tail.clear();
        current = null;
        published = tick - 1;
        wakeLanes();
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
        return acquireFilter(new ServiceFilter(serviceIds));
    }

    /**
     * The shared filter for an observed run's subscription: the rows {@code names} name, and every row of each
     * source it names, present and to come.
     */
    ServiceFilter acquireFilter(final List<String> names) {
        synchronized (filterUses) {
            final CatalogView v = view;
            final List<Integer> ids = new ArrayList<>();
            final List<String> sources = new ArrayList<>();
            for (final String n : names) {
                final Integer id = v.ids.get(n);
                if (id != null) {
                    ids.add(id);
                } else {
                    sources.add(n);
                }
            }
            final ServiceFilter filter = new ServiceFilter(ids.stream().mapToInt(Integer::intValue).toArray(),
                sources);
            filter.extend(v.bySource);
            return acquireFilter(filter);
        }
    }

    private ServiceFilter acquireFilter(final ServiceFilter wanted) {
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

    /** The lane of {@code loop}, created if it has none yet: where its subscriptions count their frames. Any thread. */
    Lane lane(final EventLoop loop) {
        return laneOf(loop);
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

    /**
     * An observed run's new rows: the catalog new subscribers get names them, the series message describes them,
     * service filters naming their source take them, and subscriptions are sent an update before the first tick
     * that may hold them ({@link #rowsBefore}). Listener thread; rare, allocates.
     */
    @Override
    public void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
        final CatalogView before = view;
        merged = merged.plus(buffer, offset, length);
        final Map<String, Integer> ids = new HashMap<>(before.ids);
        final Map<String, int[]> bySource = new HashMap<>();
        for (final CatalogUpdates.Series s : merged.seriesList()) {
            ids.put(s.name(), s.serviceId());
            final int[] known = bySource.getOrDefault(s.source(), new int[0]);
            final int[] more = Arrays.copyOf(known, known.length + 1);
            more[known.length] = s.serviceId();
            bySource.put(s.source(), more);
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        final long fromTick = new CatalogUpdateDecoder().wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version()).fromTick();
        final Update[] updates = Arrays.copyOf(before.updates, before.updates.length + 1);
        updates[before.updates.length] = new Update(fromTick, merged.rows());
        final CatalogView next = new CatalogView(merged.catalog(), merged.series(), merged.rows(), Map.copyOf(ids),
            Map.copyOf(bySource), updates, merged.seriesList());
        synchronized (filterUses) {
            for (final FilterUse use : filterUses.values()) {
                use.filter.extend(bySource);
            }
            view = next;
        }
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
        final TickFrames frames = new TickFrames(tick, all, inUse, filtered);
        current = frames;
        tail.append(frames);
        published = tick;
        if (endOfBatch || ++unannounced >= WAKE_EVERY_TICKS) {
            unannounced = 0;
            wakeLanes();
        }
    }

    /** An event of the tick last published: framed, added to it, and the lanes woken (events are rare). */
    @Override
    public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
        final TickFrames frames = current;
        if (frames == null || frames.tick != tick) {
            throw new IllegalStateException("an event of tick " + tick + " after tick "
                + (frames == null ? "none" : frames.tick));
        }
        EventMessages.services(buffer, offset, eventServices);
        final ByteBuf frame = TickFrames.encodeEvent(alloc, buffer, offset, length);
        frames.addEvent(frame, eventServices[0], eventServices[1]);
        tail.addBytes(frame.readableBytes());
        wakeLanes();
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
     * Drop the in-memory tail of an ended run: a journaled run's subscribers read its ticks from the journal from
     * here on; an unjournaled one keeps its last tick, which a late subscriber gets as its snapshot before the end.
     * For a run the registry keeps after its end (a server keeps many). Any thread once {@link #ended()}.
     */
    void releaseTail() {
        if (!ended) {
            return;
        }
        if (journalDir != null) {
            tail.clear();
        } else {
            tail.clearAllButNewest();
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

    /** An announcement: from tick {@code fromTick} on, ticks may hold rows below {@code rowsAfter}. */
    record Update(long fromTick, int rowsAfter) {
    }

    /**
     * What subscribers are sent first and what names resolve to, at one moment: the catalog (its services named),
     * an observed run's series message (null for a simulation), rows described, names to ids, sources to their rows,
     * the announcements so far, the rows described.
     */
    record CatalogView(byte[] catalog, byte[] series, int rows, Map<String, Integer> ids, Map<String, int[]> bySource,
                       Update[] updates, List<CatalogUpdates.Series> describedRows) {
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
    static final class Lane implements Runnable {
        final EventLoop loop;
        final AtomicBoolean scheduled = new AtomicBoolean();
        volatile FeedSubscription[] subscriptions = new FeedSubscription[0]; // written by `loop` only
        @SuppressWarnings("unused") // through LANE_FRAMES_SENT
        private long framesSent; // written by `loop` only; read racily by framesSent()

        Lane(final EventLoop loop) {
            this.loop = loop;
        }

        /** Frames written by a subscription on this lane. <b>On {@link #loop}</b>: one writer, no atomic add. */
        void countFrames(final int n) {
            LANE_FRAMES_SENT.setOpaque(this, framesSent + n);
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
