package io.tickwire.engine.sim;

import java.util.Arrays;

/**
 * The pending-event set of a discrete-event simulation: a binary min-heap over parallel primitive arrays, ordered by
 * (time, insertion sequence) so that events at equal times run in the order they were scheduled — one fixed rule,
 * hence deterministic runs. Grows by doubling; never allocates once large enough.
 * <p>
 * Two queues may share one insertion counter ({@link #EventQueue(int, EventQueue)}): taking the earlier head of the
 * two by (time, sequence) then runs their events in exactly the order one queue holding both would, while each heap
 * stays small (a kernel keeps its replicas' far-future timers apart from its requests' events).
 * <p>
 * <b>Single-threaded.</b>
 */
final class EventQueue {
    private long[] times;
    private long[] seqs;
    private long[] payloads;
    private int size;
    /** [0]: the next insertion sequence, shared with the queues built to share it. */
    private final long[] nextSeq;
    /** What growing it reserves from; set once, before the run starts. */
    private PendingBudget budget = PendingBudget.UNBOUNDED;

    EventQueue(final int initialCapacity) {
        this(initialCapacity, null);
    }

    /** @param shareSequenceWith a queue whose insertion counter this one shares; null for its own. */
    EventQueue(final int initialCapacity, final EventQueue shareSequenceWith) {
        times = new long[initialCapacity];
        seqs = new long[initialCapacity];
        payloads = new long[initialCapacity];
        nextSeq = shareSequenceWith == null ? new long[1] : shareSequenceWith.nextSeq;
    }

    int size() {
        return size;
    }

    int capacity() {
        return times.length;
    }

    void budget(final PendingBudget budget) {
        this.budget = budget;
    }

    /** Time of the earliest event; only when {@link #size()} &gt; 0. */
    long peekTime() {
        return times[0];
    }

    /** Insertion sequence of the earliest event; only when {@link #size()} &gt; 0. */
    long peekSeq() {
        return seqs[0];
    }

    /** Payload of the earliest event; only when {@link #size()} &gt; 0. */
    long peekPayload() {
        return payloads[0];
    }

    void add(final long time, final long payload) {
        if (size == times.length) {
            grow();
        }
        final long seq = nextSeq[0]++;
        int i = size++;
        // Sift up: move parents down until the slot fits.
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            final long pt = times[parent];
            if (pt < time || (pt == time && seqs[parent] < seq)) {
                break;
            }
            times[i] = pt;
            seqs[i] = seqs[parent];
            payloads[i] = payloads[parent];
            i = parent;
        }
        times[i] = time;
        seqs[i] = seq;
        payloads[i] = payload;
    }

    /** Remove the earliest event; only when {@link #size()} &gt; 0. */
    void removeFirst() {
        final int last = --size;
        if (last == 0) {
            return;
        }
        final long time = times[last];
        final long seq = seqs[last];
        final long payload = payloads[last];
        int i = 0;
        final int half = last >>> 1;
        while (i < half) {
            int child = (i << 1) + 1;
            final int right = child + 1;
            if (right < last && (times[right] < times[child] || (times[right] == times[child] && seqs[right] < seqs[child]))) {
                child = right;
            }
            final long ct = times[child];
            if (time < ct || (time == ct && seq < seqs[child])) {
                break;
            }
            times[i] = ct;
            seqs[i] = seqs[child];
            payloads[i] = payloads[child];
            i = child;
        }
        times[i] = time;
        seqs[i] = seq;
        payloads[i] = payload;
    }

    private void grow() {
        final int capacity = times.length << 1;
        budget.reserve(capacity - times.length);
        times = Arrays.copyOf(times, capacity);
        seqs = Arrays.copyOf(seqs, capacity);
        payloads = Arrays.copyOf(payloads, capacity);
    }
}
