package io.tickwire.client;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.Collection;

/**
 * Per subscription, the last tick delivered and what a hole before the next one is: announced by a
 * {@code GapNotice} (the server conflated ticks for this slow reader), unannounced (a fault) or no hole at all; and
 * ticks at or below the last delivered one, seen after a resume, which are dropped. The counters over all
 * subscriptions are here too.
 * <p>
 * <b>Confined to the client's event loop</b>; the counters are volatile (single writer) so that any thread may read
 * them. {@link #onTick} allocates nothing: subscriptions are found in a primitive-keyed map, and the last one used
 * is remembered (one lookup saved in the common single-simulation case).
 */
final class SequenceTracker {
    /** What {@link #onTick} answers for a tick at or below the last delivered one: drop it. */
    static final long DUPLICATE = -1;

    /** One subscription's delivery state. */
    static final class State {
        final long simulationId;
        /** What to ask for when resuming it; its {@code fromSequence} is replaced by the last delivered + 1. */
        Subscription options;
        /** The last tick delivered, -1 for none. */
        long last = -1;
        /** {@code toSequence} of the last GapNotice, until the tick after it; -1 for none. */
        long announcedTo = -1;
        /** An {@code Unsubscribe} is in flight: do not resume it. */
        boolean leaving;

        State(final long simulationId, final Subscription options) {
            this.simulationId = simulationId;
            this.options = options;
        }

        /** The {@code fromSequence} that continues this subscription: the last delivered + 1, or what it asked. */
        long resumeSequence() {
            return last >= 0 ? last + 1 : options.fromSequence();
        }
    }

    private final Long2ObjectHashMap<State> states = new Long2ObjectHashMap<>();
    /** What the URL subscribed to: the options of a subscription the client did not ask for. */
    private final Subscription autoSubscription;
    private State lastUsed;

    private volatile long gaps;
    private volatile long missedTicks;
    private volatile long conflatedGaps;
    private volatile long conflatedTicks;
    private volatile long duplicatesDropped;
    private volatile long ticksReceived;
    private volatile long lastSequence = -1;

    SequenceTracker(final Subscription autoSubscription) {
        this.autoSubscription = autoSubscription;
    }

    /**
     * A tick of {@code simulationId} arrived.
     *
     * @return {@link #DUPLICATE} to drop it; else the number of ticks missing before it without a GapNotice (0: it
     *         follows, or follows an announced gap), which the caller reports before delivering it.
     */
    long onTick(final long simulationId, final long sequence) {
        State s = lastUsed;
        if (s == null || s.simulationId != simulationId) {
            s = state(simulationId);
            lastUsed = s;
        }
        final long last = s.last;
        long missing = 0;
        if (last >= 0) {
            if (sequence <= last) {
                duplicatesDropped++;
                return DUPLICATE;
            }
            if (sequence != last + 1) {
                if (s.announcedTo >= 0 && sequence == s.announcedTo + 1) {
                    s.announcedTo = -1; // the GapNotice already told of this hole
                } else {
                    missing = sequence - last - 1;
                    gaps++;
                    missedTicks += missing;
                }
            }
        }
        s.last = sequence;
        lastSequence = sequence;
        ticksReceived++;
        return missing;
    }

    /** The server announced that it skipped {@code from..to} of {@code simulationId}. */
    void onGapNotice(final long simulationId, final long from, final long to) {
        state(simulationId).announcedTo = to;
        conflatedGaps++;
        conflatedTicks += to - from + 1;
    }

    /** A {@code Catalog} of {@code simulationId}: the subscription exists from now on, if it did not. */
    void onCatalog(final long simulationId) {
        state(simulationId);
    }

    /**
     * A subscription of {@code simulationId} began: a resume continues its sequence (ticks at or below the last
     * delivered one will be dropped); anything else (new, or replaced by the caller) starts it afresh with
     * {@code options}, or the URL's when the client did not ask.
     */
    void onSubscribed(final long simulationId, final Subscription options, final boolean resumed) {
        State s = states.get(simulationId);
        if (resumed && s != null) {
            s.leaving = false;
        } else {
            if (s == null) {
                s = new State(simulationId, null);
                states.put(simulationId, s);
            }
            s.options = (options != null ? options : autoSubscription).simulationId(simulationId);
            s.last = -1;
            s.announcedTo = -1;
            s.leaving = false;
        }
        lastUsed = null;
    }

    /** An {@code Unsubscribe} of {@code simulationId} was sent: do not resume it. */
    void leaving(final long simulationId) {
        final State s = states.get(simulationId);
        if (s != null) {
            s.leaving = true;
        }
    }

    /** The subscription is over (unsubscribed, ended, refused on resume); its state, or null if there was none. */
    State remove(final long simulationId) {
        final State s = states.remove(simulationId);
        if (s == lastUsed) {
            lastUsed = null;
        }
        return s;
    }

    /** The subscriptions, for resuming them; not to be changed while iterated. */
    Collection<State> states() {
        return states.values();
    }

    /** The connection was lost: nothing is remembered of it but the states. */
    void onDisconnect() {
        lastUsed = null;
    }

    /** Last tick delivered of {@code simulationId}, -1 for none or when not subscribed. */
    long lastDelivered(final long simulationId) {
        final State s = states.get(simulationId);
        return s == null ? -1 : s.last;
    }

    long gaps() {
        return gaps;
    }

    long missedTicks() {
        return missedTicks;
    }

    long conflatedGaps() {
        return conflatedGaps;
    }

    long conflatedTicks() {
        return conflatedTicks;
    }

    long duplicatesDropped() {
        return duplicatesDropped;
    }

    long ticksReceived() {
        return ticksReceived;
    }

    long lastSequence() {
        return lastSequence;
    }

    /** The state of {@code simulationId}, made on first sight (an auto-subscription of an older server). */
    private State state(final long simulationId) {
        State s = states.get(simulationId);
        if (s == null) {
            s = new State(simulationId, autoSubscription.simulationId(simulationId));
            states.put(simulationId, s);
        }
        return s;
    }
}
