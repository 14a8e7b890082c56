package io.tickwire.engine.control;

import io.tickwire.codec.TickHistogram;

import java.util.Arrays;

/**
 * The figures of the last closed ticks of every autoscaled service, kept by the aggregator for the control plane:
 * per service a preallocated ring of per-tick figures (exact integrals and counts, replicas) and of each tick's
 * latency buckets, so that p95 and p99 over a window are those of the window's merged histogram (merged when read, at
 * a decision), never an average of percentiles.
 * <pre>
 *   aggregator thread                                  orchestrator thread (control plane)
 *   record(s, tick, ...) as each tick is staged   ──►  at a decision for tick T, once the aggregator has published
 *   (ticks of one service arrive in order)             that it closed tick T - 1: read(s, T - W, T - 1, into)
 * </pre>
 * <b>Threads.</b> One writer, the aggregator; one reader, the orchestrator, which reads a service only when every
 * tick it reads is closed and the next is not yet issued (the orchestrator issues it after reading): the aggregator's
 * closed-tick sequence, written after these figures, orders them before the read. Nothing here is written while it
 * is read. Steady state allocates nothing (the histogram's per-tick lists grow to the largest tick seen).
 */
public final class ClosedTickWindow {
    private final Ring[] rings;

    /**
     * @param serviceCount every service of the diagram.
     * @param windowTicks  per service, the ticks its autoscaler reads at most; 0 for a service that is not tracked.
     */
    public ClosedTickWindow(final int serviceCount, final int[] windowTicks) {
        rings = new Ring[serviceCount];
        for (int s = 0; s < serviceCount; s++) {
            if (windowTicks[s] > 0) {
                rings[s] = new Ring(windowTicks[s]);
            }
        }
    }

    public boolean tracks(final int service) {
        return service < rings.length && rings[service] != null;
    }

    /** The most ticks a window of {@code service} may span. */
    public int windowTicks(final int service) {
        return rings[service].mask + 1;
    }

    /**
     * One closed (staged) tick of {@code service}, in tick order; a service that is not tracked is ignored.
     * Aggregator thread.
     *
     * @param readyServerNs integral of the ready replicas' servers over the tick, server-ns.
     * @param replicaServers servers of one replica at the tick's end.
     * @param histogram     the tick's latency histogram, before it is reset.
     */
    public void record(final int service, final long tick, final long arrivals, final long completed,
                       final long errors, final long busyNs, final long queueNs, final long readyServerNs,
                       final int replicaServers, final int replicas, final int readyReplicas, final long maxNs,
                       final TickHistogram histogram) {
        final Ring r = rings[service];
        if (r != null) {
            r.record(tick, arrivals, completed, errors, busyNs, queueNs, readyServerNs, replicaServers, replicas,
                readyReplicas, maxNs, histogram);
        }
    }

    /**
     * The figures of ticks {@code firstTick..lastTick} of {@code service} (those recorded), into {@code into}.
     * Control plane's thread, once {@code lastTick} is closed; at most {@link #windowTicks} ticks.
     */
    public void read(final int service, final long firstTick, final long lastTick, final long tickLengthNs,
                     final WindowMetrics into) {
        rings[service].read(Math.max(0, firstTick), lastTick, tickLengthNs, into);
    }

    /** A service's ring of per-tick figures and buckets: at least the window asked for, a power of two. */
    private static final class Ring {
        final int mask;
        final long[] tick;
        final long[] arrivals;
        final long[] completed;
        final long[] errors;
        final long[] busyNs;
        final long[] queueNs;
        final long[] readyServerNs;
        final int[] replicaServers;
        final int[] replicas;
        final int[] ready;
        final long[] maxNs;
        // Each tick's latency buckets; merged when a window is read.
        final MergedBuckets merged = new MergedBuckets();
        final int[][] bucketIndex;
        final long[][] bucketCount;
        final int[] buckets;

        Ring(final int window) {
            final int capacity = Integer.highestOneBit(window) << 1;
            mask = capacity - 1;
            tick = new long[capacity];
            Arrays.fill(tick, -1);
            arrivals = new long[capacity];
            completed = new long[capacity];
            errors = new long[capacity];
            busyNs = new long[capacity];
            queueNs = new long[capacity];
            readyServerNs = new long[capacity];
            replicaServers = new int[capacity];
            replicas = new int[capacity];
            ready = new int[capacity];
            maxNs = new long[capacity];
            bucketIndex = new int[capacity][];
            bucketCount = new long[capacity][];
            buckets = new int[capacity];
            for (int i = 0; i < capacity; i++) {
                bucketIndex[i] = new int[64];
                bucketCount[i] = new long[64];
            }
        }

        void record(final long t, final long a, final long c, final long e, final long busy, final long queue,
                    final long readyServers, final int perReplica, final int provisioned, final int readyNow,
                    final long max, final TickHistogram h) {
            final int at = (int)(t & mask);
            tick[at] = t;
            arrivals[at] = a;
            completed[at] = c;
            errors[at] = e;
            busyNs[at] = busy;
            queueNs[at] = queue;
            readyServerNs[at] = readyServers;
            replicaServers[at] = perReplica;
            replicas[at] = provisioned;
            ready[at] = readyNow;
            maxNs[at] = max;
            final int n = h == null ? 0 : h.distinctBuckets();
            if (bucketIndex[at].length < n) {
                bucketIndex[at] = new int[Integer.highestOneBit(n) << 1];
                bucketCount[at] = new long[bucketIndex[at].length];
            }
            for (int i = 0; i < n; i++) {
                final int index = h.touchedIndex(i);
                bucketIndex[at][i] = index;
                bucketCount[at][i] = h.countAtIndex(index);
            }
            buckets[at] = n;
        }

        void read(final long first, final long last, final long tickLengthNs, final WindowMetrics m) {
            long a = 0;
            long c = 0;
            long e = 0;
            long busy = 0;
            long queue = 0;
            long readyServers = 0;
            long max = 0;
            int ticks = 0;
            for (long t = first; t <= last; t++) {
                final int at = (int)(t & mask);
                if (tick[at] != t) {
                    continue;
                }
                ticks++;
                merged.add(bucketIndex[at], bucketCount[at], buckets[at]);
                a += arrivals[at];
                c += completed[at];
                e += errors[at];
                busy += busyNs[at];
                queue += queueNs[at];
                readyServers += readyServerNs[at];
                max = Math.max(max, maxNs[at]);
            }
            final int end = (int)(last & mask);
            final boolean hasLast = last >= 0 && tick[end] == last;
            m.firstTick = first;
            m.lastTick = last;
            m.spanNs = ticks * tickLengthNs;
            m.arrivals = a;
            m.completed = c;
            m.errors = e;
            m.busyNs = busy;
            m.queueNs = queue;
            m.readyServerNs = readyServers;
            m.replicaServerNs = hasLast ? (long)replicaServers[end] * m.spanNs : 0;
            m.replicas = hasLast ? replicas[end] : 0;
            m.readyReplicas = hasLast ? ready[end] : 0;
            m.p95Ns = merged.percentile(95.0, max);
            m.p99Ns = merged.percentile(99.0, max);
            merged.clear();
        }
    }
}
