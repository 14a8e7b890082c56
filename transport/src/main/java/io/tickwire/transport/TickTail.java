package io.tickwire.transport;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent ticks of one simulation, framed ({@link TickFrames}): what live subscribers are written from, and
 * what a subscriber resuming from a recent sequence is served from without touching the journal. Bounded by a count
 * (a power of two) and by bytes: the oldest ticks are evicted first.
 * <p>
 * <b>Threads.</b> One writer, the broadcaster's listener thread ({@link #append}, {@link #clear}); any number of
 * readers ({@link #retain}, {@link #newest}, {@link #oldest}), lock-free. {@link #newest} is published after the
 * tick's slot, so a reader that sees it finds the tick (unless it has been evicted since, which {@link #retain}
 * reports as a miss).
 */
final class TickTail {
    private final AtomicReferenceArray<TickFrames> slots;
    private final int mask;
    private final long maxBytes;
    private volatile long oldest;
    private volatile long newest = -1;
    private long bytes; // listener thread only

    /**
     * @param capacity ticks held at most, a power of two.
     * @param maxBytes bytes held at most (beyond one tick, which is always held).
     */
    TickTail(final int capacity, final long maxBytes) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        this.slots = new AtomicReferenceArray<>(capacity);
        this.mask = capacity - 1;
        this.maxBytes = maxBytes;
    }

    /** The latest tick appended, or -1. */
    long newest() {
        return newest;
    }

    /** The oldest tick held; more than {@link #newest} when none is. */
    long oldest() {
        return oldest;
    }

    /** Append the next tick (consecutive), evicting as needed. Listener thread; takes over the caller's reference. */
    void append(final TickFrames frames) {
        long first = oldest;
        long last = newest;
        if (last < first) {
            first = frames.tick; // empty: start here
            oldest = first;
        } else if (frames.tick != last + 1) {
            throw new IllegalStateException("tick " + frames.tick + " after " + last);
        }
        while (last >= first && (frames.tick - first >= slots.length() || bytes + frames.bytes > maxBytes)) {
            first = evictOldest(first);
        }
        slots.set((int)(frames.tick & mask), frames);
        bytes += frames.bytes;
        newest = frames.tick;
    }

    /** Account for {@code n} bytes added to the newest tick (its events). Listener thread. */
    void addBytes(final int n) {
        bytes += n;
    }

    /** The frames of {@code tick} with a reference taken (release it), or null if not held. Any thread. */
    TickFrames retain(final long tick) {
        if (tick > newest || tick < oldest) {
            return null;
        }
        final TickFrames frames = slots.get((int)(tick & mask));
        if (frames == null || frames.tick != tick || !frames.tryRetain()) {
            return null;
        }
        return frames;
    }

    /** Drop every tick; later appends continue from the next. Listener thread. */
    void clear() {
        long first = oldest;
        final long last = newest;
        while (first <= last) {
            first = evictOldest(first);
        }
    }

    /**
     * Drop every tick but the newest (an ended run's last state, for a late subscriber's snapshot). Threads as
     * {@link #clear}.
     */
    void clearAllButNewest() {
        long first = oldest;
        final long last = newest;
        while (first < last) {
            first = evictOldest(first);
        }
    }

    private long evictOldest(final long first) {
        oldest = first + 1; // readers looking for it miss from here on
        final TickFrames evicted = slots.getAndSet((int)(first & mask), null);
        if (evicted != null) {
            bytes -= evicted.bytes;
            evicted.release();
        }
        return first + 1;
    }
}
