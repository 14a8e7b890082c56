package io.tickwire.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.tickwire.sbe.ConflationPolicy;
import io.tickwire.sbe.ErrorCode;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's subscription to one simulation: the next sequence it is owed, and how it gets there.
 * <p>
 * {@link #pump} writes ticks from {@code nextSequence} on, while the channel is writable: out of the simulation's
 * {@link TickTail} (retained duplicates of the shared frames) when the tail holds them, else out of the journal in
 * bounded batches read on a replay thread ({@link JournalReplay}), whose arrival pumps again. Because every tick is
 * written only when it is the one owed, the hand-over from journal to tail to live ticks has no gap and no duplicate
 * by construction, whatever the run does meanwhile. Once the subscription has caught up (nothing owed), it is live;
 * a live subscription whose channel is not writable when ticks are owed is a slow reader:
 * <ul>
 *   <li>{@code CONFLATE}: nothing more is written for it until the channel is writable again; then a
 *       {@code GapNotice} for the ticks skipped and the latest tick, and on from there;</li>
 *   <li>{@code DISCONNECT}: the connection is closed, 1008.</li>
 * </ul>
 * While catching up (a replay), an unwritable channel only pauses it. After the run's last tick, {@code SimulationEnd}
 * and the subscription is over.
 * <p>
 * <b>Events</b> follow their tick: after writing tick {@code T}, the subscription writes {@code T}'s events as they
 * arrive ({@link TickFrames#addEvent}), and before it writes {@code T + 1} (whose publication means {@code T}'s events
 * are all in) or the end, whatever of them is left. A resume from sequence {@code S} is sent tick {@code S} and every
 * event of ticks {@code >= S}. Conflation skips ticks, never events: the ticks skipped are announced by a
 * {@code GapNotice}, then their events are written, from the tail or, for those it no longer holds, from the journal
 * (nothing more is written until they are); only a run without a journal loses the events of ticks the tail moved
 * past, with the ticks, as the {@code GapNotice} says.
 * <p>
 * <b>Confined to the connection's event loop</b>, but for {@link #eventLoop}.
 */
final class FeedSubscription {
    /** Frames written per {@link #pump} before the rest is left to a task of its own, so that others get a turn. */
    private static final int MAX_FRAMES_PER_PUMP = 256;
    /** When the journal does not hold the owed tick yet (its writer is a little behind), look again after this. */
    private static final long JOURNAL_RETRY_MS = 2;

    private final FeedFrameHandler connection;
    private final ChannelHandlerContext ctx;
    private final FeedRuntime runtime;
    final Broadcaster broadcaster;
    /** Where the frames written for this subscription are counted as the run's ({@link Broadcaster#framesSent}). */
    private final Broadcaster.Lane lane;
    final ServiceFilter filter;
    final ConflationPolicy policy;
    final String services;
    /** The next tick owed: the subscription's {@code fromSequence} at first, then one past the last written. */
    private long nextSequence;
    private final long epoch;
    /** {@link #nextSequence} as other threads may read it (a replay at speed max waits for the slowest). */
    private final AtomicLong progress = new AtomicLong();
    private long lastSent = -1;
    private long lastWriteNanos = System.nanoTime();
    private boolean live;
    private boolean conflating;
    private boolean active = true;
    private boolean replayPending;
    private boolean pumpScheduled;
    private JournalReplay replay;
    private long gapped; // ticks skipped and announced by GapNotices
    /** An observed run's rows this subscription has been described (sent before the ticks that hold more). */
    private int rowsKnown;
    // The tick whose events are being written (the last tick written, or skipped by a gap), and how many of its
    // events have been dealt with (written, or left out by the filter).
    private long eventsTick = -1;
    private int eventsDone;
    // Ticks skipped by a conflation whose events are still to be written, in order: first..last (none: first > last).
    private long skippedFirst;
    private long skippedLast = -1;
    private boolean skippedPending; // their events are being read from the journal
    /** Ticks skipped: those announced, and while conflating those it would skip if it could write now. */
    private volatile long ticksConflated;

    FeedSubscription(final FeedFrameHandler connection, final ChannelHandlerContext ctx, final FeedRuntime runtime,
                     final Broadcaster broadcaster, final ServiceFilter filter, final String services,
                     final ConflationPolicy policy, final long fromSequence, final long epoch,
                     final int rowsKnown) {
        this.connection = connection;
        this.ctx = ctx;
        this.runtime = runtime;
        this.broadcaster = broadcaster;
        this.lane = broadcaster.lane(ctx.channel().eventLoop());
        this.filter = filter;
        this.services = services;
        this.policy = policy;
        this.nextSequence = fromSequence;
        this.epoch = epoch;
        this.rowsKnown = rowsKnown;
        this.progress.set(fromSequence);
    }

    /** The next sequence it is owed, as last published by its event loop. Any thread. */
    long progress() {
        return progress.get();
    }

    /** The connection's event loop. Any thread. */
    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    long simulationId() {
        return broadcaster.simulationId();
    }

    /** The last tick written, -1 for none. */
    long lastSent() {
        return lastSent;
    }

    long nextSequence() {
        return nextSequence;
    }

    /** Write what is owed, as far as the channel takes it; flush once. */
    void pump() {
        pumpScheduled = false;
        if (!active) {
            return;
        }
        if (epoch != broadcaster.epoch()) {
            connection.subscriptionFailed(this, ErrorCode.SEQUENCE_UNAVAILABLE, "replay " + simulationId()
                + " was moved back to tick " + broadcaster.firstSequence() + ": subscribe again (from "
                + broadcaster.firstSequence() + " or -1)");
            return;
        }
        final TickTail tail = broadcaster.tail();
        int written = 0;
        while (true) {
            final long last = broadcaster.lastSequence();
            final long epochStart = broadcaster.epochStart();
            if (nextSequence < epochStart && nextSequence <= last) {
                gap(nextSequence, epochStart - 1); // a replay seeked forward: an announced skip
                nextSequence = epochStart;
            }
            if (nextSequence > last) {
                live = true;
                if (conflating) {
                    conflating = false; // nothing was skipped after all
                }
                if (broadcaster.ended()) {
                    if (nextSequence <= broadcaster.lastSequence()) {
                        continue; // ticks published between our read of last and the end: send them first
                    }
                    written += writeOwedEvents(tail); // the last tick's: all in before the end
                    countFrames(written);
                    end();
                    return;
                }
                written += writeOwedEvents(tail); // those of the last tick that have arrived so far
                break;
            }
            if (!ctx.channel().isWritable()) {
                if (live && !broadcaster.pacedBySubscribers()) {
                    if (policy == ConflationPolicy.DISCONNECT) {
                        countFrames(written);
                        connection.closeSlowReader(this); // flushes what was written, then the close frame
                        return;
                    }
                    conflating = true;
                    ticksConflated = gapped + Math.max(0, last - nextSequence); // the latest is not skipped
                }
                break; // channelWritabilityChanged pumps again
            }
            if (conflating) {
                conflating = false;
                if (last > nextSequence) {
                    written += writeOwedEvents(tail);
                    gap(nextSequence, last - 1);
                    skippedFirst = nextSequence;
                    skippedLast = last - 1;
                    nextSequence = last;
                }
            }
            if (skippedFirst <= skippedLast) {
                final int n = writeSkippedEvents(tail);
                if (n < 0) {
                    break; // being read from the journal: the rest waits for them
                }
                written += n;
            }
            if (written >= MAX_FRAMES_PER_PUMP) {
                schedulePump();
                break;
            }
            final TickFrames frames = tail.retain(nextSequence);
            if (frames != null) {
                announceRows(nextSequence);
                try {
                    written += writeOwedEvents(tail); // the previous tick's: complete now that this one is out
                    final ByteBuf shared = frames.frameFor(filter);
                    final ByteBuf frame = shared != null ? shared.retainedDuplicate()
                        : frames.encodeFor(ctx.alloc(), filter);
                    ctx.write(frame, ctx.voidPromise());
                    eventsTick = nextSequence;
                    eventsDone = 0;
                    written += writeEvents(frames);
                } finally {
                    frames.release();
                }
                sent(nextSequence++);
                written++;
                if (replay != null && !replayPending) {
                    // Caught up with the tail: let go of the journal, whose reader would hold its cycle against
                    // retention for as long as this subscription lives.
                    closeReplay();
                }
                continue;
            }
            if (broadcaster.journalDir() != null) {
                requestReplay();
                break;
            }
            // Neither in memory nor journaled: the ticks are gone (a miss in the tail means it has moved past them).
            final long oldest = tail.oldest();
            if (oldest <= nextSequence) {
                schedulePump(); // evicted as we looked, and the tail has not published its new oldest yet
                break;
            }
            if (policy == ConflationPolicy.DISCONNECT) {
                countFrames(written);
                connection.closeSlowReader(this);
                return;
            }
            // Skip to the oldest tick still held, or past the last when none is (a tail discarded at the run's end).
            final long resumeAt = Math.min(oldest, last + 1);
            gap(nextSequence, resumeAt - 1);
            nextSequence = resumeAt;
        }
        progress.lazySet(nextSequence);
        if (written > 0) {
            countFrames(written);
            ctx.flush();
        }
    }

    /**
     * The events of the ticks a conflation skipped, in tick order: from the tail while it holds them; those it no
     * longer holds from the journal (asked for, and -1 returned: the rest waits), or lost without one.
     *
     * @return frames written, or -1 while waiting for the journal.
     */
    private int writeSkippedEvents(final TickTail tail) {
        if (skippedPending || replayPending) {
            return -1; // what is in flight comes back with a pump
        }
        int written = 0;
        while (skippedFirst <= skippedLast) {
            final TickFrames frames = tail.retain(skippedFirst);
            if (frames == null) {
                final long oldest = Math.min(tail.oldest(), skippedLast + 1);
                if (broadcaster.journalDir() != null && oldest > skippedFirst) {
                    requestSkippedEvents(skippedFirst, oldest - 1);
                    return written > 0 ? written : -1;
                }
                skippedFirst = Math.max(skippedFirst + 1, oldest); // no journal: gone with their ticks
                continue;
            }
            try {
                eventsTick = skippedFirst;
                eventsDone = 0;
                written += writeEvents(frames);
            } finally {
                frames.release();
            }
            skippedFirst++;
        }
        return written;
    }

    /** Read the events of ticks {@code first..last} from the journal, on a replay thread. */
    private void requestSkippedEvents(final long first, final long last) {
        skippedPending = true;
        if (replay == null) {
            replay = new JournalReplay(broadcaster.journalDir(), runtime.replayThreads().next());
        }
        final JournalReplay r = replay;
        try {
            r.thread().execute(() -> {
                List<ByteBuf> events = List.of();
                Throwable failure = null;
                try {
                    events = r.readEvents(first, last, filter, ctx.alloc());
                } catch (final Exception ex) {
                    failure = ex;
                }
                final List<ByteBuf> read = events;
                final Throwable failed = failure;
                try {
                    ctx.executor().execute(() -> onSkippedEvents(first, last, read, failed));
                } catch (final RejectedExecutionException ex) {
                    read.forEach(ByteBuf::release);
                }
            });
        } catch (final RejectedExecutionException ex) {
            skippedPending = false; // shutting down
        }
    }

    /** On the event loop: the events of skipped ticks {@code first..last}, read from the journal. */
    private void onSkippedEvents(final long first, final long last, final List<ByteBuf> events,
                                 final Throwable failure) {
        skippedPending = false;
        if (!active || first != skippedFirst) {
            events.forEach(ByteBuf::release);
            return;
        }
        if (failure != null) {
            connection.subscriptionFailed(this, ErrorCode.INTERNAL, "cannot read the events of ticks " + first + ".."
                + last + " of simulation " + simulationId() + " from its journal: " + failure.getMessage());
            return;
        }
        if (events == null) {
            // The journal does not hold them all yet (its writer is behind): look again shortly.
            skippedPending = true;
            ctx.executor().schedule(() -> {
                skippedPending = false;
                pump();
            }, JOURNAL_RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        for (final ByteBuf event : events) {
            ctx.write(event, ctx.voidPromise());
        }
        countFrames(events.size());
        eventsTick = -1; // these ticks' events are all written; none owed from the tail
        skippedFirst = last + 1;
        ctx.flush();
        pump();
    }

    /** The events of {@link #eventsTick} that arrived since they were last looked at; frames written. */
    private int writeOwedEvents(final TickTail tail) {
        if (eventsTick < 0) {
            return 0;
        }
        final TickFrames frames = tail.retain(eventsTick);
        if (frames == null) {
            return 0; // evicted (or, a journal's tick not in the tail: its events came with it, complete)
        }
        try {
            return writeEvents(frames);
        } finally {
            frames.release();
        }
    }

    /** Write {@code frames}' events from {@link #eventsDone} on, as this subscription's filter keeps them. */
    private int writeEvents(final TickFrames frames) {
        final int n = frames.eventCount();
        int written = 0;
        for (int i = eventsDone; i < n; i++) {
            if (frames.eventFor(i, filter)) {
                ctx.write(frames.event(i).retainedDuplicate(), ctx.voidPromise());
                written++;
            }
        }
        eventsDone = n;
        if (written > 0) {
            lastWriteNanos = System.nanoTime();
        }
        return written;
    }

    /** Send a heartbeat if nothing was written for {@code intervalNs}. @return whether it did (flush then). */
    boolean heartbeatIfIdle(final long nowNanos, final long intervalNs) {
        if (!active || nowNanos - lastWriteNanos < intervalNs || !ctx.channel().isWritable()) {
            return false; // (not writable: a slow reader is not sent more, even heartbeats)
        }
        send(connection.messages().heartbeat(ctx.alloc(), simulationId(), lastSent,
            FeedFrameHandler.epochNanos()));
        lastWriteNanos = nowNanos;
        return true;
    }

    /** Leave: nothing more is written for it. Idempotent. */
    void cancel() {
        if (!active) {
            return;
        }
        active = false;
        broadcaster.remove(this);
        if (filter != null) {
            broadcaster.releaseFilter(filter);
        }
        if (replay != null) {
            closeReplay();
        }
    }

    /** Close the journal reader on its own thread (a Chronicle reader must not change threads). */
    private void closeReplay() {
        final JournalReplay r = replay;
        final boolean settled = broadcaster.ended(); // then its journal does not grow
        replay = null;
        try {
            r.thread().execute(r::close);
        } catch (final RejectedExecutionException ex) {
            r.close();
        }
    }

    private void end() {
        send(connection.messages().simulationEnd(ctx.alloc(), simulationId(), broadcaster.lastSequence(),
            broadcaster.endReason()));
        ctx.flush();
        connection.subscriptionEnded(this);
    }

    private void sent(final long tick) {
        lastSent = tick;
        lastWriteNanos = System.nanoTime();
    }

    private void gap(final long fromSequence, final long toSequence) {
        send(connection.messages().gapNotice(ctx.alloc(), simulationId(), fromSequence, toSequence));
        gapped += toSequence - fromSequence + 1;
        ticksConflated = gapped;
        lastWriteNanos = System.nanoTime();
    }

    /** An observed run's rows new since this subscription was described, before the tick that may hold them. */
    private void announceRows(final long tick) {
        if (rowsKnown < broadcaster.view().rows()) {
            final int rows = broadcaster.rowsBefore(rowsKnown, tick);
            if (rows > rowsKnown) {
                send(FeedMessages.copy(ctx.alloc(), broadcaster.describeRows(rowsKnown, rows, tick)));
                rowsKnown = rows;
            }
        }
    }

    /** Count frames written: on the connection ({@code GET /connections}) and as the run's. */
    private void countFrames(final int n) {
        connection.countFrames(n);
        if (n > 0) {
            lane.countFrames(n);
        }
    }

    /** Write a message of this subscription (not flushed), counted. */
    private void send(final ByteBuf message) {
        connection.send(message); // counts it on the connection
        lane.countFrames(1);
    }

    /** Ticks this subscription skipped (conflated), including those it is skipping now. Any thread. */
    long ticksConflated() {
        return ticksConflated;
    }

    private void schedulePump() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            ctx.executor().execute(this::pump);
        }
    }

    /** Ask a replay thread for the next batch from the journal; at most one in flight. */
    private void requestReplay() {
        if (replayPending) {
            return;
        }
        replayPending = true;
        if (replay == null) {
            replay = new JournalReplay(broadcaster.journalDir(), runtime.replayThreads().next());
        }
        final JournalReplay r = replay;
        final boolean settled = broadcaster.ended(); // then its journal does not grow
        final long fromSequence = nextSequence;
        final FeedServer.Context config = runtime.ctx();
        // Never past the latest tick on offer: a replay's journal holds ticks it has not published yet.
        final int maxTicks = (int)Math.max(1, Math.min(config.replayBatchTicks(),
            broadcaster.lastSequence() - fromSequence + 1));
        try {
            r.thread().execute(() -> {
                List<JournalReplay.Replayed> frames = List.of();
                Throwable failure = null;
                try {
                    frames = r.read(fromSequence, filter, maxTicks, config.replayBatchBytes(), ctx.alloc(), settled);
                } catch (final Exception ex) {
                    failure = ex;
                }
                final List<JournalReplay.Replayed> read = frames;
                final Throwable failed = failure;
                try {
                    ctx.executor().execute(() -> onReplayed(fromSequence, read, failed));
                } catch (final RejectedExecutionException ex) {
                    read.forEach(JournalReplay.Replayed::release);
                }
            });
        } catch (final RejectedExecutionException ex) {
            replayPending = false; // shutting down
        }
    }

    /** On the event loop: a batch from the journal, for ticks from {@code fromSequence}. */
    private void onReplayed(final long fromSequence, final List<JournalReplay.Replayed> frames,
                            final Throwable failure) {
        replayPending = false;
        if (!active || fromSequence != nextSequence) {
            frames.forEach(JournalReplay.Replayed::release);
            if (active) {
                pump();
            }
            return;
        }
        if (failure instanceof JournalReplay.SequenceUnavailableException) {
            connection.subscriptionFailed(this, ErrorCode.SEQUENCE_UNAVAILABLE, failure.getMessage());
            return;
        }
        if (failure != null) {
            connection.subscriptionFailed(this, ErrorCode.INTERNAL, "cannot replay simulation " + simulationId()
                + " from its journal at tick " + fromSequence + ": " + failure.getMessage());
            return;
        }
        if (frames.isEmpty()) {
            // The tick is neither in the tail nor (yet) in the journal: its writer is behind; look again shortly.
            ctx.executor().schedule(this::pump, JOURNAL_RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        int written = writeOwedEvents(broadcaster.tail());
        for (final JournalReplay.Replayed tick : frames) {
            announceRows(nextSequence);
            ctx.write(tick.frame(), ctx.voidPromise());
            for (final ByteBuf event : tick.events()) {
                ctx.write(event, ctx.voidPromise());
            }
            written += 1 + tick.events().size();
            eventsTick = nextSequence;
            eventsDone = tick.eventCount(); // all of them: a replayed tick comes with its events, complete
            sent(nextSequence++);
        }
        countFrames(written);
        ctx.flush();
        pump();
    }
}
