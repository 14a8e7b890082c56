package io.tickwire.transport;

import io.tickwire.engine.TickListener;
import io.tickwire.journal.JournalReader;
import io.tickwire.sbe.MessageHeaderDecoder;
import io.tickwire.sbe.TickSummaryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays a journal into a {@link Broadcaster} as if it were a run: the replay of {@code tickwire replay}. The ticks
 * are the journal's bytes, published through {@link Broadcaster#onTick} exactly as a live run's are, so subscribers
 * get the same frames, catalog and sequence numbers (tick numbers) as the run's own subscribers got.
 * <pre>
 *   player thread (one, its own):  JournalReader.next ─► wait for the tick's time ─► Broadcaster.onTick
 *                                  (paced: start + (simTime(k) − simTime(base)) / speed on the wall clock;
 *                                   max: while the slowest subscription is less than a window behind)
 *   control (REST, any thread):    pause / resume / seek / speed: flags the player thread reads between ticks
 * </pre>
 * Pacing is computed from a base (wall, simulated) pair, never by adding sleeps, so no drift accumulates; the base
 * is reset on start, resume and seek. At speed max the player respects back pressure: it publishes tick k only once
 * every subscription has been sent every tick before k minus a window (half the in-memory tail), and the
 * broadcaster is marked {@linkplain Broadcaster#pacedBySubscribers() paced by its subscribers}, so a slow reader
 * pauses the replay instead of being conflated: nothing is dropped.
 * <p>
 * <b>Seek</b> (between two ticks, on the player thread): forward, the next tick published is the target and every
 * subscription is sent a {@code GapNotice} for the ticks skipped (an announced gap); backward, the broadcaster starts a
 * new epoch ({@link Broadcaster#restartAt}) and every subscription of the old one ends with
 * {@code Error SEQUENCE_UNAVAILABLE} naming the new position: sequence numbers on a subscription never go back.
 * <p>
 * <b>Threads.</b> The Chronicle reader is opened, used and closed on the player thread only. The control methods
 * and the getters may be called from any thread.
 */
public final class JournalPlayer implements AutoCloseable {
    private static final long NONE = Long.MIN_VALUE;
    /** Longest park while waiting, so that pause, seek and close are noticed promptly. */
    private static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long BACK_PRESSURE_PARK_NS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final int SIM_TIME_OFFSET =
        MessageHeaderDecoder.ENCODED_LENGTH + TickSummaryDecoder.simTimeNsEncodingOffset();

    private final Path directory;
    private final Broadcaster broadcaster;
    private final long firstTick;
    private final long lastTick;
    private volatile double speed;
    private final int maxAhead;
    private final TickListener.EndReason endReason;
    private final long tickLengthNs;
    private final Thread thread;
    private final CountDownLatch finished = new CountDownLatch(1);

    private final AtomicLong seekRequest = new AtomicLong(NONE);
    private volatile boolean rebase; // the speed changed: pace from the next tick on
    private volatile boolean paused;
    private volatile boolean closed;
    private volatile long position = -1; // last tick published
    private volatile boolean ended;
    private volatile Throwable failure;

    // Player thread only: the tick read and waiting for its time (a copy: the journal's memory is valid only during
    // the read).
    private final UnsafeBuffer tick = new UnsafeBuffer(new byte[4096]);
    private int heldLength;
    private long heldTick;

    /**
     * @param directory    the journal.
     * @param broadcaster  the feed to publish into; its catalog is the journal's.
     * @param reader       the journal, open (to learn its tick length and end reason; the caller closes it).
     * @param from         first tick to play (within the journal).
     * @param to           last tick to play, inclusive.
     * @param speed        simulated seconds per wall-clock second; {@link Double#POSITIVE_INFINITY} for max.
     * @param maxAhead     at speed max, ticks the player may be ahead of the slowest subscription.
     */
    JournalPlayer(final Path directory, final Broadcaster broadcaster, final JournalReader reader, final long from,
                  final long to, final double speed, final int maxAhead) {
        this.directory = directory;
        this.broadcaster = broadcaster;
        this.firstTick = from;
        this.lastTick = to;
        this.speed = speed;
        this.maxAhead = Math.max(1, maxAhead);
        this.tickLengthNs = reader.tickLengthNs();
        this.endReason = TickListener.EndReason.of(reader.endReason());
        this.thread = new Thread(this::play, "tw-player-" + broadcaster.simulationId());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    public long simulationId() {
        return broadcaster.simulationId();
    }

    public Path directory() {
        return directory;
    }

    /** The first tick of the replayed range. */
    public long firstTick() {
        return firstTick;
    }

    /** The last tick of the replayed range (inclusive). */
    public long lastTick() {
        return lastTick;
    }

    public long tickLengthNs() {
        return tickLengthNs;
    }

    /** Simulated seconds per wall-clock second; infinite for max. */
    public double speed() {
        return speed;
    }

    /** The last tick published, -1 before the first. */
    public long position() {
        return position;
    }

    public boolean paused() {
        return paused;
    }

    /** True once the last tick and the end have been published (or the player failed or was closed). */
    public boolean ended() {
        return ended;
    }

    /** Why the player stopped early, or null. */
    public Throwable failure() {
        return failure;
    }

    public Broadcaster broadcaster() {
        return broadcaster;
    }

    /** Hold the next tick until {@link #resume}. Any thread. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
        LockSupport.unpark(thread);
    }

    /**
     * Play from {@code tick} next (applied between two ticks, on the player thread).
     *
     * @throws IllegalArgumentException if {@code tick} is outside the replayed range.
     */
    public void seek(final long tick) {
        if (tick < firstTick || tick > lastTick) {
            throw new IllegalArgumentException("tick " + tick + " is not in the replay (ticks " + firstTick + ".."
                + lastTick + ")");
        }
        seekRequest.set(tick);
        LockSupport.unpark(thread);
    }

    /**
     * Play on at {@code newSpeed} from the next tick (the pacing base is reset there, as on resume). A paced replay
     * stays paced and a replay at speed max stays at max: the feed treats their slow readers differently (see the
     * class comment), which is fixed when the replay starts. Any thread.
     *
     * @throws IllegalArgumentException if {@code newSpeed} is not a finite speed &gt; 0, or this replay runs at max.
     */
    public void speed(final double newSpeed) {
        if (Double.isInfinite(speed)) {
            throw new IllegalArgumentException("replay " + simulationId() + " runs at speed max, which it keeps");
        }
        if (!(newSpeed > 0) || Double.isInfinite(newSpeed)) {
            throw new IllegalArgumentException("speed must be a number > 0, got " + newSpeed);
        }
        speed = newSpeed;
        rebase = true;
        LockSupport.unpark(thread);
    }

    /** The first tick starting at or after {@code simNs} of simulated time, as {@code TickLocator} finds it. */
    public long tickAtTime(final long simNs) {
        final long tick = Math.max(firstTick, -Math.floorDiv(-Math.max(simNs, 0), tickLengthNs));
        if (tick > lastTick) {
            throw new IllegalArgumentException("time " + simNs + " ns is after the replay's last tick (" + lastTick
                + ")");
        }
        return tick;
    }

    /** Wait for the end. @return whether it ended in time. */
    public boolean awaitEnd(final long timeout, final TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** Stop playing: the subscribers get {@code SimulationEnd} STOPPED after the tick in hand. Any thread. */
    public void stop() {
        closed = true;
        LockSupport.unpark(thread);
    }

    /** {@link #stop}, and wait for the player thread (a few seconds at most). */
    @Override
    public void close() {
        stop();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void hold(final DirectBuffer buffer, final int offset, final int length, final long tickNumber) {
        if (tick.capacity() < length) {
            tick.wrap(new byte[Math.max(length, tick.capacity() * 2)]);
        }
        tick.putBytes(0, buffer, offset, length);
        heldLength = length;
        heldTick = tickNumber;
    }

    /** Ticks are held for their time; the events after a published tick are published at once. Player thread. */
    private final JournalReader.RecordHandler records = new JournalReader.RecordHandler() {
        @Override
        public void onTick(final DirectBuffer buffer, final int offset, final int length, final long tickNumber) {
            hold(buffer, offset, length, tickNumber);
        }

        @Override
        public void onEvent(final DirectBuffer buffer, final int offset, final int length, final long eventTick,
                            final int templateId) {
            if (eventTick == publishingEventsOf) {
                broadcaster.onEvent(buffer, offset, length, eventTick);
            }
        }
    };
    private long publishingEventsOf = NONE; // player thread

    private void play() {
        long last = -1;
        TickListener.EndReason reason = endReason;
        try (JournalReader reader = JournalReader.open(directory)) {
            long baseWall = NONE;
            long baseSim = 0;
            long next = firstTick;
            boolean held = false; // `tick` holds tick `next`, read and waiting for its time
            if (!reader.seek(next)) {
                throw new IllegalStateException("journal " + directory + " does not hold tick " + next);
            }
            while (next <= lastTick) {
                if (closed) {
                    reason = TickListener.EndReason.STOPPED;
                    break;
                }
                final long target = seekRequest.getAndSet(NONE);
                if (target != NONE) {
                    if (!reader.seek(target)) {
                        throw new IllegalStateException("journal " + directory + " no longer holds tick " + target);
                    }
                    broadcaster.restartAt(target, target <= last);
                    next = target;
                    held = false;
                    baseWall = NONE;
                }
                if (paused) {
                    LockSupport.parkNanos(this, MAX_PARK_NS);
                    baseWall = NONE; // paced from where it resumes
                    continue;
                }
                if (rebase) {
                    rebase = false;
                    baseWall = NONE; // a new speed: paced from here
                }
                final double speed = this.speed;
                if (Double.isInfinite(speed) && next - broadcaster.slowestNextSequence(next) >= maxAhead) {
                    LockSupport.parkNanos(this, BACK_PRESSURE_PARK_NS); // the slowest subscription is a window behind
                    continue;
                }
                if (!held) {
                    // The events on the way (the last tick's, journaled after it) are published as they come.
                    publishingEventsOf = last;
                    heldTick = NONE;
                    while (heldTick == NONE) {
                        if (!reader.nextRecord(records)) {
                            throw new IllegalStateException("journal " + directory + " ends before tick " + next);
                        }
                    }
                    if (heldTick != next) {
                        throw new IllegalStateException("journal " + directory + ": tick " + heldTick + " where "
                            + next + " was expected");
                    }
                    held = true;
                }
                if (!Double.isInfinite(speed)) {
                    final long simNs = tick.getLong(SIM_TIME_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    final long now = System.nanoTime();
                    if (baseWall == NONE) {
                        baseWall = now;
                        baseSim = simNs;
                    }
                    final long due = baseWall + (long)((simNs - baseSim) / speed);
                    if (due - now > 0) {
                        LockSupport.parkNanos(this, Math.min(due - now, MAX_PARK_NS));
                        continue;
                    }
                }
                broadcaster.onTick(tick, 0, heldLength, next, true);
                held = false;
                last = next;
                position = next;
                next++;
            }
            if (!closed && last >= 0) {
                // The last tick's events: up to the next tick, or the journal's end.
                publishingEventsOf = last;
                heldTick = NONE;
                while (heldTick == NONE && reader.nextRecord(records)) {
                    // one record at a time
                }
            }
        } catch (final IOException | RuntimeException ex) {
            failure = ex;
            reason = TickListener.EndReason.FAILED;
        } finally {
            broadcaster.onEnd(last, reason);
            ended = true;
            finished.countDown();
        }
    }
}
